import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';

/**
 * The connection token the browser presents when it opens the tunnel. It carries the desktop's address
 * and VNC password, so it is sealed with AES-256-GCM: the device can neither read nor alter it (a token
 * that is only encrypted, as guacamole-lite's CBC format is, can be altered without the key). The broker
 * opens it, checks expiry and single use, and hands the claims to the library itself.
 */
export const TokenClaims = z.object({
  jti: z.string().uuid(),
  userId: z.string(),
  desktopId: z.string(),
  exp: z.number().int(),
  connection: z.object({
    type: z.literal('vnc'),
    guacdHost: z.string(),
    guacdPort: z.number().int(),
    settings: z.record(z.union([z.string(), z.number(), z.boolean()])),
  }),
  /** Set when the pool's policy records this user: the tunnel records what it sends (see recording/). */
  recording: z.object({ poolId: z.string(), retentionDays: z.number().positive() }).optional(),
});
export type TokenClaims = z.infer<typeof TokenClaims>;

const Envelope = z.object({ v: z.literal(2), iv: z.string(), value: z.string(), tag: z.string() });

export function encryptToken(
  key: Buffer,
  claims: Omit<TokenClaims, 'jti' | 'exp'>,
  ttlSeconds: number,
): TokenClaims & { token: string } {
  const full: TokenClaims = { ...claims, jti: randomUUID(), exp: Math.floor(Date.now() / 1000) + ttlSeconds };
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const value = Buffer.concat([cipher.update(JSON.stringify(full), 'utf8'), cipher.final()]);
  const envelope = JSON.stringify({
    v: 2,
    iv: iv.toString('base64'),
    value: value.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  });
  return { ...full, token: Buffer.from(envelope, 'utf8').toString('base64') };
}

/**
 * Returns the claims, or undefined for anything that is not a well-formed, current token of ours. `keys` are
 * the current key and any earlier ones still accepted during a rotation.
 */
export function decryptToken(
  keys: readonly Buffer[],
  token: unknown,
  now = Date.now(),
): TokenClaims | undefined {
  if (typeof token !== 'string' || token.length === 0 || token.length > 8192) return undefined;
  let envelope: z.infer<typeof Envelope>;
  try {
    envelope = Envelope.parse(JSON.parse(Buffer.from(token, 'base64').toString('utf8')));
  } catch {
    return undefined;
  }
  const iv = Buffer.from(envelope.iv, 'base64');
  const tag = Buffer.from(envelope.tag, 'base64');
  if (iv.length !== 12 || tag.length !== 16) return undefined;
  for (const key of keys) {
    const claims = openEnvelope(key, iv, tag, envelope.value);
    if (claims) return claims.exp * 1000 < now ? undefined : claims;
  }
  return undefined;
}

function openEnvelope(key: Buffer, iv: Buffer, tag: Buffer, value: string): TokenClaims | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    decipher.setAuthTag(tag);
    const plain = Buffer.concat([decipher.update(Buffer.from(value, 'base64')), decipher.final()]);
    return TokenClaims.parse(JSON.parse(plain.toString('utf8')));
  } catch {
    return undefined;
  }
}

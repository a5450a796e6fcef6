import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';

/**
 * The connection token the browser presents when it opens the tunnel. It is encrypted with the broker's
 * key in the format guacamole-lite reads (AES-256-CBC, `{iv, value}` in base64 JSON), and carries the
 * desktop's address and VNC password, which the device cannot read. The broker checks expiry and
 * single use itself before the library sees the token.
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
});
export type TokenClaims = z.infer<typeof TokenClaims>;

const Envelope = z.object({ iv: z.string(), value: z.string() });

export function encryptToken(
  key: Buffer,
  claims: Omit<TokenClaims, 'jti' | 'exp'>,
  ttlSeconds: number,
): TokenClaims & { token: string } {
  const full: TokenClaims = { ...claims, jti: randomUUID(), exp: Math.floor(Date.now() / 1000) + ttlSeconds };
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const value = Buffer.concat([cipher.update(JSON.stringify(full), 'utf8'), cipher.final()]);
  const envelope = JSON.stringify({ iv: iv.toString('base64'), value: value.toString('base64') });
  return { ...full, token: Buffer.from(envelope, 'utf8').toString('base64') };
}

/** Returns the claims, or undefined for anything that is not a well-formed, current token of ours. */
export function decryptToken(key: Buffer, token: unknown, now = Date.now()): TokenClaims | undefined {
  if (typeof token !== 'string' || token.length === 0 || token.length > 8192) return undefined;
  try {
    const envelope = Envelope.parse(JSON.parse(Buffer.from(token, 'base64').toString('utf8')));
    const decipher = createDecipheriv('aes-256-cbc', key, Buffer.from(envelope.iv, 'base64'));
    const plain = Buffer.concat([decipher.update(Buffer.from(envelope.value, 'base64')), decipher.final()]);
    const claims = TokenClaims.parse(JSON.parse(plain.toString('utf8')));
    if (claims.exp * 1000 < now) return undefined;
    return claims;
  } catch {
    return undefined;
  }
}

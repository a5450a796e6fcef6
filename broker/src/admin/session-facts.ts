import { createHash } from 'node:crypto';
import type { RedisClientType } from 'redis';
import { z } from 'zod';
import type { SignedInUser } from '../auth/signed-in-user.js';
import type { DeviceType } from './device-type.js';

/**
 * What the console shows of each live session, kept in Redis so any broker instance can list the sessions
 * of all of them. A session is named to the console by a reference derived from its id, never by the id
 * itself, which stays on the server.
 */
export const SessionFact = z.object({
  ref: z.string(),
  userId: z.string(),
  displayName: z.string(),
  organisation: z.string(),
  device: z.enum(['phone', 'tablet', 'pc']),
  desktopId: z.string(),
  poolId: z.string(),
  guacd: z.string(),
  signedInAt: z.coerce.number(),
  connectedAt: z.coerce.number(),
  tunnel: z.enum(['open', 'closed', 'none']),
  instance: z.string().default(''),
  bytesFromDesktop: z.coerce.number().default(0),
  bytesToDesktop: z.coerce.number().default(0),
  droppedFromDesktop: z.coerce.number().default(0),
  droppedFromBrowser: z.coerce.number().default(0),
  updatedAt: z.coerce.number(),
});
export type SessionFact = z.infer<typeof SessionFact>;

export interface TunnelSample {
  bytesFromDesktop: number;
  bytesToDesktop: number;
  droppedFromDesktop: number;
  droppedFromBrowser: number;
}

const INDEX = 'console:sessions';
const factKey = (ref: string): string => `console:session:${ref}`;
const secretKey = (ref: string): string => `console:session-id:${ref}`;

export const sessionRef = (sessionId: string): string =>
  createHash('sha256').update(`console:${sessionId}`).digest('base64url').slice(0, 22);

export class SessionFacts {
  constructor(
    private readonly redis: RedisClientType,
    /** How long a fact outlives its last update; a session whose broker died drops out of the view. */
    private readonly ttlSeconds: number,
  ) {}

  /** Records a session as its desktop is handed out. */
  async connected(
    sessionId: string,
    user: SignedInUser,
    facts: { device: DeviceType; desktopId: string; poolId: string; guacd: string; signedInAt: number },
  ): Promise<string> {
    const ref = sessionRef(sessionId);
    const now = Date.now();
    await this.redis
      .multi()
      .hSet(factKey(ref), {
        ref,
        userId: user.id,
        displayName: user.displayName,
        organisation: user.organisation,
        device: facts.device,
        desktopId: facts.desktopId,
        poolId: facts.poolId,
        guacd: facts.guacd,
        signedInAt: String(facts.signedInAt),
        connectedAt: String(now),
        tunnel: 'none',
        updatedAt: String(now),
      })
      .expire(factKey(ref), this.ttlSeconds)
      .set(secretKey(ref), sessionId, { EX: this.ttlSeconds })
      .zAdd(INDEX, { score: now, value: ref })
      .exec();
    return ref;
  }

  async tunnel(
    sessionId: string,
    state: 'open' | 'closed',
    instance: string,
    sample?: TunnelSample,
  ): Promise<void> {
    const ref = sessionRef(sessionId);
    if (!(await this.redis.exists(factKey(ref)))) return;
    await this.update(ref, { tunnel: state, instance, ...stringify(sample) });
  }

  async sample(sessionId: string, sample: TunnelSample): Promise<void> {
    const ref = sessionRef(sessionId);
    if (!(await this.redis.exists(factKey(ref)))) return;
    await this.update(ref, stringify(sample));
  }

  /** The live sessions, newest activity first; facts of sessions that ended are dropped on the way. */
  async list(): Promise<SessionFact[]> {
    const refs = await this.redis.zRange(INDEX, 0, -1, { REV: true });
    if (refs.length === 0) return [];
    const [hashes, ids] = await Promise.all([
      Promise.all(refs.map((ref) => this.redis.hGetAll(factKey(ref)))),
      this.redis.mGet(refs.map(secretKey)),
    ]);
    const alive = await Promise.all(ids.map((id) => (id ? this.redis.exists(`broker:sess:${id}`) : 0)));
    const facts: SessionFact[] = [];
    const gone: string[] = [];
    for (const [i, ref] of refs.entries()) {
      const parsed = SessionFact.safeParse(hashes[i]);
      if (parsed.success && alive[i]) facts.push(parsed.data);
      else gone.push(ref);
    }
    if (gone.length > 0) await this.forget(gone);
    return facts;
  }

  async get(ref: string): Promise<{ fact: SessionFact; sessionId: string } | undefined> {
    const [hash, sessionId] = await Promise.all([
      this.redis.hGetAll(factKey(ref)),
      this.redis.get(secretKey(ref)),
    ]);
    const parsed = SessionFact.safeParse(hash);
    return parsed.success && sessionId ? { fact: parsed.data, sessionId } : undefined;
  }

  async forget(refs: string[]): Promise<void> {
    await this.redis
      .multi()
      .del(refs.flatMap((ref) => [factKey(ref), secretKey(ref)]))
      .zRem(INDEX, refs)
      .exec();
  }

  /** The live session ids with the pool each works in, for applying a pool's changed policy to them. */
  async sessionsInPool(poolId: string): Promise<{ sessionId: string; signedInAt: number }[]> {
    const found: { sessionId: string; signedInAt: number }[] = [];
    for (const fact of await this.list()) {
      if (fact.poolId !== poolId) continue;
      const sessionId = await this.redis.get(secretKey(fact.ref));
      if (sessionId) found.push({ sessionId, signedInAt: fact.signedInAt });
    }
    return found;
  }

  private async update(ref: string, fields: Record<string, string>): Promise<void> {
    const now = Date.now();
    await this.redis
      .multi()
      .hSet(factKey(ref), { ...fields, updatedAt: String(now) })
      .expire(factKey(ref), this.ttlSeconds)
      .expire(secretKey(ref), this.ttlSeconds)
      .zAdd(INDEX, { score: now, value: ref })
      .exec();
  }
}

function stringify(sample: TunnelSample | undefined): Record<string, string> {
  if (!sample) return {};
  return Object.fromEntries(Object.entries(sample).map(([k, v]) => [k, String(v)]));
}

import type { RedisClientType } from 'redis';
import { z } from 'zod';
import { PoolPolicies, type PoolSettings } from './pool-settings.js';

/**
 * A pool's live settings: its warm size and its policies. Configuration gives the starting values; an
 * administrator's change is kept in Redis, so every broker instance applies it within a second and it
 * survives a restart. Each change bumps the revision, and a change made against an older revision is
 * refused rather than silently overwriting another administrator's.
 */
export const LivePoolSettings = z.object({
  size: z.number().int().min(0).max(1000),
  policies: PoolPolicies,
  revision: z.number().int().min(0),
  changedAt: z.string().optional(),
  changedBy: z.string().optional(),
});
export type LivePoolSettings = z.infer<typeof LivePoolSettings>;

export const PolicyChange = z
  .object({
    size: z.number().int().min(0).max(1000),
    canPaste: z.boolean(),
    idleMinutes: PoolPolicies.shape.idleMinutes.removeDefault(),
    maxSessionHours: PoolPolicies.shape.maxSessionHours.removeDefault(),
    imageVersions: PoolPolicies.shape.imageVersions.removeDefault(),
    recording: PoolPolicies.shape.recording.removeDefault(),
  })
  .partial()
  .strict()
  .refine((change) => Object.keys(change).length > 0, 'nothing to change');
export type PolicyChange = z.infer<typeof PolicyChange>;

const settingsKey = (poolId: string): string => `pool:settings:${poolId}`;

const COMPARE_AND_SET = `
local current = redis.call('GET', KEYS[1])
local revision = 0
if current then revision = cjson.decode(current).revision end
if tostring(revision) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1`;

export class UnknownPoolError extends Error {}

export class PoolPolicyStore {
  private readonly cache = new Map<string, { at: number; value: LivePoolSettings }>();

  constructor(
    private readonly redis: RedisClientType,
    private readonly pools: readonly PoolSettings[],
    private readonly cacheMs = 1000,
  ) {}

  async get(poolId: string): Promise<LivePoolSettings> {
    const cached = this.cache.get(poolId);
    if (cached && Date.now() - cached.at < this.cacheMs) return cached.value;
    const value = await this.read(poolId);
    this.cache.set(poolId, { at: Date.now(), value });
    return value;
  }

  /** Applies a change and returns the settings before and after it. */
  async change(
    poolId: string,
    change: PolicyChange,
    changedBy: string,
  ): Promise<{ before: LivePoolSettings; after: LivePoolSettings }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const before = await this.read(poolId);
      const { size, ...policies } = change;
      const after: LivePoolSettings = {
        size: size ?? before.size,
        policies: { ...before.policies, ...policies },
        revision: before.revision + 1,
        changedAt: new Date().toISOString(),
        changedBy,
      };
      const written = await this.redis.eval(COMPARE_AND_SET, {
        keys: [settingsKey(poolId)],
        arguments: [String(before.revision), JSON.stringify(after)],
      });
      if (written === 1) {
        this.cache.set(poolId, { at: Date.now(), value: after });
        return { before, after };
      }
    }
    throw new Error('the pool settings kept changing; try again');
  }

  private async read(poolId: string): Promise<LivePoolSettings> {
    const pool = this.pools.find((p) => p.id === poolId);
    if (!pool) throw new UnknownPoolError(`no pool ${poolId}`);
    const stored = await this.redis.get(settingsKey(poolId));
    if (stored) {
      const parsed = LivePoolSettings.safeParse(JSON.parse(stored));
      if (parsed.success) return parsed.data;
    }
    return { size: pool.size, policies: pool.policies, revision: 0 };
  }
}

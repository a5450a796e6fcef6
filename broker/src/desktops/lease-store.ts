import { randomBytes } from 'node:crypto';
import type { RedisClientType } from 'redis';
import { z } from 'zod';
import { open, seal } from '../auth/second-factor/secret-box.js';
import { GuacdAddress } from './pool-settings.js';
import type { LeaseEndReason } from './lease-end-messages.js';

/**
 * A user's hold on one desktop, kept in Redis so every broker instance sees it. One user per desktop and
 * one desktop per user: a lease is claimed by a Lua script that sets the user's key and the desktop's key
 * together or not at all. Both keys expire unless a live tunnel's heartbeat extends them, so a desktop
 * whose user went away is wiped and freed without anyone having to remember it.
 */
export const Lease = z.object({
  userId: z.string(),
  desktopId: z.string(),
  poolId: z.string().default('default'),
  /** `starting` while the desktop's session is being started for the user. */
  state: z.enum(['starting', 'active']).default('active'),
  vncPassword: z.string().default(''),
  leasedAt: z.string(),
  /** The guacd instance this lease's tunnel goes through. */
  guacd: GuacdAddress.optional(),
  /** The run of the desktop's agent that started the session (see the agent API). */
  agentRun: z.string().optional(),
});
export type Lease = z.infer<typeof Lease>;

/**
 * A lease as Redis holds it: the VNC password sealed (AES-256-GCM with the broker's secrets key), so that
 * reading Redis, a copy of its data or its traffic gives nobody a way onto a user's desktop.
 */
const StoredLease = Lease.omit({ vncPassword: true }).extend({
  vncPasswordSealed: z.string().default(''),
});

/** The broker's secrets key, and earlier ones still accepted to open what they sealed (decision 0010). */
export interface LeaseSecrets {
  key: Buffer;
  previousKeys: readonly Buffer[];
}

// The user's key keeps the name and the JSON shape the tunnel's revocation check reads (`desktopId`).
export const userLeaseKey = (userId: string): string => `lease:user:${userId}`;
export const desktopLeaseKey = (desktopId: string): string => `lease:desktop:${desktopId}`;
/** Why a user's lease was ended by the broker rather than by the user; read when their tunnel is closed. */
export const leaseEndedKey = (userId: string): string => `lease:ended:${userId}`;

/** A claim that is not made active within this time (a broker stopped half-way) lapses by itself. */
const STARTING_TTL_SECONDS = 60;
const WIPE_LOCK_SECONDS = 60;

// The desktop's key holds `u:<user>` while leased, `w:<token>` while it is being wiped and `x:<record>` once
// it is out of service (a wipe failed), so a user id can never be mistaken for either. The out-of-service
// mark has no expiry: only an administrator's reset removes it, and while it stands no claim can succeed.
const CLAIM = `
local held = redis.call('GET', KEYS[1])
if held then return {0, held} end
if redis.call('SET', KEYS[2], 'u:' .. ARGV[1], 'NX', 'EX', ARGV[3]) then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return {1, ''}
end
return {2, ''}`;

const OWNS = `
local function owns()
  if redis.call('GET', KEYS[2]) ~= 'u:' .. ARGV[1] then return false end
  local held = redis.call('GET', KEYS[1])
  return held and cjson.decode(held).desktopId == ARGV[2]
end`;

const ACTIVATE = `${OWNS}
if not owns() then return 0 end
redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return 1`;

const HEARTBEAT = `${OWNS}
if not owns() then return 0 end
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 1`;

// Extends a lease to at least ARGV[3] seconds; never shortens it, so another live tunnel's heartbeat is
// never undercut.
const HOLD = `${OWNS}
if not owns() then return 0 end
local seconds = tonumber(ARGV[3])
for _, key in ipairs(KEYS) do
  if redis.call('TTL', key) < seconds then redis.call('EXPIRE', key, seconds) end
end
return 1`;

const RELEASE = `
if redis.call('GET', KEYS[1]) ~= 'u:' .. ARGV[1] then return 0 end
redis.call('SET', KEYS[1], 'w:' .. ARGV[2], 'EX', ARGV[3])
return 1`;

const FORGET = `
local held = redis.call('GET', KEYS[1])
if held and cjson.decode(held).desktopId == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const RETURN_TO_SERVICE = `
local held = redis.call('GET', KEYS[1])
if held and string.sub(held, 1, 2) == 'x:' then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Why a desktop is out of service, and since when: what the console shows. */
export const OutOfService = z.object({
  reason: z.literal('wipe-failed'),
  since: z.string(),
  /** The user whose session was on the desktop when its wipe failed, if one was. */
  userId: z.string().optional(),
});
export type OutOfService = z.infer<typeof OutOfService>;

export type ClaimResult =
  { outcome: 'claimed' } | { outcome: 'held'; lease: Lease | undefined } | { outcome: 'taken' };

/** Who holds a desktop's key: a user, a wipe in progress, nobody, or nobody ever again until a reset. */
export type DesktopHolder =
  | { kind: 'user'; userId: string }
  | { kind: 'wiping' }
  | { kind: 'free' }
  | { kind: 'out-of-service'; record: OutOfService };

export class LeaseStore {
  constructor(
    private readonly redis: RedisClientType,
    readonly ttlSeconds: number,
    private readonly secrets: LeaseSecrets,
  ) {}

  async current(userId: string): Promise<Lease | undefined> {
    return this.parse(await this.redis.get(userLeaseKey(userId)));
  }

  /** Claims a desktop for a user who holds none, atomically; the lease starts in the `starting` state. */
  async claim(userId: string, desktopId: string, poolId: string): Promise<ClaimResult> {
    const pending: Lease = {
      userId,
      desktopId,
      poolId,
      state: 'starting',
      vncPassword: '',
      leasedAt: new Date().toISOString(),
    };
    const reply = (await this.redis.eval(CLAIM, {
      keys: [userLeaseKey(userId), desktopLeaseKey(desktopId)],
      arguments: [userId, this.serialize(pending), String(STARTING_TTL_SECONDS)],
    })) as [number, string];
    if (reply[0] === 1) return { outcome: 'claimed' };
    if (reply[0] === 0) return { outcome: 'held', lease: this.parse(reply[1]) };
    return { outcome: 'taken' };
  }

  /** Makes a claimed lease active, with the desktop's VNC password and guacd; false if it was lost meanwhile. */
  async activate(lease: Lease): Promise<boolean> {
    const reply = await this.redis.eval(ACTIVATE, {
      keys: [userLeaseKey(lease.userId), desktopLeaseKey(lease.desktopId)],
      arguments: [lease.userId, lease.desktopId, this.serialize(lease), String(this.ttlSeconds)],
    });
    return reply === 1;
  }

  /** Extends a lease for another time to live; false if the user no longer holds this desktop. */
  async heartbeat(userId: string, desktopId: string): Promise<boolean> {
    const reply = await this.redis.eval(HEARTBEAT, {
      keys: [userLeaseKey(userId), desktopLeaseKey(desktopId)],
      arguments: [userId, desktopId, String(this.ttlSeconds)],
    });
    return reply === 1;
  }

  /** Keeps a lease for at least `seconds` (a longer time to live stays); false if the user no longer holds it. */
  async holdFor(userId: string, desktopId: string, seconds: number): Promise<boolean> {
    const reply = await this.redis.eval(HOLD, {
      keys: [userLeaseKey(userId), desktopLeaseKey(desktopId)],
      arguments: [userId, desktopId, String(Math.ceil(seconds))],
    });
    return reply === 1;
  }

  /**
   * Takes a desktop back from a user: it stays locked for wiping until `unlock` is called with the returned
   * token, so no one can be given it while the previous user's session is still being removed. The user's
   * own key stays until `forget`, so their tunnel learns why it closes (sign-out, say) rather than seeing a
   * lease vanish first.
   */
  async release(userId: string, desktopId: string): Promise<string | undefined> {
    const token = randomBytes(9).toString('base64url');
    const reply = await this.redis.eval(RELEASE, {
      keys: [desktopLeaseKey(desktopId)],
      arguments: [userId, token, String(WIPE_LOCK_SECONDS)],
    });
    return reply === 1 ? token : undefined;
  }

  /** Removes the user's lease record, if it is still for this desktop. */
  async forget(userId: string, desktopId: string): Promise<void> {
    await this.redis.eval(FORGET, { keys: [userLeaseKey(userId)], arguments: [desktopId] });
  }

  /** Locks a desktop nobody holds, for wiping what an expired lease left on it. */
  async lockFree(desktopId: string): Promise<string | undefined> {
    const token = randomBytes(9).toString('base64url');
    const set = await this.redis.set(desktopLeaseKey(desktopId), `w:${token}`, {
      NX: true,
      EX: WIPE_LOCK_SECONDS,
    });
    return set === 'OK' ? token : undefined;
  }

  async unlock(desktopId: string, token: string): Promise<void> {
    await this.redis.eval(UNLOCK, { keys: [desktopLeaseKey(desktopId)], arguments: [`w:${token}`] });
  }

  async holders(desktopIds: readonly string[]): Promise<DesktopHolder[]> {
    if (desktopIds.length === 0) return [];
    const values = await this.redis.mGet(desktopIds.map(desktopLeaseKey));
    return values.map((value) => {
      if (value?.startsWith('u:')) return { kind: 'user', userId: value.slice(2) };
      if (value?.startsWith('x:'))
        return { kind: 'out-of-service', record: parseOutOfService(value.slice(2)) };
      if (value) return { kind: 'wiping' };
      return { kind: 'free' };
    });
  }

  /** Seconds until each desktop's lease (or wipe lock) lapses unless renewed; undefined for a free desktop. */
  async secondsLeft(desktopIds: readonly string[]): Promise<(number | undefined)[]> {
    if (desktopIds.length === 0) return [];
    const multi = this.redis.multi();
    for (const id of desktopIds) multi.pTTL(desktopLeaseKey(id));
    const replies = (await multi.exec()) as unknown as number[];
    return replies.map((ms) => (typeof ms === 'number' && ms >= 0 ? Math.ceil(ms / 1000) : undefined));
  }

  /**
   * Takes a desktop out of service whoever holds it: a wipe lock, a user who claimed it meanwhile (their
   * start then fails to activate), or nobody. No expiry, so it outlives every lease and broker restart.
   */
  async markOutOfService(desktopId: string, record: OutOfService): Promise<void> {
    await this.redis.set(desktopLeaseKey(desktopId), `x:${JSON.stringify(record)}`);
  }

  /** Lifts the out-of-service mark; false if the desktop was not out of service. */
  async returnToService(desktopId: string): Promise<boolean> {
    const reply = await this.redis.eval(RETURN_TO_SERVICE, { keys: [desktopLeaseKey(desktopId)] });
    return reply === 1;
  }

  async leasesOf(userIds: readonly string[]): Promise<(Lease | undefined)[]> {
    if (userIds.length === 0) return [];
    const values = await this.redis.mGet(userIds.map(userLeaseKey));
    return values.map((value) => this.parse(value));
  }

  /** Leaves the reason a lease was ended for the user's tunnel to show. */
  async noteEnded(userId: string, reason: LeaseEndReason): Promise<void> {
    await this.redis.set(leaseEndedKey(userId), reason, { EX: 300 });
  }

  /** The reason left by noteEnded, while it is kept. */
  async endedReason(userId: string): Promise<string | null> {
    return this.redis.get(leaseEndedKey(userId));
  }

  async clearEnded(userId: string): Promise<void> {
    await this.redis.del(leaseEndedKey(userId));
  }

  private serialize(lease: Lease): string {
    const { vncPassword, ...rest } = lease;
    const stored: z.infer<typeof StoredLease> = {
      ...rest,
      vncPasswordSealed: vncPassword ? seal(this.secrets.key, vncPassword) : '',
    };
    return JSON.stringify(stored);
  }

  /**
   * The lease, its VNC password opened with the current key or an earlier one. One that no configured key
   * opens (an earlier key dropped too soon) comes back without it: the desktop is still the user's, and
   * only connecting to it fails until the lease ends.
   */
  private parse(stored: string | null | undefined): Lease | undefined {
    if (!stored) return undefined;
    let parsed;
    try {
      parsed = StoredLease.safeParse(JSON.parse(stored));
    } catch {
      return undefined;
    }
    if (!parsed.success) return undefined;
    const { vncPasswordSealed, ...lease } = parsed.data;
    return { ...lease, vncPassword: vncPasswordSealed ? this.open(vncPasswordSealed) : '' };
  }

  private open(sealed: string): string {
    for (const key of [this.secrets.key, ...this.secrets.previousKeys]) {
      try {
        return open(key, sealed);
      } catch {
        // sealed with another key
      }
    }
    return '';
  }
}

function parseOutOfService(stored: string): OutOfService {
  try {
    const record = OutOfService.safeParse(JSON.parse(stored));
    if (record.success) return record.data;
  } catch {
    // an unreadable mark still means out of service
  }
  return { reason: 'wipe-failed', since: new Date(0).toISOString() };
}

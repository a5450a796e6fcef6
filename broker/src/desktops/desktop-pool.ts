import { randomBytes } from 'node:crypto';
import type { RedisClientType } from 'redis';
import type { AgentHealth, DesktopScreen } from '@hcw/common';
import { poolFromDesktops, type DesktopSpec } from '../config.js';
import { canReachGuacd } from '../net.js';
import { sessionKey } from '../auth/session.js';
import { practitionerOf, type SignedInUser } from '../auth/signed-in-user.js';
import { AgentError, type AgentClient } from './agent-client.js';
import type { PortalHandoffClient } from '../portal/handoff-client.js';
import type { DesktopProvider } from './desktop-provider.js';
import { LeaseStore, type Lease, type LeaseSecrets } from './lease-store.js';
import { leaseEndMessage } from './lease-end-messages.js';
import { PoolPolicyStore, type LivePoolSettings } from './pool-policies.js';
import { guacdAddressText, type DesktopHost, type GuacdAddress, type PoolSettings } from './pool-settings.js';
import { StaticProvider } from './static-provider.js';

export { Lease } from './lease-store.js';

export class NoDesktopAvailableError extends Error {
  /** When a desktop is expected to be free, if any holder has gone away; see `expectedFreeIn`. */
  constructor(readonly expectedFreeInSeconds?: number) {
    super('no desktop is free');
  }
}

/** The user's roles fit no pool: administrators and auditors work in the console, not in a desktop. */
export class NoPoolForUserError extends Error {
  constructor() {
    super('no desktop pool serves this user');
  }
}

/**
 * What the pool knows of one desktop, as the console shows it. `wipe-failed`: a wipe did not finish, so the
 * desktop is out of service until an administrator resets it (or rebuilds its host and then resets it).
 */
export type DesktopState =
  'warm' | 'leased' | 'wiping' | 'starting' | 'unhealthy' | 'wipe-failed' | 'excluded' | 'unknown';

export interface DesktopStatus {
  id: string;
  state: DesktopState;
  imageVersion?: string;
  userId?: string;
  failures: number;
  /** Set once the provider was asked to replace this desktop after it failed. */
  replaced?: boolean;
  /** Since when the desktop is out of service after a failed wipe. */
  outOfServiceSince?: string;
  /** The keeper has seen the agent running the session of the user who holds the desktop. */
  inSession?: boolean;
  checkedAt: string;
}

export interface GuacdStatus {
  address: string;
  host: string;
  port: number;
  isUp: boolean;
  leases: number;
}

/** One pool as the keeper last saw it; kept in Redis so every broker instance reads the same picture. */
export interface PoolStatus {
  poolId: string;
  provider: string;
  canLaunch: boolean;
  checkedAt: string;
  desktops: DesktopStatus[];
  guacd: GuacdStatus[];
}

export interface LeasedDesktop {
  lease: Lease;
  desktop: DesktopSpec;
  isNew: boolean;
  poolId: string;
  guacd: GuacdAddress;
  settings: LivePoolSettings;
  /**
   * Why the user's previous desktop was taken from them, if it was while they used it (it restarted, it
   * stopped answering): said once, with the fresh desktop that replaces it ("日本語 / English").
   */
  notice?: string;
}

/** Why a wipe counts as failed: the agent refused (with its HTTP status), could not be reached, or says so. */
export type WipeFailure =
  | { cause: 'agent-refused'; status: number }
  | { cause: 'agent-unreachable' }
  | { cause: 'agent-reports-wipe-failed' };

/** How the reset of a desktop taken out of service went. */
export type ReturnToService = 'returned' | 'not-out-of-service' | 'still-failing' | 'unknown-desktop';

export interface PoolEvents {
  onDesktopUnhealthy?(poolId: string, desktopId: string, userId: string | undefined): void;
  /** A wipe failed: the desktop is out of service. `userId` is the user whose session was on it, if known. */
  onWipeFailed?(
    poolId: string,
    desktopId: string,
    userId: string | undefined,
    failure: WipeFailure,
  ): Promise<void> | void;
  onDesktopReplaced?(poolId: string, desktopId: string, isReplaced: boolean): void;
  /** A desktop came back without the session of the user who held it (its agent restarted): the lease ended. */
  onSessionLost?(poolId: string, desktopId: string, userId: string): void;
}

export interface DesktopPoolDeps {
  redis: RedisClientType;
  /** The older form: one pool of fixed desktops, each naming its guacd. Ignored when `pools` is given. */
  desktops?: DesktopSpec[];
  pools?: PoolSettings[];
  agents: AgentClient;
  portal: Pick<PortalHandoffClient, 'createHandoff'>;
  /** How long a lease lives without a heartbeat. */
  leaseSeconds: number;
  /** Seals the VNC passwords that leases keep in Redis (the broker's secrets key). */
  leaseSecrets: LeaseSecrets;
  /** A provider per pool; by default each pool's configured desktops, fixed. */
  providers?: Map<string, DesktopProvider>;
  checkIntervalMs?: number;
  /** Failed health checks in a row after which a desktop is taken out (3); a check waits `healthTimeoutMs` (4 s). */
  unhealthyAfter?: number;
  healthTimeoutMs?: number;
  events?: PoolEvents;
  /** The internal CA that guacd certificates come from: the keeper's checks of guacd are TLS handshakes. */
  guacdCa?: string;
  log?(message: string): void;
}

const statusKey = (poolId: string): string => `pool:status:${poolId}`;
const guacdLoadKey = (poolId: string): string => `pool:guacd-load:${poolId}`;
const KEEPER_LOCK = 'pool:keeper';

const RENEW_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/**
 * The desktop pools. Desktops are started ahead of time and health-checked, so a signed-in user gets a
 * warm one at once; leases live in Redis (see lease-store.ts); a keeper, run by one broker instance at a
 * time, checks every desktop, takes out and replaces the ones that stop answering (ending their users'
 * leases with a message), wipes what expired leases left behind, and keeps each pool at its warm size.
 */
export class DesktopPool {
  readonly leases: LeaseStore;
  readonly policies: PoolPolicyStore;
  private readonly pools: PoolSettings[];
  private readonly providers: Map<string, DesktopProvider>;
  private readonly keeperToken = randomBytes(9).toString('hex');
  private timer: NodeJS.Timeout | undefined;
  private cycle: Promise<void> | undefined;
  private readonly launching = new Map<string, number>();
  private readonly background = new Set<Promise<unknown>>();
  private waiting = 0;

  constructor(private readonly deps: DesktopPoolDeps) {
    this.pools = deps.pools ?? [poolFromDesktops(deps.desktops ?? [])];
    this.providers =
      deps.providers ?? new Map(this.pools.map((p) => [p.id, new StaticProvider(p.provider.desktops)]));
    this.leases = new LeaseStore(deps.redis, deps.leaseSeconds, deps.leaseSecrets);
    this.policies = new PoolPolicyStore(deps.redis, this.pools);
  }

  get poolSettings(): readonly PoolSettings[] {
    return this.pools;
  }

  /** Every desktop with a guacd of its pool, in the older shape the health report reads. */
  get desktops(): readonly DesktopSpec[] {
    return this.pools.flatMap((pool) => this.hostsOf(pool).map((host) => toSpec(host, guacdOf(host, pool))));
  }

  get guacdInstances(): readonly GuacdAddress[] {
    const all = this.pools.flatMap((p) => p.guacd);
    return [...new Map(all.map((g) => [guacdAddressText(g), g])).values()];
  }

  /** Sign-ins waiting for a desktop right now, on this instance. */
  get waitingForDesktop(): number {
    return this.waiting;
  }

  desktop(desktopId: string): DesktopSpec | undefined {
    for (const pool of this.pools) {
      const host = this.hostsOf(pool).find((d) => d.id === desktopId);
      if (host) return toSpec(host, guacdOf(host, pool));
    }
    return undefined;
  }

  poolFor(user: Pick<SignedInUser, 'roles'>): PoolSettings | undefined {
    return this.pools.find((pool) => pool.roles.some((role) => (user.roles as string[]).includes(role)));
  }

  provider(poolId: string): DesktopProvider | undefined {
    return this.providers.get(poolId);
  }

  async currentLease(userId: string): Promise<Lease | undefined> {
    return this.leases.current(userId);
  }

  /**
   * The user's desktop: the one they already hold (closing and reopening the tab gets it back), or a warm
   * one claimed atomically, so two users signing in at once can never get the same desktop. When no desktop
   * is warm and the provider can start one, the user waits for a cold start.
   */
  async leaseFor(user: SignedInUser, options: { screen?: DesktopScreen } = {}): Promise<LeasedDesktop> {
    const pool = this.poolFor(user);
    if (!pool) throw new NoPoolForUserError();
    this.waiting++;
    try {
      const settings = await this.policies.get(pool.id);
      const deadline = Date.now() + 30000;
      while (Date.now() < deadline) {
        const existing = await this.leases.current(user.id);
        if (existing) {
          if (existing.state === 'starting') {
            // The same user's other request is starting a desktop for them: wait for it, never start a second.
            await sleep(100);
            continue;
          }
          const held = this.findHost(existing.desktopId);
          if (held && (await this.leases.heartbeat(user.id, existing.desktopId))) {
            return {
              lease: existing,
              desktop: toSpec(held.host, existing.guacd ?? guacdOf(held.host, held.pool)),
              isNew: false,
              poolId: held.pool.id,
              guacd: existing.guacd ?? guacdOf(held.host, held.pool),
              settings: await this.policies.get(held.pool.id),
            };
          }
          await this.release(user.id);
          continue;
        }
        const leased = await this.leaseWarm(pool, settings, user, options.screen);
        if (leased === 'retry') continue;
        if (leased) return leased;
        const cold = await this.leaseCold(pool, settings, user, options.screen);
        if (cold === 'retry') continue;
        if (cold) return cold;
        throw new NoDesktopAvailableError(await this.expectedFreeIn(pool));
      }
      throw new NoDesktopAvailableError(await this.expectedFreeIn(pool));
    } finally {
      this.waiting--;
    }
  }

  /** Extends a live lease; false if the user no longer holds that desktop. */
  heartbeat(userId: string, desktopId: string): Promise<boolean> {
    return this.leases.heartbeat(userId, desktopId);
  }

  /**
   * A tunnel closed without its session ending (a phone locked or switched apps, a network that changed):
   * the lease is kept for as long as the session itself could still come back, which is what is left of
   * its idle timeout, so the user returns to the same desktop. It never outlives the session by more than
   * the lease's own time to live; a session that has ended keeps nothing.
   */
  async holdForReturn(userId: string, desktopId: string, sessionId: string): Promise<boolean> {
    const sessionMs = await this.deps.redis.pTTL(sessionKey(sessionId));
    if (sessionMs <= 0) return false;
    return this.leases.holdFor(userId, desktopId, sessionMs / 1000);
  }

  /** Gives the user's desktop back: their session on it is wiped before anyone else can be given it. */
  async release(userId: string): Promise<void> {
    const lease = await this.leases.current(userId);
    if (!lease) return;
    await this.endLease(lease);
  }

  /** The keeper's last picture of every pool, with its live settings. */
  async status(): Promise<(PoolStatus & { settings: LivePoolSettings })[]> {
    return Promise.all(
      this.pools.map(async (pool) => ({
        ...((await this.readStatus(pool.id)) ?? emptyStatus(pool, this.providers.get(pool.id))),
        settings: await this.policies.get(pool.id),
      })),
    );
  }

  /**
   * An administrator's reset of a desktop out of service after a failed wipe: its agent wipes it again (on a
   * host rebuilt from the image there is nothing left, and the wipe is quick), and only a wipe that succeeds
   * on a desktop that then reports ready lifts the mark. Otherwise the desktop stays out of service.
   */
  async returnToService(poolId: string, desktopId: string): Promise<ReturnToService> {
    const found = this.findHost(desktopId);
    if (!found || found.pool.id !== poolId) return 'unknown-desktop';
    const [holder] = await this.leases.holders([desktopId]);
    if (holder?.kind !== 'out-of-service') return 'not-out-of-service';
    try {
      await this.deps.agents.endSession(found.host);
    } catch {
      return 'still-failing';
    }
    if ((await this.health(found.host))?.status !== 'ready') return 'still-failing';
    return (await this.leases.returnToService(desktopId)) ? 'returned' : 'not-out-of-service';
  }

  /** Starts the keeper: every interval, the instance holding the keeper lock checks all pools. */
  start(): void {
    if (this.timer) return;
    const interval = this.deps.checkIntervalMs ?? 5000;
    this.timer = setInterval(() => void this.keep(), interval);
    this.timer.unref();
    void this.keep();
  }

  /** Runs one keeper cycle now, whoever holds the lock; resolves when it is done. */
  async checkNow(): Promise<void> {
    await this.cycle;
    await this.runCycle();
  }

  /** Waits for background launches and replacements to finish. */
  async settle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.cycle?.catch(() => undefined);
    await this.settle();
    await this.deps.redis
      .eval(RENEW_LOCK, { keys: [KEEPER_LOCK], arguments: [this.keeperToken, '1'] })
      .catch(() => undefined);
    await Promise.allSettled([...this.providers.values()].map((p) => p.close()));
  }

  /**
   * Seconds until a desktop of the pool is expected to be free. A live tunnel renews its lease every few
   * seconds; a lease that has gone a quarter of its lifetime unrenewed belongs to a closed tab or a lost
   * device, and lapses (then is wiped) when its time runs out. Undefined when every holder is still there.
   */
  private async expectedFreeIn(pool: PoolSettings): Promise<number | undefined> {
    const left = await this.leases.secondsLeft(this.hostsOf(pool).map((h) => h.id));
    const lapsing = left.filter(
      (seconds): seconds is number => seconds !== undefined && seconds < this.deps.leaseSeconds * 0.75,
    );
    return lapsing.length > 0 ? Math.min(...lapsing) : undefined;
  }

  private hostsOf(pool: PoolSettings): readonly DesktopHost[] {
    return this.providers.get(pool.id)?.desktops() ?? [];
  }

  private findHost(desktopId: string): { host: DesktopHost; pool: PoolSettings } | undefined {
    for (const pool of this.pools) {
      const host = this.hostsOf(pool).find((d) => d.id === desktopId);
      if (host) return { host, pool };
    }
    return undefined;
  }

  private async leaseWarm(
    pool: PoolSettings,
    settings: LivePoolSettings,
    user: SignedInUser,
    screen: DesktopScreen | undefined,
  ): Promise<LeasedDesktop | 'retry' | undefined> {
    const status = await this.readStatus(pool.id);
    const isFresh =
      status !== undefined &&
      Date.now() - Date.parse(status.checkedAt) < 3 * (this.deps.checkIntervalMs ?? 5000) + 5000;
    const known = new Map((isFresh ? status.desktops : []).map((d) => [d.id, d]));
    const hosts = this.hostsOf(pool);
    // Warm desktops first. After them, desktops that are free although the keeper last saw them otherwise
    // (given back since, wiped since, or never judged): those are health-checked before use. Desktops the
    // keeper took out, whose wipe failed, or whose image is not allowed, are not offered (and a desktop
    // marked out of service cannot be claimed at all: its key is held).
    const warm = shuffle(hosts.filter((h) => known.get(h.id)?.state === 'warm'));
    const others = hosts.filter(
      (h) => !['warm', 'unhealthy', 'wipe-failed', 'excluded'].includes(known.get(h.id)?.state ?? ''),
    );
    const holders = await this.leases.holders(others.map((h) => h.id));
    const freed = others.filter((_, i) => holders[i]!.kind === 'free');
    for (const [host, isChecked] of [
      ...warm.map((h) => [h, true] as const),
      ...freed.map((h) => [h, false] as const),
    ]) {
      const claim = await this.leases.claim(user.id, host.id, pool.id);
      if (claim.outcome === 'held') return 'retry';
      if (claim.outcome === 'taken') continue;
      if (!isChecked && !(await this.isUsable(host, settings))) {
        await this.unclaim(user.id, host.id, false);
        continue;
      }
      const leased = await this.startOn(pool, settings, host, user, status, screen);
      if (leased) return leased;
    }
    return undefined;
  }

  private async leaseCold(
    pool: PoolSettings,
    settings: LivePoolSettings,
    user: SignedInUser,
    screen: DesktopScreen | undefined,
  ): Promise<LeasedDesktop | 'retry' | undefined> {
    const provider = this.providers.get(pool.id);
    if (!provider?.canLaunch) return undefined;
    const host = await provider.launch().catch((error: Error) => {
      this.deps.log?.(`pool ${pool.id}: could not start a desktop: ${error.message}`);
      return undefined;
    });
    if (!host) return undefined;
    const claim = await this.leases.claim(user.id, host.id, pool.id);
    if (claim.outcome === 'held') return 'retry';
    if (claim.outcome === 'taken') return 'retry';
    return (await this.startOn(pool, settings, host, user, undefined, screen)) ?? 'retry';
  }

  /** Starts the user's session on a claimed desktop; on failure the claim is dropped and the desktop noted. */
  private async startOn(
    pool: PoolSettings,
    settings: LivePoolSettings,
    host: DesktopHost,
    user: SignedInUser,
    status: PoolStatus | undefined,
    screen: DesktopScreen | undefined,
  ): Promise<LeasedDesktop | undefined> {
    try {
      // A desktop with a guacd beside it is served by that one only: its VNC listens on its host's loopback.
      const guacd = host.guacd ?? (await this.pickGuacd(pool, status));
      const handoff = await this.deps.portal.createHandoff(practitionerOf(user));
      const { vncPassword, run: agentRun } = await this.deps.agents.startSession(host, {
        userId: user.id,
        startUrl: handoff.url,
        // Printable text only: the IdP's attribute is drawn on the desktop as it is.
        organisation: user.organisation.replace(/[\p{Cc}\p{Cs}]/gu, ' ').slice(0, 200),
        ...(screen ? { screen } : {}),
      });
      const lease: Lease = {
        userId: user.id,
        desktopId: host.id,
        poolId: pool.id,
        state: 'active',
        vncPassword,
        leasedAt: new Date().toISOString(),
        guacd,
        ...(agentRun ? { agentRun } : {}),
      };
      if (!(await this.leases.activate(lease))) {
        await this.deps.agents.endSession(host).catch(() => undefined);
        return undefined;
      }
      const notice = leaseEndMessage(await this.leases.endedReason(user.id));
      await this.leases.clearEnded(user.id);
      if (!host.guacd) await this.deps.redis.hIncrBy(guacdLoadKey(pool.id), guacdAddressText(guacd), 1);
      return {
        lease,
        desktop: toSpec(host, guacd),
        isNew: true,
        poolId: pool.id,
        guacd,
        settings,
        ...(notice ? { notice } : {}),
      };
    } catch (error) {
      this.deps.log?.(
        `pool ${pool.id}: desktop ${host.id} could not start a session: ${(error as Error).message}`,
      );
      await this.unclaim(user.id, host.id, true, host);
      // A portal that refuses hand-offs fails every desktop alike; the caller hears about it.
      if (!(error instanceof AgentError)) throw error;
      return undefined;
    }
  }

  private async unclaim(
    userId: string,
    desktopId: string,
    shouldWipe: boolean,
    host?: DesktopHost,
  ): Promise<void> {
    const token = await this.leases.release(userId, desktopId);
    const poolId = this.findHost(desktopId)?.pool.id ?? 'unknown';
    if (token && shouldWipe && host) await this.wipe(poolId, host, userId);
    await this.leases.forget(userId, desktopId);
    if (token) await this.leases.unlock(desktopId, token);
  }

  /**
   * Asks the desktop's agent to wipe it. A wipe that fails, or that cannot be asked for, may leave the
   * previous user's session behind: the desktop is then taken out of service, for good until an
   * administrator resets it, and the failure is reported (the audit trail records it).
   */
  private async wipe(poolId: string, host: DesktopHost, userId: string | undefined): Promise<boolean> {
    try {
      await this.deps.agents.endSession(host);
      return true;
    } catch (error) {
      const failure: WipeFailure =
        error instanceof AgentError && error.status !== undefined
          ? { cause: 'agent-refused', status: error.status }
          : { cause: 'agent-unreachable' };
      await this.takeOutOfService(poolId, host.id, userId, failure);
      return false;
    }
  }

  private async takeOutOfService(
    poolId: string,
    desktopId: string,
    userId: string | undefined,
    failure: WipeFailure,
  ): Promise<void> {
    await this.leases.markOutOfService(desktopId, {
      reason: 'wipe-failed',
      since: new Date().toISOString(),
      ...(userId ? { userId } : {}),
    });
    this.deps.log?.(
      `pool ${poolId}: desktop ${desktopId} could not be wiped (${failure.cause}) and is out of service`,
    );
    await this.deps.events?.onWipeFailed?.(poolId, desktopId, userId, failure);
  }

  /** Wipes the user's session off the desktop, then frees both: the desktop for others, the user for a new one. */
  private async endLease(lease: Lease, isAnswering = true): Promise<void> {
    const token = await this.leases.release(lease.userId, lease.desktopId);
    const found = this.findHost(lease.desktopId);
    if (token && found) {
      // A desktop that stopped answering cannot be wiped now; if it comes back, the keeper wipes it first.
      if (isAnswering) await this.wipe(found.pool.id, found.host, lease.userId);
      if (lease.guacd && !found.host.guacd) {
        await this.deps.redis
          .hIncrBy(guacdLoadKey(found.pool.id), guacdAddressText(lease.guacd), -1)
          .catch(() => undefined);
      }
    }
    await this.leases.forget(lease.userId, lease.desktopId);
    if (token) await this.leases.unlock(lease.desktopId, token);
  }

  /** A session was started for the user's lease on this desktop (the lease is active), yet the agent has none. */
  /**
   * Whether the user's active lease on this desktop lost its session: the agent answers ready, and either runs
   * another run than the one that started the session (it restarted), or the keeper saw the session running.
   */
  private async hasLostSession(userId: string, host: DesktopHost, wasInSession: boolean): Promise<boolean> {
    const lease = await this.leases.current(userId);
    if (lease?.desktopId !== host.id || lease.state !== 'active') return false;
    // Asked again: the first answer may predate the session's start, which a lease turns active only after.
    const health = await this.health(host);
    if (health?.status !== 'ready') return false;
    const isAnotherRun =
      lease.agentRun !== undefined && health.run !== undefined && health.run !== lease.agentRun;
    return isAnotherRun || wasInSession;
  }

  private async isUsable(host: DesktopHost, settings: LivePoolSettings): Promise<boolean> {
    const health = await this.health(host);
    return health?.status === 'ready' && isAllowedImage(health.imageVersion, settings);
  }

  private async health(host: DesktopHost): Promise<AgentHealth | undefined> {
    return withTimeout(this.deps.agents.health(host), this.deps.healthTimeoutMs ?? 4000).catch(
      () => undefined,
    );
  }

  /** The reachable guacd with the fewest leases; a lease names it, and its tunnel goes through it. */
  private async pickGuacd(pool: PoolSettings, status: PoolStatus | undefined): Promise<GuacdAddress> {
    const up = new Set(status?.guacd.filter((g) => g.isUp).map((g) => g.address));
    const candidates = up.size > 0 ? pool.guacd.filter((g) => up.has(guacdAddressText(g))) : pool.guacd;
    if (candidates.length === 1) return candidates[0]!;
    const load = await this.deps.redis.hGetAll(guacdLoadKey(pool.id));
    let best = candidates[0]!;
    for (const guacd of candidates) {
      if (Number(load[guacdAddressText(guacd)] ?? 0) < Number(load[guacdAddressText(best)] ?? 0))
        best = guacd;
    }
    return best;
  }

  private async readStatus(poolId: string): Promise<PoolStatus | undefined> {
    const stored = await this.deps.redis.get(statusKey(poolId));
    return stored ? (JSON.parse(stored) as PoolStatus) : undefined;
  }

  private runCycle(): Promise<void> {
    this.cycle ??= this.checkAll().finally(() => (this.cycle = undefined));
    return this.cycle;
  }

  private async keep(): Promise<void> {
    if (this.cycle) return;
    const interval = this.deps.checkIntervalMs ?? 5000;
    const lockMs = String(Math.max(3 * interval, 3000));
    try {
      const taken = await this.deps.redis.set(KEEPER_LOCK, this.keeperToken, {
        NX: true,
        PX: Number(lockMs),
      });
      const renewed =
        taken === 'OK' ||
        (await this.deps.redis.eval(RENEW_LOCK, {
          keys: [KEEPER_LOCK],
          arguments: [this.keeperToken, lockMs],
        })) === 1;
      if (!renewed) return;
      await this.runCycle();
    } catch (error) {
      this.deps.log?.(`pool keeper: ${(error as Error).message}`);
    }
  }

  private async checkAll(): Promise<void> {
    for (const pool of this.pools) {
      try {
        await this.checkPool(pool);
      } catch (error) {
        this.deps.log?.(`pool ${pool.id}: check failed: ${(error as Error).message}`);
      }
    }
  }

  private async checkPool(pool: PoolSettings): Promise<void> {
    const provider = this.providers.get(pool.id);
    const settings = await this.policies.get(pool.id);
    const previous = new Map((await this.readStatus(pool.id))?.desktops.map((d) => [d.id, d]));
    const hosts = [...this.hostsOf(pool)];
    const reachable = (g: GuacdAddress) => canReachGuacd(g.host, g.port, this.deps.guacdCa);
    const [holders, healths, guacdUp, ownGuacdUp] = await Promise.all([
      this.leases.holders(hosts.map((h) => h.id)),
      Promise.all(hosts.map((h) => this.health(h))),
      Promise.all(pool.guacd.map(reachable)),
      // A desktop's own guacd is part of the desktop: without it, nobody can see the desktop.
      Promise.all(hosts.map((h) => (h.guacd ? reachable(h.guacd) : true))),
    ]);
    const now = new Date().toISOString();
    const desktops: DesktopStatus[] = [];
    for (const [i, host] of hosts.entries()) {
      const holder = holders[i]!;
      const health = healths[i];
      const before = previous.get(host.id);
      const isAnswering = health !== undefined && health.status !== 'unhealthy' && ownGuacdUp[i] === true;
      const failures = isAnswering ? 0 : (before?.failures ?? 0) + 1;
      const userId = holder.kind === 'user' ? holder.userId : undefined;
      const base = {
        id: host.id,
        failures,
        checkedAt: now,
        imageVersion: health?.imageVersion ?? before?.imageVersion,
      };
      if (holder.kind === 'out-of-service' || health?.status === 'wipe-failed') {
        // Out of service until an administrator resets it: no lease, no wipe here, no replacement. An agent
        // that says its own wipe failed (before a session it was asked to start, say) is taken out too.
        let since = holder.kind === 'out-of-service' ? holder.record.since : undefined;
        if (holder.kind !== 'out-of-service') {
          await this.takeOutOfService(pool.id, host.id, userId, { cause: 'agent-reports-wipe-failed' });
          since = new Date().toISOString();
        }
        const who = holder.kind === 'out-of-service' ? holder.record.userId : userId;
        desktops.push({ ...base, state: 'wipe-failed', outOfServiceSince: since, userId: who });
        continue;
      }
      if (!isAnswering) {
        if (failures < (this.deps.unhealthyAfter ?? 3)) {
          // Not yet taken out: what was seen of the holder's session is kept, so that an agent restarting
          // between two checks is still found to have lost it when it answers again.
          const sameHolder = userId !== undefined && before?.userId === userId;
          desktops.push({
            ...base,
            state: before?.state ?? 'unknown',
            userId,
            inSession: sameHolder && before?.inSession === true ? true : undefined,
          });
          continue;
        }
        const isNewlyUnhealthy = before?.state !== 'unhealthy';
        if (userId) {
          const lease = await this.leases.current(userId);
          if (lease?.desktopId === host.id) {
            await this.leases.noteEnded(userId, 'desktop-unhealthy');
            await this.endLease(lease, false);
          }
        }
        if (isNewlyUnhealthy) {
          this.deps.log?.(`pool ${pool.id}: desktop ${host.id} stopped answering and was taken out`);
          this.deps.events?.onDesktopUnhealthy?.(pool.id, host.id, userId);
        }
        const shouldReplace = provider?.canLaunch === true && !before?.replaced;
        desktops.push({ ...base, state: 'unhealthy', replaced: shouldReplace || before?.replaced });
        if (shouldReplace) this.inBackground(this.replace(pool, provider, host.id));
        continue;
      }
      // Seen running this holder's session, at this check or an earlier one while they held the desktop.
      const wasInSession =
        holder.kind === 'user' && before?.userId === holder.userId && before.inSession === true;
      if (
        holder.kind === 'user' &&
        health.status === 'ready' &&
        (await this.hasLostSession(holder.userId, host, wasInSession))
      ) {
        // The user's session was running on this desktop and is no longer there: its agent restarted (or the
        // desktop did). Their lease ends, they are told why, and reconnecting gives them a fresh desktop.
        this.deps.log?.(`pool ${pool.id}: desktop ${host.id} lost its session and its lease was ended`);
        await this.leases.noteEnded(holder.userId, 'desktop-restarted');
        this.deps.events?.onSessionLost?.(pool.id, host.id, holder.userId);
        const lease = await this.leases.current(holder.userId);
        if (lease) await this.endLease(lease);
        desktops.push({ ...base, state: 'wiping' });
      } else if (holder.kind === 'user') {
        desktops.push({
          ...base,
          state: 'leased',
          userId,
          inSession: wasInSession || health.status === 'in-session',
        });
      } else if (holder.kind === 'wiping') {
        desktops.push({ ...base, state: 'wiping' });
      } else if (health.status === 'in-session') {
        // An expired lease left its user's session on the desktop: wipe it before anyone else is given it.
        desktops.push({ ...base, state: 'wiping' });
        this.inBackground(this.wipeOrphan(pool.id, host));
      } else if (health.status === 'starting') {
        desktops.push({ ...base, state: 'starting' });
      } else {
        desktops.push({
          ...base,
          state: isAllowedImage(health.imageVersion, settings) ? 'warm' : 'excluded',
        });
      }
    }
    const load = await this.guacdLoad(pool, desktops);
    const guacd: GuacdStatus[] = pool.guacd.map((g, i) => ({
      address: guacdAddressText(g),
      host: g.host,
      port: g.port,
      isUp: guacdUp[i] ?? false,
      leases: load.get(guacdAddressText(g)) ?? 0,
    }));
    const status: PoolStatus = {
      poolId: pool.id,
      provider: provider?.type ?? 'none',
      canLaunch: provider?.canLaunch ?? false,
      checkedAt: now,
      desktops,
      guacd,
    };
    await this.deps.redis.set(statusKey(pool.id), JSON.stringify(status), { EX: 3600 });
    if (provider?.canLaunch) await this.keepWarm(pool, provider, settings, desktops);
  }

  /** Counts the leases on each guacd and writes the truth over the running tally. */
  private async guacdLoad(pool: PoolSettings, desktops: DesktopStatus[]): Promise<Map<string, number>> {
    const users = desktops.filter((d) => d.userId).map((d) => d.userId!);
    const leases = await this.leases.leasesOf(users);
    const load = new Map(pool.guacd.map((g) => [guacdAddressText(g), 0]));
    for (const lease of leases) {
      const address = lease?.guacd ? guacdAddressText(lease.guacd) : undefined;
      if (address && load.has(address)) load.set(address, load.get(address)! + 1);
    }
    await this.deps.redis.hSet(guacdLoadKey(pool.id), Object.fromEntries(load));
    return load;
  }

  private async keepWarm(
    pool: PoolSettings,
    provider: DesktopProvider,
    settings: LivePoolSettings,
    desktops: DesktopStatus[],
  ): Promise<void> {
    const warm = desktops.filter((d) => d.state === 'warm');
    const starting = this.launching.get(pool.id) ?? 0;
    const missing = settings.size - warm.length - starting;
    for (let i = 0; i < missing; i++) {
      this.launching.set(pool.id, (this.launching.get(pool.id) ?? 0) + 1);
      this.inBackground(
        provider
          .launch()
          .then((host) => {
            if (host) this.deps.log?.(`pool ${pool.id}: started desktop ${host.id} to keep the pool warm`);
          })
          .catch((error: Error) =>
            this.deps.log?.(`pool ${pool.id}: could not start a desktop: ${error.message}`),
          )
          .finally(() => this.launching.set(pool.id, (this.launching.get(pool.id) ?? 1) - 1)),
      );
    }
    const retirable = warm.filter((d) => provider.owns(d.id));
    const surplus = warm.length - settings.size;
    for (const extra of retirable.slice(0, Math.max(0, surplus))) {
      // Locked first, so no sign-in is given a desktop that is being stopped.
      const token = await this.leases.lockFree(extra.id);
      if (!token) continue;
      this.inBackground(
        provider
          .retire(extra.id)
          .catch(() => false)
          .finally(() => this.leases.unlock(extra.id, token)),
      );
    }
  }

  private async replace(pool: PoolSettings, provider: DesktopProvider, desktopId: string): Promise<void> {
    // Counted as a launch, so keeping the pool warm does not start a second desktop for the same gap.
    this.launching.set(pool.id, (this.launching.get(pool.id) ?? 0) + 1);
    const isReplaced = await provider
      .replace(desktopId)
      .catch((error: Error) => {
        this.deps.log?.(`pool ${pool.id}: could not replace desktop ${desktopId}: ${error.message}`);
        return false;
      })
      .finally(() => this.launching.set(pool.id, (this.launching.get(pool.id) ?? 1) - 1));
    if (isReplaced) this.deps.log?.(`pool ${pool.id}: desktop ${desktopId} was replaced`);
    this.deps.events?.onDesktopReplaced?.(pool.id, desktopId, isReplaced);
  }

  private async wipeOrphan(poolId: string, host: DesktopHost): Promise<void> {
    const token = await this.leases.lockFree(host.id);
    if (!token) return;
    try {
      await this.wipe(poolId, host, undefined);
    } finally {
      // A no-op once the failed wipe's mark has replaced the lock.
      await this.leases.unlock(host.id, token);
    }
  }

  private inBackground(work: Promise<unknown>): void {
    const tracked = work.catch(() => undefined).finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }
}

function isAllowedImage(imageVersion: string, settings: LivePoolSettings): boolean {
  const allowed = settings.policies.imageVersions;
  return allowed.length === 0 || allowed.includes(imageVersion);
}

function toSpec(host: DesktopHost, guacd: GuacdAddress): DesktopSpec {
  return {
    id: host.id,
    agentUrl: host.agentUrl,
    vncHost: host.vncHost,
    vncPort: host.vncPort,
    guacdHost: guacd.host,
    guacdPort: guacd.port,
  };
}

/** The guacd that serves a desktop: its own, beside it, or the first of its pool's (validated: one exists). */
function guacdOf(host: DesktopHost, pool: PoolSettings): GuacdAddress {
  return host.guacd ?? pool.guacd[0]!;
}

function emptyStatus(pool: PoolSettings, provider: DesktopProvider | undefined): PoolStatus {
  return {
    poolId: pool.id,
    provider: provider?.type ?? 'none',
    canLaunch: provider?.canLaunch ?? false,
    checkedAt: new Date(0).toISOString(),
    desktops: (provider?.desktops() ?? []).map((d) => ({
      id: d.id,
      state: 'unknown',
      failures: 0,
      checkedAt: new Date(0).toISOString(),
    })),
    guacd: pool.guacd.map((g) => ({
      address: guacdAddressText(g),
      host: g.host,
      port: g.port,
      isUp: false,
      leases: 0,
    })),
  };
}

function shuffle<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref()),
  ]);
}

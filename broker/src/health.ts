import express, { type Router } from 'express';
import type pg from 'pg';
import type { RedisClientType } from 'redis';
import { isOperatorRequest } from './http/operator-access.js';
import { canReachGuacd } from './net.js';
import type { DesktopPool, PoolStatus } from './desktops/desktop-pool.js';
import { guacdAddressText, type GuacdAddress } from './desktops/pool-settings.js';

type State = 'up' | 'down';

/**
 * ready:    everything this broker needs answers.
 * degraded: it serves, with less: some guacd instances are down while others serve, or a pool has no
 *           desktop to give right now. A load balancer keeps sending users (200).
 * down:     it cannot serve a sign-in or a desktop: Redis or PostgreSQL unreachable, or no guacd at all (503).
 * starting: no probe has finished yet (503).
 */
export type Readiness = 'ready' | 'degraded' | 'down' | 'starting';

export interface PoolReadiness {
  poolId: string;
  /** Desktops the keeper last saw warm, leased and taken out (unhealthy or after a failed wipe). */
  warm: number;
  leased: number;
  outOfService: number;
  canLaunch: boolean;
  /** When the keeper (whichever broker instance runs it) last looked at the pool; null if it never has. */
  checkedAt: string | null;
}

/** What only an operator sees: loopback without a proxy, or the metrics token. */
export interface ReadinessReport {
  status: Readiness;
  checkedAt: string | null;
  dependencies: {
    redis: { state: State };
    postgres: { state: State };
    guacd: { state: State | 'degraded'; instances: { address: string; state: State }[] };
    desktopPools: { state: 'up' | 'degraded'; pools: PoolReadiness[] };
  };
}

/** What one probe found. */
export interface ProbeFacts {
  redis: State;
  postgres: State;
  guacd: { address: string; state: State }[];
  pools: PoolReadiness[];
}

/**
 * The judgement, apart from the probing: Redis, PostgreSQL or every guacd down makes the broker down; one
 * guacd of several down, or a pool with nothing to give, makes it degraded. No shared guacd at all means
 * every desktop has a guacd beside it, which the keeper checks as part of that desktop.
 */
export function judgeReadiness(facts: ProbeFacts): Pick<ReadinessReport, 'status' | 'dependencies'> {
  const guacdUp = facts.guacd.filter((g) => g.state === 'up').length;
  const guacdState =
    facts.guacd.length === 0
      ? 'up'
      : guacdUp === 0
        ? 'down'
        : guacdUp < facts.guacd.length
          ? 'degraded'
          : 'up';
  const poolsState = facts.pools.every((p) => p.warm > 0 || p.canLaunch) ? 'up' : 'degraded';
  const isDown = facts.redis === 'down' || facts.postgres === 'down' || guacdState === 'down';
  const isDegraded = guacdState === 'degraded' || poolsState === 'degraded';
  return {
    status: isDown ? 'down' : isDegraded ? 'degraded' : 'ready',
    dependencies: {
      redis: { state: facts.redis },
      postgres: { state: facts.postgres },
      guacd: { state: guacdState, instances: facts.guacd },
      desktopPools: { state: poolsState, pools: facts.pools },
    },
  };
}

export interface HealthMonitorDeps {
  redis: RedisClientType;
  pool: pg.Pool;
  desktops: Pick<DesktopPool, 'guacdInstances' | 'status'>;
  /** How often the broker probes its dependencies in the background. */
  intervalMs: number;
  /** How long one dependency may take to answer before it counts as down. */
  timeoutMs?: number;
  /** The internal CA: guacd is probed with a TLS handshake that verifies its certificate. */
  guacdCa?: string;
}

/**
 * The broker's readiness, probed in the background on an interval; requests are answered from the last
 * probe, so a health check (from every load balancer node, every few seconds) never reaches a dependency,
 * let alone every desktop. Desktops are not asked at all: the pool keeper already checks them and leaves
 * its picture in Redis, which this reads.
 */
export class HealthMonitor {
  private timer: NodeJS.Timeout | undefined;
  private probing: Promise<ReadinessReport> | undefined;
  private report: ReadinessReport = {
    status: 'starting',
    checkedAt: null,
    dependencies: {
      redis: { state: 'down' },
      postgres: { state: 'down' },
      guacd: { state: 'down', instances: [] },
      desktopPools: { state: 'degraded', pools: [] },
    },
  };
  /** Probes run so far: what shows that answering a request does not probe. */
  probes = 0;

  constructor(private readonly deps: HealthMonitorDeps) {}

  get last(): ReadinessReport {
    return this.report;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.probeNow(), this.deps.intervalMs);
    this.timer.unref();
    void this.probeNow();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.probing?.catch(() => undefined);
  }

  /** Probes now (or joins the probe under way) and keeps the result. */
  probeNow(): Promise<ReadinessReport> {
    this.probing ??= this.probe().finally(() => (this.probing = undefined));
    return this.probing;
  }

  private async probe(): Promise<ReadinessReport> {
    const timeoutMs = this.deps.timeoutMs ?? 2000;
    const answers = (promise: Promise<unknown>): Promise<State> =>
      withTimeout(promise, timeoutMs).then(
        () => 'up',
        () => 'down',
      );
    const guacds: readonly GuacdAddress[] = this.deps.desktops.guacdInstances;
    const [redis, postgres, guacd, statuses] = await Promise.all([
      answers(this.deps.redis.ping()),
      answers(this.deps.pool.query('SELECT 1')),
      Promise.all(
        guacds.map(async (g) => ({
          address: guacdAddressText(g),
          state: (await canReachGuacd(g.host, g.port, this.deps.guacdCa, timeoutMs))
            ? ('up' as const)
            : ('down' as const),
        })),
      ),
      withTimeout(this.deps.desktops.status(), timeoutMs).catch(() => [] as PoolStatus[]),
    ]);
    const pools = statuses.map(poolReadiness);
    this.probes += 1;
    this.report = {
      ...judgeReadiness({ redis, postgres, guacd, pools }),
      checkedAt: new Date().toISOString(),
    };
    return this.report;
  }
}

function poolReadiness(status: PoolStatus): PoolReadiness {
  const count = (...states: string[]) => status.desktops.filter((d) => states.includes(d.state)).length;
  const hasBeenChecked = Date.parse(status.checkedAt) > 0;
  return {
    poolId: status.poolId,
    warm: count('warm'),
    leased: count('leased'),
    outOfService: count('unhealthy', 'wipe-failed'),
    canLaunch: status.canLaunch,
    checkedAt: hasBeenChecked ? status.checkedAt : null,
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref()),
  ]);
}

/** The paths a load balancer, a process supervisor and an operator use. */
export const LIVENESS_PATH = '/healthz';
export const READINESS_PATH = '/readyz';

/**
 * GET /healthz: liveness only. The process answers, nothing else is said: no dependency, no address.
 * GET /readyz: readiness from the last background probe, 200 while ready or degraded and 503 when down or
 * before the first probe. Everyone gets the one word; operators (see operator-access.ts, the rule of
 * /metrics) get the report with each dependency, guacd address and pool.
 */
export function healthRoutes(deps: { monitor: HealthMonitor; metricsToken: string | undefined }): Router {
  const router = express.Router();
  router.get(LIVENESS_PATH, (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get(READINESS_PATH, (req, res) => {
    const report = deps.monitor.last;
    const isServing = report.status === 'ready' || report.status === 'degraded';
    res
      .status(isServing ? 200 : 503)
      .json(isOperatorRequest(req, deps.metricsToken) ? report : { status: report.status });
  });
  return router;
}

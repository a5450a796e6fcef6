import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditEvent } from '@hcw/common';

/** Where the metrics read the state they report at scrape time. */
export interface MetricSources {
  /** Live sessions across all broker instances. */
  liveSessions(): Promise<number>;
  /** Desktops per pool and state, and leases per pool, as the pool keeper last saw them. */
  pools(): Promise<{ poolId: string; states: Record<string, number>; leases: number }[]>;
  /** Sign-ins waiting for a desktop on this instance. */
  waitingForDesktop(): number;
  /** Queries waiting for a PostgreSQL connection on this instance (the audit writer's queue among them). */
  databaseWaiting(): number;
}

const PREFIX = 'hcw_broker_';

/**
 * The broker's metrics in Prometheus format, on a registry of its own (two brokers built in one process,
 * as tests do, never share counters). Gauges about the whole cluster (sessions, pools) read Redis at
 * scrape time and are the same on every instance: aggregate them with max, not sum.
 */
export class BrokerMetrics {
  readonly registry = new Registry();
  readonly tunnelsOpen: Gauge;
  readonly tunnelBytes: Counter<'direction'>;
  readonly droppedInstructions: Counter<'direction'>;
  readonly signIns: Counter<'outcome'>;
  readonly secondFactor: Counter<'outcome'>;
  readonly auditEvents: Counter<'type' | 'outcome'>;
  readonly leaseSeconds: Histogram<'pool' | 'start'>;
  private sources: MetricSources | undefined;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    this.tunnelsOpen = new Gauge({
      name: `${PREFIX}tunnels_open`,
      help: 'Desktop tunnels open on this broker instance.',
      registers,
    });
    this.tunnelBytes = new Counter({
      name: `${PREFIX}tunnel_bytes_total`,
      help: 'Bytes through the tunnels on this instance, measured on the guacd side.',
      labelNames: ['direction'],
      registers,
    });
    this.droppedInstructions = new Counter({
      name: `${PREFIX}dropped_instructions_total`,
      help: 'Guacamole instructions the egress filter dropped on this instance.',
      labelNames: ['direction'],
      registers,
    });
    this.signIns = new Counter({
      name: `${PREFIX}sign_ins_total`,
      help: 'Sign-in outcomes on this instance.',
      labelNames: ['outcome'],
      registers,
    });
    this.secondFactor = new Counter({
      name: `${PREFIX}second_factor_total`,
      help: 'Second-factor outcomes on this instance.',
      labelNames: ['outcome'],
      registers,
    });
    this.auditEvents = new Counter({
      name: `${PREFIX}audit_events_total`,
      help: 'Audit events written by this instance, by type and outcome.',
      labelNames: ['type', 'outcome'],
      registers,
    });
    this.leaseSeconds = new Histogram({
      name: `${PREFIX}lease_seconds`,
      help: 'Time to hand a desktop to a signed-in user, from a warm pool or a cold start.',
      labelNames: ['pool', 'start'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers,
    });
    // prom-client calls `collect` with the gauge as `this`; the sources are reached through this arrow.
    const sources = (): MetricSources | undefined => this.sources;
    new Gauge({
      name: `${PREFIX}sessions`,
      help: 'Live sessions across all broker instances.',
      registers,
      async collect() {
        const from = sources();
        if (from) this.set(await from.liveSessions());
      },
    });
    new Gauge({
      name: `${PREFIX}pool_desktops`,
      help: 'Desktops per pool and state (warm, leased, unhealthy, ...) across the cluster.',
      labelNames: ['pool', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const pool of (await sources()?.pools()) ?? []) {
          for (const [state, count] of Object.entries(pool.states))
            this.set({ pool: pool.poolId, state }, count);
        }
      },
    });
    new Gauge({
      name: `${PREFIX}leases`,
      help: 'Desktop leases per pool across the cluster.',
      labelNames: ['pool'],
      registers,
      async collect() {
        this.reset();
        for (const pool of (await sources()?.pools()) ?? []) this.set({ pool: pool.poolId }, pool.leases);
      },
    });
    new Gauge({
      name: `${PREFIX}queue_depth`,
      help: 'Work waiting on this instance: sign-ins waiting for a desktop, queries waiting for the database.',
      labelNames: ['queue'],
      registers,
      collect() {
        const from = sources();
        if (!from) return;
        this.set({ queue: 'desktop-lease' }, from.waitingForDesktop());
        this.set({ queue: 'database' }, from.databaseWaiting());
      },
    });
  }

  attach(sources: MetricSources): void {
    this.sources = sources;
  }

  /** Counts an audit event; sign-in and second-factor outcomes get counters of their own. */
  countAudit(event: AuditEvent): void {
    this.auditEvents.inc({ type: event.type, outcome: event.outcome });
    if (event.type === 'sign-in') this.signIns.inc({ outcome: event.outcome });
    if (event.type === 'second-factor') this.secondFactor.inc({ outcome: event.outcome });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { ConnectorRegistry } from '../connectors/connector-registry.js';
import type { PushConnector } from '../connectors/connector.js';
import { createPullLoop, type PullLoop, type RoundOutcome } from './create-pull-loop.js';
import { recordVendorFailure, recordVendorSuccess } from './vendor-health.js';

export interface TimelineIngestionOptions {
  pool: pg.Pool;
  registry: ConnectorRegistry;
  /** Pause between polls of a vendor with nothing new. */
  pollMs: number;
  /** How often push vendors' status endpoints are asked whether they are up. */
  healthCheckMs?: number;
  /** One line per change of a vendor's state; never payload content. */
  log?(line: string): void;
}

export interface TimelineIngestion {
  loops: ReadonlyMap<string, PullLoop>;
  stop(): Promise<void>;
}

/**
 * Every pull vendor in a loop of its own, every push vendor's health watched in another: one vendor that
 * is down or hangs never holds up the others.
 */
export function startTimelineIngestion(options: TimelineIngestionOptions): TimelineIngestion {
  const lastState = new Map<string, string>();
  const report = (vendor: string, state: string) => {
    if (lastState.get(vendor) === state) return;
    lastState.set(vendor, state);
    options.log?.(`timeline: ${vendor} ${state}`);
  };
  const onRound = (outcome: RoundOutcome) =>
    report(outcome.vendor, outcome.outcome === 'failed' ? `failing (${outcome.problem})` : 'ingesting');

  const loops = new Map<string, PullLoop>();
  for (const connector of options.registry.pullConnectors()) {
    const loop = createPullLoop({
      pool: options.pool,
      connector,
      intervalMs: options.pollMs,
      roundTimeoutMs: 60_000,
      baseBackoffMs: Math.min(options.pollMs, 1_000),
      maxBackoffMs: 60_000,
      onRound,
    });
    loops.set(connector.id, loop);
    loop.start();
  }

  const stopping = new AbortController();
  const watchers = options.registry
    .list()
    .filter((connector): connector is PushConnector => connector.mode === 'push')
    .map((connector) => watchPushVendor(connector, options, stopping.signal, report));

  return {
    loops,
    async stop() {
      stopping.abort();
      await Promise.all([...[...loops.values()].map((loop) => loop.stop()), ...watchers]);
    },
  };
}

async function watchPushVendor(
  connector: PushConnector,
  options: TimelineIngestionOptions,
  signal: AbortSignal,
  report: (vendor: string, state: string) => void,
): Promise<void> {
  while (!signal.aborted) {
    const health = await connector.health();
    if (signal.aborted) return;
    const recorded =
      health.status === 'up'
        ? recordVendorSuccess(options.pool, connector.id)
        : recordVendorFailure(options.pool, connector.id, `unavailable: ${health.detail ?? 'down'}`);
    await recorded.catch(() => undefined);
    report(connector.id, health.status === 'up' ? 'reachable' : 'unreachable');
    await sleep(options.healthCheckMs ?? 30_000, undefined, { signal }).catch(() => undefined);
  }
}

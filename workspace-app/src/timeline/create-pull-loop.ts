import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { PullConnector, PullResult } from '../connectors/connector.js';
import { VendorAuthError } from '../connectors/vendor-auth-error.js';
import { VendorPayloadError } from '../connectors/vendor-payload-error.js';
import { VendorUnavailableError } from '../connectors/vendor-unavailable-error.js';
import { recordRejectedPayload } from './rejected-payloads.js';
import { readCursor, storePulledBatch, type IngestionFaults } from './store-pulled-batch.js';
import type { StoredEvents } from './store-events.js';
import { recordVendorFailure } from './vendor-health.js';

export interface PullLoopOptions {
  pool: pg.Pool;
  connector: PullConnector;
  /** Pause between rounds while the vendor has nothing more. */
  intervalMs: number;
  /** One round (fetch and store) never takes longer, whatever the vendor or connector does. */
  roundTimeoutMs: number;
  /** Pause after a failed round, doubled per consecutive failure up to `maxBackoffMs`. */
  baseBackoffMs: number;
  maxBackoffMs: number;
  faults?: IngestionFaults;
  /** Told about every round, for logs and tests. */
  onRound?(outcome: RoundOutcome): void;
  random?: () => number;
}

export type RoundOutcome =
  | { vendor: string; outcome: 'stored'; stored: StoredEvents; hasMore: boolean }
  | { vendor: string; outcome: 'cursor-moved' }
  | { vendor: string; outcome: 'failed'; problem: string };

export interface PullLoop {
  /** One round now: what the loop does each time, and what tests drive step by step. */
  runRound(): Promise<RoundOutcome>;
  /** Rounds one after another until `stop`. */
  start(): void;
  /** Abandons the current round and ends the loop. */
  stop(): Promise<void>;
}

class RoundTimeoutError extends Error {}

/**
 * Polls one vendor forever in its own loop, so a vendor that is down or hangs delays only itself: each
 * round has a hard time limit, failures back off exponentially, and the other vendors' loops run on.
 */
export function createPullLoop(options: PullLoopOptions): PullLoop {
  const { connector, pool } = options;
  const stopping = new AbortController();
  let failures = 0;

  const runRound = async (): Promise<RoundOutcome> => {
    const round = AbortSignal.any([AbortSignal.timeout(options.roundTimeoutMs), stopping.signal]);
    try {
      const fromCursor = await readCursor(pool, connector.id);
      const result = await withDeadline(connector.fetch(fromCursor, { signal: round }), round);
      const stored = await storePulledBatch(
        pool,
        { vendor: connector.id, events: result.events, fromCursor, toCursor: result.cursor },
        options.faults,
      );
      failures = 0;
      const outcome: RoundOutcome =
        stored.outcome === 'stored'
          ? { vendor: connector.id, outcome: 'stored', stored, hasMore: result.hasMore }
          : { vendor: connector.id, outcome: 'cursor-moved' };
      options.onRound?.(outcome);
      return outcome;
    } catch (error) {
      if (stopping.signal.aborted) return { vendor: connector.id, outcome: 'failed', problem: 'stopped' };
      failures++;
      const problem = describeFailure(error);
      if (error instanceof VendorPayloadError)
        await recordRejectedPayload(pool, error).catch(() => undefined);
      await recordVendorFailure(pool, connector.id, problem).catch(() => undefined);
      const outcome: RoundOutcome = { vendor: connector.id, outcome: 'failed', problem };
      options.onRound?.(outcome);
      return outcome;
    }
  };

  const pauseAfter = (outcome: RoundOutcome): number => {
    if (outcome.outcome === 'cursor-moved') return 0;
    if (outcome.outcome === 'stored') return outcome.hasMore ? 0 : options.intervalMs;
    const step = Math.min(options.maxBackoffMs, options.baseBackoffMs * 2 ** Math.min(failures - 1, 20));
    return step / 2 + ((options.random ?? Math.random)() * step) / 2;
  };

  let loop: Promise<void> | undefined;
  const run = async () => {
    while (!stopping.signal.aborted) {
      const outcome = await runRound();
      try {
        await sleep(pauseAfter(outcome), undefined, { signal: stopping.signal });
      } catch {
        return;
      }
    }
  };

  return {
    runRound,
    start() {
      loop ??= run();
    },
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}

/** A connector that ignored its signal still cannot hold the loop past the round's deadline. */
function withDeadline(fetching: Promise<PullResult>, signal: AbortSignal): Promise<PullResult> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new RoundTimeoutError('round deadline passed'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    fetching.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** What the health line says about a failure: the typed reason, no payload content. */
export function describeFailure(error: unknown): string {
  if (error instanceof VendorUnavailableError) return `unavailable: ${error.reason}`;
  if (error instanceof VendorPayloadError) return `refused payload: ${error.reason}`;
  if (error instanceof VendorAuthError) return 'credentials refused';
  if (error instanceof RoundTimeoutError) return 'unavailable: timeout';
  return 'error';
}

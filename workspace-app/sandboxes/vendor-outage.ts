import type { RequestHandler, Response } from 'express';

/**
 * - `hang`: requests are accepted and never answered, the worst case for a caller without a timeout;
 * - `error`: every request gets 503.
 */
export type OutageMode = 'hang' | 'error';

export interface VendorOutage {
  /** Put first in a sandbox's app so every route goes down together. */
  middleware: RequestHandler;
  takeDown(mode?: OutageMode): void;
  bringUp(): void;
  /** The next `count` requests fail with `status`, then the vendor recovers by itself. */
  failNext(count: number, status?: number): void;
  readonly isDown: boolean;
}

export function createVendorOutage(): VendorOutage {
  let mode: OutageMode | undefined;
  let failures: { count: number; status: number } = { count: 0, status: 503 };
  const held = new Set<Response>();

  const unavailable = (response: Response, status: number) => {
    response
      .status(status)
      .type('application/json')
      .send(JSON.stringify({ error: 'service_unavailable', message: 'メンテナンス中です' }));
  };

  return {
    middleware(_request, response, next) {
      if (mode === 'hang') {
        held.add(response);
        response.on('close', () => held.delete(response));
        return;
      }
      if (mode === 'error') return unavailable(response, 503);
      if (failures.count > 0) {
        failures = { ...failures, count: failures.count - 1 };
        return unavailable(response, failures.status);
      }
      next();
    },
    takeDown(newMode = 'hang') {
      mode = newMode;
    },
    bringUp() {
      mode = undefined;
      for (const response of held) unavailable(response, 503);
      held.clear();
    },
    failNext(count, status = 503) {
      failures = { count, status };
    },
    get isDown() {
      return mode !== undefined;
    },
  };
}

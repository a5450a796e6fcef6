import { timingSafeEqual } from 'node:crypto';
import express, { type Request, type Router } from 'express';
import type { BrokerMetrics } from './broker-metrics.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * GET /metrics for Prometheus. With a token configured, only a request bearing it is answered. Without one,
 * only a request from this machine that did not come through a proxy: a TLS front on the same host would
 * make every visitor look local, and it adds forwarding headers.
 */
export function metricsRoutes(deps: { metrics: BrokerMetrics; token: string | undefined }): Router {
  const router = express.Router();
  router.get('/metrics', async (req, res) => {
    if (!isAllowed(req, deps.token)) {
      res
        .status(deps.token ? 401 : 403)
        .type('text/plain')
        .send('forbidden\n');
      return;
    }
    res.type(deps.metrics.contentType).send(await deps.metrics.text());
  });
  return router;
}

function isAllowed(req: Request, token: string | undefined): boolean {
  if (token) {
    const given = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1] ?? '';
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  }
  const isProxied = ['x-forwarded-for', 'forwarded', 'x-real-ip'].some((h) => req.get(h) !== undefined);
  return LOOPBACK.has(req.socket.remoteAddress ?? '') && !isProxied;
}

import express, { type Router } from 'express';
import { isOperatorRequest } from '../http/operator-access.js';
import type { BrokerMetrics } from './broker-metrics.js';

/**
 * GET /metrics for Prometheus. With a token configured, only a request bearing it is answered. Without one,
 * only a request from this machine that did not come through a proxy: a TLS front on the same host would
 * make every visitor look local, and it adds forwarding headers.
 */
export function metricsRoutes(deps: { metrics: BrokerMetrics; token: string | undefined }): Router {
  const router = express.Router();
  router.get('/metrics', async (req, res) => {
    if (!isOperatorRequest(req, deps.token)) {
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

import express, { type Request, type Response, Router } from 'express';
import { answerInquiry } from './answer-inquiry.js';
import { cancelTransferRequest } from './cancel-transfer-request.js';
import { confirmInquiry } from './confirm-inquiry.js';
import { createTransferRequest } from './create-transfer-request.js';
import { listTransfers } from './list-transfers.js';
import { postInquiryMessage } from './post-inquiry-message.js';
import { readTransferInquiry, readTransferRequest } from './read-transfer-request.js';
import { searchFiltersFromQuery } from './search-page.js';
import { searchFiltersSchema, searchTransferHospitals } from './search-transfer-hospitals.js';
import { sendInquiries } from './send-inquiries.js';
import { exportTransferFhir } from './transfer-fhir.js';
import type { TransferActor, TransferDeps } from './transfer-deps.js';
import { parseTransferInput } from './parse-transfer-input.js';
import { param } from '../http/route-param.js';
import type { RequestViewer } from './transfer-access.js';
import type { TransferRequestView } from './read-transfer-request.js';
import { readBedBoard, updateFreeBeds } from './update-free-beds.js';
import { updateWardProfile } from './update-ward-profile.js';
import { withdrawInquiry } from './withdraw-inquiry.js';

/** One operation of the JSON API: what it answers with, from the signed-in actor and the request. */
interface ApiRoute {
  method: 'get' | 'post' | 'put';
  path: string;
  /** 201 for what it creates. */
  status?: number;
  run(deps: TransferDeps, actor: TransferActor, req: Request): Promise<unknown>;
}

function viewerJson(viewer: RequestViewer): { kind: RequestViewer['kind']; hospitalIds?: string[] } {
  return viewer.kind === 'asked-hospital'
    ? { kind: viewer.kind, hospitalIds: [...viewer.hospitalIds] }
    : viewer;
}

/** The view as JSON; attachments are pictures for the pages only (no API hands out their files). */
function viewJson(view: TransferRequestView): Record<string, unknown> {
  const json: Record<string, unknown> = { ...view, viewer: viewerJson(view.viewer) };
  delete json.attachments;
  return json;
}

const id = (req: Request): string => param(req, 'id');
const wardId = (req: Request): string => param(req, 'wardId');

/** The same operations as the pages, as JSON under /api/transfers: each one line of what it calls. */
const API: readonly ApiRoute[] = [
  { method: 'get', path: '/api/transfers', run: (deps, actor) => listTransfers(deps, actor) },
  {
    method: 'post',
    path: '/api/transfers/requests',
    status: 201,
    run: async (deps, actor, req) => ({ request: await createTransferRequest(deps, actor, req.body) }),
  },
  {
    method: 'get',
    path: '/api/transfers/requests/:id',
    run: async (deps, actor, req) => viewJson(await readTransferRequest(deps, actor, id(req))),
  },
  {
    method: 'get',
    path: '/api/transfers/requests/:id/search',
    run: (deps, actor, req) =>
      searchTransferHospitals(
        deps,
        actor,
        id(req),
        parseTransferInput(searchFiltersSchema, searchFiltersFromQuery(req.query)),
      ),
  },
  {
    method: 'post',
    path: '/api/transfers/requests/:id/inquiries',
    status: 201,
    run: async (deps, actor, req) => ({ inquiries: await sendInquiries(deps, actor, id(req), req.body) }),
  },
  {
    method: 'post',
    path: '/api/transfers/requests/:id/cancel',
    run: async (deps, actor, req) => ({
      request: await cancelTransferRequest(deps, actor, id(req), req.body ?? {}),
    }),
  },
  {
    method: 'get',
    path: '/api/transfers/inquiries/:id',
    run: async (deps, actor, req) => viewJson(await readTransferInquiry(deps, actor, id(req))),
  },
  {
    method: 'post',
    path: '/api/transfers/inquiries/:id/answer',
    run: async (deps, actor, req) => ({ inquiry: await answerInquiry(deps, actor, id(req), req.body) }),
  },
  {
    method: 'post',
    path: '/api/transfers/inquiries/:id/messages',
    status: 201,
    run: async (deps, actor, req) => ({ event: await postInquiryMessage(deps, actor, id(req), req.body) }),
  },
  {
    method: 'post',
    path: '/api/transfers/inquiries/:id/confirm',
    run: async (deps, actor, req) => ({ inquiry: await confirmInquiry(deps, actor, id(req)) }),
  },
  {
    method: 'post',
    path: '/api/transfers/inquiries/:id/withdraw',
    run: async (deps, actor, req) => ({ inquiry: await withdrawInquiry(deps, actor, id(req)) }),
  },
  { method: 'get', path: '/api/transfers/beds', run: (deps, actor) => readBedBoard(deps, actor) },
  {
    method: 'put',
    path: '/api/transfers/beds/:wardId',
    run: async (deps, actor, req) => ({ ward: await updateFreeBeds(deps, actor, wardId(req), req.body) }),
  },
  {
    method: 'put',
    path: '/api/transfers/beds/:wardId/profile',
    run: async (deps, actor, req) => ({ ward: await updateWardProfile(deps, actor, wardId(req), req.body) }),
  },
];

/** The JSON API of transfers, from the table above, and the FHIR export beside it. */
export function transfersApiRoutes(deps: TransferDeps, actorOf: (req: Request) => TransferActor): Router {
  const router = Router();
  const json = express.json({ limit: '64kb' });
  for (const route of API) {
    router[route.method](route.path, json, async (req: Request, res: Response) => {
      const answer = await route.run(deps, actorOf(req), req);
      res.status(route.status ?? 200).json(answer);
    });
  }
  router.get('/api/transfers/requests/:id/fhir', async (req, res) => {
    const bundle = await exportTransferFhir(deps, actorOf(req), id(req));
    // Shown, never downloaded: no attachment disposition, and the portal's no-store applies.
    res.type('application/fhir+json').send(JSON.stringify(bundle, null, 2));
  });
  return router;
}

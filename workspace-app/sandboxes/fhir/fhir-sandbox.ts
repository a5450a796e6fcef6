import { tokyoIsoString } from '@hcw/common';
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { cycle, demoCareTeams, demoMessages, demoStaff } from '../demo-care-teams.js';
import type { Sandbox } from '../start-sandbox.js';
import { createVendorOutage, type OutageMode } from '../vendor-outage.js';
import { renderVendorPage } from '../vendor-web-page.js';

/**
 * A FHIR R4 server subset: `Communication` searchable by `_lastUpdated` (gt, ge), paged Bundle searchsets
 * with `next` links, `_include=Communication:sender` for the author's PractitionerRole, and JP Core style
 * Patients (kanji and kana names with the iso21090-EN-representation extension) behind `subject`. It also takes
 * `POST /Communication` (the portal's thread posts), honouring a conditional create: with `If-None-Exist:
 * identifier=system|value`, a Communication already carrying that identifier is answered (200) instead of
 * stored again, so a client's retry never makes two. `identifier` is searchable too.
 */
export interface FhirSandboxOptions {
  now?: () => Date;
  /** Entries per page when the client does not ask for `_count`. */
  pageSize?: number;
  bearerToken?: string;
  seed?: boolean;
}

export interface FhirCommunicationInput {
  patient: { id: string; family: string; given: string; familyKana?: string; givenKana?: string };
  sender: { id: string; name: string; role: string };
  sent?: Date;
  topic?: string;
  text: string;
  status?: 'completed' | 'in-progress' | 'entered-in-error';
}

export interface FhirSandbox extends Sandbox {
  addCommunication(input: FhirCommunicationInput): string;
  /** Stores `resource` as the next Communication, exactly as given. */
  addRawResource(resource: unknown): void;
  takeDown(mode?: OutageMode): void;
  bringUp(): void;
  failNext(count: number, status?: number): void;
  /** The next `count` creates are stored, then the connection is dropped before the answer: a lost answer. */
  dropAnswersAfterStoring(count: number): void;
}

interface Stored {
  lastUpdated: Date;
  resource: () => unknown;
  senderRole: string | undefined;
  id: string | undefined;
  /** `system|value` of each identifier of a created Communication. */
  identifiers?: readonly string[];
}

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const EN_REPRESENTATION = 'http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation';
const JP_PATIENT = 'http://jpfhir.jp/fhir/core/StructureDefinition/JP_Patient';

export function createFhirSandbox(options: FhirSandboxOptions = {}): FhirSandbox {
  const now = options.now ?? (() => new Date());
  const outage = createVendorOutage();
  const communications: Stored[] = [];
  const inputs = new Map<string, FhirCommunicationInput & { sent: Date }>();
  const patients = new Map<string, FhirCommunicationInput['patient']>();
  const roles = new Map<string, FhirCommunicationInput['sender']>();
  let baseUrl = 'http://127.0.0.1';
  let dropsLeft = 0;

  // Servers stamp lastUpdated on write; strictly increasing here, so `gt` never skips a resource.
  const stamp = (): Date => {
    const last = communications.at(-1)?.lastUpdated.getTime() ?? 0;
    return new Date(Math.max(now().getTime(), last + 1));
  };

  const addCommunication = (input: FhirCommunicationInput): string => {
    const id = `comm-${String(communications.length + 1).padStart(6, '0')}`;
    const lastUpdated = stamp();
    const sent = input.sent ?? lastUpdated;
    patients.set(input.patient.id, input.patient);
    roles.set(input.sender.id, input.sender);
    inputs.set(id, { ...input, sent });
    communications.push({
      id,
      lastUpdated,
      senderRole: input.sender.id,
      resource: () => ({
        resourceType: 'Communication',
        id,
        meta: { versionId: '1', lastUpdated: lastUpdated.toISOString() },
        status: input.status ?? 'completed',
        subject: {
          reference: `Patient/${input.patient.id}`,
          display: `${input.patient.family} ${input.patient.given}`,
        },
        ...(input.topic ? { topic: { text: input.topic } } : {}),
        sent: tokyoIsoString(sent),
        sender: { reference: `PractitionerRole/${input.sender.id}`, display: input.sender.name },
        payload: [{ contentString: input.text }],
      }),
    });
    return id;
  };

  const practitionerRole = (sender: FhirCommunicationInput['sender']) => ({
    resourceType: 'PractitionerRole',
    id: sender.id,
    practitioner: { reference: `Practitioner/${sender.id}`, display: sender.name },
    code: [{ text: sender.role }],
  });

  const patient = (input: FhirCommunicationInput['patient']) => ({
    resourceType: 'Patient',
    id: input.id,
    meta: { profile: [JP_PATIENT] },
    name: [
      {
        extension: [{ url: EN_REPRESENTATION, valueCode: 'IDE' }],
        use: 'official',
        text: `${input.family} ${input.given}`,
        family: input.family,
        given: [input.given],
      },
      ...(input.familyKana && input.givenKana
        ? [
            {
              extension: [{ url: EN_REPRESENTATION, valueCode: 'SYL' }],
              use: 'official',
              text: `${input.familyKana} ${input.givenKana}`,
              family: input.familyKana,
              given: [input.givenKana],
            },
          ]
        : []),
    ],
  });

  const operationOutcome = (response: Response, status: number, code: string, text: string) => {
    response
      .status(status)
      .type(FHIR_JSON)
      .send(
        JSON.stringify({
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code, diagnostics: text }],
        }),
      );
  };

  /** FHIR token matching: `system|value` exactly, or a bare `value` under any system. */
  const hasIdentifier = (stored: Stored, token: string): boolean =>
    (stored.identifiers ?? []).some((known) =>
      token.includes('|') ? known === token : known.slice(known.indexOf('|') + 1) === token,
    );

  const communicationInput = z
    .object({
      resourceType: z.literal('Communication'),
      identifier: z
        .array(z.object({ system: z.string().max(500).optional(), value: z.string().min(1).max(500) }))
        .max(10)
        .optional(),
      status: z.string().max(40),
      subject: z.object({ reference: z.string().regex(/^Patient\/[A-Za-z0-9\-.]{1,64}$/) }).passthrough(),
      payload: z.array(z.object({ contentString: z.string().max(20_000) }).passthrough()).min(1),
    })
    .passthrough();

  const create = (request: Request, response: Response) => {
    const parsed = communicationInput.safeParse(request.body);
    if (!parsed.success) {
      return operationOutcome(response, 400, 'invalid', 'not a Communication this server takes');
    }
    const location = (id: string) => `${baseUrl}/fhir/Communication/${id}/_history/1`;
    const condition = request.get('if-none-exist');
    if (condition !== undefined) {
      const token = new URLSearchParams(condition).get('identifier');
      if (!token) return operationOutcome(response, 400, 'invalid', 'If-None-Exist takes identifier=');
      const found = communications.filter((stored) => hasIdentifier(stored, token));
      if (found.length > 1) {
        return operationOutcome(response, 412, 'duplicate', 'more than one Communication matches');
      }
      if (found[0]?.id) {
        response.status(200).location(location(found[0].id)).type(FHIR_JSON);
        return response.send(JSON.stringify(found[0].resource()));
      }
    }
    const id = `comm-${String(communications.length + 1).padStart(6, '0')}`;
    const lastUpdated = stamp();
    const resource = {
      ...parsed.data,
      id,
      meta: { versionId: '1', lastUpdated: lastUpdated.toISOString() },
    };
    communications.push({
      id,
      lastUpdated,
      senderRole: undefined,
      resource: () => resource,
      identifiers: (parsed.data.identifier ?? []).map((i) => `${i.system ?? ''}|${i.value}`),
    });
    if (dropsLeft > 0) {
      dropsLeft -= 1;
      request.socket.destroy();
      return;
    }
    response.status(201).location(location(id)).type(FHIR_JSON).send(JSON.stringify(resource));
  };

  const search = (request: Request, response: Response) => {
    const lastUpdated = request.query._lastUpdated;
    let after: { instant: number; inclusive: boolean } | undefined;
    if (lastUpdated !== undefined) {
      const match = typeof lastUpdated === 'string' ? /^(gt|ge)(.+)$/.exec(lastUpdated) : null;
      const instant = match?.[2] === undefined ? Number.NaN : Date.parse(match[2]);
      if (!match || Number.isNaN(instant)) {
        return operationOutcome(
          response,
          400,
          'invalid',
          '_lastUpdated must be gt or ge followed by an instant',
        );
      }
      after = { instant, inclusive: match[1] === 'ge' };
    }
    const count = Number(request.query._count ?? options.pageSize ?? 20);
    const offset = Number(request.query._offset ?? 0);
    if (!Number.isInteger(count) || count < 1 || count > 500 || !Number.isInteger(offset) || offset < 0) {
      return operationOutcome(response, 400, 'invalid', '_count or _offset out of range');
    }
    const identifier = typeof request.query.identifier === 'string' ? request.query.identifier : undefined;
    const matches = communications.filter((stored) => {
      if (identifier !== undefined && !hasIdentifier(stored, identifier)) return false;
      if (!after) return true;
      const time = stored.lastUpdated.getTime();
      return after.inclusive ? time >= after.instant : time > after.instant;
    });
    const page = matches.slice(offset, offset + count);
    const includeSenders = request.query._include === 'Communication:sender';
    const senderIds = includeSenders ? [...new Set(page.map((stored) => stored.senderRole))] : [];
    const selfUrl = new URL(request.originalUrl, baseUrl);
    const nextUrl = new URL(selfUrl);
    nextUrl.searchParams.set('_offset', String(offset + count));
    response.type(FHIR_JSON).send(
      JSON.stringify({
        resourceType: 'Bundle',
        type: 'searchset',
        total: matches.length,
        link: [
          { relation: 'self', url: selfUrl.href },
          ...(offset + count < matches.length ? [{ relation: 'next', url: nextUrl.href }] : []),
        ],
        entry: [
          ...page.map((stored) => ({
            fullUrl: stored.id ? `${baseUrl}/fhir/Communication/${stored.id}` : undefined,
            resource: stored.resource(),
            search: { mode: 'match' },
          })),
          ...senderIds.flatMap((id) => {
            const sender = id === undefined ? undefined : roles.get(id);
            return sender
              ? [
                  {
                    fullUrl: `${baseUrl}/fhir/PractitionerRole/${sender.id}`,
                    resource: practitionerRole(sender),
                    search: { mode: 'include' },
                  },
                ]
              : [];
          }),
        ],
      }),
    );
  };

  const app = express();
  app.disable('x-powered-by');
  app.use(outage.middleware);
  app.use('/fhir', (request, response, next) => {
    if (
      options.bearerToken === undefined ||
      request.get('authorization') === `Bearer ${options.bearerToken}`
    ) {
      return next();
    }
    operationOutcome(response, 401, 'login', 'a bearer token is required');
  });
  app.get('/fhir/metadata', (_request, response) => {
    response.type(FHIR_JSON).send(
      JSON.stringify({
        resourceType: 'CapabilityStatement',
        status: 'active',
        date: '2024-04-01',
        kind: 'instance',
        fhirVersion: '4.0.1',
        format: ['json'],
        rest: [
          {
            mode: 'server',
            resource: [
              {
                type: 'Communication',
                interaction: [{ code: 'read' }, { code: 'search-type' }, { code: 'create' }],
                conditionalCreate: true,
                searchParam: [
                  { name: '_lastUpdated', type: 'date' },
                  { name: 'identifier', type: 'token' },
                ],
                searchInclude: ['Communication:sender'],
              },
              { type: 'Patient' },
              { type: 'PractitionerRole' },
            ],
          },
        ],
      }),
    );
  });
  app.get('/fhir/Communication', search);
  app.post(
    '/fhir/Communication',
    express.json({ type: ['application/fhir+json', 'application/json'], limit: '256kb' }),
    create,
  );
  app.get('/fhir/Communication/:id', (request, response) => {
    const stored = communications.find((candidate) => candidate.id === request.params.id);
    if (!stored) return operationOutcome(response, 404, 'not-found', 'no such Communication');
    response.type(FHIR_JSON).send(JSON.stringify(stored.resource()));
  });
  app.get('/fhir/Patient/:id', (request, response) => {
    const found = patients.get(request.params.id);
    if (!found) return operationOutcome(response, 404, 'not-found', 'no such Patient');
    response.type(FHIR_JSON).send(JSON.stringify(patient(found)));
  });
  app.get('/fhir/PractitionerRole/:id', (request, response) => {
    const found = roles.get(request.params.id);
    if (!found) return operationOutcome(response, 404, 'not-found', 'no such PractitionerRole');
    response.type(FHIR_JSON).send(JSON.stringify(practitionerRole(found)));
  });
  app.get('/app/communications/:id', (request, response) => {
    const input = inputs.get(request.params.id);
    if (!input) {
      response
        .status(404)
        .type('html')
        .send(renderVendorPage({ vendorName: '地域連携FHIRサーバー', title: 'メッセージが見つかりません' }));
      return;
    }
    response.type('html').send(
      renderVendorPage({
        vendorName: '地域連携FHIRサーバー',
        title: input.topic ?? 'メッセージ',
        facts: [
          ['患者', `${input.patient.family} ${input.patient.given}`],
          ['送信者', `${input.sender.name}（${input.sender.role}）`],
          ['送信日時', tokyoIsoString(input.sent)],
        ],
        body: input.text,
      }),
    );
  });

  if (options.seed) {
    demoMessages.forEach((text, index) => {
      const team = cycle(demoCareTeams, index);
      const staff = cycle(demoStaff, index + 3);
      const [family = team.patientName, given = ''] = team.patientName.split(' ');
      addCommunication({
        patient: { id: team.groupId.replace(/^grp-/, 'pat-'), family, given },
        sender: { id: `role-${index % demoStaff.length}`, name: staff.name, role: staff.role },
        text,
      });
    });
  }

  return {
    app,
    useBaseUrl(url) {
      baseUrl = url;
    },
    addCommunication,
    addRawResource(resource) {
      communications.push({
        lastUpdated: stamp(),
        resource: () => resource,
        senderRole: undefined,
        id: undefined,
      });
    },
    takeDown: (mode) => outage.takeDown(mode),
    bringUp: () => outage.bringUp(),
    failNext: (count, status) => outage.failNext(count, status),
    dropAnswersAfterStoring(count) {
      dropsLeft = count;
    },
  };
}

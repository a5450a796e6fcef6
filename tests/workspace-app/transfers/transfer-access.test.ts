import assert from 'node:assert/strict';
import supertest from 'supertest';
import type { Practitioner } from '@hcw/common';
import type { StoredInquiry, StoredRequest } from '#workspace-app/transfers/transfer-store.js';
import { workspace } from '#test-support/workspace.js';
import { startTransferTestEnv, type TransferTestEnv } from './transfer-test-env.js';
import {
  aNurse,
  aStoredHospital,
  anAcceptance,
  anMsw,
  askHospitals,
  auditRows,
  bedManagerOf,
  createRequest,
  errorOf,
  inquiryAt,
  newRequestBody,
  storeHospitals,
} from './workflow-fixtures.js';

const patientId = 'patient-0042';

describe('who sees a transfer request', function () {
  this.timeout(120_000);
  let env: TransferTestEnv;
  let request: StoredRequest;
  let asked: StoredInquiry;
  let second: StoredInquiry;
  const requester = anMsw();
  const otherMsw = anMsw({ id: 'msw.other', organisation: '城東総合病院 医療福祉相談室' });
  const askedManager = bedManagerOf('h-asked');
  const secondManager = bedManagerOf('h-second');
  const notAskedManager = bedManagerOf('h-not-asked');
  const nurse = aNurse();
  const admin: Practitioner = {
    id: 'admin.yamamoto',
    displayName: '山本 誠一',
    organisation: '東京都医師会 情報システム部',
    profession: 'システム管理者',
    roles: ['it-admin'],
  };
  const auditor: Practitioner = {
    id: 'audit.watanabe',
    displayName: '渡辺 恵',
    organisation: '東京都 福祉保健局',
    profession: '監査担当',
    roles: ['auditor'],
  };

  before(async () => {
    env = await startTransferTestEnv('transfers_access_test');
    await storeHospitals(
      env.pool,
      ['h-asked', 'h-second', 'h-not-asked'].map((id) => aStoredHospital(id)),
    );
    env.careTeams.add(requester.id, patientId);
    const msw = await env.signIn(requester);
    request = await createRequest(msw, newRequestBody({}, patientId));
    const inquiries = await askHospitals(msw, request.id, ['h-asked', 'h-second']);
    asked = inquiryAt(inquiries, 'h-asked');
    second = inquiryAt(inquiries, 'h-second');
  });
  after(async () => {
    await env?.close();
  });

  /** The latest audit record of the actor for the operation. */
  async function lastAudit(type: string, actorId: string) {
    const rows = (await auditRows(env.pool, type)).filter((row) => row.actor_id === actorId);
    const row = rows.at(-1);
    assert.ok(row, `an audit record of ${type} by ${actorId}`);
    return row;
  }

  async function assertRefused(
    practitioner: Practitioner,
    call: (agent: supertest.Agent) => supertest.Test,
    audit: { type: string; denial: string },
  ): Promise<void> {
    const response = await call(await env.signIn(practitioner)).expect(403);
    if (response.type === 'text/html') assert.match(response.text, /権限がありません/);
    else errorOf(response);
    const row = await lastAudit(audit.type, practitioner.id);
    assert.equal(row.outcome, 'failure');
    assert.equal(row.details.refusal, 'forbidden');
    assert.equal(row.details.denial, audit.denial);
    assert.equal(row.patient_id, patientId, 'the refusal is recorded against the patient asked for');
  }

  it('shows the request to the requesting organisation’s MSWs, audited as a read of the patient', async () => {
    const colleague = anMsw({ id: 'msw.colleague', displayName: '同僚' });
    const view = await (await env.signIn(colleague)).get(`/api/transfers/requests/${request.id}`).expect(200);
    assert.equal((view.body as { inquiries: unknown[] }).inquiries.length, 2);
    const row = await lastAudit('transfer.request.read', colleague.id);
    assert.equal(row.outcome, 'success');
    assert.equal(row.patient_id, patientId);
    assert.equal(row.details.viewer, 'requester');
  });

  it('refuses an MSW of another organisation with 403, audited', async () => {
    await assertRefused(otherMsw, (agent) => agent.get(`/api/transfers/requests/${request.id}`), {
      type: 'transfer.request.read',
      denial: 'not-the-requesting-organisation',
    });
    await assertRefused(otherMsw, (agent) => agent.get(`/transfers/requests/${request.id}/search`), {
      type: 'transfer.request.search',
      denial: 'not-the-requesting-organisation',
    });
  });

  it('shows an asked hospital its own inquiry only, and refuses a hospital not asked', async () => {
    const agent = await env.signIn(askedManager);
    const view = (await agent.get(`/api/transfers/requests/${request.id}`).expect(200)).body as {
      inquiries: StoredInquiry[];
    };
    assert.deepEqual(
      view.inquiries.map((inquiry) => inquiry.hospitalId),
      ['h-asked'],
    );
    const fhir = (await agent.get(`/api/transfers/requests/${request.id}/fhir`).expect(200)).body as {
      entry: { resource: { resourceType: string } }[];
    };
    assert.deepEqual(
      fhir.entry.map((entry) => entry.resource.resourceType),
      ['ServiceRequest', 'Task'],
    );
    await assertRefused(askedManager, (other) => other.get(`/api/transfers/inquiries/${second.id}`), {
      type: 'transfer.inquiry.read',
      denial: 'not-an-asked-hospital',
    });
    await assertRefused(notAskedManager, (other) => other.get(`/api/transfers/requests/${request.id}`), {
      type: 'transfer.request.read',
      denial: 'not-an-asked-hospital',
    });
  });

  it('lets only the asked hospital answer, and only the requesting MSW confirm', async () => {
    await assertRefused(
      secondManager,
      (agent) =>
        agent
          .post(`/api/transfers/inquiries/${asked.id}/answer`)
          .send(anAcceptance(asked.wardId, env.clock.now)),
      { type: 'transfer.inquiry.answer', denial: 'not-an-asked-hospital' },
    );
    await assertRefused(
      requester,
      (agent) =>
        agent
          .post(`/api/transfers/inquiries/${asked.id}/answer`)
          .send(anAcceptance(asked.wardId, env.clock.now)),
      { type: 'transfer.inquiry.answer', denial: 'not-an-asked-hospital' },
    );
    await (
      await env.signIn(askedManager)
    )
      .post(`/api/transfers/inquiries/${asked.id}/answer`)
      .send(anAcceptance(asked.wardId, env.clock.now))
      .expect(200);
    await assertRefused(askedManager, (agent) => agent.post(`/api/transfers/inquiries/${asked.id}/confirm`), {
      type: 'transfer.inquiry.confirm',
      denial: 'not-the-requesting-organisation',
    });
  });

  it('shows the request to the patient’s care team, read only; not to anyone else', async () => {
    await assertRefused(nurse, (agent) => agent.get(`/api/transfers/requests/${request.id}`), {
      type: 'transfer.request.read',
      denial: 'not-involved',
    });
    env.careTeams.add(nurse.id, patientId);
    const agent = await env.signIn(nurse);
    const view = (await agent.get(`/api/transfers/requests/${request.id}`).expect(200)).body as {
      inquiries: unknown[];
      viewer: { kind: string };
    };
    assert.equal(view.viewer.kind, 'care-team');
    assert.equal(view.inquiries.length, 2);
    const page = await agent.get(`/transfers/requests/${request.id}`).expect(200);
    assert.doesNotMatch(page.text, /この病院に決定する|回答を送る|問い合わせを取り下げる/);
    await assertRefused(nurse, (other) => other.post(`/api/transfers/inquiries/${asked.id}/confirm`), {
      type: 'transfer.inquiry.confirm',
      denial: 'not-the-requesting-organisation',
    });
    await assertRefused(
      nurse,
      (other) => other.post(`/api/transfers/inquiries/${asked.id}/messages`).send({ text: 'hi' }),
      {
        type: 'transfer.inquiry.message',
        denial: 'not-involved',
      },
    );
    await assertRefused(
      nurse,
      (other) =>
        other.post(`/api/transfers/requests/${request.id}/inquiries`).send({ hospitalIds: ['h-not-asked'] }),
      { type: 'transfer.inquiries.send', denial: 'not-the-requesting-organisation' },
    );
  });

  it('refuses IT administrators and auditors even when a care-team answer would let them in', async () => {
    env.careTeams.add(admin.id, patientId);
    env.careTeams.add(auditor.id, patientId);
    for (const person of [admin, auditor]) {
      await assertRefused(person, (agent) => agent.get(`/api/transfers/requests/${request.id}`), {
        type: 'transfer.request.read',
        denial: 'not-involved',
      });
    }
  });

  it('lets only MSWs create requests and only a hospital’s bed managers change its beds', async () => {
    const created = await (
      await env.signIn(nurse)
    )
      .post('/api/transfers/requests')
      .send(newRequestBody())
      .expect(403);
    errorOf(created);
    assert.equal((await lastAudit('transfer.request.create', nurse.id)).details.denial, 'not-an-msw');
    const update = {
      freeBeds: {
        male: { individual: 0, shared: 0 },
        female: { individual: 0, shared: 0 },
        any: { individual: 0, shared: 0 },
      },
      freeIsolationRooms: 0,
      version: 1,
    };
    await (await env.signIn(requester)).put('/api/transfers/beds/h-asked-w1').send(update).expect(403);
    assert.equal((await lastAudit('transfer.beds.update', requester.id)).details.denial, 'not-a-bed-manager');
    // A bed manager reaches only their own hospital's wards: another's is not there for them.
    await (await env.signIn(secondManager)).put('/api/transfers/beds/h-asked-w1').send(update).expect(404);
    const stranger = bedManagerOf('h-nowhere');
    await (await env.signIn(stranger)).get('/api/transfers/beds').expect(403);
  });

  it('asks for a sign-in without a session, as JSON and as a page', async () => {
    const anonymous = supertest(env.app);
    errorOf(await anonymous.get(`/api/transfers/requests/${request.id}`).expect(401));
    const page = await anonymous.get('/transfers').expect(401);
    assert.match(page.text, /ワークスペースからサインインしてください/);
  });

  it('is mounted in the portal itself', async () => {
    const stack = await workspace();
    const response = await fetch(`${stack.portalUrl}/transfers`);
    assert.equal(response.status, 401);
    assert.match(await response.text(), /サインイン/);
    assert.match(response.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  });
});

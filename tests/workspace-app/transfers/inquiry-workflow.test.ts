import assert from 'node:assert/strict';
import type supertest from 'supertest';
import type { StoredWard } from '#workspace-app/transfers/hospital-store.js';
import type { StoredInquiry, StoredRequest } from '#workspace-app/transfers/transfer-store.js';
import { aWard, noFreeBeds, someFreeBeds } from './factories.js';
import { startTransferTestEnv, type TransferTestEnv } from './transfer-test-env.js';
import {
  aStoredHospital,
  anAcceptance,
  anMsw,
  askHospitals,
  auditRows,
  bedManagerOf,
  createRequest,
  errorOf,
  inquiryAt,
  storeHospitals,
  timelineOf,
} from './workflow-fixtures.js';

interface RequestView {
  request: StoredRequest;
  inquiries: StoredInquiry[];
  events: { inquiryId: string; kind: string; body: string | null; side: string }[];
}

describe('transfer inquiries', function () {
  this.timeout(120_000);
  let env: TransferTestEnv;
  let msw: supertest.Agent;
  const managers = new Map<string, supertest.Agent>();
  const hospitals = ['h-alpha', 'h-beta', 'h-gamma'];

  before(async () => {
    env = await startTransferTestEnv('transfers_inquiries_test');
    // Beds enough for every confirmation the tests make.
    const roomy = (id: string) =>
      aStoredHospital(id, {
        wards: [
          aWard({ id: `${id}-w1`, freeBeds: { ...someFreeBeds(), female: { individual: 2, shared: 10 } } }),
        ],
      });
    await storeHospitals(env.pool, hospitals.map(roomy));
    await storeHospitals(env.pool, [
      aStoredHospital('h-full', {
        wards: [aWard({ id: 'h-full-w1', freeBeds: noFreeBeds(), isolationRooms: { total: 1, free: 0 } })],
      }),
    ]);
    // The requests name shared-record patients whose care team the MSW is on.
    env.careTeams.add(anMsw().id, 'patient-0001');
    env.careTeams.add(anMsw().id, 'patient-0007');
    msw = await env.signIn(anMsw());
    for (const id of [...hospitals, 'h-full']) {
      await env.register(bedManagerOf(id));
      managers.set(id, await env.signIn(bedManagerOf(id)));
    }
  });
  after(async () => {
    await env?.close();
  });

  const manager = (hospitalId: string): supertest.Agent => {
    const agent = managers.get(hospitalId);
    assert.ok(agent);
    return agent;
  };

  async function viewOf(agent: supertest.Agent, requestId: string): Promise<RequestView> {
    return (await agent.get(`/api/transfers/requests/${requestId}`).expect(200)).body as RequestView;
  }

  async function wardOf(hospitalId: string): Promise<StoredWard> {
    const board = (await manager(hospitalId).get('/api/transfers/beds').expect(200)).body as {
      hospital: { wards: StoredWard[] };
    };
    const [ward] = board.hospital.wards;
    assert.ok(ward);
    return ward;
  }

  it('asks several hospitals at once and puts the inquiry in each bed manager’s timeline', async () => {
    const request = await createRequest(msw);
    const inquiries = await askHospitals(msw, request.id, hospitals);
    assert.deepEqual(inquiries.map((inquiry) => inquiry.hospitalId).sort(), hospitals);
    assert.ok(inquiries.every((inquiry) => inquiry.status === 'sent'));
    for (const id of hospitals) {
      const timeline = await timelineOf(env.pool, `beds.${id}`);
      const notice = timeline.find(
        (item) => item.portal_link === `/transfers/inquiries/${inquiryAt(inquiries, id).id}`,
      );
      assert.ok(notice, `a notice for beds.${id}`);
      assert.equal(notice.portal_kind, 'transfer-inquiry');
      assert.equal(notice.patient_id, 'patient-0001');
      assert.match(notice.title, /転院の問い合わせ: 脳梗塞/);
    }
    assert.ok(
      env.notices.every((notice) => notice.wasInTransaction),
      'every notice went through the change’s transaction',
    );
  });

  it('takes each kind of answer, keeps a message thread, and tells the MSW of every answer', async () => {
    const request = await createRequest(msw);
    const inquiries = await askHospitals(msw, request.id, hospitals);
    const [alpha, beta, gamma] = hospitals.map((id) => inquiryAt(inquiries, id));
    assert.ok(alpha && beta && gamma);

    const question = await manager('h-alpha')
      .post(`/api/transfers/inquiries/${alpha.id}/answer`)
      .send({ answer: 'needs-information', question: '嚥下の状態を教えてください' })
      .expect(200);
    assert.equal((question.body as { inquiry: StoredInquiry }).inquiry.status, 'needs-information');
    await msw
      .post(`/api/transfers/inquiries/${alpha.id}/messages`)
      .send({ text: 'ミキサー食で全量摂取しています' })
      .expect(201);
    await manager('h-alpha')
      .post(`/api/transfers/inquiries/${alpha.id}/answer`)
      .send(anAcceptance(alpha.wardId, env.clock.now))
      .expect(200);

    const declined = await manager('h-beta')
      .post(`/api/transfers/inquiries/${beta.id}/answer`)
      .send({ answer: 'decline', reason: 'no-bed', note: '今週は満床です' })
      .expect(200);
    assert.equal((declined.body as { inquiry: StoredInquiry }).inquiry.declineReason, 'no-bed');

    await manager('h-gamma')
      .post(`/api/transfers/inquiries/${gamma.id}/answer`)
      .send({
        ...anAcceptance(gamma.wardId, env.clock.now),
        answer: 'conditional',
        conditions: '家族の面会は週2回まで',
      })
      .expect(200);

    const view = await viewOf(msw, request.id);
    const statuses = Object.fromEntries(
      view.inquiries.map((inquiry) => [inquiry.hospitalId, inquiry.status]),
    );
    assert.deepEqual(statuses, { 'h-alpha': 'accepted', 'h-beta': 'declined', 'h-gamma': 'conditional' });
    const alphaThread = view.events.filter((event) => event.inquiryId === alpha.id);
    assert.deepEqual(
      alphaThread.map((event) => [event.kind, event.side]),
      [
        ['sent', 'requester'],
        ['answered', 'hospital'],
        ['message', 'requester'],
        ['answered', 'hospital'],
      ],
    );
    const answers = (await timelineOf(env.pool, 'msw.takahashi')).filter(
      (item) => item.portal_link === `/transfers/requests/${request.id}`,
    );
    assert.equal(answers.filter((item) => item.portal_kind === 'transfer-answer').length, 4);
    assert.ok(answers.some((item) => /h-gamma 病院から回答: 条件付きで受入可/.test(item.title)));
    const messages = (await timelineOf(env.pool, 'beds.h-alpha')).filter(
      (item) => item.portal_kind === 'transfer-message',
    );
    assert.equal(messages.length, 1);
  });

  it('confirms one hospital: holds its bed, closes the others with a reason they see', async () => {
    const request = await createRequest(msw);
    const inquiries = await askHospitals(msw, request.id, hospitals);
    const [alpha, beta] = hospitals.map((id) => inquiryAt(inquiries, id));
    assert.ok(alpha && beta);
    await manager('h-alpha')
      .post(`/api/transfers/inquiries/${alpha.id}/answer`)
      .send(anAcceptance(alpha.wardId, env.clock.now))
      .expect(200);
    await manager('h-beta')
      .post(`/api/transfers/inquiries/${beta.id}/answer`)
      .send(anAcceptance(beta.wardId, env.clock.now))
      .expect(200);
    const before = await wardOf('h-alpha');

    const confirmed = await msw.post(`/api/transfers/inquiries/${alpha.id}/confirm`).expect(200);
    assert.equal((confirmed.body as { inquiry: StoredInquiry }).inquiry.status, 'confirmed');

    const after = await wardOf('h-alpha');
    assert.equal(
      after.freeBeds.female.shared,
      before.freeBeds.female.shared - 1,
      'the bed left the free figures',
    );
    assert.equal(
      after.freeBedsUpdatedAt,
      before.freeBedsUpdatedAt,
      'a held bed is not a person confirming the figures',
    );
    const holds = await env.pool.query('SELECT * FROM transfer_bed_holds WHERE inquiry_id = $1', [alpha.id]);
    assert.equal(holds.rowCount, 1);

    const view = await viewOf(msw, request.id);
    assert.equal(view.request.status, 'confirmed');
    for (const id of ['h-beta', 'h-gamma']) {
      const hospitalView = await viewOf(manager(id), request.id);
      assert.equal(hospitalView.inquiries.length, 1, 'a hospital sees its own inquiry only');
      const [own] = hospitalView.inquiries;
      assert.equal(own?.status, 'closed');
      assert.equal(own?.closeReason, 'another-hospital-confirmed');
      const page = await manager(id).get(`/transfers/inquiries/${own?.id}`).expect(200);
      assert.match(page.text, /他の病院への転院が決まったため終了しました/);
      const closed = (await timelineOf(env.pool, `beds.${id}`)).filter(
        (item) => item.portal_kind === 'transfer-closed',
      );
      assert.ok(closed.some((item) => item.portal_link === `/transfers/inquiries/${own?.id}`));
    }
    const held = (await timelineOf(env.pool, 'beds.h-alpha')).filter(
      (item) => item.portal_kind === 'transfer-confirmed',
    );
    assert.equal(held.length, 1);
    const board = await manager('h-alpha').get('/transfers/beds').expect(200);
    assert.match(board.text, /転院で確保中の病床/);
  });

  describe('refuses impossible combinations with a clear message', () => {
    async function acceptedInquiry(
      hospitalId = 'h-alpha',
    ): Promise<{ request: StoredRequest; inquiry: StoredInquiry }> {
      const request = await createRequest(msw);
      const [inquiry] = await askHospitals(msw, request.id, [hospitalId]);
      assert.ok(inquiry);
      await manager(hospitalId)
        .post(`/api/transfers/inquiries/${inquiry.id}/answer`)
        .send(anAcceptance(inquiry.wardId, env.clock.now))
        .expect(200);
      return { request, inquiry };
    }

    it('refuses an answer to a closed inquiry', async () => {
      const { inquiry } = await acceptedInquiry();
      await msw.post(`/api/transfers/inquiries/${inquiry.id}/withdraw`).expect(200);
      const response = await manager('h-alpha')
        .post(`/api/transfers/inquiries/${inquiry.id}/answer`)
        .send({ answer: 'decline', reason: 'timing', note: null })
        .expect(409);
      assert.match(errorOf(response).ja, /終了しているため回答できません/);
      assert.match(errorOf(response).en, /closed/);
      const message = await manager('h-alpha')
        .post(`/api/transfers/inquiries/${inquiry.id}/messages`)
        .send({ text: 'まだ空いています' })
        .expect(409);
      assert.match(errorOf(message).en, /closed/);
    });

    it('refuses a confirmation after the offer’s deadline, and accepts one just before it', async () => {
      const late = await acceptedInquiry();
      const early = await acceptedInquiry('h-beta');
      const original = env.clock.now;
      try {
        env.clock.now = new Date(original.getTime() + 24 * 3_600_000 + 1_000);
        const response = await msw.post(`/api/transfers/inquiries/${late.inquiry.id}/confirm`).expect(409);
        assert.match(errorOf(response).ja, /確保期限.*を過ぎている/);
        env.clock.now = new Date(original.getTime() + 24 * 3_600_000 - 1_000);
        await msw.post(`/api/transfers/inquiries/${early.inquiry.id}/confirm`).expect(200);
      } finally {
        env.clock.now = original;
      }
      const view = await viewOf(msw, late.request.id);
      assert.equal(view.inquiries[0]?.status, 'accepted', 'the refused confirmation left nothing behind');
    });

    it('refuses to confirm a hospital that declined or has not answered', async () => {
      const request = await createRequest(msw);
      const inquiries = await askHospitals(msw, request.id, ['h-alpha', 'h-beta']);
      const [alpha, beta] = [inquiryAt(inquiries, 'h-alpha'), inquiryAt(inquiries, 'h-beta')];
      await manager('h-beta')
        .post(`/api/transfers/inquiries/${beta.id}/answer`)
        .send({ answer: 'decline', reason: 'dementia', note: null })
        .expect(200);
      assert.match(
        errorOf(await msw.post(`/api/transfers/inquiries/${alpha.id}/confirm`).expect(409)).ja,
        /まだ受入可の回答がありません/,
      );
      assert.match(
        errorOf(await msw.post(`/api/transfers/inquiries/${beta.id}/confirm`).expect(409)).ja,
        /受入不可と回答/,
      );
    });

    it('refuses a second confirmation for the same request', async () => {
      const request = await createRequest(msw);
      const inquiries = await askHospitals(msw, request.id, ['h-alpha', 'h-beta']);
      for (const inquiry of inquiries) {
        await manager(inquiry.hospitalId)
          .post(`/api/transfers/inquiries/${inquiry.id}/answer`)
          .send(anAcceptance(inquiry.wardId, env.clock.now))
          .expect(200);
      }
      const [first, second] = inquiries;
      assert.ok(first && second);
      await msw.post(`/api/transfers/inquiries/${first.id}/confirm`).expect(200);
      assert.match(
        errorOf(await msw.post(`/api/transfers/inquiries/${first.id}/confirm`).expect(409)).ja,
        /すでに転院先に決定/,
      );
      assert.match(
        errorOf(await msw.post(`/api/transfers/inquiries/${second.id}/confirm`).expect(409)).en,
        /closed|already/,
      );
    });

    it('refuses an offer from a ward with no free bed for the patient', async () => {
      const request = await createRequest(msw);
      const [inquiry] = await askHospitals(msw, request.id, ['h-full']);
      assert.ok(inquiry);
      const response = await manager('h-full')
        .post(`/api/transfers/inquiries/${inquiry.id}/answer`)
        .send(anAcceptance(inquiry.wardId, env.clock.now))
        .expect(409);
      assert.match(errorOf(response).ja, /空床がありません/);
    });

    it('refuses an offer held until a moment already past, or a ward of another hospital', async () => {
      const request = await createRequest(msw);
      const [inquiry] = await askHospitals(msw, request.id, ['h-alpha']);
      assert.ok(inquiry);
      const past = new Date(env.clock.now.getTime() - 60_000).toISOString();
      const response = await manager('h-alpha')
        .post(`/api/transfers/inquiries/${inquiry.id}/answer`)
        .send(anAcceptance(inquiry.wardId, env.clock.now, { holdUntil: past }))
        .expect(400);
      assert.match(errorOf(response).ja, /確保期限は現在より後/);
      await manager('h-alpha')
        .post(`/api/transfers/inquiries/${inquiry.id}/answer`)
        .send(anAcceptance('h-beta-w1', env.clock.now))
        .expect(400);
    });

    it('refuses to ask a hospital twice for the same request, and to ask for a settled request', async () => {
      const { request } = await acceptedInquiry();
      const again = await msw
        .post(`/api/transfers/requests/${request.id}/inquiries`)
        .send({ hospitalIds: ['h-alpha'] })
        .expect(409);
      assert.match(errorOf(again).ja, /すでに問い合わせ済み/);
      await msw.post(`/api/transfers/requests/${request.id}/cancel`).send({}).expect(200);
      const cancelled = await msw
        .post(`/api/transfers/requests/${request.id}/inquiries`)
        .send({ hospitalIds: ['h-beta'] })
        .expect(409);
      assert.match(errorOf(cancelled).ja, /取り下げられています/);
    });

    it('refuses a decline for "other" reasons without the reason written', async () => {
      const request = await createRequest(msw);
      const [inquiry] = await askHospitals(msw, request.id, ['h-alpha']);
      const response = await manager('h-alpha')
        .post(`/api/transfers/inquiries/${inquiry?.id}/answer`)
        .send({ answer: 'decline', reason: 'other', note: null })
        .expect(400);
      assert.match(errorOf(response).ja, /理由を書いてください/);
    });
  });

  it('loses nothing when both sides act at the same moment', async () => {
    const request = await createRequest(msw);
    const [inquiry] = await askHospitals(msw, request.id, ['h-beta']);
    assert.ok(inquiry);
    const texts = ['一つ目', '二つ目', '三つ目'];
    await Promise.all([
      ...texts.map((text) =>
        msw.post(`/api/transfers/inquiries/${inquiry.id}/messages`).send({ text }).expect(201),
      ),
      manager('h-beta')
        .post(`/api/transfers/inquiries/${inquiry.id}/messages`)
        .send({ text: '病院から' })
        .expect(201),
    ]);
    const [answer, withdrawal] = await Promise.all([
      manager('h-beta')
        .post(`/api/transfers/inquiries/${inquiry.id}/answer`)
        .send(anAcceptance(inquiry.wardId, env.clock.now)),
      msw.post(`/api/transfers/inquiries/${inquiry.id}/withdraw`),
    ]);
    assert.equal(withdrawal?.status, 200, 'withdrawing always succeeds here');
    assert.ok(
      answer?.status === 200 || answer?.status === 409,
      `the answer is taken or refused: ${answer?.status}`,
    );
    const view = await viewOf(msw, request.id);
    const events = view.events.filter((event) => event.inquiryId === inquiry.id);
    const bodies = events.filter((event) => event.kind === 'message').map((event) => event.body);
    assert.deepEqual([...bodies].sort(), [...texts, '病院から'].sort());
    assert.equal(events.at(-1)?.kind, 'closed', 'the close comes last, whichever came first');
    assert.equal(events.filter((event) => event.kind === 'answered').length, answer?.status === 200 ? 1 : 0);
  });

  it('stores nothing of a change whose timeline notice fails: both are one transaction', async () => {
    const request = await createRequest(msw);
    env.failNotifications.isOn = true;
    try {
      await msw
        .post(`/api/transfers/requests/${request.id}/inquiries`)
        .send({ hospitalIds: ['h-alpha'] })
        .expect(500);
    } finally {
      env.failNotifications.isOn = false;
    }
    const stored = await env.pool.query('SELECT 1 FROM transfer_inquiries WHERE request_id = $1', [
      request.id,
    ]);
    assert.equal(stored.rowCount, 0);
    // Control: the same request can be sent once the timeline works again.
    await askHospitals(msw, request.id, ['h-alpha']);
  });

  it('cancelling a confirmed request releases the held bed and tells the hospital', async () => {
    const request = await createRequest(msw);
    const [inquiry] = await askHospitals(msw, request.id, ['h-gamma']);
    assert.ok(inquiry);
    await manager('h-gamma')
      .post(`/api/transfers/inquiries/${inquiry.id}/answer`)
      .send(anAcceptance(inquiry.wardId, env.clock.now))
      .expect(200);
    await msw.post(`/api/transfers/inquiries/${inquiry.id}/confirm`).expect(200);
    await msw
      .post(`/api/transfers/requests/${request.id}/cancel`)
      .send({ note: '在宅療養に変更' })
      .expect(200);
    const hold = await env.pool.query<{ released_at: Date | null }>(
      'SELECT released_at FROM transfer_bed_holds WHERE inquiry_id = $1',
      [inquiry.id],
    );
    assert.ok(hold.rows[0]?.released_at);
    const view = await viewOf(manager('h-gamma'), request.id);
    assert.equal(view.inquiries[0]?.closeReason, 'request-cancelled');
    assert.ok((await timelineOf(env.pool, 'beds.h-gamma')).some((item) => /解放されました/.test(item.title)));
  });

  it('runs the whole flow through the pages’ forms as well', async () => {
    const form = await msw.get('/transfers/requests/new?patientId=patient-0007').expect(200);
    assert.match(form.text, /新しい転院依頼/);
    assert.match(form.text, /name="patientId" id="patientId" value="patient-0007"/);
    const created = await msw
      .post('/transfers/requests')
      .type('form')
      .send(
        'sex=female&ageBand=85-94&diagnosisName=大腿骨頸部骨折&onsetDate=2025-03-20&adlBedMobility=2&adlTransfer=2&adlEating=0&adlToiletUse=2&independenceLevel=B1&dementiaLevel=I&proceduresNeeded=blood-glucose-monitoring&preferredMunicipalityIds=setagaya-ku&keyPersonRelationship=長男',
      )
      .expect(303);
    const searchPath = created.headers.location;
    assert.match(String(searchPath), /^\/transfers\/requests\/[0-9a-f-]{36}\/search$/);
    const search = await msw.get(String(searchPath)).expect(200);
    assert.match(search.text, /転院依頼を作成しました/);
    assert.match(search.text, /h-alpha 病院/);
    const requestId = String(searchPath).split('/')[3];
    const asked = await msw
      .post(`/transfers/requests/${requestId}/inquiries`)
      .type('form')
      .send('hospitalIds=h-alpha&hospitalIds=h-beta&message=よろしくお願いします')
      .expect(303);
    assert.equal(asked.headers.location, `/transfers/requests/${requestId}`);
    const detail = await msw.get(`/transfers/requests/${requestId}`).expect(200);
    assert.match(detail.text, /2病院に問い合わせました/);
    const inquiryId = inquiryAt((await viewOf(msw, String(requestId))).inquiries, 'h-alpha').id;
    assert.match(detail.text, new RegExp(`/transfers/inquiries/${inquiryId}`));
    const inquiryPage = await manager('h-alpha').get(`/transfers/inquiries/${inquiryId}`).expect(200);
    assert.match(inquiryPage.text, /回答する/);
    assert.match(inquiryPage.text, /よろしくお願いします/);
    const holdUntil = '2025-04-02T12:00';
    await manager('h-alpha')
      .post(`/transfers/inquiries/${inquiryId}/answer`)
      .type('form')
      .send(`answer=accept&wardId=h-alpha-w1&roomType=shared&holdUntil=${holdUntil}&admissionDate=2025-04-03`)
      .expect(303);
    const answered = await manager('h-alpha').get(`/transfers/inquiries/${inquiryId}`).expect(200);
    assert.match(answered.text, /回答を送りました/);
    assert.match(answered.text, /2025-04-02 12:00/);
    const confirmed = await msw.post(`/transfers/inquiries/${inquiryId}/confirm`).expect(303);
    const after = await msw.get(String(confirmed.headers.location)).expect(200);
    assert.match(after.text, /h-alpha 病院に決定し、1床を確保しました/);
  });

  it('shows a form’s refusal on the page it came from, and keeps what was typed', async () => {
    const refused = await msw
      .post('/transfers/requests')
      .type('form')
      .send(
        [
          'sex=female&ageBand=85-94&diagnosisName=誤嚥性肺炎&onsetDate=2025-03-20&careLevelItems=ventilator',
          'adlBedMobility=4&adlTransfer=4&adlEating=4&adlToiletUse=4&independenceLevel=C1&dementiaLevel=IIa',
          'keyPersonRelationship=妻',
        ].join('&'),
      )
      .expect(400);
    assert.match(refused.text, /必要な処置に「人工呼吸器」がありません/);
    assert.match(refused.text, /value="誤嚥性肺炎"/);
    const audit = await auditRows(env.pool, 'transfer.request.create');
    assert.ok(audit.some((row) => row.outcome === 'failure' && row.details.refusal === 'invalid-input'));
  });
});

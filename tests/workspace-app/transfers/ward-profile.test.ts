import assert from 'node:assert/strict';
import type supertest from 'supertest';
import type { StoredWard } from '#workspace-app/transfers/hospital-store.js';
import type { SearchHit, TransferSearchResult } from '#workspace-app/transfers/search-transfer-hospitals.js';
import type { StoredInquiry } from '#workspace-app/transfers/transfer-store.js';
import { aWard, noFreeBeds } from './factories.js';
import { startTransferTestEnv, type TransferTestEnv } from './transfer-test-env.js';
import {
  anAcceptance,
  anMsw,
  askHospitals,
  aStoredHospital,
  auditRows,
  bedManagerOf,
  createRequest,
  errorOf,
  newRequestBody,
  storeHospitals,
} from './workflow-fixtures.js';

type SearchBody = Omit<TransferSearchResult, 'request'>;

/**
 * What a search asks for is what it uses: ADL区分, 障害高齢者の日常生活自立度 and age rank hospitals where
 * a ward's profile says which patients it takes; bed managers keep that whole profile; and a hospital
 * may accept for a day in the coming days when no bed is free today.
 */
describe('ward profiles, patients taken and later admission, over HTTP', function () {
  this.timeout(120_000);
  let env: TransferTestEnv;
  let msw: supertest.Agent;
  let requestId: string;

  const hit = (body: SearchBody, hospitalId: string): SearchHit => {
    const found = [...body.matches, ...body.excluded].find(
      (candidate) => candidate.hospitalId === hospitalId,
    );
    assert.ok(found, hospitalId);
    return found;
  };
  const search = async (): Promise<SearchBody> =>
    (await msw.get(`/api/transfers/requests/${requestId}/search?limit=100`).expect(200)).body as SearchBody;

  before(async () => {
    env = await startTransferTestEnv('transfers_ward_profile_test');
    await storeHospitals(env.pool, [
      // Takes patients up to ADL区分2 only.
      aStoredHospital('h-adl', {
        wards: [aWard({ id: 'h-adl-w1', patientsAccepted: { maxAdlCategory: 2 } })],
      }),
      // Takes the bed-bound (up to C2) and only from 65.
      aStoredHospital('h-old', {
        wards: [aWard({ id: 'h-old-w1', patientsAccepted: { maxIndependenceLevel: 'C2', minAge: 65 } })],
      }),
      // Takes only the independent-ish (up to A2) and under 75.
      aStoredHospital('h-young', {
        wards: [aWard({ id: 'h-young-w1', patientsAccepted: { maxIndependenceLevel: 'A2', maxAge: 74 } })],
      }),
      // Says nothing about who it takes.
      aStoredHospital('h-any', { wards: [aWard({ id: 'h-any-w1' })] }),
      // No free bed today.
      aStoredHospital('h-full', {
        wards: [aWard({ id: 'h-full-w1', freeBeds: noFreeBeds(), isolationRooms: { total: 2, free: 0 } })],
      }),
    ]);
    for (const id of ['h-adl', 'h-old', 'h-young', 'h-any', 'h-full']) await env.register(bedManagerOf(id));
    msw = await env.signIn(anMsw());
    // ADL区分3 (total 24), bed-bound C2, 85–94.
    const request = await createRequest(
      msw,
      newRequestBody(
        {
          patient: { sex: 'female', ageBand: '85-94' },
          adlScores: { bedMobility: 6, transfer: 6, eating: 6, toiletUse: 6 },
          independenceLevel: 'C2',
        },
        null,
      ),
    );
    requestId = request.id;
  });
  after(async () => {
    await env?.close();
  });

  describe('ranking by ADL, independence and age', () => {
    it('excludes a ward whose profile does not take the patient, and the explanation says why', async () => {
      const body = await search();
      const adl = hit(body, 'h-adl');
      assert.equal(adl.rank, null);
      assert.deepEqual(
        adl.exclusions.map((reason) => reason.code),
        ['adl-not-accepted'],
      );
      assert.match(adl.explanation.ja, /ADL区分3の受入不可（ADL区分2まで）/);
      assert.match(adl.explanation.en, /does not take ADL category 3 \(up to 2\)/);
      const young = hit(body, 'h-young');
      assert.deepEqual(young.exclusions.map((reason) => reason.code).sort(), [
        'age-not-accepted',
        'independence-not-accepted',
      ]);
      assert.match(young.explanation.ja, /障害高齢者の日常生活自立度C2の受入不可（A2まで）/);
    });

    it('names a ward that takes the patient as a fit (control: a ward saying nothing is ranked as before)', async () => {
      const body = await search();
      const old = hit(body, 'h-old');
      assert.ok(old.rank !== null);
      assert.match(old.explanation.ja, /障害高齢者の日常生活自立度C2の受入可/);
      assert.match(old.explanation.ja, /85〜94歳は受入年齢内（65歳〜）/);
      const any = hit(body, 'h-any');
      assert.ok(any.rank !== null);
      assert.doesNotMatch(any.explanation.ja, /ADL区分|自立度|受入年齢/);
      assert.equal(
        any.score,
        old.score,
        'fits about who is taken do not move the score of an otherwise equal ward',
      );
    });

    it('shows the explanation on the search page, in Japanese and in English', async () => {
      const ja = await msw.get(`/transfers/requests/${requestId}/search`).expect(200);
      assert.match(ja.text, /ADL区分3の受入不可（ADL区分2まで）/);
      const en = await msw.get(`/transfers/requests/${requestId}/search?lang=en`).expect(200);
      assert.match(en.text, /does not take ADL category 3 \(up to 2\)/);
    });
  });

  describe('a bed manager edits the whole profile', () => {
    const profileOf = (ward: StoredWard) => ({
      version: ward.version,
      proceduresAccepted: ward.proceduresAccepted,
      infectionsAccepted: ward.infectionsAccepted,
      isolationRoomsTotal: ward.isolationRooms.total,
      dementia: ward.dementia,
      extraRoomChargeYenPerDay: ward.extraRoomChargeYenPerDay,
      maxStayDays: ward.maxStayDays,
      typicalWaitDays: ward.typicalWaitDays,
      ...(ward.patientsAccepted ? { patientsAccepted: ward.patientsAccepted } : {}),
    });
    const wardOf = async (beds: supertest.Agent) =>
      ((await beds.get('/api/transfers/beds').expect(200)).body as { hospital: { wards: StoredWard[] } })
        .hospital.wards[0]!;

    it('changes what the ward takes, and the next search ranks by it', async () => {
      const beds = await env.signIn(bedManagerOf('h-adl'));
      const ward = await wardOf(beds);
      const saved = await beds
        .put(`/api/transfers/beds/${ward.id}/profile`)
        .send({
          ...profileOf(ward),
          proceduresAccepted: [...ward.proceduresAccepted, 'ventilator'],
          infectionsAccepted: [{ code: 'mrsa', needsIsolationRoom: true }],
          isolationRoomsTotal: 4,
          extraRoomChargeYenPerDay: { individual: 8_800, shared: 0 },
          maxStayDays: 60,
          typicalWaitDays: 5,
          patientsAccepted: { maxAdlCategory: 3 },
        })
        .expect(200);
      const updated = (saved.body as { ward: StoredWard }).ward;
      assert.equal(updated.isolationRooms.total, 4);
      assert.equal(updated.typicalWaitDays, 5);
      assert.ok(updated.proceduresAccepted.includes('ventilator'));
      assert.deepEqual(updated.freeBeds, ward.freeBeds, 'the free beds are left as they were');
      const adl = hit(await search(), 'h-adl');
      assert.ok(adl.rank !== null, 'the ward now takes ADL区分3');
      assert.match(adl.explanation.ja, /ADL区分3の受入可（ADL区分3まで）/);
      assert.equal(adl.ward.typicalWaitDays, 5);
      const audited = await auditRows(env.pool, 'transfer.ward.profile.update');
      assert.equal(audited.at(-1)?.outcome, 'success');
    });

    it('refuses a profile that breaks the ward’s rules, a stale version and another hospital’s ward (controls)', async () => {
      const beds = await env.signIn(bedManagerOf('h-old'));
      const ward = await wardOf(beds);
      const tooMany = await beds
        .put(`/api/transfers/beds/${ward.id}/profile`)
        .send({ ...profileOf(ward), isolationRoomsTotal: ward.totalBeds + 1 })
        .expect(400);
      assert.match(errorOf(tooMany).ja + JSON.stringify(tooMany.body), /隔離室の数/);
      const ages = await beds
        .put(`/api/transfers/beds/${ward.id}/profile`)
        .send({ ...profileOf(ward), patientsAccepted: { minAge: 80, maxAge: 70 } })
        .expect(400);
      assert.match(JSON.stringify(ages.body), /上限の年齢が下限より低くなっています/);
      await beds
        .put(`/api/transfers/beds/${ward.id}/profile`)
        .send({ ...profileOf(ward), version: ward.version + 5 })
        .expect(409);
      await beds.put(`/api/transfers/beds/h-any-w1/profile`).send(profileOf(ward)).expect(404);
      const msWorker = await msw.put(`/api/transfers/beds/${ward.id}/profile`).send(profileOf(ward));
      assert.equal(msWorker.status, 403);
      assert.equal((await wardOf(beds)).version, ward.version, 'nothing was stored');
    });

    it('saves the profile from the bed page’s form', async () => {
      const beds = await env.signIn(bedManagerOf('h-any'));
      const page = await beds.get('/transfers/beds').expect(200);
      assert.match(page.text, /受入条件を編集/);
      assert.match(page.text, /name="maxAdlCategory"/);
      const ward = await wardOf(beds);
      await beds
        .post(`/transfers/beds/${ward.id}/profile`)
        .type('form')
        .send({
          version: String(ward.version),
          proceduresAccepted: ['suctioning', 'stoma'],
          'infection-mrsa': 'yes',
          isolationRoomsTotal: '2',
          dementiaMaxLevel: 'IIIa',
          chargeIndividual: '3300',
          chargeShared: '0',
          maxStayDays: '',
          typicalWaitDays: '1',
          maxAdlCategory: '2',
          minAge: '40',
        })
        .expect(303);
      const saved = await wardOf(beds);
      assert.deepEqual(saved.proceduresAccepted, ['suctioning', 'stoma']);
      assert.deepEqual(saved.patientsAccepted, { maxAdlCategory: 2, minAge: 40 });
      assert.equal(saved.dementia.maxLevel, 'IIIa');
      assert.equal(saved.maxStayDays, null);
    });
  });

  describe('accepting for a later day', () => {
    let inquiry: StoredInquiry;
    let beds: supertest.Agent;
    const today = () => new Date(env.clock.now.getTime() + 9 * 3_600_000).toISOString().slice(0, 10);
    const inDays = (days: number) =>
      new Date(Date.parse(`${today()}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

    before(async () => {
      [inquiry] = (await askHospitals(msw, requestId, ['h-full'])) as [StoredInquiry];
      beds = await env.signIn(bedManagerOf('h-full'));
    });

    it('refuses an acceptance for today without a free bed, saying how to accept for a later day (control)', async () => {
      const refused = await beds
        .post(`/api/transfers/inquiries/${inquiry.id}/answer`)
        .send(anAcceptance('h-full-w1', env.clock.now))
        .expect(409);
      assert.match(errorOf(refused).ja, /今日、.*空床がありません.*空く見込みの日を入院日にして/);
    });

    it('refuses a later day beyond the coming 14 days', async () => {
      const refused = await beds
        .post(`/api/transfers/inquiries/${inquiry.id}/answer`)
        .send(anAcceptance('h-full-w1', env.clock.now, { admissionDate: inDays(20) }))
        .expect(400);
      assert.match(JSON.stringify(refused.body), /入院日は14日以内/);
    });

    it('accepts for a day in the coming days with no bed free today; confirming holds it without touching today’s figures', async () => {
      const accepted = await beds
        .post(`/api/transfers/inquiries/${inquiry.id}/answer`)
        .send(anAcceptance('h-full-w1', env.clock.now, { admissionDate: inDays(3) }))
        .expect(200);
      assert.equal((accepted.body as { inquiry: StoredInquiry }).inquiry.status, 'accepted');
      await msw.post(`/api/transfers/inquiries/${inquiry.id}/confirm`).expect(200);
      const board = (await beds.get('/api/transfers/beds').expect(200)).body as {
        hospital: { wards: StoredWard[] };
        holds: { inquiryId: string; admissionDate: string | null }[];
      };
      assert.deepEqual(board.hospital.wards[0]?.freeBeds, noFreeBeds());
      assert.equal(board.holds.find((hold) => hold.inquiryId === inquiry.id)?.admissionDate, inDays(3));
    });
  });
});

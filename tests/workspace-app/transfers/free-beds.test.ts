import assert from 'node:assert/strict';
import type supertest from 'supertest';
import type { FreeBeds } from '#workspace-app/transfers/capacity-profile.js';
import type { StoredWard } from '#workspace-app/transfers/hospital-store.js';
import { aWard, noFreeBeds } from './factories.js';
import { startTransferTestEnv, type TransferTestEnv } from './transfer-test-env.js';
import { aStoredHospital, auditRows, bedManagerOf, errorOf, storeHospitals } from './workflow-fixtures.js';

function freeBeds(female: { individual: number; shared: number }): FreeBeds {
  return { ...noFreeBeds(), female };
}

describe('free beds kept by the bed manager', function () {
  this.timeout(120_000);
  let env: TransferTestEnv;
  let manager: supertest.Agent;
  const wardId = 'h-beds-w1';

  before(async () => {
    env = await startTransferTestEnv('transfers_beds_test');
    await storeHospitals(env.pool, [
      aStoredHospital('h-beds', {
        wards: [
          aWard({ id: wardId, totalBeds: 10, isolationRooms: { total: 2, free: 0 }, freeBeds: noFreeBeds() }),
        ],
        freeBedsUpdatedAt: '2025-03-25T09:00:00+09:00',
      }),
    ]);
    manager = await env.signIn(bedManagerOf('h-beds'));
  });
  after(async () => {
    await env?.close();
  });

  async function currentWard(): Promise<StoredWard> {
    const board = (await manager.get('/api/transfers/beds').expect(200)).body as {
      hospital: { wards: StoredWard[] };
    };
    const ward = board.hospital.wards.find((candidate) => candidate.id === wardId);
    assert.ok(ward);
    return ward;
  }

  function put(body: Record<string, unknown>): supertest.Test {
    return manager.put(`/api/transfers/beds/${wardId}`).send(body);
  }

  it('shows every ward with when its figures were confirmed, marking old ones', async () => {
    const page = await manager.get('/transfers/beds').expect(200);
    assert.match(page.text, /h-beds 病院/);
    assert.match(page.text, /更新 2025-03-25 09:00/);
    assert.match(page.text, /更新 2025-03-25 09:00 <strong class="badge stale">情報が古い/);
    assert.match(page.text, /name="femaleShared" value="0"/);
  });

  it('stores new figures in one step and stamps who confirmed them when', async () => {
    const before = await currentWard();
    env.clock.now = new Date('2025-04-01T09:30:00+09:00');
    const response = await put({
      freeBeds: freeBeds({ individual: 1, shared: 3 }),
      freeIsolationRooms: 1,
      version: before.version,
    }).expect(200);
    const ward = (response.body as { ward: StoredWard }).ward;
    assert.deepEqual(ward.freeBeds.female, { individual: 1, shared: 3 });
    assert.equal(ward.isolationRooms.free, 1);
    assert.equal(ward.freeBedsUpdatedAt, '2025-04-01T00:30:00.000Z');
    assert.equal(ward.freeBedsUpdatedBy, 'beds.h-beds');
    assert.equal(ward.version, before.version + 1);
    const page = await manager.get('/transfers/beds').expect(200);
    assert.doesNotMatch(page.text, /class="badge stale"/);
  });

  it('counts an unchanged confirmation as an update', async () => {
    const before = await currentWard();
    env.clock.now = new Date('2025-04-01T11:00:00+09:00');
    const body = {
      freeBeds: before.freeBeds,
      freeIsolationRooms: before.isolationRooms.free,
      version: before.version,
    };
    const ward = ((await put(body).expect(200)).body as { ward: StoredWard }).ward;
    assert.equal(ward.freeBedsUpdatedAt, '2025-04-01T02:00:00.000Z');
  });

  it('refuses more free beds than the ward has, with a message in both languages, and keeps the old figures', async () => {
    const before = await currentWard();
    const response = await put({
      freeBeds: freeBeds({ individual: 5, shared: 6 }),
      freeIsolationRooms: 0,
      version: before.version,
    }).expect(400);
    assert.match(errorOf(response).ja, /空床数の合計（11床）が病床数（10床）を超えています/);
    assert.match(errorOf(response).en, /free beds \(11\) exceed the ward's beds \(10\)/);
    assert.deepEqual((await currentWard()).freeBeds, before.freeBeds);
  });

  it('refuses more free isolation rooms than free single rooms, and negative counts', async () => {
    const before = await currentWard();
    await put({
      freeBeds: freeBeds({ individual: 0, shared: 2 }),
      freeIsolationRooms: 1,
      version: before.version,
    }).expect(400);
    await put({
      freeBeds: freeBeds({ individual: -1, shared: 2 }),
      freeIsolationRooms: 0,
      version: before.version,
    }).expect(400);
    const audit = await auditRows(env.pool, 'transfer.beds.update');
    assert.ok(
      audit.filter((row) => row.outcome === 'failure' && row.details.refusal === 'invalid-input').length >= 2,
    );
  });

  it('refuses an update based on figures that changed since, rather than undoing the other change', async () => {
    const before = await currentWard();
    await put({
      freeBeds: freeBeds({ individual: 0, shared: 4 }),
      freeIsolationRooms: 0,
      version: before.version,
    }).expect(200);
    const stale = await put({
      freeBeds: freeBeds({ individual: 0, shared: 9 }),
      freeIsolationRooms: 0,
      version: before.version,
    }).expect(409);
    assert.match(errorOf(stale).ja, /表示したあとに更新されています/);
    assert.deepEqual((await currentWard()).freeBeds.female, { individual: 0, shared: 4 });
  });

  it('keeps exactly one of two updates sent at the same moment from the same screen', async () => {
    const before = await currentWard();
    const colleague = await env.signIn(bedManagerOf('h-beds', { id: 'beds.h-beds-2' }));
    const [mine, theirs] = await Promise.all([
      put({
        freeBeds: freeBeds({ individual: 0, shared: 1 }),
        freeIsolationRooms: 0,
        version: before.version,
      }),
      colleague.put(`/api/transfers/beds/${wardId}`).send({
        freeBeds: freeBeds({ individual: 0, shared: 2 }),
        freeIsolationRooms: 0,
        version: before.version,
      }),
    ]);
    assert.deepEqual([mine?.status, theirs?.status].sort(), [200, 409]);
    const winner = mine?.status === 200 ? 1 : 2;
    assert.equal((await currentWard()).freeBeds.female.shared, winner);
  });

  it('saves the figures from the page’s form and says so', async () => {
    const before = await currentWard();
    const saved = await manager
      .post(`/transfers/beds/${wardId}`)
      .type('form')
      .send(
        `version=${before.version}&maleIndividual=0&maleShared=1&femaleIndividual=0&femaleShared=2&anyIndividual=0&anyShared=0&isolationFree=0`,
      )
      .expect(303);
    assert.equal(saved.headers.location, `/transfers/beds#ward-${wardId}`);
    const page = await manager.get('/transfers/beds').expect(200);
    assert.match(page.text, /3階東病棟の空床数を更新しました/);
    const refused = await manager
      .post(`/transfers/beds/${wardId}`)
      .type('form')
      .send(`version=${before.version + 1}&femaleShared=99`)
      .expect(303);
    assert.equal(refused.headers.location, `/transfers/beds#ward-${wardId}`);
    assert.match((await manager.get('/transfers/beds').expect(200)).text, /病床数（10床）を超えています/);
  });

  it('is refused by the database too, should any code path skip the checks', async () => {
    await assert.rejects(
      env.pool.query(`UPDATE transfer_wards SET free_female_shared = 11 WHERE id = $1`, [wardId]),
      /transfer_wards_free_within_total/,
    );
    await assert.rejects(
      env.pool.query(`UPDATE transfer_wards SET free_female_shared = -1 WHERE id = $1`, [wardId]),
      /check constraint/,
    );
    // Control: a value within the ward passes the same constraint.
    await env.pool.query(`UPDATE transfer_wards SET free_female_shared = 3 WHERE id = $1`, [wardId]);
  });
});

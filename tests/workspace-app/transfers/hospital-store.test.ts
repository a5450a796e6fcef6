import assert from 'node:assert/strict';
import { hospitalSchema } from '#workspace-app/transfers/capacity-profile.js';
import { tamaRehabilitationHospitalId, tokyoChuoHospitalId } from '#demo/demo-hospitals.js';
import {
  hospitalStore,
  rankableHospitalOf,
  wardProfileOf,
  type StoredHospital,
} from '#workspace-app/transfers/hospital-store.js';
import { demoInquiryId, demoTransferRequestId, seedDemoTransfers } from '#demo/seed-demo-transfers.js';
import { HospitalProfileCache } from '#workspace-app/transfers/hospital-profile-cache.js';
import { aHospital, aWard } from './factories.js';
import { startTransferTestEnv, type TransferTestEnv } from './transfer-test-env.js';
import { timelineOf } from './workflow-fixtures.js';

/** A stored hospital in the capacity profile's own shape, for its schema to check. */
function profileOf(hospital: StoredHospital, freeBedsUpdatedAt: string) {
  const { organisation: _organisation, ...rest } = hospital;
  return { ...rest, freeBedsUpdatedAt, wards: hospital.wards.map(wardProfileOf) };
}

describe('hospital storage', function () {
  this.timeout(120_000);
  let env: TransferTestEnv;

  before(async () => {
    env = await startTransferTestEnv('transfers_storage_test');
  });
  after(async () => {
    await env?.close();
  });

  it('gives back a stored capacity profile as it was', async () => {
    const hospital = aHospital({
      id: 'h-store',
      municipalityId: 'nerima-ku',
      wards: [
        aWard({ id: 'h-store-w1', typicalWaitDays: 5 }),
        aWard({ id: 'h-store-w2', name: '4階地域包括ケア病棟', wardType: 'community-care', maxStayDays: 60 }),
      ],
    });
    assert.equal(await hospitalStore.insert(env.pool, [{ hospital, organisation: '試験総合病院' }]), 1);
    const [stored] = await hospitalStore.load(env.pool, { hospitalIds: ['h-store'] });
    assert.ok(stored);
    assert.equal(stored.organisation, '試験総合病院');
    const rankable = rankableHospitalOf(stored);
    assert.equal(Date.parse(rankable.freeBedsUpdatedAt), Date.parse(hospital.freeBedsUpdatedAt));
    assert.deepEqual(hospitalSchema.parse(profileOf(stored, hospital.freeBedsUpdatedAt)), hospital);
    assert.ok(stored.wards.every((ward) => ward.version === 1 && ward.freeBedsUpdatedBy === null));
  });

  it('narrows by municipality, ward type and id, keeping only hospitals with a ward left', async () => {
    await hospitalStore.insert(env.pool, [
      {
        hospital: aHospital({
          id: 'h-filter-a',
          municipalityId: 'hachioji-shi',
          wards: [aWard({ id: 'a-w1' })],
        }),
        organisation: 'A',
      },
      {
        hospital: aHospital({
          id: 'h-filter-b',
          municipalityId: 'hachioji-shi',
          wards: [aWard({ id: 'b-w1', wardType: 'palliative-care', wardFunction: 'chronic' })],
        }),
        organisation: 'B',
      },
    ]);
    const inHachioji = await hospitalStore.load(env.pool, { municipalityIds: ['hachioji-shi'] });
    assert.deepEqual(
      inHachioji.map((hospital) => hospital.id),
      ['h-filter-a', 'h-filter-b'],
    );
    const palliative = await hospitalStore.load(env.pool, {
      municipalityIds: ['hachioji-shi'],
      wardTypes: ['palliative-care'],
    });
    assert.deepEqual(
      palliative.map((hospital) => hospital.id),
      ['h-filter-b'],
    );
  });

  it('leaves a stored hospital as it is when stored again', async () => {
    await env.pool.query(`UPDATE transfer_wards SET free_male_shared = 0 WHERE id = 'h-store-w1'`);
    const again = aHospital({ id: 'h-store', wards: [aWard({ id: 'h-store-w1' })] });
    assert.equal(
      await hospitalStore.insert(env.pool, [{ hospital: again, organisation: '試験総合病院' }]),
      0,
    );
    const [stored] = await hospitalStore.load(env.pool, { hospitalIds: ['h-store'] });
    assert.equal(stored?.wards.length, 2);
    assert.equal(stored?.wards[0]?.freeBeds.male.shared, 0);
  });

  describe('the search’s profile cache', () => {
    it('reads free beds fresh at every search while keeping the rest of each profile', async () => {
      let now = 0;
      const cache = new HospitalProfileCache(env.pool, 60_000, () => now);
      const [first] = await cache.load(env.pool, { hospitalIds: ['h-store'] });
      assert.equal(first?.wards[0]?.freeBeds.male.shared, 0);
      await env.pool.query(
        `UPDATE transfer_wards SET free_male_shared = 2, version = version + 1 WHERE id = 'h-store-w1'`,
      );
      await env.pool.query(`UPDATE transfer_wards SET name = '改称した病棟' WHERE id = 'h-store-w1'`);
      const [second] = await cache.load(env.pool, { hospitalIds: ['h-store'] });
      assert.equal(second?.wards[0]?.freeBeds.male.shared, 2, 'figures fresh');
      assert.equal(second?.wards[0]?.name, '3階東病棟', 'profile kept');
      now += 60_001;
      // An old profile serves while it is refreshed, in the background.
      await cache.load(env.pool, { hospitalIds: ['h-store'] });
      await cache.settled();
      const [third] = await cache.load(env.pool, { hospitalIds: ['h-store'] });
      assert.equal(third?.wards[0]?.name, '改称した病棟', 'profile refreshed once old');
      assert.deepEqual(third, (await hospitalStore.load(env.pool, { hospitalIds: ['h-store'] }))[0]);
    });

    it('sees a bed manager’s profile change at the next search, without waiting for the refresh', async () => {
      const cache = new HospitalProfileCache(env.pool, 60_000, () => 0);
      const [before] = await cache.load(env.pool, { hospitalIds: ['h-store'] });
      const ward = before!.wards[0]!;
      const client = await env.pool.connect();
      try {
        const isWritten = await hospitalStore.writeProfile(client, ward, ward.version, {
          ...wardProfileOf(ward),
          typicalWaitDays: ward.typicalWaitDays + 3,
        });
        assert.ok(isWritten);
        // Control: a write based on an outdated version changes nothing.
        assert.equal(
          await hospitalStore.writeProfile(client, ward, ward.version, wardProfileOf(ward)),
          false,
        );
      } finally {
        client.release();
      }
      const [after] = await cache.load(env.pool, { hospitalIds: ['h-store'] });
      assert.equal(after?.wards[0]?.typicalWaitDays, ward.typicalWaitDays + 3);
    });

    it('finds a hospital added after it was filled, at once', async () => {
      const cache = new HospitalProfileCache(env.pool, 60_000, () => 0);
      await cache.load(env.pool);
      await hospitalStore.insert(env.pool, [
        {
          hospital: aHospital({ id: 'h-late', wards: [aWard({ id: 'h-late-w1' })] }),
          organisation: '遅れて登録した病院',
        },
      ]);
      const found = await cache.load(env.pool, { hospitalIds: ['h-late'] });
      assert.deepEqual(
        found.map((hospital) => hospital.id),
        ['h-late'],
      );
      await hospitalStore.insert(env.pool, [
        {
          hospital: aHospital({
            id: 'h-later',
            municipalityId: 'ome-shi',
            wards: [aWard({ id: 'h-later-w1' })],
          }),
          organisation: 'さらに遅れて登録した病院',
        },
      ]);
      const inOme = await cache.load(env.pool, { municipalityIds: ['ome-shi'] });
      assert.deepEqual(
        inOme.map((hospital) => hospital.id),
        ['h-later'],
      );
    });
  });

  describe('the demo seed', () => {
    it('stores about 640 Tokyo hospitals with the two demo hospitals among them, and a demo request', async () => {
      await seedDemoTransfers(env.pool, { now: env.clock.now, patientId: 'demo-patient-1' });
      const count = await env.pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM transfer_hospitals WHERE id LIKE 'syn-%' OR id IN ($1, $2)`,
        [tokyoChuoHospitalId, tamaRehabilitationHospitalId],
      );
      assert.equal(Number(count.rows[0]?.n), 640);
      const tama = await hospitalStore.ofOrganisation(env.pool, '多摩リハビリテーション病院');
      assert.equal(tama?.id, tamaRehabilitationHospitalId);
      assert.ok(await hospitalStore.ofOrganisation(env.pool, '東京中央病院'));
      const all = await hospitalStore.load(env.pool);
      for (const hospital of all) {
        hospitalSchema.parse(profileOf(hospital, rankableHospitalOf(hospital).freeBedsUpdatedAt));
      }

      const request = await env.pool.query<{
        created_by: string;
        requesting_organisation: string;
        patient_id: string;
      }>('SELECT created_by, requesting_organisation, patient_id FROM transfer_requests WHERE id = $1', [
        demoTransferRequestId,
      ]);
      assert.deepEqual(request.rows[0], {
        created_by: 'msw.takahashi',
        requesting_organisation: '東京中央病院 地域連携室',
        patient_id: 'demo-patient-1',
      });
      const notices = await timelineOf(env.pool, 'beds.ito');
      assert.deepEqual(
        notices.map((notice) => notice.portal_link),
        [`/transfers/inquiries/${demoInquiryId}`],
      );
    });

    it('adds nothing when run again', async () => {
      const counts = async () =>
        (
          await env.pool.query<{ hospitals: string; wards: string; requests: string; inquiries: string }>(
            `SELECT (SELECT count(*) FROM transfer_hospitals) AS hospitals, (SELECT count(*) FROM transfer_wards) AS wards,
                    (SELECT count(*) FROM transfer_requests) AS requests, (SELECT count(*) FROM transfer_inquiries) AS inquiries`,
          )
        ).rows[0];
      const before = await counts();
      await seedDemoTransfers(env.pool, { now: new Date(env.clock.now.getTime() + 3_600_000) });
      assert.deepEqual(await counts(), before);
      assert.equal((await timelineOf(env.pool, 'beds.ito')).length, 1);
    });
  });
});

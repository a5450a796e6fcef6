import assert from 'node:assert/strict';
import type pg from 'pg';
import { DEMO_PATIENT_IDS, seedDemoPatients } from '#demo/seed-demo-patients.js';
import { seedDemoThread } from '#demo/seed-demo-thread.js';
import { readThread } from '#workspace-app/patients/patient-thread.js';
import { mapPatientGroup } from '#workspace-app/timeline/patient-groups.js';
import { patientDatabase, patientDeps, people } from './patient-fixtures.js';

describe('the demo thread', function () {
  this.timeout(60_000);
  let pool: pg.Pool;
  const patientId = DEMO_PATIENT_IDS.suzukiIchiro;

  before(async () => {
    pool = await patientDatabase('patients_seed_thread_test');
    await seedDemoPatients(pool);
    for (const [vendor, patientGroupRef] of [
      ['fhir', 'Patient/pat-nerima-0002'],
      ['kanamic', 'grp-nerima-0002'],
      ['mcs', 'grp-nerima-0002'],
    ] as const) {
      await mapPatientGroup(
        pool,
        { vendor, patientGroupRef, patientId, patientLabel: '鈴木 一郎' },
        'demo-seed',
      );
    }
    await seedDemoThread(pool);
    await seedDemoThread(pool);
  });
  after(async () => {
    await pool?.end();
  });

  it('is seeded once, with a reply, mentions, readers and deliveries waiting for the FHIR server and Kanamic', async () => {
    const deps = {
      ...patientDeps(pool),
      threadVendors: [
        { id: 'fhir', name: { ja: '地域連携FHIRサーバー', en: 'Regional FHIR server' } },
        { id: 'kanamic', name: { ja: 'カナミック', en: 'Kanamic' } },
      ],
    };
    const thread = await readThread(deps, people.tanaka, patientId);
    assert.equal(thread.posts.length, 2);
    const [fever] = thread.posts;
    assert.equal(fever?.author.id, 'nurse.sato');
    assert.equal(fever?.replies.length, 1);
    assert.deepEqual(
      fever?.readers.map((r) => r.id),
      ['dr.tanaka', 'cm.suzuki'],
    );
    assert.deepEqual(
      fever?.mentions.map((m) => m.label),
      ['医師'],
    );
    const all = thread.posts.flatMap((post) => [post, ...post.replies]);
    assert.equal(all.length, 3);
    assert.ok(
      all.every(
        (post) =>
          post.deliveries.map((d) => `${d.vendor} ${d.state}`).join(', ') === 'fhir pending, kanamic pending',
      ),
    );
    assert.deepEqual(
      thread.vendors.map((v) => [v.id, v.receivesPosts]),
      [
        ['fhir', true],
        ['kanamic', true],
        ['mcs', false],
      ],
    );
  });
});

import assert from 'node:assert/strict';
import type pg from 'pg';
import { procedureLabels as recordProcedureLabels } from '#workspace-app/clinical/procedures.js';
import { procedureLabels as transferProcedureLabels } from '#workspace-app/transfers/care-codes.js';
import { listMyInvitations } from '#workspace-app/patients/care-team-invitations.js';
import { listPatients } from '#workspace-app/patients/list-patients.js';
import { patientCareTeamLookup } from '#workspace-app/patients/patient-care-team-lookup.js';
import { readPatientRecord } from '#workspace-app/patients/patient-record.js';
import { DEMO_PATIENT_IDS, demoPatientNames, seedDemoPatients } from '#demo/seed-demo-patients.js';
import { listTodaysVisits } from '#workspace-app/patients/visit-calendar.js';
import { patientDatabase, patientDeps, people } from './patient-fixtures.js';

describe('demo patients', function () {
  this.timeout(60000);
  let pool: pg.Pool;
  let deps: ReturnType<typeof patientDeps>;

  before(async () => {
    pool = await patientDatabase('patients_seed_test');
    deps = patientDeps(pool);
    await seedDemoPatients(pool);
    await seedDemoPatients(pool);
  });
  after(async () => {
    await pool?.end();
  });

  it('are seeded once however often the demo starts', async () => {
    const counts = await pool.query(
      `SELECT (SELECT count(*) FROM patients)::int AS patients, (SELECT count(*) FROM care_team_members)::int AS members,
              (SELECT count(*) FROM care_team_invitations)::int AS invitations`,
    );
    // Three members for each patient, and 東京中央病院's discharge desk on 高橋 和子's team.
    assert.deepEqual(counts.rows[0], { patients: 3, members: 10, invitations: 1 });
  });

  it('give nurse.sato, dr.tanaka and cm.suzuki the same patients', async () => {
    for (const who of [people.sato, people.tanaka, people.suzuki]) {
      assert.equal((await listPatients(deps, who)).length, 3, who.id);
    }
    assert.equal((await listPatients(deps, people.kimura)).length, 0);
  });

  it('give msw.takahashi, through her hospital’s discharge desk, 高橋 和子: where the transfer walkthrough starts', async () => {
    const patients = await listPatients(deps, people.takahashi);
    assert.deepEqual(
      patients.map((p) => p.patientId),
      [DEMO_PATIENT_IDS.takahashiKazuko],
    );
  });

  it('plan nurse.sato’s visits for today', async () => {
    const today = await listTodaysVisits(deps, people.sato);
    assert.deepEqual(
      today.map((visit) => visit.patientName),
      ['鈴木 一郎', '髙橋 和子', '山口 正雄'],
    );
  });

  it('show the cancer the patient has not been told of to the visiting nurse, labelled 未告知 (control: his other diagnosis is not)', async () => {
    const diagnoses = (await readPatientRecord(deps, people.sato, DEMO_PATIENT_IDS.yamaguchiMasao)).lists
      .diagnosis;
    const cancer = diagnoses.find((d) => d.data.name === '膵臓癌');
    assert.ok(cancer, 'the nurse giving end-of-life care sees it');
    assert.equal(cancer.isNotToldToPatient, true);
    assert.equal(cancer.isNotShared, false);
    const copd = diagnoses.find((d) => d.data.name === '慢性閉塞性肺疾患');
    assert.equal(copd?.isNotToldToPatient, false);
  });

  it('record home oxygen as a device from the standing list, not as a medication (control: the list is the transfer request’s)', async () => {
    const record = await readPatientRecord(deps, people.sato, DEMO_PATIENT_IDS.yamaguchiMasao);
    assert.deepEqual(record.physicalFunction?.data.procedures, ['oxygen-therapy']);
    assert.ok(!record.lists.medication.some((m) => /酸素/.test(m.data.name)));
    assert.equal(transferProcedureLabels, recordProcedureLabels);
  });

  it('invite 東京中央病院 as an organisation', async () => {
    const waiting = await listMyInvitations(deps, people.takahashi);
    assert.deepEqual(
      waiting.map((invitation) => [invitation.kind, invitation.organisation, invitation.patientName]),
      [['organisation', '東京中央病院', '山口 正雄']],
    );
  });

  it('show vital signs from バイタルリンク in a record', async () => {
    const record = await readPatientRecord(deps, people.sato, DEMO_PATIENT_IDS.suzukiIchiro);
    assert.equal(record.connectorVitals[0]?.vendor, 'vital-link');
  });

  it('name the patients for the timeline’s group mapping as their records do', async () => {
    const listed = new Map((await listPatients(deps, people.sato)).map((p) => [p.patientId, p.name]));
    for (const { patientId, name } of demoPatientNames) assert.equal(listed.get(patientId), name);
  });

  it('answer the transfer search’s care-team question', async () => {
    const lookup = patientCareTeamLookup(pool);
    assert.equal(await lookup.isOnCareTeam(people.sato, DEMO_PATIENT_IDS.suzukiIchiro), true);
    assert.equal(await lookup.isOnCareTeam(people.takahashi, DEMO_PATIENT_IDS.suzukiIchiro), false);
  });
});

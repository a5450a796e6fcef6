import assert from 'node:assert/strict';
import type pg from 'pg';
import { answerInvitation, inviteToCareTeam } from '#workspace-app/patients/care-team-invitations.js';
import { createPatient } from '#workspace-app/patients/create-patient.js';
import { InvalidItemError } from '#workspace-app/patients/invalid-item-error.js';
import type { PatientActor } from '#workspace-app/patients/patient-actor.js';
import { readPatientRecord } from '#workspace-app/patients/patient-record.js';
import {
  addRecordItem,
  changeRecordItem,
  readItemHistory,
  readRecordItem,
} from '#workspace-app/patients/record-items.js';
import { RecordNotFoundError } from '#workspace-app/patients/record-not-found-error.js';
import {
  aBasics,
  aDiagnosis,
  patientDatabase,
  patientDeps,
  people,
  withSharingConsent,
} from './patient-fixtures.js';

/** DATA-1: a diagnosis not to be shared (未提供) is never shown outside the organisation that recorded it. */
describe('diagnoses not to be shared (未提供, DATA-1)', function () {
  this.timeout(60000);
  let pool: pg.Pool;
  let deps: ReturnType<typeof patientDeps>;
  let patientId: string;
  let notSharedId: string;
  let disclosedId: string;

  async function join(who: PatientActor): Promise<void> {
    const invitation = await inviteToCareTeam(deps, people.sato, patientId, {
      kind: 'individual',
      organisation: who.organisation,
      practitionerId: who.id,
      role: 'editor',
    });
    await answerInvitation(deps, who, invitation.id, 'accept');
  }

  before(async () => {
    pool = await patientDatabase('patients_undisclosed_test');
    deps = patientDeps(pool);
    patientId = (await createPatient(deps, people.sato, aBasics())).patientId;
    await withSharingConsent(deps, people.sato, patientId);
    await join(people.tanaka);
    await join(people.tanakaColleague);
    notSharedId = (
      await addRecordItem(
        deps,
        people.tanaka,
        patientId,
        'diagnosis',
        aDiagnosis({ name: '膵臓癌', icd10: 'C25.9', isNotShared: true }),
      )
    ).id;
    disclosedId = (
      await addRecordItem(deps, people.tanaka, patientId, 'diagnosis', aDiagnosis({ isMain: false }))
    ).id;
  });
  after(async () => {
    await pool?.end();
  });

  const diagnosisNames = async (reader: PatientActor) =>
    (await readPatientRecord(deps, reader, patientId)).lists.diagnosis.map((d) => d.data.name).sort();

  it('shows the diagnosis inside the author’s organisation', async () => {
    assert.deepEqual(await diagnosisNames(people.tanaka), ['慢性心不全', '膵臓癌']);
    assert.deepEqual(await diagnosisNames(people.tanakaColleague), ['慢性心不全', '膵臓癌']);
  });

  it('leaves it out of the record for a team member of another organisation, disclosed ones stay (control)', async () => {
    assert.deepEqual(await diagnosisNames(people.sato), ['慢性心不全']);
  });

  it('answers "not found" when another organisation asks for the item or its history', async () => {
    await assert.rejects(readRecordItem(deps, people.sato, patientId, notSharedId), RecordNotFoundError);
    await assert.rejects(readItemHistory(deps, people.sato, patientId, notSharedId), RecordNotFoundError);
    await assert.rejects(
      changeRecordItem(deps, people.sato, patientId, notSharedId, 1, aDiagnosis()),
      RecordNotFoundError,
    );
    await readRecordItem(deps, people.sato, patientId, disclosedId);
  });

  it('keeps versions written while not shared hidden after the author shares it', async () => {
    const item = await addRecordItem(
      deps,
      people.tanaka,
      patientId,
      'diagnosis',
      aDiagnosis({ name: '肝転移', isMain: false, isNotShared: true }),
    );
    await changeRecordItem(
      deps,
      people.tanaka,
      patientId,
      item.id,
      1,
      aDiagnosis({ name: '肝転移', isMain: false, isNotShared: false }),
    );
    const seenBySato = await readItemHistory(deps, people.sato, patientId, item.id);
    assert.deepEqual(
      seenBySato.versions.map((v) => v.version),
      [2],
    );
    const seenByTanaka = await readItemHistory(deps, people.tanaka, patientId, item.id);
    assert.deepEqual(
      seenByTanaka.versions.map((v) => v.version),
      [2, 1],
    );
  });

  it('lets only the author’s organisation change whether a diagnosis is shared', async () => {
    await assert.rejects(
      changeRecordItem(
        deps,
        people.sato,
        patientId,
        disclosedId,
        1,
        aDiagnosis({ isMain: false, isNotShared: true }),
      ),
      (error) => error instanceof InvalidItemError && error.issues[0]?.path === 'isNotShared',
    );
  });
});

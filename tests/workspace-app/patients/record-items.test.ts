import assert from 'node:assert/strict';
import type pg from 'pg';
import { createPatient } from '#workspace-app/patients/create-patient.js';
import { EditConflictError } from '#workspace-app/patients/edit-conflict-error.js';
import { InvalidItemError } from '#workspace-app/patients/invalid-item-error.js';
import { readPatientRecord } from '#workspace-app/patients/patient-record.js';
import {
  addRecordItem,
  changeRecordItem,
  readItemHistory,
  removeRecordItem,
} from '#workspace-app/patients/record-items.js';
import {
  aBasics,
  aDiagnosis,
  auditEvents,
  patientDatabase,
  patientDeps,
  people,
} from './patient-fixtures.js';

describe('patient record items', function () {
  this.timeout(60000);
  let pool: pg.Pool;
  let deps: ReturnType<typeof patientDeps>;

  before(async () => {
    pool = await patientDatabase('patients_record_items_test');
    deps = patientDeps(pool);
  });
  after(async () => {
    await pool?.end();
  });

  async function aPatient(): Promise<string> {
    return (await createPatient(deps, people.sato, aBasics())).patientId;
  }

  describe('creating a patient', () => {
    it('stores the basics and makes the creator the first owner', async () => {
      const patientId = await aPatient();
      const record = await readPatientRecord(deps, people.sato, patientId);
      assert.equal(record.role, 'owner');
      assert.equal(record.basics.data.name.kanji.family, '山口');
      assert.equal(record.basics.version, 1);
      assert.equal(record.basics.changedBy.organisation, '新宿訪問看護ステーション');
    });

    it('refuses invalid basics and stores nothing', async () => {
      const before = await pool.query('SELECT count(*)::int AS n FROM patients');
      await assert.rejects(
        createPatient(deps, people.sato, aBasics({ birthDate: '1938-02-30' })),
        (error) => {
          assert.ok(error instanceof InvalidItemError);
          assert.equal(error.issues[0]?.path, 'birthDate');
          return true;
        },
      );
      const after = await pool.query('SELECT count(*)::int AS n FROM patients');
      assert.equal(after.rows[0].n, before.rows[0].n);
    });
  });

  describe('history', () => {
    it('keeps every version with who, when and what, and reads earlier ones', async () => {
      const patientId = await aPatient();
      const added = await addRecordItem(deps, people.sato, patientId, 'diagnosis', aDiagnosis());
      await addRecordItem(deps, people.sato, patientId, 'course-note', {
        recordedOn: '2024-04-01',
        scene: 'E',
        text: '訪問開始',
      });
      const second = await changeRecordItem(
        deps,
        people.sato,
        patientId,
        added.id,
        1,
        aDiagnosis({ status: 'remission' }),
      );
      assert.equal(second.version, 2);
      const removed = await removeRecordItem(deps, people.sato, patientId, added.id, 2);
      assert.equal(removed.isRemoved, true);

      const { versions } = await readItemHistory(deps, people.sato, patientId, added.id);
      assert.deepEqual(
        versions.map((v) => [v.version, v.change]),
        [
          [3, 'removed'],
          [2, 'updated'],
          [1, 'created'],
        ],
      );
      assert.equal((versions[2]?.data as { status: string }).status, 'active');
      assert.equal((versions[1]?.data as { status: string }).status, 'remission');
      assert.equal(versions[0]?.changedBy.id, 'nurse.sato');
      assert.ok(Date.parse(versions[0]!.changedAt) >= Date.parse(versions[2]!.changedAt));

      const record = await readPatientRecord(deps, people.sato, patientId);
      assert.equal(record.lists.diagnosis.length, 0, 'a removed item leaves the current record');
      assert.equal(record.lists['course-note'].length, 1);
    });

    it('refuses to change or delete a version once written', async () => {
      const patientId = await aPatient();
      await addRecordItem(deps, people.sato, patientId, 'diagnosis', aDiagnosis());
      await assert.rejects(
        pool.query("UPDATE patient_item_versions SET changed_by = 'someone'"),
        /never changed/,
      );
      await assert.rejects(pool.query('DELETE FROM patient_item_versions'), /never changed/);
    });

    it('does not let a one-of-a-kind item be removed', async () => {
      const patientId = await aPatient();
      const record = await readPatientRecord(deps, people.sato, patientId);
      await assert.rejects(removeRecordItem(deps, people.sato, patientId, record.basics.id, 1), {
        status: 400,
      });
    });
  });

  describe('concurrent edits', () => {
    it('lets exactly one of several writers from the same version win; the others get the winner’s change', async () => {
      const patientId = await aPatient();
      const item = await addRecordItem(deps, people.sato, patientId, 'diagnosis', aDiagnosis());
      const writers = ['治療中1', '治療中2', '治療中3', '治療中4', '治療中5', '治療中6'];
      const results = await Promise.allSettled(
        writers.map((note) =>
          changeRecordItem(deps, people.sato, patientId, item.id, 1, aDiagnosis({ note })),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(won.length, 1);
      assert.equal(lost.length, writers.length - 1);
      const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof changeRecordItem>>>).value;
      for (const { reason } of lost) {
        assert.ok(reason instanceof EditConflictError, String(reason));
        assert.equal(reason.status, 409);
        assert.equal(reason.current.version, 2);
        assert.deepEqual(reason.current.data, winner.data);
      }
      const stored = await pool.query(
        'SELECT version FROM patient_item_versions WHERE item_id = $1 ORDER BY version',
        [item.id],
      );
      assert.deepEqual(
        stored.rows.map((row) => row.version),
        [1, 2],
      );
    });

    it('holds a second writer’s transaction until the first commits, then refuses it (real transactions)', async () => {
      const patientId = await aPatient();
      const item = await addRecordItem(deps, people.sato, patientId, 'diagnosis', aDiagnosis());
      const first = await pool.connect();
      try {
        await first.query('BEGIN');
        await first.query('UPDATE patient_items SET version = version + 1 WHERE id = $1 AND version = 1', [
          item.id,
        ]);
        let settled = false;
        const second = changeRecordItem(
          deps,
          people.sato,
          patientId,
          item.id,
          1,
          aDiagnosis({ note: '後から' }),
        ).finally(() => {
          settled = true;
        });
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.equal(settled, false, 'the second writer waits on the first one’s row lock');
        await first.query('COMMIT');
        await assert.rejects(second, EditConflictError);
      } finally {
        first.release();
      }
    });

    it('stores nothing of a write that fails half-way', async () => {
      const patientId = await aPatient();
      const item = await addRecordItem(deps, people.sato, patientId, 'diagnosis', aDiagnosis());
      // A fault injected between the item's update and its version row.
      await pool.query(`CREATE FUNCTION fail_versions() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.data->>'note' = 'fault' THEN RAISE EXCEPTION 'injected fault'; END IF; RETURN NEW; END $$`);
      await pool.query(
        'CREATE TRIGGER fail_versions BEFORE INSERT ON patient_item_versions FOR EACH ROW EXECUTE FUNCTION fail_versions()',
      );
      try {
        await assert.rejects(
          changeRecordItem(deps, people.sato, patientId, item.id, 1, aDiagnosis({ note: 'fault' })),
          /injected fault/,
        );
        const current = await pool.query('SELECT version, data FROM patient_items WHERE id = $1', [item.id]);
        assert.equal(current.rows[0].version, 1);
        assert.equal(current.rows[0].data.note, undefined);
        // Control: the same change without the fault goes through.
        const changed = await changeRecordItem(
          deps,
          people.sato,
          patientId,
          item.id,
          1,
          aDiagnosis({ note: 'ok' }),
        );
        assert.equal(changed.version, 2);
      } finally {
        await pool.query('DROP TRIGGER fail_versions ON patient_item_versions');
        await pool.query('DROP FUNCTION fail_versions()');
      }
    });

    it('lets only one of two writers create a one-of-a-kind item', async () => {
      const patientId = await aPatient();
      const wishes = (patientWishes: string) => ({ patientWishes, preferredPlaceOfDeath: 'home' });
      const results = await Promise.allSettled([
        addRecordItem(deps, people.sato, patientId, 'wishes', wishes('自宅で過ごしたい')),
        addRecordItem(deps, people.sato, patientId, 'wishes', wishes('家族と相談したい')),
      ]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.ok(lost?.reason instanceof EditConflictError);
    });
  });

  describe('audit', () => {
    it('records every read and write with the patient', async () => {
      const patientId = await aPatient();
      const item = await addRecordItem(deps, people.sato, patientId, 'allergy', {
        substance: 'ペニシリン',
        category: 'medication',
        kind: 'allergy',
        criticality: 'high',
      });
      await readPatientRecord(deps, people.sato, patientId);
      await readItemHistory(deps, people.sato, patientId, item.id);
      const events = await auditEvents(pool, { patientId });
      assert.deepEqual(
        events.map((e) => [e.type, e.outcome, e.actor_id]),
        [
          ['patient.create', 'success', 'nurse.sato'],
          ['patient.item.create', 'success', 'nurse.sato'],
          ['patient.record.read', 'success', 'nurse.sato'],
          ['patient.item.history.read', 'success', 'nurse.sato'],
        ],
      );
      assert.equal(events[1]?.details.kind, 'allergy');
    });

    it('records a refused write as a failure', async () => {
      const patientId = await aPatient();
      await assert.rejects(
        addRecordItem(deps, people.sato, patientId, 'allergy', { substance: '' }),
        InvalidItemError,
      );
      const events = await auditEvents(pool, { patientId, type: 'patient.item.create' });
      assert.equal(events.at(-1)?.outcome, 'failure');
    });
  });
});

import assert from 'node:assert/strict';
import { AUDIT_MIGRATIONS, AuditTrail, auditedOperation, type RefusalRecord } from '@hcw/common';
import { freshDatabase, type FreshDatabase } from '#test-support/fresh-database.js';

const actor = { id: 'nurse.sato', organisation: 'みどり訪問看護ステーション', clientAddress: '127.0.0.1' };
const refusal: RefusalRecord = (error, context) => ({
  patientId: context.patientId,
  details: { ...context.details, refusal: (error as Error).message },
});

describe('one audited operation for every read and change of patient data', function () {
  this.timeout(60000);
  let db: FreshDatabase;
  let trail: AuditTrail;
  const rows = async () =>
    (
      await db.pool.query<{ type: string; outcome: string; patient_id: string | null; details: object }>(
        'SELECT type, outcome, patient_id, details FROM audit_events ORDER BY id',
      )
    ).rows;

  beforeEach(async () => {
    db = await freshDatabase('audited_operation_test', [AUDIT_MIGRATIONS]);
    trail = new AuditTrail(db.pool);
  });
  afterEach(() => db.close());

  it('records the patient the work learned, after the work and before the result is handed back', async () => {
    const result = await auditedOperation(
      { pool: db.pool, auditTrail: trail },
      actor,
      { type: 'transfer.request.read', refusal },
      async (client, context) => {
        const during = await client.query<{ n: string }>('SELECT count(*) AS n FROM audit_events');
        assert.equal(during.rows[0]?.n, '0', 'nothing is recorded before the work has run');
        context.patientId = 'patient-1';
        context.details.items = 2;
        return (await client.query('SELECT 1 AS one')).rows[0].one;
      },
    );
    assert.equal(result, 1);
    assert.deepEqual(await rows(), [
      { type: 'transfer.request.read', outcome: 'success', patient_id: 'patient-1', details: { items: 2 } },
    ]);
  });

  it('records one event for each patient a read across patients showed', async () => {
    await auditedOperation(
      { pool: db.pool, auditTrail: trail },
      actor,
      { type: 'patient.list.read', refusal, isReadOnly: true },
      async (_client, context) => {
        context.patientIds = ['patient-1', 'patient-2', 'patient-1'];
      },
    );
    assert.deepEqual(
      (await rows()).map((row) => row.patient_id),
      ['patient-1', 'patient-2'],
    );
  });

  it('records a refusal as the feature files it, and passes the error on', async () => {
    await assert.rejects(
      auditedOperation(
        { pool: db.pool, auditTrail: trail },
        actor,
        { type: 'patient.item.update', patientId: 'patient-3', refusal },
        async () => {
          throw new Error('stale version');
        },
      ),
      /stale version/,
    );
    assert.deepEqual(await rows(), [
      {
        type: 'patient.item.update',
        outcome: 'failure',
        patient_id: 'patient-3',
        details: { refusal: 'stale version' },
      },
    ]);
  });
});

import assert from 'node:assert/strict';
import type pg from 'pg';
import { recordConnectorVitals } from '#workspace-app/patients/connector-vitals.js';
import { createPatient } from '#workspace-app/patients/create-patient.js';
import { readPatientRecord } from '#workspace-app/patients/patient-record.js';
import { syncConnectorVitals } from '#workspace-app/patients/sync-connector-vitals.js';
import { mapPatientGroup } from '#workspace-app/timeline/patient-groups.js';
import { storeEvents } from '#workspace-app/timeline/store-events.js';
import type { CanonicalEvent } from '#workspace-app/connectors/canonical-event.js';
import { aBasics, auditEvents, patientDatabase, patientDeps, people } from './patient-fixtures.js';

function aVitalLinkEvent(overrides: Partial<CanonicalEvent> = {}): CanonicalEvent {
  return {
    vendor: 'vital-link',
    vendorMessageId: '1001',
    vendorAccount: 'shinjuku-station',
    patientGroupRef: 'grp-nerima-0002',
    patientGroupName: '鈴木一郎様 在宅チーム',
    author: { role: 'nurse', roleLabel: '訪問看護師', name: '中村 優子' },
    occurredAt: '2025-05-01T00:30:00.000Z',
    kind: 'vital-signs',
    title: 'バイタル 体温 36.9℃',
    vitals: {
      temperatureCelsius: 36.9,
      systolicMmHg: 128,
      diastolicMmHg: 76,
      pulsePerMinute: 70,
      spo2Percent: 97,
    },
    deepLink: 'https://vital-link.example/records/1001',
    receivedAt: '2025-05-01T00:31:00.000Z',
    ...overrides,
  };
}

describe('vital signs from connectors', function () {
  this.timeout(60000);
  let pool: pg.Pool;
  let deps: ReturnType<typeof patientDeps>;
  let patientId: string;

  before(async () => {
    pool = await patientDatabase('patients_connector_vitals_test');
    deps = patientDeps(pool);
    patientId = (await createPatient(deps, people.sato, aBasics())).patientId;
  });
  after(async () => {
    await pool?.end();
  });

  it('appear in the record with their source', async () => {
    await recordConnectorVitals(deps, patientId, aVitalLinkEvent());
    const record = await readPatientRecord(deps, people.sato, patientId);
    const [vitals] = record.connectorVitals;
    assert.equal(vitals?.vendor, 'vital-link');
    assert.equal(vitals?.vendorEventId, '1001');
    assert.equal(vitals?.vitals.temperatureCelsius, 36.9);
    assert.equal(vitals?.author.name, '中村 優子');
    assert.equal(vitals?.measuredAt, '2025-05-01T00:30:00.000Z');
  });

  it('are stored once when the same vendor event arrives again', async () => {
    const first = await recordConnectorVitals(deps, patientId, aVitalLinkEvent({ vendorMessageId: '2002' }));
    const again = await recordConnectorVitals(deps, patientId, aVitalLinkEvent({ vendorMessageId: '2002' }));
    assert.equal(first.isNew, true);
    assert.equal(again.isNew, false);
    assert.equal(again.id, first.id);
    const { rows } = await pool.query(
      "SELECT count(*)::int AS n FROM connector_vitals WHERE vendor_event_id = '2002'",
    );
    assert.equal(rows[0].n, 1);
  });

  it('are audited with the patient and the connector as the actor', async () => {
    await recordConnectorVitals(deps, patientId, aVitalLinkEvent({ vendorMessageId: '3003' }));
    const events = await auditEvents(pool, { patientId, type: 'patient.connector-vitals.record' });
    assert.equal(events.at(-1)?.actor_id, 'connector:vital-link');
    assert.equal(events.at(-1)?.details.vendorEventId, '3003');
  });

  it('refuse an event without vitals, impossible values and an unknown patient', async () => {
    await assert.rejects(
      recordConnectorVitals(
        deps,
        patientId,
        aVitalLinkEvent({ kind: 'message', vitals: undefined, body: 'こんにちは' }),
      ),
      { status: 400 },
    );
    await assert.rejects(
      recordConnectorVitals(deps, patientId, aVitalLinkEvent({ vitals: { temperatureCelsius: 372 } })),
      { status: 400 },
    );
    await assert.rejects(
      recordConnectorVitals(
        deps,
        '00000000-0000-4000-8000-000000000000',
        aVitalLinkEvent({ vendorMessageId: '4004' }),
      ),
      { status: 404 },
    );
  });

  describe('fed from the timeline', () => {
    async function ingest(events: CanonicalEvent[]): Promise<void> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await storeEvents(client, events);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    }

    it('reach the record of the patient their group is mapped to, once however often it runs', async () => {
      const group = 'grp-sync-0001';
      await mapPatientGroup(
        pool,
        { vendor: 'vital-link', patientGroupRef: group, patientId, patientLabel: '鈴木 一郎' },
        'admin.yamamoto',
      );
      await ingest([
        aVitalLinkEvent({ vendorMessageId: 'sync-1', patientGroupRef: group }),
        aVitalLinkEvent({
          vendorMessageId: 'sync-2',
          patientGroupRef: group,
          occurredAt: '2025-05-02T00:30:00.000Z',
        }),
        // Not mapped to any patient (control): stays in the timeline only.
        aVitalLinkEvent({ vendorMessageId: 'sync-3', patientGroupRef: 'grp-unmapped' }),
      ]);
      assert.equal(await syncConnectorVitals(deps, { receivedWithinMinutes: 60 }), 0, 'received long ago');
      assert.equal(await syncConnectorVitals(deps), 2, 'the catch-up pass takes them');
      assert.equal(await syncConnectorVitals(deps), 0, 'a second run adds nothing');
      const { rows } = await pool.query<{ vendor_event_id: string }>(
        "SELECT vendor_event_id FROM connector_vitals WHERE vendor_event_id LIKE 'sync-%' ORDER BY 1",
      );
      assert.deepEqual(
        rows.map((row) => row.vendor_event_id),
        ['sync-1', 'sync-2'],
      );
      const record = await readPatientRecord(deps, people.sato, patientId);
      assert.ok(record.connectorVitals.some((vitals) => vitals.vendorEventId === 'sync-2'));
    });
  });

  it('are taken by the frequent pass when they arrived lately', async () => {
    const group = 'grp-sync-recent';
    await mapPatientGroup(
      pool,
      { vendor: 'vital-link', patientGroupRef: group, patientId, patientLabel: '鈴木 一郎' },
      'admin.yamamoto',
    );
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await storeEvents(client, [
        aVitalLinkEvent({
          vendorMessageId: 'recent-1',
          patientGroupRef: group,
          receivedAt: new Date().toISOString(),
        }),
      ]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    assert.equal(await syncConnectorVitals(deps, { receivedWithinMinutes: 60 }), 1);
  });
});

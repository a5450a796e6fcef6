import type pg from 'pg';
import { canonicalEvent, type CanonicalEvent, type VitalSigns } from '../connectors/canonical-event.js';
import { isUuid } from './patient-access.js';
import type { PatientDeps } from './patient-audit.js';
import { RecordNotFoundError } from './record-not-found-error.js';
import { BadRequestError, withTransaction } from '@hcw/common';

/** Vital signs measured through a vendor system, shown in the record with where they came from. */
export interface ConnectorVitals {
  id: string;
  vendor: string;
  vendorEventId: string;
  measuredAt: string;
  vitals: VitalSigns;
  author: { role: string; roleLabel?: string; name?: string };
  comment?: string;
  deepLink?: string;
  receivedAt: string;
}

export interface ConnectorVitalsRow {
  id: string;
  vendor: string;
  vendor_event_id: string;
  measured_at: Date;
  vitals: VitalSigns;
  author_role: string;
  author_role_label: string | null;
  author_name: string | null;
  comment: string | null;
  deep_link: string | null;
  received_at: Date;
}

export function connectorVitalsFromRow(row: ConnectorVitalsRow): ConnectorVitals {
  return {
    id: row.id,
    vendor: row.vendor,
    vendorEventId: row.vendor_event_id,
    measuredAt: row.measured_at.toISOString(),
    vitals: row.vitals,
    author: {
      role: row.author_role,
      ...(row.author_role_label ? { roleLabel: row.author_role_label } : {}),
      ...(row.author_name ? { name: row.author_name } : {}),
    },
    ...(row.comment ? { comment: row.comment } : {}),
    ...(row.deep_link ? { deepLink: row.deep_link } : {}),
    receivedAt: row.received_at.toISOString(),
  };
}

/** The newest connector vitals of a patient. Vitals carry no DATA-1 flag: every team member sees them. */
export async function latestConnectorVitals(
  db: pg.ClientBase,
  patientId: string,
  limit = 20,
): Promise<ConnectorVitals[]> {
  const { rows } = await db.query<ConnectorVitalsRow>(
    `SELECT id, vendor, vendor_event_id, measured_at, vitals, author_role, author_role_label, author_name,
            comment, deep_link, received_at
       FROM connector_vitals WHERE patient_id = $1 ORDER BY measured_at DESC LIMIT $2`,
    [patientId, limit],
  );
  return rows.map(connectorVitalsFromRow);
}

/**
 * Records the vital signs of one connector event (e.g. バイタルリンク) in a patient's record. Called by
 * ingestion once it has matched the event's patient group to a portal patient. Idempotent by the
 * vendor's event id: the same event delivered again, or after a crash, is stored once.
 */
export async function recordConnectorVitals(
  deps: Pick<PatientDeps, 'pool' | 'auditTrail'>,
  patientId: string,
  event: CanonicalEvent,
): Promise<{ id: string; isNew: boolean }> {
  const parsed = canonicalEvent.safeParse(event);
  if (!parsed.success || !parsed.data.vitals) {
    throw new BadRequestError(
      'バイタルサインの連携データではありません。',
      `Not a vital-signs event: ${parsed.success ? 'it carries no vitals' : parsed.error.issues[0]?.message}`,
    );
  }
  const vital = parsed.data;
  const vitals = parsed.data.vitals;
  const outcome = await withTransaction(deps.pool, async (client) => {
    const known = isUuid(patientId)
      ? await client.query('SELECT 1 FROM patients WHERE id = $1', [patientId])
      : { rowCount: 0 };
    if (!known.rowCount) throw new RecordNotFoundError({ ja: '患者', en: 'patient' });
    const inserted = await client.query<{ id: string }>(
      `INSERT INTO connector_vitals (patient_id, vendor, vendor_event_id, patient_group_ref, measured_at, vitals,
         author_role, author_role_label, author_name, comment, deep_link, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (vendor, vendor_event_id) DO NOTHING
       RETURNING id`,
      [
        patientId,
        vital.vendor,
        vital.vendorMessageId,
        vital.patientGroupRef,
        vital.occurredAt,
        JSON.stringify(vitals),
        vital.author.role,
        vital.author.roleLabel ?? null,
        vital.author.name ?? null,
        vital.body ?? null,
        vital.deepLink ?? null,
        vital.receivedAt,
      ],
    );
    const id = inserted.rows[0]?.id;
    if (id) return { id, isNew: true };
    const existing = await client.query<{ id: string }>(
      'SELECT id FROM connector_vitals WHERE vendor = $1 AND vendor_event_id = $2',
      [vital.vendor, vital.vendorMessageId],
    );
    return { id: existing.rows[0]!.id, isNew: false };
  });
  await deps.auditTrail.record({
    type: 'patient.connector-vitals.record',
    outcome: 'success',
    actorId: `connector:${vital.vendor}`,
    patientId,
    details: { vendor: vital.vendor, vendorEventId: vital.vendorMessageId, isNew: outcome.isNew },
  });
  return outcome;
}

import type { CanonicalEvent } from '../connectors/canonical-event.js';
import { recordConnectorVitals } from './connector-vitals.js';
import type { PatientDeps } from './patient-audit.js';

interface PendingVitals {
  vendor: string;
  vendor_message_id: string;
  vendor_account: string;
  patient_group_ref: string;
  patient_group_name: string | null;
  author_role: string;
  author_role_label: string | null;
  author_name: string | null;
  occurred_at: Date;
  kind: string;
  title: string;
  body: string | null;
  deep_link: string | null;
  vitals: NonNullable<CanonicalEvent['vitals']>;
  received_at: Date;
  patient_id: string;
}

/**
 * Brings vital signs that a connector delivered to the timeline into the patients' records, with their
 * source. It reads what the timeline has stored durably and the record does not have yet, so a crash
 * between the two loses nothing (the next run picks it up) and a second run adds nothing (the record
 * keeps one row per vendor event). A frequent pass over recent events keeps records current; a catch-up
 * pass over all of them picks up what a crash left or a group mapped later. Returns how many were recorded.
 */
export async function syncConnectorVitals(
  deps: Pick<PatientDeps, 'pool' | 'auditTrail'>,
  options: {
    /** Only events received this recently (the frequent pass); unset, all of them (the catch-up pass). */
    receivedWithinMinutes?: number;
    batchSize?: number;
  } = {},
): Promise<number> {
  const { rows } = await deps.pool.query<PendingVitals>(
    `SELECT e.vendor, e.vendor_message_id, e.vendor_account, e.patient_group_ref, e.patient_group_name,
            e.author_role, e.author_role_label, e.author_name, e.occurred_at, e.kind, e.title, e.body,
            e.deep_link, e.vitals, e.received_at, p.id::text AS patient_id
     FROM timeline_events e
     JOIN timeline_patient_groups g ON g.vendor = e.vendor AND g.patient_group_ref = e.patient_group_ref
     JOIN patients p ON p.id::text = g.patient_id
     WHERE e.vitals IS NOT NULL
       AND ($2::int IS NULL OR e.received_at > now() - make_interval(mins => $2::int))
       AND NOT EXISTS (
         SELECT 1 FROM connector_vitals c WHERE c.vendor = e.vendor AND c.vendor_event_id = e.vendor_message_id)
     ORDER BY e.occurred_at
     LIMIT $1`,
    [options.batchSize ?? 200, options.receivedWithinMinutes ?? null],
  );
  let recorded = 0;
  for (const row of rows) {
    const event = {
      vendor: row.vendor,
      vendorMessageId: row.vendor_message_id,
      vendorAccount: row.vendor_account,
      patientGroupRef: row.patient_group_ref,
      ...(row.patient_group_name ? { patientGroupName: row.patient_group_name } : {}),
      author: {
        role: row.author_role,
        ...(row.author_role_label ? { roleLabel: row.author_role_label } : {}),
        ...(row.author_name ? { name: row.author_name } : {}),
      },
      occurredAt: row.occurred_at.toISOString(),
      kind: row.kind,
      title: row.title,
      ...(row.body ? { body: row.body } : {}),
      ...(row.deep_link ? { deepLink: row.deep_link } : {}),
      vitals: row.vitals,
      receivedAt: row.received_at.toISOString(),
    } as CanonicalEvent;
    const outcome = await recordConnectorVitals(deps, row.patient_id, event);
    if (outcome.isNew) recorded++;
  }
  return recorded;
}

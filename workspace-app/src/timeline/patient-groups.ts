import type pg from 'pg';

/** A vendor's care-team group (or FHIR Patient reference) that stands for one portal patient. */
export interface PatientGroupMapping {
  vendor: string;
  patientGroupRef: string;
  /** The patient record's ID, as text; the patient record owns patients, so there is no foreign key. */
  patientId: string;
  /** How the timeline's patient filter names the patient. */
  patientLabel: string;
}

/** Maps a group to a patient, or moves it to another patient; existing events follow at once. */
export async function mapPatientGroup(
  db: pg.Pool | pg.ClientBase,
  mapping: PatientGroupMapping,
  mappedBy: string,
): Promise<void> {
  await db.query(
    `INSERT INTO timeline_patient_groups (vendor, patient_group_ref, patient_id, patient_label, mapped_by)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (vendor, patient_group_ref) DO UPDATE SET patient_id = EXCLUDED.patient_id,
       patient_label = EXCLUDED.patient_label, mapped_by = EXCLUDED.mapped_by, mapped_at = now()`,
    [mapping.vendor, mapping.patientGroupRef, mapping.patientId, mapping.patientLabel, mappedBy],
  );
}

export async function listPatientGroups(db: pg.Pool | pg.ClientBase): Promise<PatientGroupMapping[]> {
  const { rows } = await db.query<{
    vendor: string;
    patient_group_ref: string;
    patient_id: string;
    patient_label: string;
  }>('SELECT * FROM timeline_patient_groups ORDER BY patient_label, vendor, patient_group_ref LIMIT 1000');
  return rows.map((row) => ({
    vendor: row.vendor,
    patientGroupRef: row.patient_group_ref,
    patientId: row.patient_id,
    patientLabel: row.patient_label,
  }));
}

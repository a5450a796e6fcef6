-- A request is either a transfer from a hospital (the MSW looks for the next place) or a back-up bed
-- (後方支援病床) asked for a patient at home by the home doctor or visiting nurse.
ALTER TABLE transfer_requests ADD COLUMN purpose text NOT NULL DEFAULT 'transfer'
  CHECK (purpose IN ('transfer', 'backup-bed'));
-- A back-up bed is always for a patient of the shared record: the care team follows it.
ALTER TABLE transfer_requests ADD CONSTRAINT transfer_requests_backup_bed_names_patient
  CHECK (purpose = 'transfer' OR patient_id IS NOT NULL);

-- Recurring visits (定期訪問): the visits a weekly pattern put in the calendar share its series id, so the
-- series can be read back and its remaining visits told apart from one-off ones.
ALTER TABLE scheduled_visits ADD COLUMN series_id uuid;
CREATE INDEX scheduled_visits_by_series ON scheduled_visits (series_id) WHERE series_id IS NOT NULL;

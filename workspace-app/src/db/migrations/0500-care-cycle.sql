-- The care cycle: the patient's consent to sharing, and where the patient is now.
-- Nothing here is deleted: a withdrawn consent keeps when and by whom; whereabouts keep every change.

-- Consent to sharing (同意): one row per kind of sharing. `organisations` empty means every organisation
-- the care team includes; otherwise only those named (departments of them included).
CREATE TABLE patient_consents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  patient_id uuid NOT NULL REFERENCES patients (id),
  sharing text NOT NULL CHECK (sharing IN ('care-team', 'documents')),
  organisations text[] NOT NULL DEFAULT '{}',
  given_by text NOT NULL CHECK (given_by IN ('patient', 'representative')),
  representative_name text,
  representative_relationship text,
  obtained_how text NOT NULL CHECK (obtained_how IN ('written', 'verbal', 'electronic')),
  obtained_on date NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  recorded_by text NOT NULL,
  recorded_by_name text NOT NULL,
  recorded_by_organisation text NOT NULL,
  withdrawn_at timestamptz,
  withdrawn_by text,
  withdrawal_reason text,
  CHECK ((given_by = 'representative') = (representative_name IS NOT NULL))
);
CREATE INDEX patient_consents_by_patient ON patient_consents (patient_id) WHERE withdrawn_at IS NULL;

-- Where the patient is (療養の場): at home, in a hospital or a facility since a date, or deceased. The
-- latest row is the current one; admissions and discharges add rows.
CREATE TABLE patient_whereabouts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  patient_id uuid NOT NULL REFERENCES patients (id),
  place text NOT NULL CHECK (place IN ('home', 'hospital', 'facility', 'deceased')),
  organisation text,
  since date NOT NULL,
  admitted_after_hours boolean NOT NULL DEFAULT false,
  recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  recorded_by text NOT NULL,
  recorded_by_organisation text NOT NULL,
  CHECK ((place IN ('hospital', 'facility')) = (organisation IS NOT NULL))
);
CREATE INDEX patient_whereabouts_by_patient ON patient_whereabouts (patient_id, recorded_at DESC);

-- Whether a care-team invitation came from a confirmed transfer (the accepting hospital joins the team).
ALTER TABLE care_team_invitations ADD COLUMN transfer_request_id uuid;

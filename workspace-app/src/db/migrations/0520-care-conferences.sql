-- Care conferences on the patient's calendar: the hospital's pre-discharge conference (退院前カンファレンス)
-- with the home team, and the care manager's service coordinators' meeting (サービス担当者会議). A
-- conference is planned and may be cancelled; it and its attendees' answers are kept, never deleted.
CREATE TABLE care_conferences (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  patient_id uuid NOT NULL REFERENCES patients (id),
  kind text NOT NULL CHECK (kind IN ('pre-discharge', 'service-coordination')),
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  -- A room (病院 3階 カンファレンス室) or オンライン.
  place text NOT NULL CHECK (btrim(place) <> ''),
  agenda text,
  status text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'cancelled')),
  organiser_id text NOT NULL,
  organiser_name text NOT NULL,
  organiser_organisation text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,
  cancelled_at timestamptz,
  cancelled_by text,
  CHECK (ends_at > starts_at),
  CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL AND cancelled_by IS NOT NULL))
);
CREATE INDEX care_conferences_by_patient ON care_conferences (patient_id, starts_at);

-- Who is asked to attend, as they were named when invited, and their answer. The organiser is one of them.
CREATE TABLE care_conference_attendees (
  conference_id uuid NOT NULL REFERENCES care_conferences (id),
  practitioner_id text NOT NULL,
  name text NOT NULL,
  organisation text NOT NULL,
  profession text NOT NULL,
  response text NOT NULL DEFAULT 'invited' CHECK (response IN ('invited', 'accepted', 'declined')),
  responded_at timestamptz,
  CHECK ((response = 'invited') = (responded_at IS NULL)),
  PRIMARY KEY (conference_id, practitioner_id)
);
CREATE INDEX care_conference_attendees_by_practitioner ON care_conference_attendees (practitioner_id);

CREATE FUNCTION care_conferences_refuse_removal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'care conferences are cancelled, never removed';
END $$;
CREATE TRIGGER care_conferences_never_deleted BEFORE DELETE ON care_conferences
  FOR EACH ROW EXECUTE FUNCTION care_conferences_refuse_removal();
CREATE TRIGGER care_conferences_no_truncate BEFORE TRUNCATE ON care_conferences
  FOR EACH STATEMENT EXECUTE FUNCTION care_conferences_refuse_removal();
CREATE TRIGGER care_conference_attendees_never_deleted BEFORE DELETE ON care_conference_attendees
  FOR EACH ROW EXECUTE FUNCTION care_conferences_refuse_removal();
CREATE TRIGGER care_conference_attendees_no_truncate BEFORE TRUNCATE ON care_conference_attendees
  FOR EACH STATEMENT EXECUTE FUNCTION care_conferences_refuse_removal();

-- The shared patient record (標準共有項目), its care teams and its visit calendar.
-- Nothing here is ever physically deleted: record items keep every version, members keep the day
-- they left, visits keep their cancellation.

-- Lets one constraint refuse two overlapping visits of the same practitioner.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE patients (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,
  created_by_organisation text NOT NULL
);

-- The current version of each item of a record. DATA-1's two facts are columns rather than JSON
-- fields so that the read path filters them in SQL.
CREATE TABLE patient_items (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  patient_id uuid NOT NULL REFERENCES patients (id),
  kind text NOT NULL,
  version integer NOT NULL CHECK (version >= 1),
  data jsonb NOT NULL,
  author_organisation text NOT NULL,
  is_undisclosed boolean NOT NULL DEFAULT false,
  is_removed boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  changed_at timestamptz NOT NULL,
  changed_by text NOT NULL,
  changed_by_name text NOT NULL,
  changed_by_organisation text NOT NULL,
  changed_by_profession text NOT NULL,
  CHECK (kind = 'diagnosis' OR NOT is_undisclosed)
);
CREATE INDEX patient_items_by_patient ON patient_items (patient_id, kind, changed_at DESC);
-- Two writers racing to create the same one-of-a-kind item meet here; the loser is told of the winner.
CREATE UNIQUE INDEX patient_items_one_of_a_kind ON patient_items (patient_id, kind)
  WHERE kind IN ('basics', 'wishes', 'physical-function') AND NOT is_removed;

-- Every version of every item, the current one included: who, when and what.
CREATE TABLE patient_item_versions (
  item_id uuid NOT NULL REFERENCES patient_items (id),
  version integer NOT NULL,
  change text NOT NULL CHECK (change IN ('created', 'updated', 'removed')),
  data jsonb NOT NULL,
  author_organisation text NOT NULL,
  is_undisclosed boolean NOT NULL,
  changed_at timestamptz NOT NULL,
  changed_by text NOT NULL,
  changed_by_name text NOT NULL,
  changed_by_organisation text NOT NULL,
  changed_by_profession text NOT NULL,
  PRIMARY KEY (item_id, version)
);

CREATE FUNCTION patient_item_versions_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the history of a patient record is never changed or removed';
END $$;
CREATE TRIGGER patient_item_versions_append_only BEFORE UPDATE OR DELETE ON patient_item_versions
  FOR EACH ROW EXECUTE FUNCTION patient_item_versions_refuse_change();
CREATE TRIGGER patient_item_versions_no_truncate BEFORE TRUNCATE ON patient_item_versions
  FOR EACH STATEMENT EXECUTE FUNCTION patient_item_versions_refuse_change();

-- Care teams (ケアチーム): organisations through their designated staff, or individuals.
CREATE TABLE care_team_members (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  patient_id uuid NOT NULL REFERENCES patients (id),
  kind text NOT NULL CHECK (kind IN ('organisation', 'individual')),
  organisation text NOT NULL,
  practitioner_id text,
  designated_staff text[] NOT NULL DEFAULT '{}',
  role text NOT NULL CHECK (role IN ('owner', 'editor', 'reader')),
  joined_at timestamptz NOT NULL DEFAULT now(),
  added_by text NOT NULL,
  left_at timestamptz,
  ended_by text,
  CHECK ((kind = 'individual') = (practitioner_id IS NOT NULL)),
  CHECK (kind = 'organisation' OR cardinality(designated_staff) = 0)
);
CREATE UNIQUE INDEX care_team_members_one_organisation ON care_team_members (patient_id, organisation)
  WHERE kind = 'organisation' AND left_at IS NULL;
CREATE UNIQUE INDEX care_team_members_one_individual ON care_team_members (patient_id, practitioner_id)
  WHERE kind = 'individual' AND left_at IS NULL;
CREATE INDEX care_team_members_by_patient ON care_team_members (patient_id) WHERE left_at IS NULL;
CREATE INDEX care_team_members_by_practitioner ON care_team_members (practitioner_id) WHERE left_at IS NULL;
CREATE INDEX care_team_members_by_staff ON care_team_members USING gin (designated_staff) WHERE left_at IS NULL;

-- An invitation is open while sent and before expires_at; "expired" is read from the clock, not stored.
CREATE TABLE care_team_invitations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  patient_id uuid NOT NULL REFERENCES patients (id),
  kind text NOT NULL CHECK (kind IN ('organisation', 'individual')),
  organisation text NOT NULL,
  practitioner_id text,
  role text NOT NULL CHECK (role IN ('owner', 'editor', 'reader')),
  status text NOT NULL DEFAULT 'sent' CHECK (status IN ('sent', 'accepted', 'declined', 'revoked')),
  sent_at timestamptz NOT NULL DEFAULT now(),
  sent_by text NOT NULL,
  sent_by_name text NOT NULL,
  sent_by_organisation text NOT NULL,
  expires_at timestamptz NOT NULL,
  answered_at timestamptz,
  answered_by text,
  member_id uuid REFERENCES care_team_members (id),
  CHECK ((kind = 'individual') = (practitioner_id IS NOT NULL)),
  CHECK (expires_at > sent_at)
);
CREATE INDEX care_team_invitations_by_patient ON care_team_invitations (patient_id);
CREATE INDEX care_team_invitations_open ON care_team_invitations (organisation, practitioner_id)
  WHERE status = 'sent';

-- The visit calendar (訪問予定). A practitioner cannot be in two homes at once: the database refuses
-- overlapping visits even when two schedulers race.
CREATE TABLE scheduled_visits (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  patient_id uuid NOT NULL REFERENCES patients (id),
  practitioner_id text NOT NULL,
  practitioner_name text NOT NULL,
  practitioner_organisation text NOT NULL,
  profession text NOT NULL,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  purpose text,
  status text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'done', 'cancelled')),
  visit_record_id uuid REFERENCES patient_items (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now(),
  changed_by text NOT NULL,
  CHECK (ends_at > starts_at),
  CONSTRAINT scheduled_visits_no_double_booking
    EXCLUDE USING gist (practitioner_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
    WHERE (status <> 'cancelled')
);
CREATE INDEX scheduled_visits_by_patient ON scheduled_visits (patient_id, starts_at);
CREATE INDEX scheduled_visits_by_practitioner ON scheduled_visits (practitioner_id, starts_at);

-- Vital signs a vendor system measured (e.g. バイタルリンク), kept with their source. The vendor's own
-- event id makes a delivery that arrives twice count once.
CREATE TABLE connector_vitals (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  patient_id uuid NOT NULL REFERENCES patients (id),
  vendor text NOT NULL,
  vendor_event_id text NOT NULL,
  patient_group_ref text NOT NULL,
  measured_at timestamptz NOT NULL,
  vitals jsonb NOT NULL,
  author_role text NOT NULL,
  author_role_label text,
  author_name text,
  comment text,
  deep_link text,
  received_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (vendor, vendor_event_id)
);
CREATE INDEX connector_vitals_by_patient ON connector_vitals (patient_id, measured_at DESC);

-- Hand-off documents (入院時情報提供書, 診療情報提供書, 退院時サマリー): generated from the record for one
-- receiving team member, reviewed, sent. The content is a snapshot already filtered for the recipient.
CREATE TABLE handoff_documents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  patient_id uuid NOT NULL REFERENCES patients (id),
  scene text NOT NULL CHECK (scene IN ('A', 'B', 'D')),
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'reviewed', 'sent')),
  version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  content jsonb NOT NULL,
  recipient_member_id uuid NOT NULL REFERENCES care_team_members (id),
  recipient_organisation text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,
  created_by_name text NOT NULL,
  created_by_organisation text NOT NULL,
  created_by_profession text NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now(),
  changed_by text NOT NULL,
  reviewed_at timestamptz,
  reviewed_by text,
  reviewed_by_name text,
  sent_at timestamptz,
  sent_by text,
  sent_to text[] NOT NULL DEFAULT '{}',
  received_at timestamptz,
  received_by text,
  CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
  CHECK (status = 'draft' OR reviewed_at IS NOT NULL)
);
CREATE INDEX handoff_documents_by_patient ON handoff_documents (patient_id, created_at DESC);
CREATE INDEX handoff_documents_by_recipient ON handoff_documents (recipient_organisation, sent_at DESC)
  WHERE status = 'sent';

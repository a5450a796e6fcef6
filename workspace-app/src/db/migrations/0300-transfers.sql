-- Transfer and acceptance search (転院・受入検索): hospitals' capacity profiles and free beds, the
-- transfer requests MSWs create, and the inquiries between the two. The constraints repeat the
-- application's rules so that no code path, present or future, can store an impossible state.

CREATE TABLE transfer_hospitals (
  id text PRIMARY KEY,
  name text NOT NULL,
  -- The organisation the hospital's staff carry at sign-in: its bed managers are the practitioners
  -- with this organisation and the bed-manager role.
  organisation text NOT NULL UNIQUE,
  municipality_id text NOT NULL,
  contact_desk jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX transfer_hospitals_by_municipality ON transfer_hospitals (municipality_id);

CREATE TABLE transfer_wards (
  hospital_id text NOT NULL REFERENCES transfer_hospitals (id),
  id text NOT NULL,
  position integer NOT NULL,
  name text NOT NULL,
  ward_function text NOT NULL,
  ward_type text NOT NULL,
  total_beds integer NOT NULL CHECK (total_beds BETWEEN 1 AND 9999),
  isolation_rooms integer NOT NULL CHECK (isolation_rooms >= 0 AND isolation_rooms <= total_beds),
  -- What the ward can take on (procedures, infections, dementia, room charges, stay, wait), in the
  -- shape of capacity-profile.ts; read whole by the search, never filtered on in SQL.
  care_profile jsonb NOT NULL,
  free_male_individual integer NOT NULL CHECK (free_male_individual >= 0),
  free_male_shared integer NOT NULL CHECK (free_male_shared >= 0),
  free_female_individual integer NOT NULL CHECK (free_female_individual >= 0),
  free_female_shared integer NOT NULL CHECK (free_female_shared >= 0),
  free_any_individual integer NOT NULL CHECK (free_any_individual >= 0),
  free_any_shared integer NOT NULL CHECK (free_any_shared >= 0),
  free_isolation_rooms integer NOT NULL CHECK (free_isolation_rooms >= 0),
  -- When a person last confirmed the figures; a bed taken by a confirmed transfer does not count.
  free_beds_updated_at timestamptz NOT NULL,
  free_beds_updated_by text,
  -- Bumped by every change of the figures, so an update based on what someone saw earlier is refused.
  version integer NOT NULL DEFAULT 1,
  PRIMARY KEY (hospital_id, id),
  CONSTRAINT transfer_wards_free_within_total CHECK (
    free_male_individual + free_male_shared + free_female_individual + free_female_shared
      + free_any_individual + free_any_shared <= total_beds
  ),
  CONSTRAINT transfer_wards_isolation_within_rooms CHECK (free_isolation_rooms <= isolation_rooms),
  CONSTRAINT transfer_wards_isolation_within_singles CHECK (
    free_isolation_rooms <= free_male_individual + free_female_individual + free_any_individual
  )
);
CREATE INDEX transfer_wards_by_type ON transfer_wards (ward_type);

CREATE TABLE transfer_requests (
  id uuid PRIMARY KEY,
  -- The patient of the shared record, whose care team may read the request; null when the patient
  -- has no shared record.
  patient_id text,
  requesting_organisation text NOT NULL,
  created_by text NOT NULL,
  created_by_name text NOT NULL,
  created_at timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'confirmed', 'cancelled')),
  -- The patient's needs, in the shape of transfer-request.ts.
  details jsonb NOT NULL,
  closed_at timestamptz,
  closed_by text,
  CHECK ((status = 'open') = (closed_at IS NULL))
);
CREATE INDEX transfer_requests_by_organisation ON transfer_requests (requesting_organisation, created_at DESC);
CREATE INDEX transfer_requests_by_patient ON transfer_requests (patient_id) WHERE patient_id IS NOT NULL;

CREATE TABLE transfer_inquiries (
  id uuid PRIMARY KEY,
  request_id uuid NOT NULL REFERENCES transfer_requests (id),
  hospital_id text NOT NULL REFERENCES transfer_hospitals (id),
  -- The ward the search proposed, then the one the hospital offers.
  ward_id text NOT NULL,
  status text NOT NULL CHECK (
    status IN ('sent', 'needs-information', 'accepted', 'conditional', 'declined', 'confirmed', 'closed')
  ),
  room_type text CHECK (room_type IN ('individual', 'shared')),
  is_isolation_room boolean NOT NULL DEFAULT false,
  conditions text,
  decline_reason text,
  -- Until when the hospital keeps its offer open: the MSW must confirm before this moment.
  hold_until timestamptz,
  admission_date date,
  close_reason text CHECK (close_reason IN ('another-hospital-confirmed', 'withdrawn', 'request-cancelled')),
  sent_at timestamptz NOT NULL,
  sent_by text NOT NULL,
  answered_at timestamptz,
  answered_by text,
  closed_at timestamptz,
  updated_at timestamptz NOT NULL,
  UNIQUE (request_id, hospital_id),
  FOREIGN KEY (hospital_id, ward_id) REFERENCES transfer_wards (hospital_id, id),
  CHECK (status <> 'declined' OR decline_reason IS NOT NULL),
  CHECK (status <> 'conditional' OR conditions IS NOT NULL),
  CHECK (
    status NOT IN ('accepted', 'conditional', 'confirmed') OR (room_type IS NOT NULL AND hold_until IS NOT NULL)
  ),
  CHECK ((status = 'closed') = (close_reason IS NOT NULL))
);
CREATE INDEX transfer_inquiries_by_hospital ON transfer_inquiries (hospital_id, updated_at DESC);
-- One confirmed hospital per request, whatever happens above.
CREATE UNIQUE INDEX transfer_inquiries_one_confirmed ON transfer_inquiries (request_id) WHERE status = 'confirmed';

-- Each inquiry's history and message thread: sending, every answer, every message, the close.
CREATE TABLE transfer_inquiry_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  inquiry_id uuid NOT NULL REFERENCES transfer_inquiries (id),
  kind text NOT NULL CHECK (kind IN ('sent', 'answered', 'message', 'confirmed', 'closed', 'released')),
  status_after text NOT NULL,
  -- Which side spoke: the requesting hospital's MSW or the asked hospital.
  side text NOT NULL CHECK (side IN ('requester', 'hospital')),
  author_id text NOT NULL,
  author_name text NOT NULL,
  author_organisation text NOT NULL,
  body text,
  details jsonb NOT NULL DEFAULT '{}',
  occurred_at timestamptz NOT NULL
);
CREATE INDEX transfer_inquiry_events_by_inquiry ON transfer_inquiry_events (inquiry_id, id);

CREATE FUNCTION transfer_inquiry_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the history of a transfer inquiry is never changed or removed';
END $$;
CREATE TRIGGER transfer_inquiry_events_append_only BEFORE UPDATE OR DELETE ON transfer_inquiry_events
  FOR EACH ROW EXECUTE FUNCTION transfer_inquiry_events_refuse_change();

-- A bed taken out of the free figures by a confirmed transfer, so that it is promised only once.
CREATE TABLE transfer_bed_holds (
  inquiry_id uuid PRIMARY KEY REFERENCES transfer_inquiries (id),
  hospital_id text NOT NULL,
  ward_id text NOT NULL,
  bed_sex text NOT NULL CHECK (bed_sex IN ('male', 'female', 'any')),
  room_type text NOT NULL CHECK (room_type IN ('individual', 'shared')),
  is_isolation_room boolean NOT NULL,
  held_at timestamptz NOT NULL,
  held_by text NOT NULL,
  released_at timestamptz,
  FOREIGN KEY (hospital_id, ward_id) REFERENCES transfer_wards (hospital_id, id)
);
CREATE INDEX transfer_bed_holds_by_ward ON transfer_bed_holds (hospital_id, ward_id) WHERE released_at IS NULL;

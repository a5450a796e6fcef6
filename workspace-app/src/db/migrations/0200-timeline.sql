-- The multi-professional timeline (多職種連携タイムライン): every vendor's notifications and the portal's own,
-- stored once each, and delivered into the inboxes of the practitioners who may see them.
-- Patients are referred to by their text ID only; the patient record owns them.

-- One row per vendor message (or portal notification). The unique key is what makes ingestion
-- idempotent: a redelivery or a retry after a crash inserts nothing.
CREATE TABLE timeline_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  vendor text NOT NULL,
  vendor_message_id text NOT NULL,
  -- The first account that received it; all of them are in timeline_event_receipts.
  vendor_account text NOT NULL,
  patient_group_ref text,
  patient_group_name text,
  -- Set by portal notifications, which know their patient; vendor events learn it from timeline_patient_groups.
  patient_id text,
  author_role text,
  author_role_label text,
  author_name text,
  occurred_at timestamptz NOT NULL,
  kind text NOT NULL,
  title text NOT NULL,
  body text,
  unread_count integer,
  deep_link text,
  -- Portal notifications: what happened (e.g. transfer-inquiry) and where in the portal it is.
  portal_kind text,
  portal_link text,
  vitals jsonb,
  received_at timestamptz NOT NULL,
  stored_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT timeline_events_once UNIQUE (vendor, vendor_message_id),
  CHECK ((vendor = 'portal') = (portal_link IS NOT NULL)),
  CHECK ((vendor = 'portal') = (portal_kind IS NOT NULL)),
  CHECK (vendor = 'portal' OR patient_group_ref IS NOT NULL),
  CHECK (deep_link IS NULL OR portal_link IS NULL)
);

-- Which vendor accounts received each event. One message reaches several accounts when several members
-- of a group have linked theirs (MCS notifies each member): the event is stored once, every account that
-- received it is kept, and each one's practitioners get it in their inbox.
CREATE TABLE timeline_event_receipts (
  vendor text NOT NULL,
  vendor_account text NOT NULL,
  event_id bigint NOT NULL REFERENCES timeline_events (id),
  occurred_at timestamptz NOT NULL,
  PRIMARY KEY (event_id, vendor_account)
);
-- Confirming a new account link copies that account's recent events into the practitioner's inbox.
CREATE INDEX timeline_event_receipts_by_account
  ON timeline_event_receipts (vendor, vendor_account, occurred_at DESC);

-- Who sees what: one row per recipient and event, with the read state. occurred_at and vendor are copied
-- from the event so the newest-first page and the unread counts come from this table's indexes alone.
CREATE TABLE timeline_inbox (
  practitioner_id text NOT NULL,
  event_id bigint NOT NULL REFERENCES timeline_events (id),
  occurred_at timestamptz NOT NULL,
  vendor text NOT NULL,
  read_at timestamptz,
  PRIMARY KEY (practitioner_id, event_id)
);
CREATE INDEX timeline_inbox_newest ON timeline_inbox (practitioner_id, occurred_at DESC, event_id DESC);
CREATE INDEX timeline_inbox_unread ON timeline_inbox (practitioner_id, vendor) WHERE read_at IS NULL;

-- A practitioner's account at a vendor, linked to their portal identity. Anyone can claim an account
-- name, so events flow only once an administrator has confirmed the link.
CREATE TABLE timeline_account_links (
  practitioner_id text NOT NULL,
  vendor text NOT NULL,
  vendor_account text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed')),
  requested_at timestamptz NOT NULL DEFAULT now(),
  confirmed_at timestamptz,
  confirmed_by text,
  PRIMARY KEY (practitioner_id, vendor, vendor_account),
  CHECK ((status = 'confirmed') = (confirmed_at IS NOT NULL))
);
CREATE INDEX timeline_account_links_by_account ON timeline_account_links (vendor, vendor_account)
  WHERE status = 'confirmed';

-- A vendor's care-team group (or FHIR Patient) is a portal patient: filters and the audit trail use it.
CREATE TABLE timeline_patient_groups (
  vendor text NOT NULL,
  patient_group_ref text NOT NULL,
  patient_id text NOT NULL,
  -- How the filter names the patient; the record itself stays with the patient record.
  patient_label text NOT NULL,
  mapped_at timestamptz NOT NULL DEFAULT now(),
  mapped_by text NOT NULL,
  PRIMARY KEY (vendor, patient_group_ref)
);
CREATE INDEX timeline_patient_groups_by_patient ON timeline_patient_groups (patient_id);

-- Where each pull connector stands; written in the same transaction as the events it covers.
CREATE TABLE timeline_vendor_cursors (
  vendor text PRIMARY KEY,
  cursor text,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Whether each vendor is reaching the timeline, and since when it is not.
CREATE TABLE timeline_vendor_health (
  vendor text PRIMARY KEY,
  last_attempt_at timestamptz,
  last_success_at timestamptz,
  stale_since timestamptz,
  consecutive_failures integer NOT NULL DEFAULT 0,
  -- A typed reason (timeout, bad-signature, ...) and where, never a payload value.
  last_problem text
);

-- Payloads refused whole: why, and enough to find the delivery with the vendor; never the content.
CREATE TABLE timeline_rejected_payloads (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  vendor text NOT NULL,
  reason text NOT NULL CHECK (reason IN ('malformed', 'oversized', 'bad-signature', 'bad-encoding')),
  detail text NOT NULL,
  byte_length integer,
  sha256 text,
  rejected_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX timeline_rejected_payloads_by_vendor ON timeline_rejected_payloads (vendor, rejected_at DESC);

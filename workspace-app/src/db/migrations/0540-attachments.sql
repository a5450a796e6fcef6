-- Photos and documents sent from a practitioner's own device (「写真を送る」) through the broker, which checked
-- their kind and size, took location and other metadata out of photos and had them scanned for viruses.
-- Until filed, an upload is seen by the practitioner who sent it and nobody else; filed, it belongs to a
-- patient (the record's photos and documents, or a post of the patient's thread) and follows the care team.
CREATE TABLE attachments (
  -- Chosen by the device for each file, so that sending again after a lost answer stores the file once.
  id uuid PRIMARY KEY,
  owner_id text NOT NULL,
  media_type text NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png', 'application/pdf')),
  content bytea NOT NULL,
  byte_size integer NOT NULL CHECK (byte_size > 0),
  sha256 text NOT NULL,
  -- The scanner and signature version that found nothing.
  scanned_by text NOT NULL,
  metadata_removed boolean NOT NULL,
  -- 1 for a photo; a PDF's pages (0 when poppler cannot read it: then it is listed but not shown).
  page_count integer NOT NULL CHECK (page_count >= 0),
  received_at timestamptz NOT NULL DEFAULT now(),
  patient_id uuid REFERENCES patients (id),
  post_id uuid REFERENCES patient_thread_posts (id),
  filed_by text,
  filed_at timestamptz,
  CHECK ((patient_id IS NULL) = (filed_at IS NULL)),
  CHECK (post_id IS NULL OR patient_id IS NOT NULL)
);
CREATE INDEX attachments_unfiled ON attachments (owner_id, received_at) WHERE patient_id IS NULL;
CREATE INDEX attachments_by_patient ON attachments (patient_id, filed_at) WHERE patient_id IS NOT NULL;
CREATE INDEX attachments_by_post ON attachments (post_id) WHERE post_id IS NOT NULL;

-- A PDF's pages drawn as pictures, once each, the first time someone looks at them inside the desktop.
CREATE TABLE attachment_pages (
  attachment_id uuid NOT NULL REFERENCES attachments (id),
  page integer NOT NULL CHECK (page >= 1),
  png bytea NOT NULL,
  PRIMARY KEY (attachment_id, page)
);

-- A thread per patient (連絡スレッド): posts and one level of replies by members of the care team, who they
-- mention, who has read each post, and the delivery of each post to the vendors the patient is linked to.
-- Posts are kept, never edited or deleted: what the team was told stays as it was told.
CREATE TABLE patient_thread_posts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  patient_id uuid NOT NULL REFERENCES patients (id),
  -- A reply names the post it answers, of the same patient (the foreign key below), never a reply itself.
  reply_to uuid,
  author_id text NOT NULL,
  author_name text NOT NULL,
  author_organisation text NOT NULL,
  author_profession text NOT NULL,
  body text NOT NULL CHECK (char_length(btrim(body)) BETWEEN 1 AND 2000),
  posted_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (id, patient_id),
  FOREIGN KEY (reply_to, patient_id) REFERENCES patient_thread_posts (id, patient_id)
);
CREATE INDEX patient_thread_posts_by_patient ON patient_thread_posts (patient_id, posted_at);

-- Whom a post calls on: a profession (its code in the record's profession list) or a person on the team.
CREATE TABLE patient_thread_mentions (
  post_id uuid NOT NULL REFERENCES patient_thread_posts (id),
  kind text NOT NULL CHECK (kind IN ('profession', 'person')),
  target text NOT NULL,
  -- For a person, their name as it was when mentioned.
  label text NOT NULL,
  PRIMARY KEY (post_id, kind, target)
);

-- 既読: the first time each person opened the thread with the post in it.
CREATE TABLE patient_thread_reads (
  post_id uuid NOT NULL REFERENCES patient_thread_posts (id),
  reader_id text NOT NULL,
  reader_name text NOT NULL,
  read_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (post_id, reader_id)
);

-- The outbox: one row per post and vendor with a writing API, written in the post's transaction, so a crash
-- between storing and sending loses nothing; the vendor's conditional create on the post's identifier makes
-- a second send after a lost answer find the first one instead of creating another.
CREATE TABLE patient_thread_deliveries (
  post_id uuid NOT NULL REFERENCES patient_thread_posts (id),
  vendor text NOT NULL,
  -- The patient at the vendor, e.g. Patient/pat-nerima-0001 (from timeline_patient_groups at posting).
  vendor_patient_ref text NOT NULL,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  vendor_resource_id text,
  delivered_at timestamptz,
  CHECK ((state = 'delivered') = (delivered_at IS NOT NULL)),
  CHECK (state <> 'failed' OR last_error IS NOT NULL),
  PRIMARY KEY (post_id, vendor)
);
CREATE INDEX patient_thread_deliveries_due ON patient_thread_deliveries (next_attempt_at) WHERE state = 'pending';

CREATE FUNCTION patient_thread_posts_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'thread posts are kept as written, never changed or removed';
END $$;
CREATE TRIGGER patient_thread_posts_never_changed BEFORE UPDATE OR DELETE ON patient_thread_posts
  FOR EACH ROW EXECUTE FUNCTION patient_thread_posts_refuse_change();
CREATE TRIGGER patient_thread_posts_no_truncate BEFORE TRUNCATE ON patient_thread_posts
  FOR EACH STATEMENT EXECUTE FUNCTION patient_thread_posts_refuse_change();

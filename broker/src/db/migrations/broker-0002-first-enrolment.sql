-- One-time enrolment codes: an organisation administrator issues one out of band so that a user may enrol
-- a first second factor (or a new one after a reset). Kept only as hashes; single use; they expire.
CREATE TABLE enrolment_codes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id text NOT NULL,
  code_hash text NOT NULL UNIQUE,
  issued_by text NOT NULL,
  issued_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  revoked_at timestamptz,
  revoked_by text
);
CREATE INDEX enrolment_codes_pending ON enrolment_codes (user_id) WHERE used_at IS NULL AND revoked_at IS NULL;

-- Users whose factors an administrator removed: they need an enrolment code again. Cleared at enrolment.
CREATE TABLE second_factor_resets (
  user_id text PRIMARY KEY,
  reset_at timestamptz NOT NULL DEFAULT now(),
  reset_by text NOT NULL
);

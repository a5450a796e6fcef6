-- Session recordings: who, when, which desktop, how large. The recordings themselves are encrypted files in
-- the recording folder, never in the database; the key that opens them is not here either.
CREATE TABLE session_recordings (
  id uuid PRIMARY KEY,
  user_id text NOT NULL,
  user_display_name text NOT NULL,
  user_organisation text NOT NULL,
  desktop_id text NOT NULL,
  pool_id text NOT NULL,
  -- Which sign-in the connection belonged to, as the console names sessions (never the session's ID).
  session_ref text NOT NULL,
  broker_instance text NOT NULL,
  key_id text NOT NULL,
  state text NOT NULL CHECK (state IN ('recording', 'complete', 'failed', 'deleted')),
  started_at timestamptz NOT NULL DEFAULT now(),
  -- When the broker passed on the first frame, by its own clock: the player's positions count from it.
  first_frame_at timestamptz,
  ended_at timestamptz,
  expires_at timestamptz NOT NULL,
  file_bytes bigint NOT NULL DEFAULT 0,
  plain_bytes bigint NOT NULL DEFAULT 0,
  failure text,
  deleted_at timestamptz
);
CREATE INDEX session_recordings_user ON session_recordings (user_id, started_at);
CREATE INDEX session_recordings_started ON session_recordings (started_at);
CREATE INDEX session_recordings_expiry ON session_recordings (expires_at) WHERE deleted_at IS NULL;

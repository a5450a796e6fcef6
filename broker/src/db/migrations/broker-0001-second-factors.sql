-- Second factors enrolled by users. TOTP secrets are encrypted by the broker before they are stored.
CREATE TABLE second_factors (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('totp', 'webauthn')),
  label text NOT NULL DEFAULT '',
  totp_secret_encrypted text,
  totp_last_time_step bigint,
  webauthn_credential_id text UNIQUE,
  webauthn_public_key bytea,
  webauthn_counter bigint,
  webauthn_transports text[],
  confirmed boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz
);
CREATE INDEX second_factors_user ON second_factors (user_id);

-- One-time recovery codes, kept only as hashes.
CREATE TABLE recovery_codes (
  user_id text NOT NULL,
  code_hash text NOT NULL,
  used_at timestamptz,
  PRIMARY KEY (user_id, code_hash)
);

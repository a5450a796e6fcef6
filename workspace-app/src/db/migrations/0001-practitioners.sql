-- Practitioners as the broker's sign-in names them; refreshed at every hand-off.
CREATE TABLE practitioners (
  id text PRIMARY KEY,
  display_name text NOT NULL,
  display_name_kana text,
  organisation text NOT NULL,
  profession text NOT NULL,
  roles text[] NOT NULL DEFAULT '{}',
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now()
);

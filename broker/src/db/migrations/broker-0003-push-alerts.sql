-- Devices that asked for alerts (Web Push): the push service's address for the device and the keys the
-- message is encrypted with. No patient data is ever sent to them; see broker/src/alerts/alert-payload.ts.
CREATE TABLE push_subscriptions (
  endpoint text PRIMARY KEY,
  user_id text NOT NULL,
  p256dh text NOT NULL,
  auth text NOT NULL,
  language text NOT NULL CHECK (language IN ('ja', 'en')),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

-- Hours in which a practitioner wants no alert, in Tokyo time.
CREATE TABLE alert_quiet_hours (
  user_id text PRIMARY KEY,
  quiet_from text NOT NULL,
  quiet_until text NOT NULL
);

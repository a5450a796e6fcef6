import type pg from 'pg';

/**
 * Something that happened inside the portal itself (a transfer inquiry, an answer, a hand-off document) and
 * belongs in the timelines of the practitioners involved, beside the vendors' messages.
 */
export interface PortalNotification {
  /** Portal practitioner IDs (the broker's user IDs) who see it. */
  recipients: string[];
  source: 'transfers' | 'patients';
  kind: string;
  patientId?: string;
  title: string;
  /** A path inside the portal, e.g. `/transfers/requests/42`. */
  link: string;
  occurredAt: Date;
  /** The same key twice records one notification, so callers may retry freely. */
  idempotencyKey: string;
}

export type NotifyPractitioners = (
  db: pg.Pool | pg.PoolClient,
  notification: PortalNotification,
) => Promise<void>;

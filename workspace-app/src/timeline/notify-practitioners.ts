import type pg from 'pg';
import { z } from 'zod';
import type { NotifyPractitioners, PortalNotification } from './portal-notification.js';
import { PORTAL_SOURCE } from './store-events.js';
import { announceDeliveries, deliveriesFrom } from './timeline-announcement.js';
import { withTransaction } from '@hcw/common';

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

const portalNotification = z.object({
  recipients: z.array(z.string().min(1).max(200)).min(1).max(1_000),
  source: z.enum(['transfers', 'patients']),
  kind: z.string().regex(/^[a-z][a-z0-9-]{0,49}$/),
  patientId: z.string().min(1).max(200).optional(),
  title: z
    .string()
    .max(300)
    .refine((value) => value.trim().length > 0, 'blank')
    .refine((value) => !CONTROL_CHARACTERS.test(value), 'control characters'),
  // A path inside the portal only: the kiosk follows it with the practitioner's trust, so no other host,
  // no protocol-relative `//host`, no backslashes browsers read as slashes.
  link: z
    .string()
    .max(1_000)
    .regex(/^\/(?![/\\])[A-Za-z0-9\-._~/?=&%+,:@]*$/, 'a path inside the portal'),
  occurredAt: z.date().refine((date) => !Number.isNaN(date.getTime()), 'a valid date'),
  idempotencyKey: z.string().min(1).max(200),
});

export class InvalidPortalNotificationError extends Error {
  override readonly name = 'InvalidPortalNotificationError';
}

/**
 * Puts a portal-internal notification (a transfer inquiry or answer, a hand-off document sent) into each
 * recipient's timeline as an event of source "portal". Called with the caller's transaction client, it
 * commits or rolls back with the caller's change, and its live announcement goes out only on commit.
 * The same idempotency key twice records one notification.
 */
export const notifyPractitioners: NotifyPractitioners = async (db, notification) => {
  const parsed = portalNotification.safeParse(notification);
  if (!parsed.success) {
    const where = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
    throw new InvalidPortalNotificationError(`portal notification refused: ${where}`);
  }
  if (isPoolClient(db)) {
    await recordNotification(db, parsed.data);
    return;
  }
  await withTransaction(db, (client) => recordNotification(client, parsed.data));
};

async function recordNotification(client: pg.PoolClient, notification: PortalNotification): Promise<void> {
  // One statement, so the event and its inbox rows are never apart, inside a transaction or not.
  const { rows } = await client.query<{ practitioner_id: string; event_id: string }>(
    `WITH event AS (
       INSERT INTO timeline_events (vendor, vendor_message_id, vendor_account, patient_id, occurred_at, kind,
         title, portal_kind, portal_link, received_at)
       VALUES ($1, $2, $3, $4, $5, 'notification', $6, $7, $8, now())
       ON CONFLICT (vendor, vendor_message_id) DO NOTHING
       RETURNING id, occurred_at
     )
     INSERT INTO timeline_inbox (practitioner_id, event_id, occurred_at, vendor)
     SELECT DISTINCT recipient, event.id, event.occurred_at, $1 FROM event, unnest($9::text[]) AS recipient
     ON CONFLICT DO NOTHING
     RETURNING practitioner_id, event_id`,
    [
      PORTAL_SOURCE,
      `${notification.source}:${notification.idempotencyKey}`,
      notification.source,
      notification.patientId ?? null,
      notification.occurredAt,
      notification.title,
      notification.kind,
      notification.link,
      notification.recipients,
    ],
  );
  await announceDeliveries(
    client,
    deliveriesFrom(rows.map((row) => [row.practitioner_id, row.event_id] as const)),
  );
}

function isPoolClient(db: pg.Pool | pg.PoolClient): db is pg.PoolClient {
  return 'release' in db && typeof db.release === 'function';
}

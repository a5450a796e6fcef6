import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { AuthorRole, EventKind, VitalSigns } from '../connectors/canonical-event.js';
import type { TimelineFilters } from './timeline-filters.js';

/** One entry of a practitioner's timeline, as the page shows it. */
export interface TimelineItem {
  id: number;
  vendor: string;
  kind: EventKind;
  title: string;
  body: string | null;
  occurredAt: Date;
  isUnread: boolean;
  author: { role: AuthorRole | null; roleLabel: string | null; name: string | null };
  patientGroupName: string | null;
  /** The portal patient, when the group is mapped to one (or a portal notification names one). */
  patientId: string | null;
  patientLabel: string | null;
  patientGroupRef: string | null;
  /** The vendor's own unread count at the time of the notification. */
  vendorUnreadCount: number | null;
  deepLink: string | null;
  portalLink: string | null;
  portalKind: string | null;
  /** The part of the portal a portal notification came from (transfers, patients). */
  portalSource: string | null;
  vitals: VitalSigns | null;
}

export interface TimelinePage {
  items: TimelineItem[];
  hasMore: boolean;
  /** Unread items per source, counted up to a cap so a neglected inbox stays quick to open. */
  unreadBySource: Record<string, number>;
}

export const PAGE_SIZE = 50;
export const UNREAD_COUNT_CAP = 9_999;

interface ItemRow {
  id: string;
  vendor: string;
  vendor_account: string;
  kind: EventKind;
  title: string;
  body: string | null;
  occurred_at: Date;
  read_at: Date | null;
  author_role: AuthorRole | null;
  author_role_label: string | null;
  author_name: string | null;
  patient_group_ref: string | null;
  patient_group_name: string | null;
  patient_id: string | null;
  patient_label: string | null;
  unread_count: number | null;
  deep_link: string | null;
  portal_link: string | null;
  portal_kind: string | null;
  vitals: VitalSigns | null;
}

// The inbox index gives the practitioner's items newest first; the event and its patient come by key.
const ITEM_SELECT = `
  SELECT e.id, e.vendor, e.vendor_account, e.kind, e.title, e.body, i.occurred_at, i.read_at, e.author_role, e.author_role_label,
    e.author_name, e.patient_group_ref, e.patient_group_name, coalesce(e.patient_id, g.patient_id) AS patient_id,
    coalesce(g.patient_label, (SELECT p.patient_label FROM timeline_patient_groups p
                                WHERE p.patient_id = e.patient_id LIMIT 1)) AS patient_label,
    e.unread_count, e.deep_link, e.portal_link, e.portal_kind, e.vitals
  FROM timeline_inbox i
  JOIN timeline_events e ON e.id = i.event_id
  LEFT JOIN timeline_patient_groups g ON g.vendor = e.vendor AND g.patient_group_ref = e.patient_group_ref`;

/**
 * A named statement: each connection plans it once and reuses the plan, which is most of the cost of a
 * page that is otherwise two short index scans. Each filter combination is a statement of its own.
 */
function prepared(text: string, values: unknown[]): pg.QueryConfig {
  return { name: `timeline-${createHash('sha1').update(text).digest('hex').slice(0, 16)}`, text, values };
}

/** The filters as SQL conditions on the select above, with their parameters from `$first` on. */
function filterConditions(filters: TimelineFilters, first: number): { sql: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const next = (value: unknown) => {
    params.push(value);
    return `$${first + params.length - 1}`;
  };
  if (filters.vendor) conditions.push(`i.vendor = ${next(filters.vendor)}`);
  if (filters.role) conditions.push(`e.author_role = ${next(filters.role)}`);
  if (filters.patient) conditions.push(`coalesce(e.patient_id, g.patient_id) = ${next(filters.patient)}`);
  if (filters.unread) conditions.push('i.read_at IS NULL');
  if (filters.q) {
    const pattern = next(`%${filters.q.replace(/[\\%_]/g, (character) => `\\${character}`)}%`);
    conditions.push(
      `(e.title ILIKE ${pattern} OR e.body ILIKE ${pattern} OR e.patient_group_name ILIKE ${pattern}
        OR e.author_name ILIKE ${pattern} OR e.author_role_label ILIKE ${pattern}
        OR g.patient_label ILIKE ${pattern})`,
    );
  }
  if (filters.before) {
    const at = next(filters.before.occurredAt);
    const id = next(filters.before.eventId);
    conditions.push(`(i.occurred_at, i.event_id) < (${at}, ${id}::bigint)`);
  }
  return { sql: conditions.map((condition) => ` AND ${condition}`).join(''), params };
}

/** A practitioner's timeline, newest first, one page of it, with the unread counts. */
export async function readTimeline(
  db: pg.Pool | pg.ClientBase,
  practitionerId: string,
  filters: TimelineFilters,
  pageSize = PAGE_SIZE,
): Promise<TimelinePage> {
  const where = filterConditions(filters, 2);
  const [items, unread] = await Promise.all([
    db.query<ItemRow>(
      prepared(
        `${ITEM_SELECT} WHERE i.practitioner_id = $1${where.sql}
         ORDER BY i.occurred_at DESC, i.event_id DESC LIMIT ${pageSize + 1}`,
        [practitionerId, ...where.params],
      ),
    ),
    countUnread(db, practitionerId),
  ]);
  return {
    items: items.rows.slice(0, pageSize).map(fromRow),
    hasMore: items.rows.length > pageSize,
    unreadBySource: unread,
  };
}

/**
 * The given events, if they are in the practitioner's inbox and match the filters: what the kiosk asks
 * for when told of new events, so a live update never shows what the page's filters exclude.
 */
export async function readTimelineItems(
  db: pg.Pool | pg.ClientBase,
  practitionerId: string,
  eventIds: readonly number[],
  filters: TimelineFilters,
): Promise<TimelineItem[]> {
  if (eventIds.length === 0) return [];
  const where = filterConditions({ ...filters, before: undefined }, 3);
  const { rows } = await db.query<ItemRow>(
    `${ITEM_SELECT} WHERE i.practitioner_id = $1 AND i.event_id = ANY($2::bigint[])${where.sql}
     ORDER BY i.occurred_at DESC, i.event_id DESC`,
    [practitionerId, eventIds.map(String), ...where.params],
  );
  return rows.map(fromRow);
}

export async function countUnread(
  db: pg.Pool | pg.ClientBase,
  practitionerId: string,
): Promise<Record<string, number>> {
  const { rows } = await db.query<{ vendor: string; count: number }>(
    prepared(
      `SELECT vendor, count(*)::int AS count FROM (
         SELECT vendor FROM timeline_inbox WHERE practitioner_id = $1 AND read_at IS NULL LIMIT ${UNREAD_COUNT_CAP}
       ) unread GROUP BY vendor ORDER BY vendor`,
      [practitionerId],
    ),
  );
  return Object.fromEntries(rows.map((row) => [row.vendor, row.count]));
}

function fromRow(row: ItemRow): TimelineItem {
  return {
    id: Number(row.id),
    vendor: row.vendor,
    kind: row.kind,
    title: row.title,
    body: row.body,
    occurredAt: row.occurred_at,
    isUnread: row.read_at === null,
    author: { role: row.author_role, roleLabel: row.author_role_label, name: row.author_name },
    patientGroupName: row.patient_group_name,
    patientId: row.patient_id,
    patientLabel: row.patient_label,
    patientGroupRef: row.patient_group_ref,
    vendorUnreadCount: row.unread_count,
    deepLink: row.deep_link,
    portalLink: row.portal_link,
    portalKind: row.portal_kind,
    portalSource: row.portal_link !== null ? row.vendor_account : null,
    vitals: row.vitals,
  };
}

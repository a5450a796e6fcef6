import type pg from 'pg';
import type { RedisClientType } from 'redis';
import { z } from 'zod';
import { verifyAuditChain, type ChainVerdict } from '@hcw/common';

// <input type="datetime-local"> sends local time without a zone: the workspace's time is Japan's.
const dateText = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return undefined;
    const withZone = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}+09:00`;
    const date = new Date(/^\d{4}-\d\d-\d\d$/.test(value) ? `${value}T00:00:00+09:00` : withZone);
    if (Number.isNaN(date.getTime())) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'not a date' });
      return z.NEVER;
    }
    return date;
  });

/** An auditor's search of the trail: by user, patient, type and time; every field optional. */
export const AuditQuery = z.object({
  user: z.string().trim().max(200).optional().transform(emptyToUndefined),
  patient: z.string().trim().max(200).optional().transform(emptyToUndefined),
  type: z.string().trim().max(100).optional().transform(emptyToUndefined),
  from: z.string().trim().max(40).optional().transform(emptyToUndefined).pipe(dateText),
  to: z.string().trim().max(40).optional().transform(emptyToUndefined).pipe(dateText),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

export interface AuditRow {
  id: string;
  occurredAt: Date;
  type: string;
  outcome: string;
  actorId: string | null;
  actorOrganisation: string | null;
  clientAddress: string | null;
  patientId: string | null;
  details: Record<string, unknown>;
  hash: string;
}

export async function searchAudit(pool: pg.Pool, query: AuditQuery, limit: number): Promise<AuditRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown): void => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (query.user) add('actor_id = ?', query.user);
  if (query.patient) add('patient_id = ?', query.patient);
  if (query.type) add('type = ?', query.type);
  if (query.from) add('occurred_at >= ?', query.from);
  if (query.to) add('occurred_at <= ?', query.to);
  params.push(limit);
  const { rows } = await pool.query<{
    id: string;
    occurred_at: Date;
    type: string;
    outcome: string;
    actor_id: string | null;
    actor_organisation: string | null;
    client_address: string | null;
    patient_id: string | null;
    details: Record<string, unknown>;
    hash: string;
  }>(
    `SELECT id, occurred_at, type, outcome, actor_id, actor_organisation, client_address, patient_id, details, hash
       FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map((r) => ({
    id: r.id,
    occurredAt: r.occurred_at,
    type: r.type,
    outcome: r.outcome,
    actorId: r.actor_id,
    actorOrganisation: r.actor_organisation,
    clientAddress: r.client_address,
    patientId: r.patient_id,
    details: r.details,
    hash: r.hash,
  }));
}

const CSV_COLUMNS = [
  'id',
  'occurred_at',
  'type',
  'outcome',
  'actor_id',
  'actor_organisation',
  'client_address',
  'patient_id',
  'details',
  'hash',
];

/**
 * The rows as CSV (RFC 4180, CRLF), with a byte-order mark so spreadsheet software reads the Japanese
 * correctly. A cell that a spreadsheet would run as a formula is prefixed with an apostrophe.
 */
export function auditCsv(rows: AuditRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of rows) {
    lines.push(
      [
        row.id,
        row.occurredAt.toISOString(),
        row.type,
        row.outcome,
        row.actorId,
        row.actorOrganisation,
        row.clientAddress,
        row.patientId,
        JSON.stringify(row.details),
        row.hash,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `\ufeff${lines.join('\r\n')}\r\n`;
}

export function csvCell(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export type ChainStatus = ChainVerdict & { verifiedAt: string };

const CHAIN_KEY = 'console:audit-chain';

/** The last verification of the hash chain, kept so the page need not walk the whole trail on every view. */
export async function lastChainStatus(redis: RedisClientType): Promise<ChainStatus | undefined> {
  const stored = await redis.get(CHAIN_KEY);
  return stored ? (JSON.parse(stored) as ChainStatus) : undefined;
}

export async function verifyChainNow(pool: pg.Pool, redis: RedisClientType): Promise<ChainStatus> {
  const verdict = await verifyAuditChain(pool);
  const status: ChainStatus = { ...verdict, verifiedAt: new Date().toISOString() };
  await redis.set(CHAIN_KEY, JSON.stringify(status));
  return status;
}

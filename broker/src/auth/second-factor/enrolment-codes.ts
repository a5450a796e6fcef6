import type pg from 'pg';
import { withTransaction } from '@hcw/common';
import { hashCode, randomCode } from './one-time-codes.js';

/** A code waiting to be used: what the console lists. The code itself is never stored, nor shown again. */
export interface PendingEnrolmentCode {
  id: string;
  userId: string;
  issuedBy: string;
  issuedAt: Date;
  expiresAt: Date;
}

interface PendingRow {
  id: string;
  user_id: string;
  issued_by: string;
  issued_at: Date;
  expires_at: Date;
}

const pendingFrom = (r: PendingRow): PendingEnrolmentCode => ({
  id: r.id,
  userId: r.user_id,
  issuedBy: r.issued_by,
  issuedAt: r.issued_at,
  expiresAt: r.expires_at,
});

const IS_PENDING = 'used_at IS NULL AND revoked_at IS NULL AND expires_at > now()';

/**
 * One-time enrolment codes (see docs/decisions/0013-first-enrolment.md): an organisation administrator
 * issues one for a named user and hands it over out of band; the user types it at the sign-in that enrols
 * their first second factor, or a new one after a reset. Bound to the user, single use, expiring, stored
 * as hashes; a user has at most one pending code (issuing another replaces it).
 */
export class EnrolmentCodes {
  constructor(
    private readonly pool: pg.Pool,
    private readonly lifetimeHours: number,
  ) {}

  /** Issues a code for `userId`; an earlier pending code of the user is revoked. The code is returned once. */
  async issue(
    userId: string,
    issuedBy: string,
  ): Promise<{ code: string; pending: PendingEnrolmentCode; replaced: number }> {
    // 12 characters of 32: 60 bits, typed once, tried at most a few times per account before the limit.
    const code = randomCode(3, 4);
    return withTransaction(this.pool, async (client) => {
      const replaced = await client.query(
        `UPDATE enrolment_codes SET revoked_at = now(), revoked_by = $2 WHERE user_id = $1 AND ${IS_PENDING}`,
        [userId, issuedBy],
      );
      const { rows } = await client.query<PendingRow>(
        `INSERT INTO enrolment_codes (user_id, code_hash, issued_by, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(hours => $4))
         RETURNING id, user_id, issued_by, issued_at, expires_at`,
        [userId, hashCode(code), issuedBy, this.lifetimeHours],
      );
      return { code, pending: pendingFrom(rows[0]!), replaced: replaced.rowCount ?? 0 };
    });
  }

  /** Codes not yet used, revoked or expired, newest first. */
  async pending(): Promise<PendingEnrolmentCode[]> {
    const { rows } = await this.pool.query<PendingRow>(
      `SELECT id, user_id, issued_by, issued_at, expires_at FROM enrolment_codes WHERE ${IS_PENDING}
        ORDER BY issued_at DESC, id DESC LIMIT 1000`,
    );
    return rows.map(pendingFrom);
  }

  /** The user's pending code, if any (at most one). */
  async pendingFor(userId: string): Promise<PendingEnrolmentCode | undefined> {
    const { rows } = await this.pool.query<PendingRow>(
      `SELECT id, user_id, issued_by, issued_at, expires_at FROM enrolment_codes WHERE user_id = $1 AND ${IS_PENDING}
        ORDER BY id DESC LIMIT 1`,
      [userId],
    );
    return rows[0] ? pendingFrom(rows[0]) : undefined;
  }

  /** Revokes a pending code; undefined when there is no such pending code. */
  async revoke(id: string, revokedBy: string): Promise<PendingEnrolmentCode | undefined> {
    const { rows } = await this.pool.query<PendingRow>(
      `UPDATE enrolment_codes SET revoked_at = now(), revoked_by = $2 WHERE id = $1 AND ${IS_PENDING}
       RETURNING id, user_id, issued_by, issued_at, expires_at`,
      [id, revokedBy],
    );
    return rows[0] ? pendingFrom(rows[0]) : undefined;
  }

  /**
   * Uses the user's code, once: one statement finds and marks it, so two sign-ins presenting the same code
   * at the same moment cannot both have it. Undefined when the code is wrong, someone else's, used, revoked
   * or expired.
   */
  async redeem(userId: string, code: string): Promise<{ id: string } | undefined> {
    const { rows } = await this.pool.query<{ id: string }>(
      `UPDATE enrolment_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND ${IS_PENDING}
       RETURNING id`,
      [userId, hashCode(code)],
    );
    return rows[0];
  }
}

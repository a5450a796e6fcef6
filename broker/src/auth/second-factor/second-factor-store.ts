import type pg from 'pg';
import { generateSecret, verify as verifyTotp } from 'otplib';
import { withTransaction } from '@hcw/common';
import type { AccountFacts } from './factor-flow.js';
import { hashCode, randomCode } from './one-time-codes.js';
import { open, seal } from './secret-box.js';

export interface WebAuthnCredentialRow {
  credentialId: string;
  publicKey: Uint8Array<ArrayBuffer>;
  counter: number;
  transports: string[];
}

export interface FactorSummary {
  id: string;
  kind: 'totp' | 'webauthn';
  label: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

interface TotpRow {
  id: string;
  totp_secret_encrypted: string;
  totp_last_time_step: string | null;
}

const RECOVERY_CODE_COUNT = 10;

/** A passkey registration that names a credential already registered (to anyone): it is not taken over. */
export class PasskeyAlreadyRegisteredError extends Error {
  constructor() {
    super('this passkey is already registered');
  }
}

/** Enrolled second factors and recovery codes, in the broker's database. */
export class SecondFactorStore {
  /**
   * `secretsKey` seals every secret; `previousKeys` (a rotation in progress) only open what they sealed
   * before, and each such secret is sealed again with `secretsKey` the moment it is opened.
   */
  constructor(
    private readonly pool: pg.Pool,
    private readonly secretsKey: Buffer,
    private readonly previousKeys: readonly Buffer[] = [],
  ) {}

  /**
   * The TOTP secret of one factor row, sealed again with the current key (`resealed`) if an earlier key
   * sealed it. Throws when no configured key opens it.
   */
  private async openTotpSecret(
    factorId: string,
    sealed: string,
  ): Promise<{ secret: string; resealed: boolean }> {
    for (const key of [this.secretsKey, ...this.previousKeys]) {
      let secret: string;
      try {
        secret = open(key, sealed);
      } catch {
        continue;
      }
      if (key === this.secretsKey) return { secret, resealed: false };
      await this.pool.query(
        'UPDATE second_factors SET totp_secret_encrypted = $2 WHERE id = $1 AND totp_secret_encrypted = $3',
        [factorId, seal(this.secretsKey, secret), sealed],
      );
      return { secret, resealed: true };
    }
    throw new Error('no configured key opens this second-factor secret');
  }

  /**
   * Seals every stored TOTP secret with the current key, so that the previous keys can be dropped. Counts
   * the secrets sealed again and those already current, and names the users whose secret no configured key
   * opens (their authenticator app must be reset).
   */
  async resealSecrets(): Promise<{ resealed: number; current: number; unreadableUsers: string[] }> {
    const { rows } = await this.pool.query<{ id: string; user_id: string; totp_secret_encrypted: string }>(
      'SELECT id, user_id, totp_secret_encrypted FROM second_factors WHERE totp_secret_encrypted IS NOT NULL ORDER BY id',
    );
    const result = { resealed: 0, current: 0, unreadableUsers: [] as string[] };
    for (const row of rows) {
      try {
        const { resealed } = await this.openTotpSecret(row.id, row.totp_secret_encrypted);
        if (resealed) result.resealed++;
        else result.current++;
      } catch {
        result.unreadableUsers.push(row.user_id);
      }
    }
    return result;
  }

  async confirmedFactors(userId: string): Promise<FactorSummary[]> {
    const { rows } = await this.pool.query<{
      id: string;
      kind: 'totp' | 'webauthn';
      label: string;
      created_at: Date;
      last_used_at: Date | null;
    }>(
      'SELECT id, kind, label, created_at, last_used_at FROM second_factors WHERE user_id = $1 AND confirmed ORDER BY id',
      [userId],
    );
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      label: r.label,
      createdAt: r.created_at,
      lastUsedAt: r.last_used_at,
    }));
  }

  /** Starts a TOTP enrolment; the secret counts only once the user proves it with a code. */
  async beginTotp(userId: string): Promise<{ factorId: string; secret: string }> {
    const secret = generateSecret();
    await this.pool.query(
      "DELETE FROM second_factors WHERE user_id = $1 AND kind = 'totp' AND NOT confirmed",
      [userId],
    );
    const { rows } = await this.pool.query<{ id: string }>(
      "INSERT INTO second_factors (user_id, kind, label, totp_secret_encrypted) VALUES ($1, 'totp', '認証アプリ', $2) RETURNING id",
      [userId, seal(this.secretsKey, secret)],
    );
    return { factorId: rows[0]!.id, secret };
  }

  /**
   * Checks a TOTP code against the user's enrolled (or, when `pending`, just started) authenticator app.
   * A code is accepted once: the time step it belongs to is remembered, so a code seen over a shoulder
   * cannot be used a second time. A pending app that answers is confirmed.
   */
  async checkTotp(userId: string, code: string, { pending = false } = {}): Promise<boolean> {
    const { rows } = await this.pool.query<TotpRow>(
      `SELECT id, totp_secret_encrypted, totp_last_time_step FROM second_factors
        WHERE user_id = $1 AND kind = 'totp' AND confirmed = $2 ORDER BY id DESC`,
      [userId, !pending],
    );
    for (const row of rows) {
      if (await this.acceptTotpCode(row, code, { confirm: pending })) return true;
    }
    return false;
  }

  /**
   * Checks a code against one authenticator app being enrolled (the one this session began), without
   * confirming it: `enrol` does that, together with everything else enrolment changes.
   */
  async checkPendingTotp(userId: string, factorId: string, code: string): Promise<boolean> {
    const { rows } = await this.pool.query<TotpRow>(
      `SELECT id, totp_secret_encrypted, totp_last_time_step FROM second_factors
        WHERE id = $1 AND user_id = $2 AND kind = 'totp' AND NOT confirmed`,
      [factorId, userId],
    );
    const row = rows[0];
    return row ? this.acceptTotpCode(row, code, { confirm: false }) : false;
  }

  private async acceptTotpCode(
    row: TotpRow,
    code: string,
    { confirm }: { confirm: boolean },
  ): Promise<boolean> {
    if (!/^\d{6}$/.test(code)) return false;
    const { secret } = await this.openTotpSecret(row.id, row.totp_secret_encrypted);
    const result = await verifyTotp({
      secret,
      token: code,
      epochTolerance: 30,
      ...(row.totp_last_time_step ? { afterTimeStep: Number(row.totp_last_time_step) } : {}),
    });
    if (!result.valid) return false;
    const step =
      'timeStep' in result && typeof result.timeStep === 'number'
        ? result.timeStep
        : Math.floor(Date.now() / 30000);
    const updated = await this.pool.query(
      `UPDATE second_factors SET totp_last_time_step = $2, last_used_at = now(), confirmed = confirmed OR $3
        WHERE id = $1 AND (totp_last_time_step IS NULL OR totp_last_time_step < $2)`,
      [row.id, step, confirm],
    );
    return updated.rowCount === 1;
  }

  /** Whether the user has a confirmed factor, and whether an administrator reset their factors since. */
  async accountFacts(userId: string): Promise<AccountFacts> {
    const { rows } = await this.pool.query<{ has_factor: boolean; is_reset: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM second_factors WHERE user_id = $1 AND confirmed) AS has_factor,
              EXISTS (SELECT 1 FROM second_factor_resets WHERE user_id = $1) AS is_reset`,
      [userId],
    );
    return { hasFactor: rows[0]!.has_factor, isReset: rows[0]!.is_reset };
  }

  /**
   * Completes an enrolment in one transaction: the new factor counts from now on (an authenticator app
   * this session began, or a passkey just registered), the factors it replaces (after a recovery code) are
   * gone, an administrator's reset is over, and new recovery codes replace any earlier ones. Returns the
   * recovery codes, to be shown once.
   */
  async enrol(
    userId: string,
    factor: { kind: 'totp'; factorId: string } | { kind: 'webauthn'; credential: WebAuthnCredentialRow },
    { replaceOthers }: { replaceOthers: boolean },
  ): Promise<string[]> {
    const codes = newRecoveryCodes();
    await withTransaction(this.pool, async (client) => {
      let factorId: string;
      if (factor.kind === 'totp') {
        const confirmed = await client.query<{ id: string }>(
          "UPDATE second_factors SET confirmed = true WHERE id = $1 AND user_id = $2 AND kind = 'totp' RETURNING id",
          [factor.factorId, userId],
        );
        if (confirmed.rowCount !== 1) throw new Error('the authenticator app being enrolled is gone');
        factorId = confirmed.rows[0]!.id;
      } else {
        const { credential } = factor;
        const inserted = await client
          .query<{ id: string }>(
            `INSERT INTO second_factors (user_id, kind, label, webauthn_credential_id, webauthn_public_key,
             webauthn_counter, webauthn_transports, confirmed) VALUES ($1, 'webauthn', 'パスキー', $2, $3, $4, $5, true)
           RETURNING id`,
            [
              userId,
              credential.credentialId,
              Buffer.from(credential.publicKey),
              credential.counter,
              credential.transports,
            ],
          )
          .catch((error: { code?: string }) => {
            // The credential ID is unique: registered already, to this user or anyone else.
            throw error.code === '23505' ? new PasskeyAlreadyRegisteredError() : error;
          });
        factorId = inserted.rows[0]!.id;
      }
      if (replaceOthers) {
        await client.query('DELETE FROM second_factors WHERE user_id = $1 AND id <> $2', [userId, factorId]);
      }
      await client.query('DELETE FROM second_factor_resets WHERE user_id = $1', [userId]);
      await client.query('DELETE FROM recovery_codes WHERE user_id = $1', [userId]);
      for (const code of codes) {
        await client.query('INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)', [
          userId,
          hashCode(code),
        ]);
      }
    });
    return codes;
  }

  async webAuthnCredentials(userId: string): Promise<WebAuthnCredentialRow[]> {
    const { rows } = await this.pool.query<{
      webauthn_credential_id: string;
      webauthn_public_key: Buffer;
      webauthn_counter: string;
      webauthn_transports: string[] | null;
    }>(
      "SELECT webauthn_credential_id, webauthn_public_key, webauthn_counter, webauthn_transports FROM second_factors WHERE user_id = $1 AND kind = 'webauthn' AND confirmed",
      [userId],
    );
    return rows.map((r) => ({
      credentialId: r.webauthn_credential_id,
      publicKey: new Uint8Array(r.webauthn_public_key),
      counter: Number(r.webauthn_counter),
      transports: r.webauthn_transports ?? [],
    }));
  }

  async recordWebAuthnUse(credentialId: string, newCounter: number): Promise<void> {
    await this.pool.query(
      'UPDATE second_factors SET webauthn_counter = $2, last_used_at = now() WHERE webauthn_credential_id = $1',
      [credentialId, newCounter],
    );
  }

  /** Uses a recovery code once. A recovery code is something the user knows, like the password, so it never
   *  counts as the second factor: it only lets the user enrol a new one. */
  async useRecoveryCode(userId: string, code: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'UPDATE recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL',
      [userId, hashCode(code)],
    );
    return rowCount === 1;
  }

  /**
   * An administrator's reset: every factor and recovery code of the user goes, and the user needs an
   * enrolment code (or multi-factor at the IdP) to enrol again. Returns how many factors were removed.
   */
  async resetByAdministrator(userId: string, administratorId: string): Promise<number> {
    return withTransaction(this.pool, async (client) => {
      const { rowCount } = await client.query('DELETE FROM second_factors WHERE user_id = $1', [userId]);
      await client.query('DELETE FROM recovery_codes WHERE user_id = $1', [userId]);
      await client.query(
        `INSERT INTO second_factor_resets (user_id, reset_by) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET reset_at = now(), reset_by = EXCLUDED.reset_by`,
        [userId, administratorId],
      );
      return rowCount ?? 0;
    });
  }
}

/** Recovery codes: ten, shown once, stored only as hashes. */
function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => randomCode(2, 5));
}

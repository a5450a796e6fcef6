import { createHash, randomInt } from 'node:crypto';
import type pg from 'pg';
import { generateSecret, verify as verifyTotp } from 'otplib';
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

const RECOVERY_CODE_COUNT = 10;
const RECOVERY_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

function hashCode(code: string): string {
  return createHash('sha256').update(code.replace(/[\s-]/g, '').toUpperCase()).digest('hex');
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
   * cannot be used a second time.
   */
  async checkTotp(userId: string, code: string, { pending = false } = {}): Promise<boolean> {
    if (!/^\d{6}$/.test(code)) return false;
    const { rows } = await this.pool.query<{
      id: string;
      totp_secret_encrypted: string;
      totp_last_time_step: string | null;
    }>(
      `SELECT id, totp_secret_encrypted, totp_last_time_step FROM second_factors
        WHERE user_id = $1 AND kind = 'totp' AND confirmed = $2 ORDER BY id DESC`,
      [userId, !pending],
    );
    for (const row of rows) {
      const { secret } = await this.openTotpSecret(row.id, row.totp_secret_encrypted);
      const result = await verifyTotp({
        secret,
        token: code,
        epochTolerance: 30,
        ...(row.totp_last_time_step ? { afterTimeStep: Number(row.totp_last_time_step) } : {}),
      });
      if (result.valid) {
        const step =
          'timeStep' in result && typeof result.timeStep === 'number'
            ? result.timeStep
            : Math.floor(Date.now() / 30000);
        const updated = await this.pool.query(
          `UPDATE second_factors SET totp_last_time_step = $2, last_used_at = now(), confirmed = true
            WHERE id = $1 AND (totp_last_time_step IS NULL OR totp_last_time_step < $2)`,
          [row.id, step],
        );
        return updated.rowCount === 1;
      }
    }
    return false;
  }

  async addWebAuthn(userId: string, credential: WebAuthnCredentialRow): Promise<void> {
    await this.pool.query(
      `INSERT INTO second_factors (user_id, kind, label, webauthn_credential_id, webauthn_public_key, webauthn_counter,
         webauthn_transports, confirmed) VALUES ($1, 'webauthn', 'パスキー', $2, $3, $4, $5, true)`,
      [
        userId,
        credential.credentialId,
        Buffer.from(credential.publicKey),
        credential.counter,
        credential.transports,
      ],
    );
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

  /** New recovery codes replace any earlier ones; they are shown once and stored only as hashes. */
  async issueRecoveryCodes(userId: string): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => {
      const raw = Array.from(
        { length: 10 },
        () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)],
      ).join('');
      return `${raw.slice(0, 5)}-${raw.slice(5)}`;
    });
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('DELETE FROM recovery_codes WHERE user_id = $1', [userId]);
      for (const code of codes) {
        await client.query('INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)', [
          userId,
          hashCode(code),
        ]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
    return codes;
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

  async removeAll(userId: string): Promise<number> {
    const { rowCount } = await this.pool.query('DELETE FROM second_factors WHERE user_id = $1', [userId]);
    await this.pool.query('DELETE FROM recovery_codes WHERE user_id = $1', [userId]);
    return rowCount ?? 0;
  }
}

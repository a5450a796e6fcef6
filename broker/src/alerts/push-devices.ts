import type pg from 'pg';
import { z } from 'zod';
import { QuietHours } from './quiet-hours.js';

const base64url = (bytes: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, 'base64url')
    .refine((value) => Buffer.from(value, 'base64url').length === bytes, `${bytes} bytes`);

/**
 * A device's push subscription, as the browser's `PushSubscription.toJSON()` gives it, with the language its
 * alerts are written in. The endpoint must belong to one of the push services the broker is configured to
 * reach (checked where it is stored): the broker posts to it, so any other address would let a user make the
 * broker call hosts inside the data centre.
 */
export const PushSubscriptionInput = z
  .object({
    endpoint: z.string().url().max(2000),
    expirationTime: z.number().nullable().optional(),
    keys: z.object({ p256dh: base64url(65), auth: base64url(16) }).strict(),
    language: z.enum(['ja', 'en']).default('ja'),
  })
  .strict();
export type PushSubscriptionInput = z.infer<typeof PushSubscriptionInput>;

export interface PushDevice {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  language: 'ja' | 'en';
}

/** The devices each user asked alerts on, and their quiet hours, in the broker's database. */
export class PushDevices {
  constructor(private readonly pool: pg.Pool) {}

  /** The same endpoint again (the browser renewed it, or another user took the device) is replaced. */
  async add(userId: string, device: PushSubscriptionInput): Promise<void> {
    await this.pool.query(
      `INSERT INTO push_subscriptions (endpoint, user_id, p256dh, auth, language) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (endpoint) DO UPDATE
         SET user_id = $2, p256dh = $3, auth = $4, language = $5, created_at = now()`,
      [device.endpoint, userId, device.keys.p256dh, device.keys.auth, device.language],
    );
  }

  /** Only the user's own device; answers whether there was one. */
  async remove(userId: string, endpoint: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'DELETE FROM push_subscriptions WHERE user_id = $1 AND endpoint = $2',
      [userId, endpoint],
    );
    return (rowCount ?? 0) > 0;
  }

  /** The push service said the subscription is gone. */
  async forget(endpoint: string): Promise<void> {
    await this.pool.query('DELETE FROM push_subscriptions WHERE endpoint = $1', [endpoint]);
  }

  async ofUser(userId: string): Promise<PushDevice[]> {
    const { rows } = await this.pool.query<{
      endpoint: string;
      p256dh: string;
      auth: string;
      language: string;
    }>(
      'SELECT endpoint, p256dh, auth, language FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at',
      [userId],
    );
    return rows.map((row) => ({
      endpoint: row.endpoint,
      keys: { p256dh: row.p256dh, auth: row.auth },
      language: row.language === 'en' ? 'en' : 'ja',
    }));
  }

  async quietHours(userId: string): Promise<QuietHours | undefined> {
    const { rows } = await this.pool.query<{ quiet_from: string; quiet_until: string }>(
      'SELECT quiet_from, quiet_until FROM alert_quiet_hours WHERE user_id = $1',
      [userId],
    );
    const row = rows[0];
    return row ? { from: row.quiet_from, until: row.quiet_until } : undefined;
  }

  async setQuietHours(userId: string, hours: QuietHours | undefined): Promise<void> {
    if (!hours) {
      await this.pool.query('DELETE FROM alert_quiet_hours WHERE user_id = $1', [userId]);
      return;
    }
    await this.pool.query(
      `INSERT INTO alert_quiet_hours (user_id, quiet_from, quiet_until) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET quiet_from = $2, quiet_until = $3`,
      [userId, hours.from, hours.until],
    );
  }
}

/**
 * Whether an endpoint is on one of the configured push services: the host name exactly, or `*.domain` for any
 * host under it. Only https.
 */
export function isAllowedPushService(endpoint: string, allowedHosts: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || url.username || url.password) return false;
  return allowedHosts.some((allowed) =>
    allowed.startsWith('*.') ? url.hostname.endsWith(allowed.slice(1)) : url.hostname === allowed,
  );
}

import { NEW_ITEMS_ALERTS_PATH, signRequest, type NewItemsAlerts } from '@hcw/common';
import type pg from 'pg';
import type { RedisClientType } from 'redis';
import type { Deliveries } from './timeline-announcement.js';

export interface DeviceAlertsDeps {
  pool: pg.Pool;
  redis: RedisClientType;
  /** The broker's address inside the data centre; it alerts the practitioners' devices. */
  brokerUrl: string;
  /** Shared with the broker: requests are signed with it. */
  secret: string;
  log(line: string): void;
  /** Deliveries arriving within this time go in one request. */
  gatherMs?: number;
}

/**
 * Tells the broker, for each practitioner who just received timeline items, how many unread items they
 * have; the broker alerts the devices they opted in with that count and nothing else. Every portal
 * instance hears every delivery, so the first to claim a delivery in Redis tells the broker; the others
 * stay silent.
 */
export class DeviceAlerts {
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: DeviceAlertsDeps) {}

  onDeliveries(deliveries: Deliveries): void {
    for (const [practitionerId, eventIds] of deliveries) {
      const newest = Math.max(...eventIds, this.pending.get(practitionerId) ?? 0);
      this.pending.set(practitionerId, newest);
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush().catch((error: Error) => this.deps.log(`device alerts: ${error.message}`));
    }, this.deps.gatherMs ?? 2000);
  }

  async flush(): Promise<void> {
    const pending = this.pending;
    this.pending = new Map();
    const claimed: string[] = [];
    for (const [practitionerId, newestEventId] of pending) {
      const claim = `portal:device-alert:${practitionerId}:${newestEventId}`;
      if ((await this.deps.redis.set(claim, '1', { NX: true, EX: 600 })) === 'OK')
        claimed.push(practitionerId);
    }
    if (claimed.length === 0) return;
    const { rows } = await this.deps.pool.query<{ practitioner_id: string; unread: string }>(
      `SELECT practitioner_id, count(*) AS unread FROM timeline_inbox
       WHERE practitioner_id = ANY($1) AND read_at IS NULL GROUP BY practitioner_id`,
      [claimed],
    );
    const alerts = rows.map((row) => ({ userId: row.practitioner_id, newItems: Number(row.unread) }));
    for (let start = 0; start < alerts.length; start += 1000) {
      await this.send({ alerts: alerts.slice(start, start + 1000) });
    }
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private async send(body: NewItemsAlerts): Promise<void> {
    const text = JSON.stringify(body);
    const response = await fetch(`${this.deps.brokerUrl}${NEW_ITEMS_ALERTS_PATH}`, {
      method: 'POST',
      body: text,
      headers: {
        'content-type': 'application/json',
        ...signRequest(this.deps.secret, 'POST', NEW_ITEMS_ALERTS_PATH, text),
      },
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status !== 202) throw new Error(`the broker answered ${response.status}`);
  }
}

import type { Agent } from 'node:https';
import type { RedisClientType } from 'redis';
import webpush from 'web-push';
import { AlertPayload, alertPayload } from './alert-payload.js';
import type { PushDevice, PushDevices } from './push-devices.js';
import { isQuiet } from './quiet-hours.js';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  /** `mailto:` or `https:` address the push services can reach the operator at. */
  subject: string;
}

export interface AlertDispatcherDeps {
  devices: PushDevices;
  redis: RedisClientType;
  vapid: VapidKeys;
  /** At most one alert per user in this many seconds; what comes meanwhile is told in the next one. */
  minIntervalSeconds: number;
  log(message: string): void;
  /** For a push service whose certificate comes from a private CA (the tests' stand-in). */
  agent?: Agent;
  now?: () => Date;
}

export type AlertOutcome = 'sent' | 'held' | 'no-device';

const recentKey = (userId: string) => `alerts:recent:${userId}`;
const heldKey = (userId: string) => `alerts:held:${userId}`;
const HELD_USERS = 'alerts:held-users';
const HELD_TTL_SECONDS = 24 * 60 * 60;

/**
 * Tells a practitioner's devices that new items wait in the workspace, with a count and nothing else. At
 * most one alert per user in `minIntervalSeconds`, none in their quiet hours: the latest count is held in
 * Redis meanwhile and sent by `flushHeld`, which every broker runs on a timer (taking a held count is
 * atomic, so one broker sends it).
 */
export class AlertDispatcher {
  constructor(private readonly deps: AlertDispatcherDeps) {}

  get publicKey(): string {
    return this.deps.vapid.publicKey;
  }

  async notify(userId: string, newItems: number): Promise<AlertOutcome> {
    const devices = await this.deps.devices.ofUser(userId);
    if (devices.length === 0) return 'no-device';
    const quiet = isQuiet(await this.deps.devices.quietHours(userId), this.now());
    const isFirstInInterval =
      !quiet &&
      (await this.deps.redis.set(recentKey(userId), '1', { NX: true, EX: this.deps.minIntervalSeconds })) ===
        'OK';
    if (!isFirstInInterval) {
      await this.deps.redis.set(heldKey(userId), String(newItems), { EX: HELD_TTL_SECONDS });
      await this.deps.redis.sAdd(HELD_USERS, userId);
      return 'held';
    }
    await this.send(devices, newItems);
    return 'sent';
  }

  /** Sends the held counts of users out of their quiet hours and interval; answers how many users. */
  async flushHeld(): Promise<number> {
    let sent = 0;
    for (const userId of await this.deps.redis.sMembers(HELD_USERS)) {
      if (isQuiet(await this.deps.devices.quietHours(userId), this.now())) continue;
      if ((await this.deps.redis.exists(recentKey(userId))) > 0) continue;
      const held = await this.deps.redis.getDel(heldKey(userId));
      await this.deps.redis.sRem(HELD_USERS, userId);
      if (held === null) continue;
      await this.deps.redis.set(recentKey(userId), '1', { EX: this.deps.minIntervalSeconds });
      await this.send(await this.deps.devices.ofUser(userId), Number(held));
      sent += 1;
    }
    return sent;
  }

  private async send(devices: PushDevice[], newItems: number): Promise<void> {
    for (const device of devices) {
      // Checked again at the last moment: nothing but the count's fixed text ever leaves.
      const payload = JSON.stringify(AlertPayload.parse(alertPayload(newItems, device.language)));
      try {
        await webpush.sendNotification({ endpoint: device.endpoint, keys: device.keys }, payload, {
          vapidDetails: this.deps.vapid,
          TTL: 60 * 60,
          urgency: 'normal',
          topic: 'new-items',
          timeout: 10_000,
          ...(this.deps.agent ? { agent: this.deps.agent } : {}),
        });
      } catch (error) {
        const status = error instanceof webpush.WebPushError ? error.statusCode : undefined;
        // The device unsubscribed or the browser dropped it: the push service will never take it again.
        if (status === 404 || status === 410) await this.deps.devices.forget(device.endpoint);
        this.deps.log(
          `alert to a device on ${new URL(device.endpoint).host} failed: ${status ?? (error as Error).message}`,
        );
      }
    }
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }
}

/** The dispatcher the configuration asks for; none when no VAPID keys are configured. */
export function alertDispatcherFor(
  config: { alerts: { vapid: VapidKeys | undefined; minIntervalSeconds: number } },
  devices: PushDevices,
  redis: RedisClientType,
  log: (message: string) => void,
): AlertDispatcher | undefined {
  const { vapid, minIntervalSeconds } = config.alerts;
  return vapid ? new AlertDispatcher({ devices, redis, vapid, minIntervalSeconds, log }) : undefined;
}

import { HttpError, NEW_ITEMS_ALERTS_PATH, NewItemsAlerts, verifiedJson, type AuditTrail } from '@hcw/common';
import express, { Router, type Request, type RequestHandler } from 'express';
import type { z } from 'zod';
import { auditActor } from '../audit/audit-actor.js';
import type { SignedInUser } from '../auth/signed-in-user.js';
import { requireClientHeader } from '../http/guards.js';
import type { AlertDispatcher } from './alert-dispatcher.js';
import { isAllowedPushService, PushSubscriptionInput, type PushDevices } from './push-devices.js';
import { QuietHours } from './quiet-hours.js';

export interface AlertRoutesDeps {
  audit: AuditTrail;
  devices: PushDevices;
  /** Unset when no VAPID keys are configured: the device is told alerts are not offered. */
  dispatcher: AlertDispatcher | undefined;
  /** Hosts of the push services the broker may post to (`*.domain` for any host under it). */
  pushServiceHosts: readonly string[];
  /** The secret the portal signs its requests with. */
  portalSecret: string;
  requireUser: RequestHandler;
  log(message: string): void;
}

function parsed<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const detail = issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid';
  throw new HttpError(
    400,
    `通知の設定を受け付けられません（${detail}）。`,
    `The alert setting is not accepted (${detail}).`,
  );
}

const NOT_OFFERED = new HttpError(
  409,
  'このワークスペースでは端末への通知を使えません。',
  'Alerts to your device are not offered by this workspace.',
);

/**
 * Alerts on the practitioner's own device (Web Push), opt-in: the client page subscribes the device and
 * sets quiet hours; the portal tells the broker how many new items a practitioner has. What reaches the
 * device is a count (alert-payload.ts).
 */
export function alertRoutes(deps: AlertRoutesDeps): Router {
  const router = Router();
  const signedInClient = [deps.requireUser, requireClientHeader];

  router.get('/api/alerts', ...signedInClient, async (req, res) => {
    const user = req.session.user as SignedInUser;
    res.json({
      offered: deps.dispatcher !== undefined,
      publicKey: deps.dispatcher?.publicKey ?? null,
      devices: (await deps.devices.ofUser(user.id)).length,
      quietHours: (await deps.devices.quietHours(user.id)) ?? null,
    });
  });

  router.post('/api/alerts/devices', ...signedInClient, express.json({ limit: '4kb' }), async (req, res) => {
    if (!deps.dispatcher) throw NOT_OFFERED;
    const user = req.session.user as SignedInUser;
    const device = parsed(PushSubscriptionInput, req.body);
    if (!isAllowedPushService(device.endpoint, deps.pushServiceHosts)) {
      throw new HttpError(
        400,
        'このブラウザーの通知サービスには対応していません。',
        'This browser’s push service is not one the workspace sends to.',
      );
    }
    await deps.devices.add(user.id, device);
    await deps.audit.record({
      type: 'alerts-device',
      outcome: 'success',
      ...auditActor(user, req),
      details: { action: 'add', pushService: new URL(device.endpoint).host },
    });
    res.status(201).json({ devices: (await deps.devices.ofUser(user.id)).length });
  });

  router.post(
    '/api/alerts/devices/remove',
    ...signedInClient,
    express.json({ limit: '4kb' }),
    async (req, res) => {
      const user = req.session.user as SignedInUser;
      const { endpoint } = parsed(PushSubscriptionInput.pick({ endpoint: true }), req.body);
      const removed = await deps.devices.remove(user.id, endpoint);
      if (removed) {
        await deps.audit.record({
          type: 'alerts-device',
          outcome: 'success',
          ...auditActor(user, req),
          details: { action: 'remove', pushService: new URL(endpoint).host },
        });
      }
      res.json({ devices: (await deps.devices.ofUser(user.id)).length });
    },
  );

  const setQuietHours = async (req: Request, hours: QuietHours | undefined) => {
    const user = req.session.user as SignedInUser;
    await deps.devices.setQuietHours(user.id, hours);
    await deps.audit.record({
      type: 'alerts-quiet-hours',
      outcome: 'success',
      ...auditActor(user, req),
      details: hours ? { from: hours.from, until: hours.until } : { cleared: true },
    });
  };
  router.put(
    '/api/alerts/quiet-hours',
    ...signedInClient,
    express.json({ limit: '1kb' }),
    async (req, res) => {
      const hours = parsed(QuietHours, req.body);
      await setQuietHours(req, hours);
      res.json({ quietHours: hours });
    },
  );
  router.delete('/api/alerts/quiet-hours', ...signedInClient, async (req, res) => {
    await setQuietHours(req, undefined);
    res.json({ quietHours: null });
  });

  router.post(NEW_ITEMS_ALERTS_PATH, express.text({ type: '*/*', limit: '256kb' }), async (req, res) => {
    const body = typeof req.body === 'string' ? req.body : '';
    const json = verifiedJson(deps.portalSecret, 'POST', NEW_ITEMS_ALERTS_PATH, body, req.headers);
    const { alerts } = parsed(NewItemsAlerts, json);
    if (!deps.dispatcher) {
      res.status(202).json({ sent: 0, held: 0 });
      return;
    }
    let [sent, held] = [0, 0];
    for (const alert of alerts) {
      const outcome = await deps.dispatcher.notify(alert.userId, alert.newItems).catch((error: Error) => {
        deps.log(`alert not sent: ${error.message}`);
        return 'failed' as const;
      });
      if (outcome === 'sent') sent += 1;
      if (outcome === 'held') held += 1;
    }
    res.status(202).json({ sent, held });
  });

  return router;
}

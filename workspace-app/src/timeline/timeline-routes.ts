import express, { type Request, type Response, type Router } from 'express';
import type pg from 'pg';
import { z } from 'zod';
import { AuditTrail, BadRequestError, HttpError, type Language } from '@hcw/common';
import type { PortalConfig } from '../config.js';
import { createConnectors } from '../connectors/create-connectors.js';
import { createPushReceiver } from '../connectors/push-receiver.js';
import { messagePage } from '../ui/start-page.js';
import { languageOf } from '../ui/language.js';
import {
  confirmAccountLink,
  listAccountLinks,
  removeAccountLink,
  requestAccountLink,
} from './account-links.js';
import { renderAccountsPage, renderReviewPage } from './account-links-page.js';
import { auditTimelineRead } from './audit-timeline-read.js';
import { allowedDeepLink, deepLinkAllowList } from './deep-link-allow-list.js';
import { markAllRead, markRead } from './mark-read.js';
import { listPatientGroups, mapPatientGroup } from './patient-groups.js';
import { countUnread, readTimeline, readTimelineItems, type TimelineItem } from './read-timeline.js';
import { recordRejectedPayload } from './rejected-payloads.js';
import { PORTAL_SOURCE } from './store-events.js';
import { storePushedEvents } from './store-pushed-events.js';
import { timelineFilters, type TimelineFilters } from './timeline-filters.js';
import { tl } from './timeline-messages.js';
import {
  renderTimelineItem,
  renderTimelinePage,
  renderUnreadSummary,
  type RenderContext,
} from './timeline-page.js';
import { itAdministrator, timelineUser } from './timeline-session.js';
import { listVendorHealth } from './vendor-health.js';

export interface TimelineRoutesDeps {
  config: PortalConfig;
  pool: pg.Pool;
  auditTrail?: AuditTrail;
  /** Whether the shared record has this patient; the patient record owns patients, the timeline only asks. */
  isPatient(patientId: string): Promise<boolean>;
}

const vendorId = z.string().regex(/^[a-z][a-z0-9-]{1,31}$/);
const label = z
  .string()
  .trim()
  .min(1)
  .max(200)
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), 'control characters');
const accountForm = z.object({ vendor: vendorId, account: label });
const confirmForm = accountForm.extend({ practitioner: label });
const groupForm = z.object({ vendor: vendorId, group: label, patient: label, label });
const eventId = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const liveQuery = z.object({
  ids: z
    .string()
    .regex(/^\d{1,18}(,\d{1,18}){0,199}$/)
    .transform((value) => value.split(',').map(Number))
    .optional(),
  latest: z.literal('1').optional(),
});

// A refused delivery is kept for the record, but a flood of forged ones must not fill the table.
const REJECTIONS_KEPT_PER_MINUTE = 60;

/**
 * The timeline's pages and endpoints: the practitioner's timeline and its live-update API, opening an
 * item, vendor account links, the administrator's confirmations and group mappings, and the webhooks
 * push vendors deliver to.
 */
export function timelineRoutes({
  config,
  pool,
  isPatient,
  auditTrail = new AuditTrail(pool),
}: TimelineRoutesDeps): Router {
  const router = express.Router();
  const registry = createConnectors(config.connectors);
  const allowList = deepLinkAllowList(config.connectors);
  const form = express.urlencoded({ extended: false, limit: '8kb' });

  const sourceName = (lang: Language) => (source: string) =>
    source === PORTAL_SOURCE ? tl(lang, 'sourcePortal') : (registry.get(source)?.displayName[lang] ?? source);
  const sources = (lang: Language) => [
    ...registry.list().map((connector) => ({ id: connector.id, name: connector.displayName[lang] })),
    { id: PORTAL_SOURCE, name: tl(lang, 'sourcePortal') },
  ];
  const context = (lang: Language): RenderContext => ({ lang, sourceName: sourceName(lang), allowList });
  const reader = (req: Request) => ({ practitioner: timelineUser(req), clientAddress: req.ip });

  // Webhooks first: they read the raw body themselves, because signatures cover the exact bytes.
  const rejections = new Map<string, { minute: number; count: number }>();
  const receivers = new Map(
    registry.list().flatMap((connector) => {
      if (connector.mode !== 'push') return [];
      const receiver = createPushReceiver(
        connector,
        async (events) => {
          await storePushedEvents(pool, connector.id, events);
        },
        {
          async onRefused(error, body) {
            const minute = Math.floor(Date.now() / 60_000);
            const seen = rejections.get(connector.id);
            const count = seen?.minute === minute ? seen.count + 1 : 1;
            rejections.set(connector.id, { minute, count });
            if (count <= REJECTIONS_KEPT_PER_MINUTE) await recordRejectedPayload(pool, error, body);
          },
        },
      );
      return [[connector.id, receiver] as const];
    }),
  );
  router.post('/webhooks/:vendor', (req, res) => {
    const receiver = receivers.get(req.params.vendor);
    if (!receiver) {
      res.status(404).json({ error: 'unknown-vendor' });
      return;
    }
    receiver(req, res);
  });

  router.get('/timeline', async (req, res) => {
    const lang = languageOf(req);
    try {
      const user = reader(req);
      const filters = parseFilters(req.query);
      const practitionerId = user.practitioner.id;
      const [page, health, active] = await Promise.all([
        readTimeline(pool, practitionerId, filters),
        listVendorHealth(pool),
        pool.query<{ exists: boolean }>(
          `SELECT EXISTS (SELECT 1 FROM timeline_account_links WHERE practitioner_id = $1 AND status = 'confirmed')`,
          [practitionerId],
        ),
      ]);
      await auditTimelineRead(auditTrail, user, page.items, 'page');
      res.type('html').send(
        renderTimelinePage(
          {
            filters,
            page,
            patients: patientsShown(page.items),
            sources: sources(lang),
            health,
            hasActiveAccount: active.rows[0]?.exists === true,
          },
          context(lang),
        ),
      );
    } catch (error) {
      sendPageError(res, lang, error);
    }
  });

  // What the kiosk's script fetches when the socket announces new events, or after a reconnect.
  router.get('/timeline/api/items', async (req, res) => {
    const lang = languageOf(req);
    const user = reader(req);
    const filters = parseFilters(req.query);
    const query = liveQuery.safeParse({ ids: req.query.ids, latest: req.query.latest });
    if (!query.success || (query.data.ids === undefined && query.data.latest === undefined)) {
      throw new BadRequestError('要求が正しくありません。', 'ids or latest is required.');
    }
    const practitionerId = user.practitioner.id;
    const items = query.data.ids
      ? await readTimelineItems(pool, practitionerId, query.data.ids, filters)
      : (await readTimeline(pool, practitionerId, { ...filters, before: undefined })).items;
    const unread = await countUnread(pool, practitionerId);
    await auditTimelineRead(auditTrail, user, items, 'live');
    res.json({
      items: items.map((item) => ({
        id: item.id,
        occurredAt: item.occurredAt.toISOString(),
        html: renderTimelineItem(item, context(lang)).toString(),
      })),
      unreadHtml: renderUnreadSummary(unread, context(lang)).toString(),
    });
  });

  router.post('/timeline/api/items/:id/read', async (req, res) => {
    const lang = languageOf(req);
    const practitioner = timelineUser(req);
    const id = eventId.safeParse(req.params.id);
    if (!id.success || !(await markRead(pool, practitioner.id, id.data))) {
      throw new HttpError(404, '見つかりません。', 'Not found.');
    }
    res.json({
      unreadHtml: renderUnreadSummary(await countUnread(pool, practitioner.id), context(lang)).toString(),
    });
  });

  router.post('/timeline/read-all', async (req, res) => {
    const practitioner = timelineUser(req);
    await markAllRead(pool, practitioner.id);
    res.redirect(303, '/timeline');
  });

  // Opening an item reads it: the portal's own page, or the vendor's web app for a message without body.
  router.get('/timeline/open/:id', async (req, res) => {
    const lang = languageOf(req);
    try {
      const user = reader(req);
      const id = eventId.safeParse(req.params.id);
      const [item] = id.success
        ? await readTimelineItems(pool, user.practitioner.id, [id.data], { unread: false })
        : [];
      if (!item) throw new HttpError(404, '見つかりません。', 'Not found.');
      const target =
        item.portalLink !== null
          ? /^\/(?![/\\])/.test(item.portalLink)
            ? item.portalLink
            : undefined
          : allowedDeepLink(allowList, item.vendor, item.deepLink);
      if (target === undefined) {
        throw new HttpError(403, tl('ja', 'linkRefused'), tl('en', 'linkRefused'));
      }
      await auditTimelineRead(auditTrail, user, [item], 'open');
      await markRead(pool, user.practitioner.id, item.id);
      res.redirect(303, target);
    } catch (error) {
      sendPageError(res, lang, error);
    }
  });

  router.get('/timeline/accounts', async (req, res) => {
    const lang = languageOf(req);
    try {
      const practitioner = timelineUser(req);
      const links = await listAccountLinks(pool, { practitionerId: practitioner.id });
      res.type('html').send(
        renderAccountsPage(lang, {
          links,
          vendors: registry.list().map((c) => ({ id: c.id, name: c.displayName[lang] })),
          sourceName: sourceName(lang),
        }),
      );
    } catch (error) {
      sendPageError(res, lang, error);
    }
  });

  router.post('/timeline/accounts', form, async (req, res) => {
    const practitioner = timelineUser(req);
    const input = parseForm(accountForm, req);
    if (!registry.get(input.vendor)) throw invalidForm();
    await requestAccountLink(pool, {
      practitionerId: practitioner.id,
      vendor: input.vendor,
      vendorAccount: input.account,
    });
    res.redirect(303, '/timeline/accounts');
  });

  router.post('/timeline/accounts/remove', form, async (req, res) => {
    const practitioner = timelineUser(req);
    const input = parseForm(accountForm, req);
    await removeAccountLink(pool, {
      practitionerId: practitioner.id,
      vendor: input.vendor,
      vendorAccount: input.account,
    });
    res.redirect(303, '/timeline/accounts');
  });

  router.get('/timeline/accounts/review', async (req, res) => {
    const lang = languageOf(req);
    try {
      itAdministrator(req);
      const [pending, mappings] = await Promise.all([
        listAccountLinks(pool, { status: 'pending' }),
        listPatientGroups(pool),
      ]);
      res.type('html').send(
        renderReviewPage(lang, {
          pending,
          mappings,
          vendors: registry.list().map((c) => ({ id: c.id, name: c.displayName[lang] })),
          sourceName: sourceName(lang),
        }),
      );
    } catch (error) {
      sendPageError(res, lang, error);
    }
  });

  router.post('/timeline/accounts/confirm', form, async (req, res) => {
    const administrator = itAdministrator(req);
    const input = parseForm(confirmForm, req);
    const key = { practitionerId: input.practitioner, vendor: input.vendor, vendorAccount: input.account };
    if (!(await confirmAccountLink(pool, key, administrator.id))) {
      throw new HttpError(404, '見つかりません。', 'Not found.');
    }
    await auditTrail.record({
      type: 'timeline.account-link-confirmed',
      outcome: 'success',
      actorId: administrator.id,
      actorOrganisation: administrator.organisation,
      clientAddress: req.ip,
      details: { practitionerId: key.practitionerId, vendor: key.vendor, vendorAccount: key.vendorAccount },
    });
    res.redirect(303, '/timeline/accounts/review');
  });

  router.post('/timeline/patient-groups', form, async (req, res) => {
    const administrator = itAdministrator(req);
    const input = parseForm(groupForm, req);
    if (!(await isPatient(input.patient))) {
      // A mistyped id would send a vendor's messages (and vital signs) into another patient's record. The
      // refusal is recorded under the administrator, never filed under the id given.
      await auditTrail.record({
        type: 'timeline.patient-group-mapped',
        outcome: 'failure',
        actorId: administrator.id,
        actorOrganisation: administrator.organisation,
        clientAddress: req.ip,
        details: { vendor: input.vendor, patientGroupRef: input.group, refusal: 'no-such-patient' },
      });
      throw new HttpError(404, tl('ja', 'noSuchPatient'), tl('en', 'noSuchPatient'));
    }
    await mapPatientGroup(
      pool,
      {
        vendor: input.vendor,
        patientGroupRef: input.group,
        patientId: input.patient,
        patientLabel: input.label,
      },
      administrator.id,
    );
    await auditTrail.record({
      type: 'timeline.patient-group-mapped',
      outcome: 'success',
      actorId: administrator.id,
      actorOrganisation: administrator.organisation,
      clientAddress: req.ip,
      patientId: input.patient,
      details: { vendor: input.vendor, patientGroupRef: input.group },
    });
    res.redirect(303, '/timeline/accounts/review');
  });

  return router;
}

function parseFilters(query: Request['query']): TimelineFilters {
  const pick = (name: string) => (typeof query[name] === 'string' ? query[name] : undefined);
  const parsed = timelineFilters.safeParse({
    patient: pick('patient'),
    vendor: pick('vendor'),
    role: pick('role'),
    q: pick('q'),
    unread: pick('unread'),
    before: pick('before'),
  });
  if (!parsed.success) throw new BadRequestError(tl('ja', 'invalidFilter'), tl('en', 'invalidFilter'));
  return parsed.data;
}

function parseForm<Schema extends z.ZodTypeAny>(schema: Schema, req: Request): z.output<Schema> {
  const parsed = schema.safeParse(req.body);
  if (!parsed.success) throw invalidForm();
  return parsed.data;
}

function invalidForm(): BadRequestError {
  return new BadRequestError(tl('ja', 'invalidForm'), tl('en', 'invalidForm'));
}

/** Pages answer errors as pages; the JSON error handler serves the API. */
function sendPageError(res: Response, lang: Language, error: unknown): void {
  if (!(error instanceof HttpError)) throw error;
  res
    .status(error.status)
    .type('html')
    .send(messagePage(lang, lang === 'ja' ? error.messageJa : error.messageEn));
}

/**
 * The patient filter offers the patients of the items shown: a look-up over more of the timeline would
 * read hundreds of events per page view, mostly not in cache (see the benchmark).
 */
function patientsShown(items: readonly TimelineItem[]): Array<{ patientId: string; label: string }> {
  const byId = new Map<string, string>();
  for (const item of items) {
    if (item.patientId !== null && !byId.has(item.patientId)) {
      byId.set(item.patientId, item.patientLabel ?? item.patientId);
    }
  }
  return [...byId]
    .map(([patientId, label]) => ({ patientId, label }))
    .sort((a, b) => a.label.localeCompare(b.label, 'ja'));
}

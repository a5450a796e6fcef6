import { HttpError } from '@hcw/common';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Request, type RequestHandler, type Router } from 'express';
import type pg from 'pg';
import type { RedisClientType } from 'redis';
import type { RedisStore } from 'connect-redis';
import { z } from 'zod';
import type { AuditTrail } from '@hcw/common';
import { ROLES, type BrokerConfig, type Role } from '../config.js';
import { endSession } from '../auth/session.js';
import { userSessionKey } from '../auth/sign-in-flow.js';
import type { SignedInUser } from '../auth/signed-in-user.js';
import type { DesktopPool } from '../desktops/desktop-pool.js';
import { PolicyChange, UnknownPoolError, type LivePoolSettings } from '../desktops/pool-policies.js';
import { applyIdleTimeout, applySessionDeadline } from '../desktops/session-policy.js';
import { requireClientHeader } from '../http/guards.js';
import { bilingualNoticePage } from '../http/pages.js';
import { MIN_PRODUCTION_RETENTION_DAYS, recordingPolicyText } from '../recording/recording-policy.js';
import { sessionSeries, signInSeries, timeChart } from './activity-charts.js';
import { AuditQuery, auditCsv, lastChainStatus, searchAudit, verifyChainNow } from './audit-search.js';
import { consoleMessages, consoleLanguage } from './console-messages.js';
import { auditPage, consolePage } from './console-pages.js';
import { consoleSnapshot } from './console-snapshot.js';
import type { ConsoleEvent } from './live-console.js';
import type { SessionFacts } from './session-facts.js';
import { auditActor } from '../audit/audit-actor.js';

// The browser build socket.io ships beside its server (its package exports do not name it).
const socketIoEntry = fileURLToPath(import.meta.resolve('socket.io'));
const socketIoClient = path.join(
  socketIoEntry.slice(0, socketIoEntry.lastIndexOf(`${path.sep}socket.io${path.sep}`) + '/socket.io/'.length),
  'client-dist/socket.io.esm.min.js',
);

export interface ConsoleDeps {
  config: Pick<BrokerConfig, 'env' | 'session' | 'recording'>;
  redis: RedisClientType;
  pool: pg.Pool;
  sessionStore: RedisStore;
  audit: AuditTrail;
  desktops: DesktopPool;
  facts: SessionFacts;
  /** Tells the live consoles of every instance; absent where no live view runs. */
  notify?(event: ConsoleEvent): void;
}

/** Rows an auditor sees on the page, and the most one export holds. */
export const AUDIT_PAGE_ROWS = 200;
export const AUDIT_EXPORT_ROWS = 50000;

const EndSessionBody = z.object({ note: z.string().trim().max(500).optional() }).strict();
const Ref = z.string().regex(/^[A-Za-z0-9_-]{10,40}$/);
const PoolId = z.string().regex(/^[a-z0-9-]{1,40}$/);
const DesktopId = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/);
const Hours = z.coerce.number().int().min(1).max(48).catch(24);

/**
 * The administrator's console (role it-admin): live sessions of all broker instances, ending a session,
 * the desktop pools and their live policies, charts. The audit part (role auditor): searching the trail,
 * its chain verification and CSV export. Every change, every refusal and every reading of the trail is
 * itself audited.
 */
export function consoleRoutes(deps: ConsoleDeps): Router {
  const router = express.Router();
  const admins = requireRole('it-admin', deps);
  const auditors = requireRole('auditor', deps);
  const json = express.json({ limit: '16kb' });

  // Administrators and auditors work here, not in a desktop: their start page is their console.
  router.get('/', (req, res, next) => {
    const user = req.session.user;
    if (!user || user.roles.some((r) => !['it-admin', 'auditor'].includes(r))) {
      next();
      return;
    }
    res.redirect(303, user.roles.includes('it-admin') ? '/admin' : '/admin/audit');
  });

  router.get('/admin/vendor/socket.io.esm.min.js', (_req, res) =>
    res.type('application/javascript').sendFile(socketIoClient),
  );

  router.get('/admin', (req, res, next) => {
    if (
      req.session.user &&
      !req.session.user.roles.includes('it-admin') &&
      req.session.user.roles.includes('auditor')
    ) {
      res.redirect(303, '/admin/audit');
      return;
    }
    next();
  });
  router.get('/admin', admins, (req, res) => {
    const language = consoleLanguage(req);
    res.type('html').send(consolePage(language, consoleMessages(language), signedIn(req)));
  });

  router.get('/admin/api/snapshot', admins, async (_req, res) => {
    res.json(await consoleSnapshot(deps.facts, deps.desktops));
  });

  router.post('/admin/api/sessions/:ref/end', admins, requireClientHeader, json, async (req, res) => {
    const admin = signedIn(req);
    const ref = Ref.parse(req.params.ref);
    const { note } = EndSessionBody.parse(req.body ?? {});
    const found = await deps.facts.get(ref);
    if (!found) throw new HttpError(404, 'そのセッションは見つかりません。', 'No such session.');
    await endSession(deps.redis, deps.sessionStore, found.sessionId, 'ended-by-administrator');
    // The desktop goes back (wiped) only if it served this very session, not a newer one of the same user.
    if ((await deps.redis.get(userSessionKey(found.fact.userId))) === found.sessionId) {
      await deps.desktops.release(found.fact.userId);
    }
    await deps.facts.forget([ref]);
    await deps.audit.record({
      type: 'admin-action',
      outcome: 'success',
      ...auditActor(admin, req),
      details: {
        action: 'end-session',
        subject: found.fact.userId,
        desktopId: found.fact.desktopId,
        note: note ?? null,
      },
    });
    deps.notify?.({ kind: 'session-ended', by: admin.id, subject: found.fact.userId });
    res.json({ ended: ref });
  });

  router.post('/admin/api/pools/:poolId/policy', admins, requireClientHeader, json, async (req, res) => {
    const admin = signedIn(req);
    const poolId = PoolId.parse(req.params.poolId);
    const change = PolicyChange.safeParse(req.body);
    if (!change.success) {
      throw new HttpError(
        400,
        `変更内容が正しくありません：${change.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('、')}`,
        `The change is not valid: ${change.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
      );
    }
    const recording = change.data.recording;
    const unknownRoles = recording?.roles.filter((r) => !(ROLES as readonly string[]).includes(r)) ?? [];
    if (unknownRoles.length > 0) {
      throw new HttpError(
        400,
        `録画の対象に不明な役割があります：${unknownRoles.join('、')}`,
        `Recording names unknown roles: ${unknownRoles.join(', ')}`,
      );
    }
    if (
      recording &&
      deps.config.env === 'production' &&
      recording.retentionDays < MIN_PRODUCTION_RETENTION_DAYS
    ) {
      throw new HttpError(
        400,
        `録画の保存期間は${MIN_PRODUCTION_RETENTION_DAYS}日以上にしてください。`,
        `Recordings are kept at least ${MIN_PRODUCTION_RETENTION_DAYS} day.`,
      );
    }
    if (recording && recording.mode !== 'off' && !deps.config.recording) {
      throw new HttpError(
        409,
        'このブローカーには録画の保存先と鍵が設定されていないため、録画を有効にできません。',
        'This broker has no recording folder and key, so recording cannot be switched on.',
      );
    }
    let result: { before: LivePoolSettings; after: LivePoolSettings };
    try {
      result = await deps.desktops.policies.change(poolId, change.data, admin.id);
    } catch (error) {
      if (error instanceof UnknownPoolError)
        throw new HttpError(404, 'そのプールはありません。', 'No such pool.');
      throw error;
    }
    await deps.audit.record({
      type: 'admin-action',
      outcome: 'success',
      ...auditActor(admin, req),
      details: {
        action: 'change-pool-policy',
        pool: poolId,
        revision: result.after.revision,
        ...differences(result),
      },
    });
    await applyToLiveSessions(deps, poolId, result);
    deps.notify?.({ kind: 'policy-changed', by: admin.id, subject: poolId });
    res.json(result.after);
  });

  // A desktop out of service after a failed wipe goes back only when its agent wipes it again successfully
  // (after the administrator has fixed or rebuilt its host); the attempt is audited either way.
  router.post(
    '/admin/api/pools/:poolId/desktops/:desktopId/return-to-service',
    admins,
    requireClientHeader,
    async (req, res) => {
      const admin = signedIn(req);
      const poolId = PoolId.safeParse(req.params.poolId);
      const desktopId = DesktopId.safeParse(req.params.desktopId);
      const outcome =
        poolId.success && desktopId.success
          ? await deps.desktops.returnToService(poolId.data, desktopId.data)
          : 'unknown-desktop';
      if (outcome === 'unknown-desktop' || !poolId.success || !desktopId.success) {
        throw new HttpError(404, 'そのデスクトップはありません。', 'No such desktop.');
      }
      if (outcome === 'not-out-of-service') {
        throw new HttpError(
          409,
          'このデスクトップは運用停止中ではありません。',
          'This desktop is not out of service.',
        );
      }
      await deps.audit.record({
        type: 'admin-action',
        outcome: outcome === 'returned' ? 'success' : 'failure',
        ...auditActor(admin, req),
        details: {
          action: 'return-desktop-to-service',
          pool: poolId.data,
          desktopId: desktopId.data,
          outcome,
        },
      });
      if (outcome === 'still-failing') {
        throw new HttpError(
          409,
          '消去に再び失敗しました。デスクトップは運用停止のままです。ホストを修理または再構築してからやり直してください。',
          'The wipe failed again; the desktop stays out of service. Repair or rebuild its host, then try again.',
        );
      }
      deps.notify?.({ kind: 'desktop-returned', by: admin.id, subject: desktopId.data });
      res.json({ returned: desktopId.data });
    },
  );

  router.get('/admin/charts/:name', admins, async (req, res) => {
    const m = consoleMessages(consoleLanguage(req));
    const hours = Hours.parse(req.query.hours);
    let svg: string;
    if (req.params.name === 'sessions.svg') {
      const points = await sessionSeries(deps.redis, hours);
      svg = timeChart(
        m.sessionsChart,
        [{ label: m.sessionsChart, colour: '#0969da', points, kind: 'line' }],
        hours,
      );
    } else if (req.params.name === 'sign-ins.svg') {
      const { signIns, failures } = await signInSeries(deps.pool, hours);
      svg = timeChart(
        m.signInsChart,
        [
          { label: m.signInsLegend, colour: '#1a7f37', points: signIns, kind: 'bars' },
          { label: m.failuresLegend, colour: '#cf222e', points: failures, kind: 'bars' },
        ],
        hours,
      );
    } else {
      throw new HttpError(404, 'そのグラフはありません。', 'No such chart.');
    }
    res.type('image/svg+xml').send(svg);
  });

  router.get('/admin/audit', auditors, async (req, res) => {
    const auditor = signedIn(req);
    const language = consoleLanguage(req);
    const raw = stringParams(req);
    let chain = await lastChainStatus(deps.redis);
    if (raw.verify === '1') {
      const verified = await verifyChainNow(deps.pool, deps.redis);
      chain = verified;
      await deps.audit.record({
        type: 'audit-verify',
        outcome: verified.ok ? 'success' : 'failure',
        ...auditActor(auditor, req),
        details: { checked: verified.checked, firstBadId: verified.ok ? null : verified.firstBadId },
      });
    }
    const isSearch = ['user', 'patient', 'type', 'from', 'to'].some((k) => raw[k]);
    const query = parseAuditQuery(raw);
    const rows = isSearch ? await searchAudit(deps.pool, query, AUDIT_PAGE_ROWS) : undefined;
    if (rows) await recordAuditRead(deps, req, auditor, 'audit-search', query, rows.length);
    res.type('html').send(
      auditPage(language, consoleMessages(language), auditor, {
        query: raw,
        rows,
        limit: AUDIT_PAGE_ROWS,
        chain,
      }),
    );
  });

  router.get('/admin/audit.csv', auditors, async (req, res) => {
    const auditor = signedIn(req);
    const query = parseAuditQuery(stringParams(req));
    const rows = await searchAudit(deps.pool, query, AUDIT_EXPORT_ROWS);
    await recordAuditRead(deps, req, auditor, 'audit-export', query, rows.length);
    const stamp = new Date().toISOString().slice(0, 19).replaceAll(':', '');
    res.type('text/csv; charset=utf-8').attachment(`audit-${stamp}.csv`).send(auditCsv(rows));
  });

  return router;
}

function signedIn(req: Request): SignedInUser {
  return req.session.user as SignedInUser;
}

function stringParams(req: Request): Record<string, string> {
  return Object.fromEntries(
    Object.entries(req.query).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

function parseAuditQuery(raw: Record<string, string>): AuditQuery {
  const parsed = AuditQuery.safeParse(raw);
  if (!parsed.success) {
    throw new HttpError(400, '検索条件が正しくありません。', 'The search is not valid.');
  }
  return parsed.data;
}

/** Reading the trail is itself recorded (LOG-2: only auditors read it, and what they read is known). */
async function recordAuditRead(
  deps: ConsoleDeps,
  req: Request,
  auditor: SignedInUser,
  type: 'audit-search' | 'audit-export',
  query: AuditQuery,
  rows: number,
): Promise<void> {
  await deps.audit.record({
    type,
    outcome: 'success',
    ...auditActor(auditor, req),
    patientId: query.patient,
    details: {
      user: query.user ?? null,
      eventType: query.type ?? null,
      from: query.from?.toISOString() ?? null,
      to: query.to?.toISOString() ?? null,
      rows,
    },
  });
}

function differences({
  before,
  after,
}: {
  before: LivePoolSettings;
  after: LivePoolSettings;
}): Record<string, string | number | boolean> {
  const flat = (s: LivePoolSettings): Record<string, string | number | boolean> => ({
    size: s.size,
    canPaste: s.policies.canPaste,
    idleMinutes: s.policies.idleMinutes,
    maxSessionHours: s.policies.maxSessionHours,
    imageVersions: s.policies.imageVersions.join(','),
    recording: recordingPolicyText(s.policies.recording),
  });
  const a = flat(before);
  const b = flat(after);
  const changed: Record<string, string | number | boolean> = {};
  for (const key of Object.keys(b)) {
    if (a[key] !== b[key]) {
      changed[`${key}Before`] = a[key]!;
      changed[`${key}After`] = b[key]!;
    }
  }
  return changed;
}

/** A shorter idle timeout or sign-in limit reaches the pool's live sessions now, not at their next request. */
async function applyToLiveSessions(
  deps: ConsoleDeps,
  poolId: string,
  { before, after }: { before: LivePoolSettings; after: LivePoolSettings },
): Promise<void> {
  const isIdleShorter = after.policies.idleMinutes < before.policies.idleMinutes;
  const isLimitChanged = after.policies.maxSessionHours !== before.policies.maxSessionHours;
  if (!isIdleShorter && !isLimitChanged) return;
  for (const session of await deps.facts.sessionsInPool(poolId)) {
    if (isIdleShorter) await applyIdleTimeout(deps.redis, session.sessionId, after.policies.idleMinutes);
    if (isLimitChanged) {
      await applySessionDeadline(
        deps.redis,
        session.sessionId,
        session.signedInAt,
        after.policies,
        deps.config.session.maxHours,
      );
    }
  }
}

/** Signed-in users of one role only; anyone else is refused, and the refusal is audited. */
export function requireRole(role: Role, deps: Pick<ConsoleDeps, 'audit'>): RequestHandler {
  return async (req, res, next) => {
    const user = req.session.user;
    const isPage = req.method === 'GET' && !req.path.startsWith('/admin/api/');
    if (!user) {
      if (isPage) {
        res.redirect(303, '/auth/login');
        return;
      }
      throw new HttpError(401, 'サインインが必要です。', 'Sign-in is required.');
    }
    if (user.roles.includes(role)) {
      next();
      return;
    }
    await deps.audit.record({
      type: 'admin-access',
      outcome: 'failure',
      ...auditActor(user, req),
      details: { path: req.path.slice(0, 200), method: req.method, required: role },
    });
    if (isPage) {
      res
        .status(403)
        .type('html')
        .send(
          bilingualNoticePage(
            { ja: 'このページは表示できません', en: 'This page is not available' },
            role === 'auditor'
              ? { ja: '監査担当者のみが利用できます。', en: 'Only auditors can use it.' }
              : { ja: 'システム管理者のみが利用できます。', en: 'Only IT administrators can use it.' },
          ),
        );
      return;
    }
    throw new HttpError(
      403,
      role === 'auditor' ? '監査担当者のみが行えます。' : 'システム管理者のみが行えます。',
      role === 'auditor' ? 'Only auditors can do this.' : 'Only IT administrators can do this.',
    );
  };
}

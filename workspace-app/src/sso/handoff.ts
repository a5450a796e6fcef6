import { createHash, randomBytes } from 'node:crypto';
import express, { type Router } from 'express';
import type pg from 'pg';
import type { RedisClientType } from 'redis';
import {
  BadRequestError,
  CreateHandoffRequest,
  type CreateHandoffResponse,
  HANDOFF_PATH,
  Practitioner,
  verifiedJson,
} from '@hcw/common';
import { messagePage } from '../ui/start-page.js';
import { t } from '../ui/i18n.js';
import { languageOf } from '../ui/language.js';

const HANDOFF_TTL_SECONDS = 60;

/** Stored under the code's hash, so a Redis dump does not hand out live codes. */
function handoffKey(code: string): string {
  return `portal:handoff:${createHash('sha256').update(code).digest('hex')}`;
}

export interface HandoffDeps {
  pool: pg.Pool;
  redis: RedisClientType;
  handoffSecret: string;
  publicUrl: string;
}

/**
 * The portal's side of single sign-on: the broker registers a one-time code for a practitioner, the kiosk
 * opens the code's URL, and the portal swaps the code for its own session. No second password.
 */
export function handoffRoutes(deps: HandoffDeps): Router {
  const router = express.Router();

  router.post(HANDOFF_PATH, express.text({ type: '*/*', limit: '16kb' }), async (req, res) => {
    const body = typeof req.body === 'string' ? req.body : '';
    const json = verifiedJson(deps.handoffSecret, 'POST', HANDOFF_PATH, body, req.headers);
    const parsed = CreateHandoffRequest.safeParse(json);
    if (!parsed.success) {
      throw new BadRequestError(
        '受け渡し情報が正しくありません。',
        `Invalid hand-off: ${parsed.error.issues[0]?.message}`,
      );
    }
    const p = parsed.data.practitioner;
    await deps.pool.query(
      `INSERT INTO practitioners (id, display_name, display_name_kana, organisation, profession, roles)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO UPDATE SET display_name = EXCLUDED.display_name,
         display_name_kana = EXCLUDED.display_name_kana, organisation = EXCLUDED.organisation,
         profession = EXCLUDED.profession, roles = EXCLUDED.roles, last_seen_at = now()`,
      [p.id, p.displayName, p.displayNameKana ?? null, p.organisation, p.profession, p.roles],
    );
    const code = randomBytes(32).toString('base64url');
    await deps.redis.set(handoffKey(code), JSON.stringify(p), { EX: HANDOFF_TTL_SECONDS });
    const response: CreateHandoffResponse = {
      url: `${deps.publicUrl}/handoff?code=${code}`,
      expiresAt: new Date(Date.now() + HANDOFF_TTL_SECONDS * 1000).toISOString(),
    };
    res.status(201).json(response);
  });

  router.get('/handoff', async (req, res) => {
    const lang = languageOf(req);
    const code = typeof req.query.code === 'string' ? req.query.code : '';
    // GETDEL makes the code usable once, even with two requests racing.
    const stored = /^[A-Za-z0-9_-]{43}$/.test(code) ? await deps.redis.getDel(handoffKey(code)) : null;
    const practitioner = stored ? Practitioner.safeParse(JSON.parse(stored)) : undefined;
    if (!practitioner?.success) {
      res
        .status(401)
        .type('html')
        .send(messagePage(lang, t(lang, 'handoffExpired')));
      return;
    }
    await new Promise<void>((resolve, reject) =>
      req.session.regenerate((err) => (err ? reject(err) : resolve())),
    );
    req.session.practitioner = practitioner.data;
    res.redirect(303, '/');
  });

  return router;
}

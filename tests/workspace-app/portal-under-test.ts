import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type pg from 'pg';
import { createClient, type RedisClientType } from 'redis';
import request from 'supertest';
import { HANDOFF_PATH, type Practitioner, redisClientOptions, signRequest } from '@hcw/common';
import { createPortalApp } from '#workspace-app/app.js';
import { loadConfig, type PortalConfig } from '#workspace-app/config.js';
import { workspace } from '../support/workspace.js';
import { patientDatabase } from './patients/patient-fixtures.js';

export type Agent = ReturnType<typeof request.agent>;

/** The origin the kiosk reaches the portal at in these suites. */
export const PORTAL_ORIGIN = 'http://127.0.0.1:8999';

/** What the kiosk's Chromium sends with a form posted from one of the portal's own pages. */
export const SAME_ORIGIN = { origin: PORTAL_ORIGIN, 'sec-fetch-site': 'same-origin' } as const;

export interface PortalUnderTest {
  app: Express;
  /** The portal's own origin: PORTAL_ORIGIN, or where it listens when asked to. */
  url: string;
  pool: pg.Pool;
  config: PortalConfig;
  /** A client holding a session for the practitioner, from the real hand-off; sends no Origin of its own. */
  signIn(who: Practitioner): Promise<Agent>;
  /** The one-time hand-off address the broker would give the kiosk for the practitioner. */
  handoffUrl(who: Practitioner): Promise<string>;
  /** The same, with the portal's own origin on every request, as the kiosk's pages send it. */
  signInOnPortalPage(who: Practitioner): Promise<Agent>;
  close(): Promise<void>;
}

/**
 * The whole portal app as main.ts builds it (every router, the session, the cross-site guard, the real
 * care-team look-up), on a database of the suite's own and the shared Redis. With `listen`, it also
 * serves on a loopback port of its own, which is then its public address, for a real browser. `env` adds
 * settings (the vendors of `PORTAL_CONNECTORS`, for instance).
 */
export async function startPortalUnderTest(
  database: string,
  options: { listen?: boolean; env?: Record<string, string> } = {},
): Promise<PortalUnderTest> {
  const stack = await workspace();
  const pool = await patientDatabase(database);
  const redis: RedisClientType = createClient(redisClientOptions(stack.redisUrl, stack.internalCa.pem));
  await redis.connect();
  let server: Server | undefined;
  let url = PORTAL_ORIGIN;
  if (options.listen) {
    server = createServer();
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  const handoffSecret = randomBytes(32).toString('base64url');
  const config = loadConfig({
    PORTAL_ENV: 'test',
    PORTAL_PORT: new URL(url).port,
    PORTAL_PUBLIC_URL: url,
    PORTAL_DATABASE_URL: stack.portalDatabaseUrl,
    PORTAL_REDIS_URL: stack.redisUrl,
    PORTAL_SESSION_SECRET: randomBytes(32).toString('base64url'),
    PORTAL_HANDOFF_SECRET: handoffSecret,
    ...options.env,
  });
  const app = createPortalApp({ config, pool, redis });
  server?.on('request', app);

  async function handoffUrl(who: Practitioner): Promise<string> {
    const body = JSON.stringify({ practitioner: who });
    const created = await request(app)
      .post(HANDOFF_PATH)
      .set('content-type', 'application/json')
      .set(signRequest(handoffSecret, 'POST', HANDOFF_PATH, body))
      .send(body);
    assert.equal(created.status, 201, created.text);
    return (created.body as { url: string }).url;
  }

  async function signIn(who: Practitioner): Promise<Agent> {
    const agent = request.agent(app);
    const handoff = new URL(await handoffUrl(who));
    assert.equal((await agent.get(`${handoff.pathname}${handoff.search}`)).status, 303);
    return agent;
  }

  return {
    app,
    url,
    pool,
    config,
    signIn,
    handoffUrl,
    async signInOnPortalPage(who) {
      const agent = await signIn(who);
      agent.set('origin', url).set('sec-fetch-site', 'same-origin');
      return agent;
    },
    async close() {
      server?.closeAllConnections();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      await redis.quit().catch(() => undefined);
      await pool.end();
    },
  };
}

export interface RouteEntry {
  method: string;
  /** The path as the router declares it, e.g. `/patients/:patientId/items/:itemId`. */
  path: string;
}

interface LayerLike {
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
  rawPath?: unknown;
}

/**
 * Every route the app's router holds, walking into the routers mounted on it: what the router itself
 * knows, so a route added tomorrow is listed without anyone adding it here.
 */
export function listRoutes(app: Express): RouteEntry[] {
  const found: RouteEntry[] = [];
  const walk = (stack: readonly LayerLike[], prefix: string): void => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) {
          assert.equal(typeof path, 'string', 'routes are declared with string paths');
          for (const [method, isOn] of Object.entries(layer.route.methods)) {
            if (isOn && method !== '_all')
              found.push({ method: method.toUpperCase(), path: `${prefix}${path}` });
          }
        }
      } else if (layer.handle?.stack) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, `${prefix}${mount}`);
      }
    }
  };
  walk((app as unknown as { router: { stack: LayerLike[] } }).router.stack, '');
  return found;
}

export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A concrete URL for a declared path: each parameter gets a value, optional parts are left out. */
export function concretePath(path: string, values: Record<string, string> = {}): string {
  return path
    .replace(/\{[^}]*\}/g, '')
    .replace(/:([A-Za-z0-9_]+)/g, (_match, name: string) => encodeURIComponent(values[name] ?? `x-${name}`));
}

/** The bilingual error every refusal carries, Japanese first. */
export function bilingualError(response: { body: unknown; text: string }): { ja: string; en: string } {
  const body = response.body as { error?: { ja?: unknown; en?: unknown } };
  assert.equal(typeof body.error?.ja, 'string', `a Japanese message in ${response.text.slice(0, 200)}`);
  assert.equal(typeof body.error?.en, 'string', 'an English message');
  assert.deepEqual(Object.keys(body.error ?? {}).slice(0, 2), ['ja', 'en'], 'Japanese first');
  return { ja: String(body.error?.ja), en: String(body.error?.en) };
}

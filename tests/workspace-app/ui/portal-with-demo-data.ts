import { randomBytes } from 'node:crypto';
import { chmodSync } from 'node:fs';
import path from 'node:path';
import { HANDOFF_PATH, signRequest, type Practitioner } from '@hcw/common';
import type { BrowserContext } from 'playwright-core';
import { freePort, startProcess, waitForHttp, type ManagedProcess } from '#scripts/stack/managed-process.js';
import { internalCa } from '#scripts/stack/internal-ca.js';
import { startPostgres, startRedis } from '#scripts/stack/services.js';
import { startDemoSandboxes, type DemoSandboxes } from '#sandboxes/start-demo-sandboxes.js';
import { repoRoot } from '#scripts/stack/workspace-stack.js';
import { scratchDir } from '#test-support/scratch-dir.js';

/** The demo's people as the broker hands them to the portal (see broker/src/auth/demo-users.ts). */
export const demoPeople = {
  tanaka: {
    id: 'dr.tanaka',
    displayName: '田中 一郎',
    displayNameKana: 'タナカ イチロウ',
    organisation: '中野在宅クリニック',
    profession: '医師',
    roles: ['practitioner'],
  },
  sato: {
    id: 'nurse.sato',
    displayName: '佐藤 花子',
    displayNameKana: 'サトウ ハナコ',
    organisation: '新宿訪問看護ステーション',
    profession: '看護師',
    roles: ['practitioner'],
  },
  takahashi: {
    id: 'msw.takahashi',
    displayName: '高橋 由美',
    displayNameKana: 'タカハシ ユミ',
    organisation: '東京中央病院 地域連携室',
    profession: '医療ソーシャルワーカー',
    roles: ['msw'],
  },
  ito: {
    id: 'beds.ito',
    displayName: '伊藤 健',
    displayNameKana: 'イトウ ケン',
    organisation: '多摩リハビリテーション病院',
    profession: '看護師',
    roles: ['bed-manager'],
  },
} satisfies Record<string, Practitioner>;

export interface PortalWithDemoData {
  url: string;
  /** Registers a one-time hand-off for the practitioner, as the broker does, and gives its URL. */
  handoff(practitioner: Practitioner): Promise<string>;
  /** Signs the browser context in as the practitioner, through the hand-off the broker would register. */
  signIn(context: BrowserContext, practitioner: Practitioner): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The portal's own server (workspace-app/src/main.ts) with the demo's patients, hospitals, transfer
 * request and the vendor sandboxes its timeline ingests from, as `npm run demo` runs it, on a PostgreSQL
 * and a Redis of its own: nothing another suite does changes what its pages show.
 */
export async function startPortalWithDemoData(): Promise<PortalWithDemoData> {
  const dataDir = scratchDir('hcw-portal-pages');
  // Traversable but not listable: PostgreSQL runs as its own user and must reach its folder inside.
  chmodSync(dataDir, 0o711);
  const processes: ManagedProcess[] = [];
  let sandboxes: DemoSandboxes | undefined;
  const stop = async (): Promise<void> => {
    for (const proc of [...processes].reverse()) await proc.stop();
    await sandboxes?.close();
  };
  try {
    sandboxes = await startDemoSandboxes();
    const [redisPort, postgresPort, portalPort] = [await freePort(), await freePort(), await freePort()];
    // TLS and service users as in the local stack and in a deployment.
    const ca = internalCa(path.join(dataDir, 'internal-ca'));
    const redis = await startRedis(dataDir, redisPort, ca);
    processes.push(redis.process);
    const postgres = await startPostgres(dataDir, postgresPort, ca, [
      { name: 'portal', extensions: ['btree_gist'] },
    ]);
    processes.push(postgres.process);
    const url = `http://127.0.0.1:${portalPort}`;
    const handoffSecret = randomBytes(32).toString('base64url');
    const portal = startProcess(
      'portal',
      process.execPath,
      ['--import', 'tsx', 'workspace-app/src/main.ts'],
      {
        cwd: repoRoot,
        logFile: path.join(dataDir, 'portal.log'),
        env: {
          PORTAL_ENV: 'test',
          PORTAL_PORT: String(portalPort),
          PORTAL_PUBLIC_URL: url,
          PORTAL_DATABASE_URL: postgres.urlFor('portal'),
          PORTAL_REDIS_URL: redis.serviceUrls.portal,
          PORTAL_REDIS_CA_FILE: ca.certFile,
          PORTAL_SESSION_SECRET: randomBytes(32).toString('base64url'),
          PORTAL_HANDOFF_SECRET: handoffSecret,
          PORTAL_DEMO_DATA: '1',
          PORTAL_CONNECTORS: JSON.stringify(sandboxes.connectorSettings),
          PORTAL_TIMELINE_POLL_MS: '1000',
        },
      },
    );
    processes.push(portal);
    // Seeding ~640 hospitals comes before the server listens; a busy machine takes its time.
    await waitForHttp(`${url}/healthz`, { process: portal, timeoutMs: 180_000 });
    // MCS pushes: its seeded notifications wait for the portal's webhook address.
    sandboxes.mcs.setWebhookUrl(`${url}/webhooks/mcs`);
    await sandboxes.mcs.flushQueue();
    const handoff = async (practitioner: Practitioner): Promise<string> => {
      const body = JSON.stringify({ practitioner });
      const created = await fetch(`${url}${HANDOFF_PATH}`, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          ...signRequest(handoffSecret, 'POST', HANDOFF_PATH, body),
        },
      });
      if (created.status !== 201) throw new Error(`the hand-off was refused (${created.status})`);
      return ((await created.json()) as { url: string }).url;
    };
    return {
      url,
      handoff,
      async signIn(context, practitioner) {
        const handoffUrl = await handoff(practitioner);
        const page = await context.newPage();
        try {
          const response = await page.goto(handoffUrl);
          if (!response?.ok()) throw new Error(`the hand-off page answered ${response?.status()}`);
        } finally {
          await page.close();
        }
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

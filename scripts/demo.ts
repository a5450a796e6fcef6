// `npm run demo`: the whole workspace on this machine, until Ctrl+C.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DataDirInUseError, lockDataDir } from './stack/data-dir-lock.js';
import { isPortFree } from './stack/managed-process.js';
import { repoRoot, startWorkspaceStack } from './stack/workspace-stack.js';
import { DEFAULT_DEMO_PASSWORD } from '../broker/src/config.js';
import { DEMO_USERS } from '../broker/src/auth/demo-users.js';
import { startDemoSandboxes } from '../workspace-app/sandboxes/start-demo-sandboxes.js';
import { startDemoTimelineActivity } from '../workspace-app/demo/demo-timeline-activity.js';

const DemoSettings = z.object({
  DEMO_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  DEMO_PASSWORD: z.string().min(1).optional(),
  DEMO_DESKTOPS: z.coerce.number().int().min(1).max(12).default(3),
  /** Where the demo keeps its databases and desktops between runs. */
  DEMO_DATA_DIR: z.string().min(1).optional(),
});
const settings = DemoSettings.safeParse(process.env);
if (!settings.success) {
  const issue = settings.error.issues[0]!;
  process.stderr.write(`The demo's settings are not valid: ${issue.path.join('.')}: ${issue.message}\n`);
  process.exit(1);
}
const password = settings.data.DEMO_PASSWORD ?? DEFAULT_DEMO_PASSWORD;
const dataDir = path.resolve(settings.data.DEMO_DATA_DIR ?? path.join(repoRoot, '.data', 'demo'));
// A demo already running keeps its folder: a second one says so and touches nothing of it.
let releaseDataDir: () => void;
try {
  mkdirSync(dataDir, { recursive: true, mode: 0o711 });
  releaseDataDir = lockDataDir(dataDir);
} catch (error) {
  if (!(error instanceof DataDirInUseError)) throw error;
  process.stderr.write(
    `A demo is already running (process ${error.pid}), with its data in ${path.relative(process.cwd(), dataDir) || '.'}: use it in the browser, or stop it with Ctrl+C in its terminal first.\n`,
  );
  process.exit(1);
}
// The stack takes the lock itself when it starts.
releaseDataDir();
const port = await brokerPort(settings.data.DEMO_PORT);

/** The port asked for, or 8080, or the next free one after it when another program already has 8080. */
async function brokerPort(asked: number | undefined): Promise<number> {
  if (asked !== undefined) {
    if (await isPortFree(asked)) return asked;
    process.stderr.write(
      `Port ${asked} (DEMO_PORT) is in use by another program: stop it, or choose another port, e.g. DEMO_PORT=${asked + 1} npm run demo\n`,
    );
    process.exit(1);
  }
  for (let candidate = 8080; candidate < 8100; candidate++) {
    if (await isPortFree(candidate)) {
      if (candidate !== 8080)
        process.stdout.write(`Port 8080 is in use by another program; using ${candidate}.\n`);
      return candidate;
    }
  }
  process.stderr.write(
    'Ports 8080 to 8099 are all in use: choose a free one with DEMO_PORT=… npm run demo\n',
  );
  process.exit(1);
}
process.stdout.write(
  'Starting the vendor sandboxes (simulated MCS, カナミック, ひかりワン, バイタルリンク, FHIR)…\n',
);
const sandboxes = await startDemoSandboxes();
process.stdout.write(
  `Starting Redis, PostgreSQL, guacd, ${settings.data.DEMO_DESKTOPS} desktops, the portal and the broker…\n`,
);
const stack = await startWorkspaceStack({
  dataDir,
  brokerPort: port,
  demoPassword: password,
  desktops: settings.data.DEMO_DESKTOPS,
  echo: true,
  portalEnv: {
    PORTAL_CONNECTORS: JSON.stringify(sandboxes.connectorSettings),
    PORTAL_TIMELINE_POLL_MS: '2000',
  },
  kioskAllowedUrls: Object.values(sandboxes.urls),
}).catch(async (error: unknown) => {
  process.stderr.write(`The workspace could not start: ${(error as Error).message}\n`);
  await sandboxes.close();
  process.exit(1);
});
// MCS pushes: its seeded notifications wait for the portal's webhook address.
sandboxes.mcs.setWebhookUrl(`${stack.portalUrl}/webhooks/mcs`);
await sandboxes.mcs.flushQueue();
// A new message from one vendor or another every 20 seconds, so the live timeline has something to show.
const activity = startDemoTimelineActivity(sandboxes, { intervalMs: 20000 });

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\nStopping everything…\n');
  activity.stop();
  await stack.stop();
  await sandboxes.close();
  process.stdout.write('Stopped.\n');
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
process.on('SIGHUP', () => void stop());

// The enrolment codes the development IdP issued, as an organisation's administrator would, for the demo users
// who must enrol a second factor; the IdP's sign-in page lists them too.
const { codes } = (await (await fetch(`${stack.brokerUrl}/dev-idp/enrolment-codes`)).json()) as {
  codes: Record<string, string>;
};
const secondFactorNote = (u: (typeof DEMO_USERS)[number]): string =>
  u.assertsMfa
    ? 'the IdP asserts multi-factor: no second factor asked'
    : codes[u.username]
      ? `enrolment code ${codes[u.username]}`
      : 'no code listed: enrolled, or given a code in the console';

process.stdout.write(`
Ready: open ${stack.brokerUrl} in a browser.
${settings.data.DEMO_DESKTOPS} desktops (DEMO_DESKTOPS changes it): sign each user in from a browser profile or private window of their own.
Demo users (password: ${settings.data.DEMO_PASSWORD ? 'as set in DEMO_PASSWORD' : password}):
${DEMO_USERS.map((u) => `  ${u.username.padEnd(18)} ${u.displayName}（${u.roles.join(', ')}）  ${secondFactorNote(u)}`).join('\n')}
At the first sign-in, type the user's enrolment code, then enrol an authenticator app or a passkey.
New codes: the development IdP's sign-in page, or admin.yamamoto's console at ${stack.brokerUrl}/admin/enrolment-codes.
Press Ctrl+C to stop.
`);

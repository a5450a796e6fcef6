// `npm run demo`: the whole workspace on this machine, until Ctrl+C.
import path from 'node:path';
import { repoRoot, startWorkspaceStack } from './stack/workspace-stack.js';
import { DEFAULT_DEMO_PASSWORD } from '../broker/src/config.js';
import { DEMO_USERS } from '../broker/src/auth/demo-users.js';
import { startDemoSandboxes } from '../workspace-app/sandboxes/start-demo-sandboxes.js';
import { startDemoTimelineActivity } from '../workspace-app/src/timeline/demo-timeline-activity.js';

const port = Number(process.env.DEMO_PORT ?? 8080);
const password = process.env.DEMO_PASSWORD ?? DEFAULT_DEMO_PASSWORD;
process.stdout.write(
  'Starting the vendor sandboxes (simulated MCS, カナミック, ひかりワン, バイタルリンク, FHIR)…\n',
);
const sandboxes = await startDemoSandboxes();
process.stdout.write('Starting Redis, PostgreSQL, guacd, the desktop, the portal and the broker…\n');
const stack = await startWorkspaceStack({
  dataDir: path.join(repoRoot, '.data', 'demo'),
  brokerPort: port,
  demoPassword: password,
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
Demo users (password: ${process.env.DEMO_PASSWORD ? 'as set in DEMO_PASSWORD' : password}):
${DEMO_USERS.map((u) => `  ${u.username.padEnd(18)} ${u.displayName}（${u.roles.join(', ')}）  ${secondFactorNote(u)}`).join('\n')}
At the first sign-in, type the user's enrolment code, then enrol an authenticator app or a passkey.
New codes: the development IdP's sign-in page, or admin.yamamoto's console at ${stack.brokerUrl}/admin/enrolment-codes.
Press Ctrl+C to stop.
`);

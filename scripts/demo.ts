// `npm run demo`: the whole workspace on this machine, until Ctrl+C.
import path from 'node:path';
import { repoRoot, startWorkspaceStack } from './stack/workspace-stack.js';
import { DEFAULT_DEMO_PASSWORD } from '../broker/src/config.js';
import { DEMO_USERS } from '../broker/src/auth/demo-users.js';

const port = Number(process.env.DEMO_PORT ?? 8080);
const password = process.env.DEMO_PASSWORD ?? DEFAULT_DEMO_PASSWORD;
process.stdout.write('Starting Redis, PostgreSQL, guacd, the desktop, the portal and the broker…\n');
const stack = await startWorkspaceStack({
  dataDir: path.join(repoRoot, '.data', 'demo'),
  brokerPort: port,
  demoPassword: password,
  echo: true,
}).catch((error: unknown) => {
  process.stderr.write(`The workspace could not start: ${(error as Error).message}\n`);
  process.exit(1);
});

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\nStopping everything…\n');
  await stack.stop();
  process.stdout.write('Stopped.\n');
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
process.on('SIGHUP', () => void stop());

process.stdout.write(`
Ready: open ${stack.brokerUrl} in a browser.
Demo users (password: ${process.env.DEMO_PASSWORD ? 'as set in DEMO_PASSWORD' : password}):
${DEMO_USERS.map((u) => `  ${u.username.padEnd(18)} ${u.displayName}（${u.roles.join(', ')}）`).join('\n')}
Press Ctrl+C to stop.
`);

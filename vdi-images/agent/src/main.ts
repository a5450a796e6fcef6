import { loadConfig } from './config.js';
import { Desktop } from './desktop.js';
import { createAgentServer } from './agent-server.js';

const config = loadConfig();
const desktop = new Desktop(config);
await desktop.startDisplay();
const server = createAgentServer(config, desktop);
server.listen(config.port, config.host, () => {
  process.stdout.write(`desktop agent ${config.desktopId} listening on ${config.host}:${config.port}\n`);
});

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  server.close();
  await desktop.stop();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());

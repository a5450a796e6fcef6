import { loadConfig } from './config.js';
import { Desktop } from './desktop.js';
import { createAgentServer } from './agent-server.js';
import { readImageInfo } from './image-info.js';

const config = loadConfig();
const image = readImageInfo(config.imageInfoDir);
if (image && (config.kioskDebugPort || config.kioskDebugPages)) {
  // A built image is what users get; its kiosk must never be remotely controllable.
  throw new Error(
    `KIOSK_DEBUG_PORT is for test runs only and is refused on a built image (${image.version})`,
  );
}
if (image && config.clipboardToViewer) {
  throw new Error(
    `DESKTOP_CLIPBOARD_TO_VIEWER is for test runs only and is refused on a built image (${image.version})`,
  );
}
const desktop = new Desktop(config);
process.on('exit', () => desktop.killNow());
await desktop.startDisplay();
const server = createAgentServer(config, desktop, image);
server.listen(config.port, config.host, () => {
  process.stdout.write(`desktop agent ${config.desktopId} listening on ${config.host}:${config.port}\n`);
});

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  server.close();
  await desktop.stop().catch((error: unknown) => process.stderr.write(`agent: ${String(error)}\n`));
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());

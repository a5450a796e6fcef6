import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

/** What every vendor sandbox offers: an Express app, and a way to learn the address it is served at. */
export interface Sandbox {
  app: Express;
  /** Deep links and `next` links point here; set once the server listens. */
  useBaseUrl(url: string): void;
}

export interface RunningSandbox {
  url: string;
  close(): Promise<void>;
}

/** Serves a sandbox over real HTTP, on a free loopback port unless told otherwise. */
export async function startSandbox(
  sandbox: Sandbox,
  options: { host?: string; port?: number } = {},
): Promise<RunningSandbox> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer(sandbox.app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  sandbox.useBaseUrl(url);
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // A sandbox taken down in "hang" mode holds requests open; they must not keep the server alive.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

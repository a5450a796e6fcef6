import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { z } from 'zod';
import {
  AgentHealth,
  BROKER_IDENTITY,
  DesktopScreen,
  SCREEN_PATH,
  StartSessionRequest,
  TYPE_TEXT_PATH,
  TypeTextRequest,
  uriNamesOf,
  type ImageInfo,
} from '@hcw/common';
import type { AgentConfig } from './config.js';
import { DesktopStateError, WipeFailedError, type Desktop } from './desktop.js';
import { KioskPolicyError } from './kiosk-policy.js';

const MAX_BODY_BYTES = 16 * 1024;

/** This process's run: the broker tells by it that the agent restarted, and with it the session it held. */
const RUN = randomUUID();

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The agent's HTTPS API, mutual TLS only: the TLS handshake refuses a client without a certificate of the
 * internal CA, and a request whose certificate is not the broker's (a desktop's, say) is refused before
 * anything else. There is no unauthenticated endpoint, not even health, because the answer says whether
 * someone is using the desktop.
 */
export function createAgentServer(
  config: AgentConfig,
  desktop: Desktop,
  image: ImageInfo | undefined = undefined,
): https.Server {
  const options: https.ServerOptions = {
    cert: config.tls.cert,
    key: config.tls.key,
    ca: config.tls.ca,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
  };
  return https.createServer(options, (req, res) => {
    handle(config, desktop, image, req)
      .then(({ status, body }) => send(res, status, body))
      .catch((error: unknown) => {
        if (error instanceof HttpError) send(res, error.status, { error: error.message });
        else if (error instanceof DesktopStateError) send(res, 409, { error: error.message });
        else if (error instanceof WipeFailedError) send(res, 500, { error: 'wipe-failed', step: error.step });
        else if (error instanceof KioskPolicyError) send(res, 400, { error: error.message });
        else {
          process.stderr.write(`agent: ${(error as Error).message}\n`);
          send(res, 500, { error: 'internal error' });
        }
      });
  });
}

async function handle(
  config: AgentConfig,
  desktop: Desktop,
  image: ImageInfo | undefined,
  req: http.IncomingMessage,
): Promise<{ status: number; body: unknown }> {
  if (!isBroker(req)) throw new HttpError(403, "the client certificate is not the broker's");
  const body = await readBody(req);
  const method = req.method ?? 'GET';
  const path = new URL(req.url ?? '/', 'https://agent').pathname;

  if (method === 'GET' && path === '/v1/health') {
    const health: AgentHealth = {
      desktopId: config.desktopId,
      status: desktop.wipeFailure
        ? 'wipe-failed'
        : desktop.isStarting
          ? 'starting'
          : !desktop.isDisplayRunning
            ? 'unhealthy'
            : desktop.userId
              ? 'in-session'
              : 'ready',
      imageVersion: config.imageVersion ?? image?.version ?? 'dev',
      display: { vncPort: config.vncPort, running: desktop.isDisplayRunning },
      kioskRunning: desktop.isKioskRunning,
      screen: desktop.screen,
      ...(image ? { image } : {}),
      run: RUN,
    };
    return { status: 200, body: health };
  }
  if (method === 'POST' && path === '/v1/sessions') {
    const request = parseJson(body, StartSessionRequest);
    const result = await desktop.startSession(request.userId, request.startUrl, {
      organisation: request.organisation,
      screen: request.screen,
    });
    return { status: 201, body: { ...result, run: RUN } };
  }
  if (method === 'DELETE' && path === '/v1/sessions/current') {
    await desktop.endSession();
    return { status: 204, body: undefined };
  }
  if (method === 'PUT' && path === SCREEN_PATH) {
    const screen = parseJson(body, DesktopScreen);
    return { status: 200, body: await desktop.setScreen(screen) };
  }
  if (method === 'POST' && path === TYPE_TEXT_PATH) {
    const request = parseJson(body, TypeTextRequest);
    await desktop.typeText(request.text);
    return { status: 204, body: undefined };
  }
  throw new HttpError(404, 'no such endpoint');
}

/** The client's certificate (already chained to the internal CA by the handshake) names the broker. */
function isBroker(req: http.IncomingMessage): boolean {
  const socket = req.socket as TLSSocket;
  if (!socket.authorized) return false;
  return uriNamesOf(socket.getPeerCertificate().raw).includes(BROKER_IDENTITY);
}

function parseJson<T>(body: string, schema: z.ZodType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new HttpError(400, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  }
  return parsed.data;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, 'body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  if (body === undefined) {
    res.writeHead(status, { 'cache-control': 'no-store' }).end();
    return;
  }
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
    .end(JSON.stringify(body));
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CanonicalEvent } from './canonical-event.js';
import type { PushConnector } from './connector.js';
import { VendorPayloadError, type VendorPayloadProblem } from './vendor-payload-error.js';

const statusFor: Record<VendorPayloadProblem, number> = {
  malformed: 400,
  'bad-signature': 401,
  oversized: 413,
  'bad-encoding': 415,
};

/**
 * The HTTP endpoint a push vendor delivers to, as a plain Node request listener (Express mounts it as is).
 * It reads the raw body itself, because the signature covers the exact bytes: mount it before any body
 * parser. It answers 204 only once `store` has taken the events, so a failed store makes the vendor
 * deliver again; a refused payload gets 4xx and is never stored.
 */
export function createPushReceiver(
  connector: PushConnector,
  store: (events: CanonicalEvent[]) => Promise<void>,
  options: PushReceiverOptions = {},
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    void receive(connector, store, options, request, response);
  };
}

export interface PushReceiverOptions {
  /** Told about every refused payload (with its bytes when they were read), e.g. to keep a record. */
  onRefused?(error: VendorPayloadError, body: Uint8Array | undefined): Promise<void>;
}

async function receive(
  connector: PushConnector,
  store: (events: CanonicalEvent[]) => Promise<void>,
  options: PushReceiverOptions,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  let body: Uint8Array | undefined;
  try {
    if (request.method !== 'POST') {
      answer(response, 405, { error: 'method-not-allowed' });
      return;
    }
    body = await readBody(connector, request);
    const events = await connector.receive({ headers: request.headers, body });
    await store(events);
    response.writeHead(204).end();
  } catch (error) {
    if (error instanceof VendorPayloadError) {
      await options.onRefused?.(error, body).catch(() => undefined);
      answer(response, statusFor[error.reason], {
        error: error.reason,
        message: { ja: error.messageJa, en: error.message },
      });
      return;
    }
    answer(response, 503, {
      error: 'unavailable',
      message: { ja: '一時的に受け付けられません。', en: 'Try again later.' },
    });
  }
}

function readBody(connector: PushConnector, request: IncomingMessage): Promise<Uint8Array> {
  const limit = connector.maxPayloadBytes;
  const tooLarge = () => new VendorPayloadError(connector.id, 'oversized', `body above ${limit} bytes`);
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    request.on('data', (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > limit) {
        request.removeAllListeners('data');
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function answer(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) return;
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  response.end(JSON.stringify(body));
}

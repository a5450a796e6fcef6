import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestVendor } from '#workspace-app/connectors/request-vendor.js';
import { VendorPayloadError } from '#workspace-app/connectors/vendor-payload-error.js';
import { VendorUnavailableError } from '#workspace-app/connectors/vendor-unavailable-error.js';

async function serve(listener: RequestListener): Promise<{ url: string; server: Server }> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

const options = { vendor: 'test-vendor', timeoutMs: 300, maxBytes: 1_024 };
const unavailableFor = (reason: string) => (error: unknown) =>
  error instanceof VendorUnavailableError && error.reason === reason;

describe('requests to a vendor', () => {
  let server: Server | undefined;
  afterEach(async () => {
    if (server) await stop(server);
    server = undefined;
  });

  it('returns the status, headers and whole body of an answer within its limits', async () => {
    const served = await serve((_request, response) =>
      response.writeHead(200, { 'x-batch': '7' }).end('こんにちは'),
    );
    server = served.server;

    const response = await requestVendor(served.url, {}, options);

    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-batch'), '7');
    assert.equal(Buffer.from(response.body).toString('utf8'), 'こんにちは');
  });

  it('gives up on a vendor that does not answer once its timeout has passed', async () => {
    const served = await serve(() => undefined);
    server = served.server;

    await assert.rejects(requestVendor(served.url, {}, options), unavailableFor('timeout'));
  });

  it('gives up on a vendor that stops sending halfway through the body', async () => {
    const served = await serve((_request, response) => {
      response.writeHead(200);
      response.write('{"records": [');
    });
    server = served.server;

    await assert.rejects(requestVendor(served.url, {}, options), unavailableFor('timeout'));
  });

  it('refuses a body announced above its limit without reading it', async () => {
    const served = await serve((_request, response) =>
      response.writeHead(200, { 'content-length': '4096' }).end('x'.repeat(4_096)),
    );
    server = served.server;

    await assert.rejects(
      requestVendor(served.url, {}, options),
      (error: unknown) => error instanceof VendorPayloadError && error.reason === 'oversized',
    );
  });

  it('refuses a streamed body as soon as it grows past its limit', async () => {
    const served = await serve((_request, response) => {
      response.writeHead(200);
      response.write('x'.repeat(800));
      response.write('x'.repeat(800));
      // Never ends: the connector must stop reading at the limit, not wait for the end.
    });
    server = served.server;

    await assert.rejects(
      requestVendor(served.url, {}, { ...options, timeoutMs: 5_000 }),
      (error: unknown) => error instanceof VendorPayloadError && error.reason === 'oversized',
    );
  });

  it('takes a body exactly at its limit', async () => {
    const served = await serve((_request, response) => response.end('x'.repeat(1_024)));
    server = served.server;

    const response = await requestVendor(served.url, {}, options);

    assert.equal(response.body.byteLength, 1_024);
  });

  it('reports 503 as a server error with the Retry-After the vendor asked for', async () => {
    const served = await serve((_request, response) => response.writeHead(503, { 'retry-after': '2' }).end());
    server = served.server;

    await assert.rejects(
      requestVendor(served.url, {}, options),
      (error: unknown) =>
        error instanceof VendorUnavailableError &&
        error.reason === 'server-error' &&
        error.retryAfterMs === 2_000,
    );
  });

  it('reports 429 as rate limiting', async () => {
    const served = await serve((_request, response) => response.writeHead(429).end());
    server = served.server;

    await assert.rejects(requestVendor(served.url, {}, options), unavailableFor('rate-limited'));
  });

  it('reports a closed port as unreachable', async () => {
    const served = await serve(() => undefined);
    await stop(served.server);

    await assert.rejects(requestVendor(served.url, {}, options), unavailableFor('unreachable'));
  });

  it('does not follow a redirect, which could carry credentials to another host', async () => {
    let followed = false;
    const target = await serve((_request, response) => {
      followed = true;
      response.end('secret page');
    });
    const served = await serve((_request, response) =>
      response.writeHead(302, { location: `${target.url}/elsewhere` }).end(),
    );
    server = served.server;

    const response = await requestVendor(served.url, { headers: { authorization: 'Bearer t' } }, options);

    assert.equal(response.status, 302);
    assert.equal(followed, false);
    await stop(target.server);
  });
});

import { createECDH, randomBytes, type ECDH } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import ece from 'http_ece';
import type { InternalCa } from '#scripts/stack/internal-ca.js';

/** A device's side of a push subscription: the keys a browser makes, and the endpoint on the stand-in. */
export interface TestDevice {
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } };
  ecdh: ECDH;
  auth: Buffer;
}

export interface ReceivedPush {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * A push service on this machine, as FCM or Mozilla's would be on the internet: it takes what the broker
 * posts (RFC 8030), keeps every request, and answers 201, or 410 for a subscription marked gone. Its
 * certificate comes from the stack's internal CA, which the stack's broker trusts.
 */
export class TestPushService {
  private constructor(
    private readonly server: Server,
    readonly origin: string,
    readonly received: ReceivedPush[],
    private readonly gone: Set<string>,
  ) {}

  static async start(ca: InternalCa): Promise<TestPushService> {
    const certificate = ca.issue('push-service', {
      commonName: 'push-service',
      usage: 'server',
      dns: ['localhost'],
      ips: ['127.0.0.1'],
    });
    const received: ReceivedPush[] = [];
    const gone = new Set<string>();
    const server = createServer(
      { cert: readFileSync(certificate.certFile), key: readFileSync(certificate.keyFile) },
      (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          const path = req.url ?? '';
          received.push({ path, headers: req.headers, body: Buffer.concat(chunks) });
          res.writeHead(gone.has(path) ? 410 : 201).end();
        });
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `https://localhost:${(server.address() as AddressInfo).port}`;
    return new TestPushService(server, origin, received, gone);
  }

  /** A new device subscribed on this service, with its own keys. */
  device(): TestDevice {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = randomBytes(16);
    return {
      subscription: {
        endpoint: `${this.origin}/push/${randomBytes(12).toString('hex')}`,
        keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
      },
      ecdh,
      auth,
    };
  }

  /** The push service forgets the subscription: it answers 410 Gone from now on. */
  markGone(device: TestDevice): void {
    this.gone.add(new URL(device.subscription.endpoint).pathname);
  }

  to(device: TestDevice): ReceivedPush[] {
    const path = new URL(device.subscription.endpoint).pathname;
    return this.received.filter((push) => push.path === path);
  }

  /** What the device would show: the message decrypted with its keys (RFC 8291, aes128gcm). */
  static decrypt(device: TestDevice, push: ReceivedPush): string {
    return ece
      .decrypt(push.body, { version: 'aes128gcm', privateKey: device.ecdh, authSecret: device.auth })
      .toString('utf8');
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

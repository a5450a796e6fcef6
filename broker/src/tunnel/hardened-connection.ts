import ClientConnection from 'guacamole-lite/lib/ClientConnection.js';
import type { WebSocket } from 'ws';
import { EgressFilter, type EgressCounters } from './egress-filter.js';
import { HardenedGuacdClient, type GuacdEndpoint } from './hardened-guacd-client.js';
import type { TokenClaims } from './connection-token.js';

/** Where the verified claims travel into the library's constructor, which reads them through `decryptToken`. */
const CLAIMS = Symbol('claims');

/**
 * One browser's tunnel: guacamole-lite's client connection, with the token already verified and decoded
 * as UTF-8 by the broker, every browser message through the egress filter, and the filter's own answers
 * (keep-alive pings, refused streams) sent back without bothering guacd.
 */
export class HardenedConnection extends ClientConnection {
  readonly filter: EgressFilter;
  readonly claims: TokenClaims;
  readonly openedAt = Date.now();

  constructor(
    clientOptions: Record<string, unknown>,
    connectionId: number,
    webSocket: WebSocket,
    display: { width: number; height: number; dpi: number },
    claims: TokenClaims,
  ) {
    super(
      clientOptions,
      connectionId,
      webSocket,
      { ...display, [CLAIMS]: claims },
      { processConnectionSettings: (settings, callback) => callback(undefined, settings) },
    );
    this.claims = claims;
    this.filter = new EgressFilter({
      canPaste: claims.connection.settings['disable-paste'] === 'false',
      canCopy: claims.connection.settings['disable-copy'] === 'false',
    });
  }

  override decryptToken(): { connection: Record<string, unknown> } {
    const claims = this.query[CLAIMS as unknown as string] as TokenClaims;
    delete this.query[CLAIMS as unknown as string];
    return { connection: { type: claims.connection.type, settings: claims.connection.settings } };
  }

  get isOpen(): boolean {
    return this.state === this.STATE_OPEN;
  }

  counters(): EgressCounters {
    return this.filter.counters();
  }

  override connect(guacdOptions: GuacdEndpoint): void {
    const guacd = HardenedGuacdClient.open(
      guacdOptions,
      this.connectionSelector,
      this.connectionSettings.connection,
      this.logger,
      this.filter,
    );
    this.guacdClient = guacd;
    guacd.on('open', () => {
      this.guacamoleConnectionId = guacd.guacamoleConnectionId ?? undefined;
      this.emit('ready', this);
    });
    guacd.on('close', (error?: Error) => this.close(error));
    guacd.on('error', (error: unknown) => {
      this.handleGuacdError(error);
      this.close(error instanceof Error ? error : new Error('guacd error'));
    });
    guacd.on('data', (data: string) => {
      // What the device is sent, and nothing it is not, for a session recording to keep.
      if (this.state !== this.STATE_CLOSED && this.webSocket.readyState === this.webSocket.OPEN) {
        this.emit('display', data);
      }
      this.send(data);
    });
    this.webSocket.on('close', () => this.close());
    this.webSocket.on('message', (message: unknown) => this.sendMessageToGuacd(message));
    const maxInactivity = Number(this.clientOptions.maxInactivityTime ?? 0);
    if (maxInactivity > 0) this.activityCheckInterval = setInterval(() => this.checkActivity(), 1000);
  }

  override sendMessageToGuacd(message: unknown): void {
    this.lastActivity = Date.now();
    const text = Buffer.isBuffer(message) ? message.toString('utf8') : String(message);
    const out = this.filter.fromClient(text);
    if (out.toClient) this.send(out.toClient);
    if (out.toGuacd) this.guacdClient?.send(out.toGuacd, true);
    if (out.error) this.close(out.error);
  }
}

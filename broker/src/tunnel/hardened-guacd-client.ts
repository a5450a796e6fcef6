import net from 'node:net';
import tls from 'node:tls';
import GuacdClient from 'guacamole-lite/lib/GuacdClient.js';
import type { EgressFilter } from './egress-filter.js';
import { GuacamoleParser, GuacamoleProtocolError } from './guacamole-protocol.js';

/** Where guacd answers, and the internal CA its certificate must come from. */
export interface GuacdEndpoint {
  host: string;
  port: number;
  ca: string;
}

/**
 * guacamole-lite's guacd client with the broker's fixes: the connection to guacd is TLS, guacd's
 * certificate verified against the internal CA for the address called, before a byte of the session goes
 * out (decision 0021); guacd's bytes are decoded across TCP chunks and pass the egress filter before
 * anything else sees them; the handshake is written without Nagle's delay; and guacd is told `disconnect`
 * when the connection ends, so it frees the desktop at once.
 */
export class HardenedGuacdClient extends GuacdClient {
  private filter!: EgressFilter;
  private readonly instructions = new GuacamoleParser();
  /** While one read from guacd is processed, what the library emits for the browser, sent as one message. */
  private batch: string[] | undefined;

  static open(
    guacd: GuacdEndpoint,
    selector: string,
    settings: Record<string, unknown>,
    logger: unknown,
    filter: EgressFilter,
  ): HardenedGuacdClient {
    const client = new HardenedGuacdClient(
      { host: guacd.host, port: guacd.port },
      selector,
      settings,
      logger,
    );
    client.filter = filter;
    // The library has just opened a plain TCP connection. Nothing was sent on it yet (it writes `select` on
    // connect), so TLS is started on that very socket, and the library's listeners move to the TLS one:
    // `select` goes out only once guacd's certificate checks out.
    const tcp = client.guacdConnection;
    for (const event of ['connect', 'data', 'close', 'error']) tcp.removeAllListeners(event);
    tcp.setNoDelay(true);
    const secure = tls.connect({
      socket: tcp,
      host: guacd.host,
      servername: net.isIP(guacd.host) ? undefined : guacd.host,
      ca: guacd.ca,
      minVersion: 'TLSv1.2',
    });
    client.guacdConnection = secure;
    secure.setNoDelay(true);
    secure.on('secureConnect', () => client.processConnectionOpen());
    // Replace the library's listener, which turns each TCP chunk into a string on its own and so breaks
    // characters split between chunks.
    secure.on('data', (chunk: Buffer) => client.receiveBytes(chunk));
    secure.on('close', (hadError: boolean) =>
      client.close(hadError ? new Error('Connection closed unexpectedly') : undefined),
    );
    secure.on('error', (error: Error) => {
      client.emit('error', error);
      client.close(error);
    });
    // TCP errors before TLS takes over (refused, unreachable) surface on the TLS socket too.
    tcp.on('error', () => undefined);
    return client;
  }

  private receiveBytes(chunk: Buffer): void {
    this.lastActivity = Date.now();
    const out = this.filter.fromGuacd(chunk);
    if (out.toGuacd && !this.guacdConnection.destroyed) this.guacdConnection.write(out.toGuacd);
    if (out.toClient) {
      // The library emits each instruction on its own, which would be one WebSocket message each; one read
      // from guacd becomes one message instead, which spares the browser and the network ~20 frames a draw.
      this.batch = [];
      try {
        for (const { opcode, args } of this.instructions.receive(out.toClient))
          this.processInstruction(opcode, [...args]);
      } catch (error) {
        this.batch = undefined;
        this.close(
          error instanceof GuacamoleProtocolError ? error : new Error('guacd sent something unreadable'),
        );
        return;
      }
      const batched = this.batch.join('');
      this.batch = undefined;
      if (batched) super.emit('data', batched);
    }
    if (out.error) this.close(out.error);
  }

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'data' && this.batch && typeof args[0] === 'string') {
      this.batch.push(args[0]);
      return true;
    }
    return super.emit(event, ...args);
  }

  override close(error?: Error): void {
    if (this.state !== this.STATE_CLOSED && this.guacdConnection.writable) {
      this.guacdConnection.write('10.disconnect;');
    }
    super.close(error);
  }
}

import GuacdClient from 'guacamole-lite/lib/GuacdClient.js';
import type { EgressFilter } from './egress-filter.js';
import { GuacamoleParser, GuacamoleProtocolError } from './guacamole-protocol.js';

/**
 * guacamole-lite's guacd client with the broker's fixes: guacd's bytes are decoded across TCP chunks and
 * pass the egress filter before anything else sees them; the handshake is written without Nagle's delay;
 * and guacd is told `disconnect` when the connection ends, so it frees the desktop at once.
 */
export class HardenedGuacdClient extends GuacdClient {
  private filter!: EgressFilter;
  private readonly instructions = new GuacamoleParser();
  /** While one read from guacd is processed, what the library emits for the browser, sent as one message. */
  private batch: string[] | undefined;

  static open(
    guacdOptions: { host: string; port: number },
    selector: string,
    settings: Record<string, unknown>,
    logger: unknown,
    filter: EgressFilter,
  ): HardenedGuacdClient {
    const client = new HardenedGuacdClient(guacdOptions, selector, settings, logger);
    client.filter = filter;
    // Replace the library's listener, which turns each TCP chunk into a string on its own and so breaks
    // characters split between chunks.
    client.guacdConnection.removeAllListeners('data');
    client.guacdConnection.on('data', (chunk: Buffer) => client.receiveBytes(chunk));
    client.guacdConnection.setNoDelay(true);
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

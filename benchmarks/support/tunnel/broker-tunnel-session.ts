import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { GuacamoleParser } from '#broker/tunnel/guacamole-protocol.js';
import { GuacamoleSession } from './guacamole-session.js';
import type { DisplaySize } from './direct-guacd-session.js';

/** guacamole-common-js's WebSocket tunnel pings this often and expects the broker to echo it. */
const PING_INTERVAL_MS = 500;

export interface TunnelTicket {
  /** The tunnel's address, e.g. `ws://127.0.0.1:8080/tunnel`. */
  url: string;
  origin: string;
  cookie: string;
  token: string;
}

/** A browser's end of the broker's WebSocket tunnel, as guacamole-common-js opens and keeps it. */
export class BrokerTunnelSession extends GuacamoleSession {
  private socket: Socket | undefined;
  private messages = 0;
  private pinger: NodeJS.Timeout | undefined;
  /** When the broker accepted the WebSocket upgrade (token, origin, session and single use checked). */
  upgradedAt: number | undefined;

  private constructor(private readonly webSocket: WebSocket) {
    super();
  }

  get bytesReceived(): number {
    return this.socket?.bytesRead ?? 0;
  }

  get messagesReceived(): number {
    return this.messages;
  }

  /** Resolves when the broker passes on guacd's `ready` (as the connection ID under the empty opcode). */
  static open(ticket: TunnelTicket, display: DisplaySize): Promise<BrokerTunnelSession> {
    const query = new URLSearchParams({
      token: ticket.token,
      width: String(display.width),
      height: String(display.height),
      dpi: String(display.dpi),
    });
    const webSocket = new WebSocket(`${ticket.url}?${query}`, {
      headers: { Origin: ticket.origin, Cookie: ticket.cookie },
      perMessageDeflate: false,
    });
    const session = new BrokerTunnelSession(webSocket);
    const parser = new GuacamoleParser();
    let isReady = false;
    // What arrives just after `ready` waits one turn, so the caller can start listening before it is seen.
    let held: { opcode: string; args: readonly string[]; at: number }[] | undefined;
    return new Promise((resolve, reject) => {
      webSocket.once('upgrade', (response) => {
        session.upgradedAt = performance.now();
        session.socket = response.socket;
      });
      webSocket.once('unexpected-response', (_request, response) => {
        reject(new Error(`the tunnel refused the upgrade: ${response.statusCode} ${response.statusMessage}`));
        webSocket.terminate();
      });
      webSocket.on('message', (data: Buffer) => {
        const at = performance.now();
        session.messages++;
        let instructions;
        try {
          instructions = parser.receive(data.toString('utf8'));
        } catch (error) {
          webSocket.terminate();
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        for (const { opcode, args } of instructions) {
          if (held) {
            held.push({ opcode, args, at });
          } else if (isReady) {
            session.dispatch(opcode, args, at);
          } else if (opcode === '') {
            isReady = true;
            held = [];
            setImmediate(() => {
              const queued = held ?? [];
              held = undefined;
              for (const item of queued) session.dispatch(item.opcode, item.args, item.at);
            });
            session.pinger = setInterval(
              () => session.send('', 'ping', String(Date.now())),
              PING_INTERVAL_MS,
            );
            resolve(session);
          } else if (opcode === 'error') {
            reject(new Error(`the tunnel failed: ${args.join(' ')}`));
          }
        }
      });
      webSocket.on('error', (error) => {
        reject(error);
        session.markClosed(error.message);
      });
      webSocket.on('close', (code, reason) => {
        clearInterval(session.pinger);
        reject(new Error(`the tunnel closed before it was ready (${code} ${reason.toString()})`));
        session.markClosed(`${code}`);
      });
    });
  }

  protected write(wire: string): void {
    if (this.webSocket.readyState === WebSocket.OPEN) this.webSocket.send(wire);
  }

  async close(): Promise<void> {
    clearInterval(this.pinger);
    if (this.isClosed) return;
    this.webSocket.close(1000);
    const timer = setTimeout(() => this.webSocket.terminate(), 1000);
    await this.closed;
    clearTimeout(timer);
  }
}

import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { GuacamoleByteDecoder, encodeInstruction } from '#broker/tunnel/guacamole-protocol.js';
import { GuacamoleSession } from './guacamole-session.js';

export interface GuacdAddress {
  host: string;
  port: number;
  /** The internal CA guacd's certificate comes from: guacd speaks TLS, as in the product. */
  ca: string;
}

export interface DisplaySize {
  width: number;
  height: number;
  dpi: number;
}

export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp'];

/**
 * The `connect` values for guacd's `args`, chosen as the broker's tunnel chooses them, so that guacd does
 * the same work on both paths: the protocol version is answered with 1.1.0 (what guacamole-lite speaks),
 * every other name with its setting or an empty value.
 */
export function connectArgs(argNames: readonly string[], settings: Record<string, string>): string[] {
  return argNames.map((name) => {
    if (!name.startsWith('VERSION_')) return settings[name] ?? '';
    return name === 'VERSION_1_0_0' ? name : 'VERSION_1_1_0';
  });
}

/**
 * A minimal Guacamole client speaking straight to guacd over TLS: the path without the broker, against
 * which the broker's tunnel is measured.
 */
export class DirectGuacdSession extends GuacamoleSession {
  private readMessages = 0;
  /** The parameter names guacd asked for, in its order. */
  argNames: readonly string[] = [];

  private constructor(private readonly socket: tls.TLSSocket) {
    super();
  }

  get bytesReceived(): number {
    return this.socket.bytesRead;
  }

  get messagesReceived(): number {
    return this.readMessages;
  }

  /** Resolves once guacd says `ready`, i.e. it has reached the desktop. */
  static open(
    guacd: GuacdAddress,
    settings: Record<string, string>,
    display: DisplaySize,
    /** The image types this client says it accepts (`image`); guacd encodes only in these. */
    imageTypes: readonly string[] = IMAGE_TYPES,
  ): Promise<DirectGuacdSession> {
    const socket = tls.connect({
      host: guacd.host,
      port: guacd.port,
      ca: guacd.ca,
      servername: net.isIP(guacd.host) ? undefined : guacd.host,
    });
    socket.setNoDelay(true);
    const session = new DirectGuacdSession(socket);
    const decoder = new GuacamoleByteDecoder();
    let isReady = false;
    // What arrives just after `ready` waits one turn, so the caller can start listening before it is seen.
    let held: { opcode: string; args: readonly string[]; at: number }[] | undefined;
    return new Promise((resolve, reject) => {
      socket.once('secureConnect', () => socket.write(encodeInstruction('select', 'vnc')));
      socket.on('data', (chunk: Buffer) => {
        const at = performance.now();
        session.readMessages++;
        let instructions;
        try {
          instructions = decoder.receive(chunk);
        } catch (error) {
          socket.destroy();
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        for (const { opcode, args } of instructions) {
          if (held) {
            held.push({ opcode, args, at });
          } else if (isReady) {
            session.dispatch(opcode, args, at);
          } else if (opcode === 'args') {
            session.argNames = args;
            const values = connectArgs(args, settings);
            socket.write(
              encodeInstruction('size', String(display.width), String(display.height), String(display.dpi)) +
                encodeInstruction('audio') +
                encodeInstruction('video') +
                encodeInstruction('image', ...imageTypes) +
                (values.includes('VERSION_1_1_0') ? encodeInstruction('timezone') : '') +
                encodeInstruction('connect', ...values),
            );
          } else if (opcode === 'ready') {
            isReady = true;
            held = [];
            setImmediate(() => {
              const queued = held ?? [];
              held = undefined;
              for (const item of queued) session.dispatch(item.opcode, item.args, item.at);
            });
            resolve(session);
          } else if (opcode === 'error') {
            reject(new Error(`guacd refused the connection: ${args.join(' ')}`));
          }
        }
      });
      socket.on('error', (error) => {
        reject(error);
        session.markClosed(error.message);
      });
      socket.on('close', () => {
        reject(new Error('guacd closed the connection during the handshake'));
        session.markClosed('closed');
      });
    });
  }

  protected write(wire: string): void {
    if (this.socket.writable) this.socket.write(wire);
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.write(encodeInstruction('disconnect'));
    this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(), 1000);
    await this.closed;
    clearTimeout(timer);
  }
}

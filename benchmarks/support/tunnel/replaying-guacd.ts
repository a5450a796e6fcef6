import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { GuacamoleByteDecoder, encodeInstruction } from '#broker/tunnel/guacamole-protocol.js';
import type { GuacdRecording, RecordedFrame } from './guacd-recording.js';

/** Like guacd, stop sending new frames while the client has not answered a `sync` this old. */
const MAX_UNANSWERED_MS = 500;
const TICK_MS = 5;

interface Connection {
  socket: net.Socket;
  startedAt: number;
  next: number;
  /** Timestamps of sent `sync`s not yet answered, oldest first. */
  unanswered: number[];
}

export interface ReplayStats {
  connections: number;
  framesSent: number;
  framesHeldBack: number;
  bytesSent: number;
  /** Milliseconds from each `sync` written here to its answer read here: the browser round trip. */
  syncRoundTrips: number[];
}

/**
 * A guacd stand-in that answers the handshake with the recorded parameter names and then plays the
 * recording to every connection with its original timing: the opening frames once, the rest in a loop.
 * Each frame ends with a fresh `sync`, and the answers are timed, as guacd itself does to pace a client.
 * It speaks TLS with guacd's certificate, as guacd does to the broker.
 */
export class ReplayingGuacd {
  private readonly server: tls.Server;
  private readonly live = new Set<Connection>();
  private readonly ticker: NodeJS.Timeout;
  private readonly stats: ReplayStats = {
    connections: 0,
    framesSent: 0,
    framesHeldBack: 0,
    bytesSent: 0,
    syncRoundTrips: [],
  };
  private readonly loopMs: number;
  private readonly loopStart: number;

  constructor(
    private readonly recording: GuacdRecording,
    certificate: { cert: string; key: string },
  ) {
    this.server = tls.createServer(certificate, (socket) => this.accept(socket));
    this.loopStart = recording.steady[0]?.at ?? 0;
    this.loopMs = Math.max(1, recording.durationMs - this.loopStart);
    this.ticker = setInterval(() => this.tick(), TICK_MS);
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Statistics since the last call. */
  takeStats(): ReplayStats {
    const taken = { ...this.stats, syncRoundTrips: this.stats.syncRoundTrips.splice(0) };
    Object.assign(this.stats, { framesSent: 0, framesHeldBack: 0, bytesSent: 0 });
    return taken;
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    const decoder = new GuacamoleByteDecoder();
    let connection: Connection | undefined;
    socket.on('data', (chunk: Buffer) => {
      const now = performance.now();
      let instructions;
      try {
        instructions = decoder.receive(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const { opcode, args } of instructions) {
        if (opcode === 'select') socket.write(encodeInstruction('args', ...this.recording.argNames));
        else if (opcode === 'connect' && !connection) {
          this.stats.connections++;
          socket.write(encodeInstruction('ready', `$replay-${this.stats.connections}`));
          connection = { socket, startedAt: now, next: 0, unanswered: [] };
          this.live.add(connection);
        } else if (opcode === 'sync' && connection) {
          const answered = Number(args[0]);
          const index = connection.unanswered.indexOf(answered);
          if (index >= 0) {
            this.stats.syncRoundTrips.push(now - answered);
            connection.unanswered.splice(0, index + 1);
          }
        } else if (opcode === 'disconnect') socket.end();
      }
    });
    const forget = (): void => {
      if (connection) this.live.delete(connection);
    };
    socket.on('close', forget);
    socket.on('error', forget);
  }

  /** Where frame `index` of the replay falls, in milliseconds after the connection opened. */
  private frameAt(index: number): RecordedFrame | undefined {
    const { opening, steady } = this.recording;
    if (index < opening.length) return opening[index];
    if (steady.length === 0) return undefined;
    const i = (index - opening.length) % steady.length;
    const loop = Math.floor((index - opening.length) / steady.length);
    const frame = steady[i]!;
    return { at: frame.at + loop * this.loopMs, wire: frame.wire };
  }

  private tick(): void {
    const now = performance.now();
    for (const connection of this.live) {
      for (;;) {
        const frame = this.frameAt(connection.next);
        if (!frame || connection.startedAt + frame.at > now) break;
        connection.next++;
        const oldest = connection.unanswered[0];
        if (oldest !== undefined && now - oldest > MAX_UNANSWERED_MS) {
          this.stats.framesHeldBack++;
          continue;
        }
        // Whole milliseconds, as guacd sends them; the round trip is timed from the moment of writing.
        const stamp = Math.round(now);
        const wire = frame.wire + encodeInstruction('sync', String(stamp));
        connection.unanswered.push(stamp);
        connection.socket.write(wire);
        this.stats.framesSent++;
        this.stats.bytesSent += Buffer.byteLength(wire);
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.ticker);
    for (const { socket } of this.live) socket.destroy();
    this.live.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

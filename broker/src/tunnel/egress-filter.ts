// The broker's guarantee that only pixels reach the device, enforced on the Guacamole instruction stream of
// one connection. It sits on guacd's TCP stream, so it sees the handshake as well as the session.
import {
  GuacamoleByteDecoder,
  GuacamoleParser,
  GuacamoleProtocolError,
  encodeInstruction,
  type GuacamoleInstruction,
  type GuacamoleParserLimits,
} from './guacamole-protocol.js';

export interface EgressFilterOptions {
  /** Whether the browser may paste into the desktop (a `clipboard` stream from the client). */
  canPaste: boolean;
  /**
   * Whether the desktop's clipboard may reach the browser. Never in production (configuration refuses it):
   * it exists so the egress test's control run can prove its check finds copied text when copy is allowed.
   */
  canCopy?: boolean;
  /** Set when the handshake with guacd happens elsewhere and only session traffic passes the filter. */
  isHandshakeDone?: boolean;
  limits?: Partial<GuacamoleParserLimits>;
  /** Most streams tracked at once per direction; guacd itself allows 64. */
  maxOpenStreams?: number;
}

export interface EgressOutput {
  /** Wire text for the browser: filtered instructions and the filter's own replies. */
  toClient: string;
  /** Wire text for guacd: filtered instructions and the filter's own replies. */
  toGuacd: string;
  /** Set once the connection must be closed; from then on nothing passes in either direction. */
  error: GuacamoleProtocolError | null;
}

export interface DirectionCounters {
  forwarded: Record<string, number>;
  dropped: Record<string, number>;
  droppedBytes: number;
}

export interface EgressCounters {
  fromGuacd: DirectionCounters;
  fromClient: DirectionCounters;
  repliesToGuacd: number;
  repliesToClient: number;
  pingsAnswered: number;
}

/** guacamole-common-js's WebSocket tunnel keeps itself alive with `0.,4.ping,<ms>;` and waits for the echo. */
export const INTERNAL_OPCODE = '';

// Guacamole status 0x0303 (CLIENT_FORBIDDEN): both guacd and guacamole-common-js release a stream on any
// status of 0x0100 or above, so the peer stops waiting instead of stalling the connection.
const STREAM_REFUSED_STATUS = String(0x0303);
const STREAM_REFUSED_MESSAGE = 'Stream refused by the egress policy';

const DRAWING_OPCODES = [
  'arc',
  'cfill',
  'clip',
  'close',
  'copy',
  'cstroke',
  'curve',
  'cursor',
  'dispose',
  'distort',
  'identity',
  'lfill',
  'line',
  'lstroke',
  'move',
  'pop',
  'push',
  'rect',
  'reset',
  'set',
  'shade',
  'size',
  'start',
  'transfer',
  'transform',
] as const;

// `name` is left out on purpose: the client only shows it as a title, and it is text chosen by the desktop.
const SERVER_SESSION_OPCODES: ReadonlySet<string> = new Set([
  ...DRAWING_OPCODES,
  'sync',
  'error',
  'disconnect',
  'nop',
]);
// guacamole-lite answers `args` with the connection parameters and turns `ready` into the tunnel UUID.
const SERVER_HANDSHAKE_OPCODES: ReadonlySet<string> = new Set([
  'args',
  'ready',
  'error',
  'disconnect',
  'nop',
]);
const CLIENT_SESSION_OPCODES: ReadonlySet<string> = new Set([
  'key',
  'mouse',
  'touch',
  'size',
  'sync',
  'disconnect',
  'nop',
]);
const CLIENT_HANDSHAKE_OPCODES: ReadonlySet<string> = new Set([
  'select',
  'size',
  'audio',
  'video',
  'image',
  'timezone',
  'name',
  'connect',
]);

// Where each stream-opening instruction names its stream index.
const SERVER_STREAM_OPENERS: ReadonlyMap<string, number> = new Map([
  ['img', 0],
  ['clipboard', 0],
  ['file', 0],
  ['pipe', 0],
  ['audio', 0],
  ['video', 0],
  ['argv', 0],
  ['body', 1],
]);
const CLIENT_STREAM_OPENERS: ReadonlyMap<string, number> = new Map([
  ['clipboard', 0],
  ['file', 0],
  ['pipe', 0],
  ['audio', 0],
  ['argv', 0],
  ['put', 1],
]);

// What guacd emits for `img`; anything else could ask the browser to hold a non-image blob.
const IMAGE_MIMETYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/webp']);

// Counters are keyed by opcode; unknown opcodes share one key so a hostile peer cannot grow the map.
const KNOWN_OPCODES: ReadonlySet<string> = new Set([
  ...SERVER_SESSION_OPCODES,
  ...SERVER_HANDSHAKE_OPCODES,
  ...CLIENT_SESSION_OPCODES,
  ...CLIENT_HANDSHAKE_OPCODES,
  ...SERVER_STREAM_OPENERS.keys(),
  ...CLIENT_STREAM_OPENERS.keys(),
  'blob',
  'end',
  'ack',
  'name',
  'filesystem',
  'required',
  'nest',
  'msg',
  'get',
  'png',
  'jpeg',
]);

// A stream index as guacd writes it; anything else (`01`, `1x`) could be read differently by the browser.
const STREAM_INDEX = /^(0|[1-9][0-9]{0,9})$/;

type Direction = 'fromGuacd' | 'fromClient';

// `answered`: the filter replied itself and the instruction goes nowhere, yet nothing was refused.
interface Verdict {
  outcome: 'forwarded' | 'dropped' | 'answered';
  replyToGuacd?: string;
  replyToClient?: string;
}

const FORWARD: Verdict = { outcome: 'forwarded' };
const DROP: Verdict = { outcome: 'dropped' };

export class EgressFilter {
  private readonly canPaste: boolean;
  private readonly canCopy: boolean;
  private readonly copyStreams = new Set<string>();
  private readonly maxOpenStreams: number;
  private readonly guacdDecoder: GuacamoleByteDecoder;
  private readonly clientParser: GuacamoleParser;
  private isServerHandshakeDone: boolean;
  private isClientHandshakeDone: boolean;
  // Only streams whose data may pass are tracked: a blob or end for any other index is dropped.
  private readonly imageStreams = new Set<string>();
  private readonly pasteStreams = new Set<string>();
  private failure: GuacamoleProtocolError | null = null;
  private readonly tally = {
    fromGuacd: { forwarded: new Map<string, number>(), dropped: new Map<string, number>(), droppedBytes: 0 },
    fromClient: { forwarded: new Map<string, number>(), dropped: new Map<string, number>(), droppedBytes: 0 },
    repliesToGuacd: 0,
    repliesToClient: 0,
    pingsAnswered: 0,
  };

  constructor(options: EgressFilterOptions) {
    this.canPaste = options.canPaste;
    this.canCopy = options.canCopy ?? false;
    this.maxOpenStreams = options.maxOpenStreams ?? 1024;
    this.guacdDecoder = new GuacamoleByteDecoder(options.limits);
    this.clientParser = new GuacamoleParser(options.limits);
    this.isServerHandshakeDone = options.isHandshakeDone ?? false;
    this.isClientHandshakeDone = options.isHandshakeDone ?? false;
  }

  /** The error that ended this connection, if any. */
  get error(): GuacamoleProtocolError | null {
    return this.failure;
  }

  /** Bytes read from guacd. */
  fromGuacd(chunk: Uint8Array): EgressOutput {
    return this.process('fromGuacd', () => this.guacdDecoder.receive(chunk));
  }

  /** Text received from the browser's WebSocket. */
  fromClient(text: string): EgressOutput {
    return this.process('fromClient', () => this.clientParser.receive(text));
  }

  counters(): EgressCounters {
    const snapshot = (direction: Direction): DirectionCounters => ({
      forwarded: Object.fromEntries(this.tally[direction].forwarded),
      dropped: Object.fromEntries(this.tally[direction].dropped),
      droppedBytes: this.tally[direction].droppedBytes,
    });
    return {
      fromGuacd: snapshot('fromGuacd'),
      fromClient: snapshot('fromClient'),
      repliesToGuacd: this.tally.repliesToGuacd,
      repliesToClient: this.tally.repliesToClient,
      pingsAnswered: this.tally.pingsAnswered,
    };
  }

  private process(direction: Direction, parse: () => GuacamoleInstruction[]): EgressOutput {
    if (this.failure) return { toClient: '', toGuacd: '', error: this.failure };
    const toClient: string[] = [];
    const toGuacd: string[] = [];
    try {
      for (const instruction of parse()) {
        const verdict =
          direction === 'fromGuacd' ? this.judgeFromGuacd(instruction) : this.judgeFromClient(instruction);
        if (verdict.outcome === 'forwarded') {
          const wire = encodeInstruction(instruction.opcode, ...instruction.args);
          (direction === 'fromGuacd' ? toClient : toGuacd).push(wire);
          this.count(direction, 'forwarded', instruction.opcode);
        } else if (verdict.outcome === 'dropped') {
          this.count(direction, 'dropped', instruction.opcode);
          const wire = encodeInstruction(instruction.opcode, ...instruction.args);
          this.tally[direction].droppedBytes += Buffer.byteLength(wire, 'utf8');
        }
        if (verdict.replyToGuacd !== undefined) {
          toGuacd.push(verdict.replyToGuacd);
          this.tally.repliesToGuacd++;
        }
        if (verdict.replyToClient !== undefined) {
          toClient.push(verdict.replyToClient);
          this.tally.repliesToClient++;
        }
      }
    } catch (error) {
      if (!(error instanceof GuacamoleProtocolError)) throw error;
      // Output already filtered from this chunk is withheld too: the caller closes the connection anyway.
      this.failure = error;
      return { toClient: '', toGuacd: '', error };
    }
    return { toClient: toClient.join(''), toGuacd: toGuacd.join(''), error: null };
  }

  private judgeFromGuacd({ opcode, args }: GuacamoleInstruction): Verdict {
    if (!this.isServerHandshakeDone) {
      if (opcode === 'ready') this.isServerHandshakeDone = true;
      return SERVER_HANDSHAKE_OPCODES.has(opcode) ? FORWARD : DROP;
    }
    const openerIndex = SERVER_STREAM_OPENERS.get(opcode);
    if (openerIndex !== undefined) {
      const index = streamIndexOf(args, openerIndex);
      if (opcode === 'img' && index !== null && IMAGE_MIMETYPES.has(args[3] ?? '')) {
        this.openStream(this.imageStreams, index);
        return FORWARD;
      }
      if (index === null) return DROP;
      // A refused stream may reuse the index of an image stream guacd never ended; its data must not pass.
      this.imageStreams.delete(index);
      if (opcode === 'clipboard' && this.canCopy) {
        this.openStream(this.copyStreams, index);
        return FORWARD;
      }
      this.copyStreams.delete(index);
      return { outcome: 'dropped', replyToGuacd: refusal(index) };
    }
    if (opcode === 'blob' || opcode === 'end') {
      const index = streamIndexOf(args, 0);
      const streams = index !== null && this.copyStreams.has(index) ? this.copyStreams : this.imageStreams;
      return this.judgeStreamData(streams, opcode, args);
    }
    if (opcode === 'ack') return isTracked(this.pasteStreams, args) ? FORWARD : DROP;
    return SERVER_SESSION_OPCODES.has(opcode) ? FORWARD : DROP;
  }

  private judgeFromClient({ opcode, args }: GuacamoleInstruction): Verdict {
    // guacamole-lite holds the browser's messages until guacd is ready, so after `ready` none is handshake,
    // even when guacamole-lite wrote its `select` to `connect` straight to guacd.
    if (!this.isClientHandshakeDone && !this.isServerHandshakeDone) {
      if (opcode === 'connect') this.isClientHandshakeDone = true;
      return CLIENT_HANDSHAKE_OPCODES.has(opcode) ? FORWARD : DROP;
    }
    if (opcode === INTERNAL_OPCODE) {
      if (args.length !== 2 || args[0] !== 'ping') return DROP;
      this.tally.pingsAnswered++;
      return { outcome: 'answered', replyToClient: encodeInstruction(INTERNAL_OPCODE, ...args) };
    }
    const openerIndex = CLIENT_STREAM_OPENERS.get(opcode);
    if (openerIndex !== undefined) {
      const index = streamIndexOf(args, openerIndex);
      if (index === null) return DROP;
      if (opcode === 'clipboard' && this.canPaste) {
        this.openStream(this.pasteStreams, index);
        return FORWARD;
      }
      this.pasteStreams.delete(index);
      return { outcome: 'dropped', replyToClient: refusal(index) };
    }
    if (opcode === 'blob' || opcode === 'end') return this.judgeStreamData(this.pasteStreams, opcode, args);
    if (opcode === 'ack')
      return isTracked(this.imageStreams, args) || isTracked(this.copyStreams, args) ? FORWARD : DROP;
    return CLIENT_SESSION_OPCODES.has(opcode) ? FORWARD : DROP;
  }

  private judgeStreamData(open: Set<string>, opcode: 'blob' | 'end', args: readonly string[]): Verdict {
    const index = streamIndexOf(args, 0);
    if (index === null || !open.has(index)) return DROP;
    if (opcode === 'end') open.delete(index);
    return FORWARD;
  }

  private openStream(open: Set<string>, index: string): void {
    if (!open.has(index) && open.size >= this.maxOpenStreams) {
      throw new GuacamoleProtocolError(
        'too-many-streams',
        `More than ${this.maxOpenStreams} streams are open at once.`,
      );
    }
    open.add(index);
  }

  private count(direction: Direction, verdict: 'forwarded' | 'dropped', opcode: string): void {
    const key = opcode === INTERNAL_OPCODE ? 'internal' : KNOWN_OPCODES.has(opcode) ? opcode : 'unknown';
    const counts = this.tally[direction][verdict];
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
}

function streamIndexOf(args: readonly string[], position: number): string | null {
  const index = args[position];
  return index !== undefined && STREAM_INDEX.test(index) ? index : null;
}

function isTracked(open: ReadonlySet<string>, args: readonly string[]): boolean {
  const index = streamIndexOf(args, 0);
  return index !== null && open.has(index);
}

function refusal(index: string): string {
  return encodeInstruction('ack', index, STREAM_REFUSED_MESSAGE, STREAM_REFUSED_STATUS);
}

// Factories and an independent auditor for the egress filter specifications. The auditor keeps its own
// lists of what may reach each side, so a mistake in the filter's lists cannot hide itself.
import { EgressFilter, type EgressFilterOptions, type EgressOutput } from '#broker/tunnel/egress-filter.js';
import {
  GuacamoleParser,
  encodeInstruction,
  type GuacamoleInstruction,
} from '#broker/tunnel/guacamole-protocol.js';

export const wire = encodeInstruction;

export function bytes(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

export function parseAll(text: string): GuacamoleInstruction[] {
  return new GuacamoleParser().receive(text);
}

export function opcodesOf(text: string): string[] {
  return parseAll(text).map((instruction) => instruction.opcode);
}

/** The handshake as guacamole-lite and guacd run it on guacd's socket. */
export function aHandshake(): { fromGuacd: string[]; fromClient: string[] } {
  return {
    fromGuacd: [wire('args', 'VERSION_1_5_0', 'hostname', 'port', 'password'), wire('ready', '$a1b2c3')],
    fromClient: [
      wire('select', 'vnc'),
      wire('size', '1024', '768', '96'),
      wire('audio'),
      wire('video'),
      wire('image', 'image/png', 'image/jpeg', 'image/webp'),
      wire('timezone', 'Asia/Tokyo'),
      wire('connect', 'VERSION_1_5_0', 'desktop-01', '5900', 'secret'),
    ],
  };
}

export function aFilter(options: Partial<EgressFilterOptions> = {}): EgressFilter {
  return new EgressFilter({ canPaste: false, ...options });
}

/** A filter whose handshake has already passed through it, as in a live session. */
export function aConnectedFilter(options: Partial<EgressFilterOptions> = {}): EgressFilter {
  const filter = aFilter(options);
  const handshake = aHandshake();
  filter.fromGuacd(bytes(handshake.fromGuacd[0] ?? ''));
  for (const line of handshake.fromClient) filter.fromClient(line);
  filter.fromGuacd(bytes(handshake.fromGuacd[1] ?? ''));
  return filter;
}

export function anImageStream(index: string, ...blobs: string[]): string[] {
  return [
    wire('img', index, '14', '0', 'image/png', '0', '0'),
    ...blobs.map((data) => wire('blob', index, data)),
    wire('end', index),
  ];
}

/** What the filter and a pass-through stand-in have in common, so one property can test both. */
export interface InstructionGate {
  fromGuacd(chunk: Uint8Array): EgressOutput;
  fromClient(text: string): EgressOutput;
}

/** The control: forwards everything, as the tunnel would without a filter. */
export class PassThroughGate implements InstructionGate {
  private readonly decoder = new TextDecoder();

  fromGuacd(chunk: Uint8Array): EgressOutput {
    return { toClient: this.decoder.decode(chunk, { stream: true }), toGuacd: '', error: null };
  }

  fromClient(text: string): EgressOutput {
    return { toClient: '', toGuacd: text, error: null };
  }
}

const DISPLAY_OPCODES = new Set(
  (
    'arc cfill clip close copy cstroke curve cursor dispose distort identity lfill line lstroke move pop push ' +
    'rect reset set shade size start transfer transform sync error disconnect nop'
  ).split(' '),
);
const IMAGE_MIMETYPES = new Set(['image/png', 'image/jpeg', 'image/webp']);
const INPUT_OPCODES = new Set('key mouse touch size sync disconnect nop'.split(' '));

/**
 * Why the text sent to the browser breaks "only pixels reach the device", or nothing. Checked on the
 * output alone: blobs, ends and acks must belong to image streams opened earlier in the same output.
 * Blob data marked secret came from a forbidden stream; pass `null` when input was mutated, since
 * reframing can then legitimately carry the marker into an image blob.
 */
export function auditToClient(text: string, secretMarker: string | null = 'secret'): string[] {
  const violations: string[] = [];
  const openImages = new Set<string>();
  let instructions: GuacamoleInstruction[];
  try {
    instructions = parseAll(text);
  } catch (error) {
    return [`output does not parse: ${String(error)}`];
  }
  for (const { opcode, args } of instructions) {
    const index = args[0] ?? '';
    if (opcode === 'img') {
      if (!IMAGE_MIMETYPES.has(args[3] ?? '')) violations.push(`img with mimetype ${args[3]}`);
      openImages.add(index);
    } else if (opcode === 'blob' || opcode === 'end') {
      if (!openImages.has(index)) violations.push(`${opcode} for stream ${index}, not an open image`);
      if (opcode === 'blob' && secretMarker !== null && (args[1] ?? '').includes(secretMarker)) {
        violations.push(`secret blob ${args[1]}`);
      }
      if (opcode === 'end') openImages.delete(index);
    } else if (opcode === 'ack') {
      violations.push(`ack ${index} reached the browser, which opened no stream`);
    } else if (!DISPLAY_OPCODES.has(opcode)) {
      violations.push(`forbidden opcode '${opcode}'`);
    }
  }
  return violations;
}

/** Why the text sent to guacd breaks the input policy, or nothing. */
export function auditToGuacd(
  text: string,
  policy: { canPaste: boolean; imageStreams: ReadonlySet<string> },
  secretMarker: string | null = 'secret',
): string[] {
  const violations: string[] = [];
  const openPastes = new Set<string>();
  let instructions: GuacamoleInstruction[];
  try {
    instructions = parseAll(text);
  } catch (error) {
    return [`output does not parse: ${String(error)}`];
  }
  for (const { opcode, args } of instructions) {
    const index = args[0] ?? '';
    if (opcode === 'clipboard') {
      if (!policy.canPaste) violations.push('clipboard sent although paste is forbidden');
      openPastes.add(index);
    } else if (opcode === 'blob' || opcode === 'end') {
      if (!openPastes.has(index)) violations.push(`${opcode} for stream ${index}, not an open paste`);
      if (opcode === 'blob' && secretMarker !== null && (args[1] ?? '').includes(secretMarker)) {
        violations.push(`secret blob ${args[1]}`);
      }
      if (opcode === 'end') openPastes.delete(index);
    } else if (opcode === 'ack') {
      if (!policy.imageStreams.has(index)) violations.push(`ack for stream ${index}, not an image stream`);
    } else if (!INPUT_OPCODES.has(opcode)) {
      violations.push(`forbidden opcode '${opcode}'`);
    }
  }
  return violations;
}

/** The filter's own replies must only refuse streams (status 0x0100 and above) or echo pings. */
export function auditReplies(text: string, allowedOpcodes: ReadonlySet<string>): string[] {
  const violations: string[] = [];
  for (const { opcode, args } of parseAll(text)) {
    if (!allowedOpcodes.has(opcode)) violations.push(`reply with opcode '${opcode}'`);
    if (opcode === 'ack' && Number(args[2]) < 0x0100) violations.push(`reply acknowledges stream ${args[0]}`);
  }
  return violations;
}

/** Cuts `whole` at the given offsets (taken modulo its length), keeping every byte exactly once. */
export function splitAt<T extends { length: number; slice(start: number, end?: number): T }>(
  whole: T,
  cuts: readonly number[],
): T[] {
  if (whole.length === 0) return [whole];
  const offsets = [...new Set(cuts.map((cut) => cut % whole.length))].sort((a, b) => a - b);
  const pieces: T[] = [];
  let start = 0;
  for (const offset of offsets) {
    pieces.push(whole.slice(start, offset));
    start = offset;
  }
  pieces.push(whole.slice(start));
  return pieces;
}

// Random and hostile instruction streams, cut at random points, against the egress filter. Each safety
// property is run a second time against a pass-through gate to show that its check can fail.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { EgressOutput } from '#broker/tunnel/egress-filter.js';
import { GuacamoleProtocolError } from '#broker/tunnel/guacamole-protocol.js';
import {
  PassThroughGate,
  aConnectedFilter,
  auditReplies,
  auditToClient,
  auditToGuacd,
  bytes,
  parseAll,
  splitAt,
  wire,
  type InstructionGate,
} from './egress-fixtures.js';

const RUNS = 200;
const CANONICAL_INDEX = /^(0|[1-9][0-9]*)$/;

/** A stream step or a lone instruction, as written by a (possibly misbehaving) peer. */
type Step =
  | { kind: 'open'; opcode: string; index: string; isImageMimetype: boolean }
  | { kind: 'blob'; index: string; data: string }
  | { kind: 'end' | 'ack'; index: string }
  | { kind: 'plain'; opcode: string; args: string[] };

const payload = fc
  .array(fc.constantFrom('A', 'z', '+', '/', '=', '佐', 'か', '😀', ',', ';', '.', '7'), { maxLength: 8 })
  .map((parts) => parts.join(''));
// Few indices, so streams collide and indices are reused; '01' is how a hostile peer might alias '1'.
const streamIndex = fc.constantFrom('0', '1', '2', '01');
const numbers = fc.array(fc.integer({ min: -2, max: 4096 }).map(String), { maxLength: 7 });
// Random opcodes stay clear of stream opcodes, whose effect the reference in writeSession must model.
const STREAM_OPCODES = new Set('img blob end ack clipboard file pipe audio video argv body put'.split(' '));
const randomOpcode = fc
  .string({ minLength: 1, maxLength: 6 })
  .filter((opcode) => !STREAM_OPCODES.has(opcode));

const serverStep: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('open' as const),
    opcode: fc.constantFrom(
      'img',
      'img',
      'img',
      'clipboard',
      'file',
      'pipe',
      'audio',
      'video',
      'argv',
      'body',
    ),
    index: streamIndex,
    isImageMimetype: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('blob' as const), index: streamIndex, data: payload }),
  fc.record({ kind: fc.constantFrom('end' as const, 'ack' as const), index: streamIndex }),
  fc.record({
    kind: fc.constant('plain' as const),
    opcode: fc.oneof(
      fc.constantFrom(
        'rect',
        'cfill',
        'copy',
        'size',
        'cursor',
        'sync',
        'nop',
        'error',
        'transfer',
        'dispose',
      ),
      fc.constantFrom(
        'filesystem',
        'required',
        'nest',
        'msg',
        'name',
        'png',
        'args',
        'ready',
        '',
        '__proto__',
      ),
      randomOpcode,
    ),
    args: numbers,
  }),
);

const clientStep: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('open' as const),
    opcode: fc.constantFrom('clipboard', 'clipboard', 'file', 'pipe', 'argv', 'audio', 'put'),
    index: streamIndex,
    isImageMimetype: fc.constant(false),
  }),
  fc.record({ kind: fc.constant('blob' as const), index: streamIndex, data: payload }),
  fc.record({ kind: fc.constantFrom('end' as const, 'ack' as const), index: streamIndex }),
  fc.record({
    kind: fc.constant('plain' as const),
    opcode: fc.oneof(
      fc.constantFrom('key', 'mouse', 'touch', 'size', 'sync', 'nop', 'disconnect'),
      fc.constantFrom('get', 'select', 'connect', 'image', 'timezone', 'name', 'constructor'),
      randomOpcode,
    ),
    args: numbers,
  }),
  numbers.map((args): Step => ({ kind: 'plain', opcode: '', args: ['ping', ...args.slice(0, 1)] })),
);

// fast-check's default size keeps arrays near five items, too short for streams to collide and be reused.
function sessionOf(step: fc.Arbitrary<Step>): fc.Arbitrary<Step[]> {
  return fc.array(step, { maxLength: 60, size: 'medium' });
}

function openInstruction(opcode: string, index: string, isImageMimetype: boolean): string {
  if (opcode === 'img')
    return wire('img', index, '14', '0', isImageMimetype ? 'image/png' : 'text/html', '0', '0');
  if (opcode === 'body' || opcode === 'put') return wire(opcode, '0', index, 'text/plain', '/x');
  return wire(opcode, index, 'text/plain', 'secret-name');
}

/**
 * Writes the steps out and works out, on the input side, which blobs may pass: those of the stream the
 * allowed opener last opened at that index. Their data is marked `allowed`; every other blob `secret`.
 */
function writeSession(steps: readonly Step[], isAllowedOpener: (opcode: string, step: Step) => boolean) {
  const openers = new Map<string, boolean>();
  const instructions: string[] = [];
  const allowedBlobs: string[] = [];
  steps.forEach((step, n) => {
    if (step.kind === 'open') {
      const isAllowed = isAllowedOpener(step.opcode, step) && CANONICAL_INDEX.test(step.index);
      openers.set(step.index, isAllowed);
      instructions.push(openInstruction(step.opcode, step.index, step.isImageMimetype));
    } else if (step.kind === 'blob') {
      const data = `${openers.get(step.index) === true ? 'allowed' : 'secret'}-${n}-${step.data}`;
      if (openers.get(step.index) === true) allowedBlobs.push(data);
      instructions.push(wire('blob', step.index, data));
    } else if (step.kind === 'end') {
      openers.delete(step.index);
      instructions.push(wire('end', step.index));
    } else if (step.kind === 'plain') {
      instructions.push(wire(step.opcode, ...step.args));
    } else {
      instructions.push(wire('ack', step.index, 'OK', '0'));
    }
  });
  return { text: instructions.join(''), allowedBlobs };
}

function blobsIn(text: string): string[] {
  return parseAll(text)
    .filter((instruction) => instruction.opcode === 'blob')
    .map((instruction) => instruction.args[1] ?? '');
}

/** Feeds every piece, checking that only typed errors occur and that nothing passes after one. */
function feed<T>(pieces: readonly T[], send: (piece: T) => EgressOutput) {
  let toClient = '';
  let toGuacd = '';
  let failed = false;
  for (const piece of pieces) {
    const output = send(piece);
    if (failed)
      assert.deepEqual([output.toClient, output.toGuacd], ['', ''], 'output after a protocol error');
    if (output.error !== null) {
      assert.ok(output.error instanceof GuacamoleProtocolError);
      failed = true;
    }
    toClient += output.toClient;
    toGuacd += output.toGuacd;
  }
  return { toClient, toGuacd };
}

type GateFactory = (options: { canPaste: boolean }) => InstructionGate;
const theFilter: GateFactory = (options) => aConnectedFilter(options);
const aPassThrough: GateFactory = () => new PassThroughGate();

const PRIMED_IMAGE_STREAMS = new Set(['2', '3']);

function guacdSessionProperty(makeGate: GateFactory) {
  return fc.property(sessionOf(serverStep), fc.array(fc.nat(), { maxLength: 12 }), (steps, cuts) => {
    const gate = makeGate({ canPaste: false });
    const { text, allowedBlobs } = writeSession(
      steps,
      (opcode, step) => opcode === 'img' && step.kind === 'open' && step.isImageMimetype,
    );
    const { toClient, toGuacd } = feed(splitAt(bytes(text), cuts), (piece) => gate.fromGuacd(piece));
    assert.deepEqual(auditToClient(toClient), []);
    assert.deepEqual(auditReplies(toGuacd, new Set(['ack'])), []);
    // Nothing allowed is lost either: every image blob reaches the browser, in order.
    assert.deepEqual(blobsIn(toClient), allowedBlobs);
  });
}

function clientSessionProperty(makeGate: GateFactory) {
  return fc.property(
    fc.boolean(),
    sessionOf(clientStep),
    fc.array(fc.nat(), { maxLength: 12 }),
    (canPaste, steps, cuts) => {
      const gate = makeGate({ canPaste });
      for (const index of PRIMED_IMAGE_STREAMS)
        gate.fromGuacd(bytes(wire('img', index, '14', '0', 'image/png', '0', '0')));
      const { text, allowedBlobs } = writeSession(steps, (opcode) => opcode === 'clipboard' && canPaste);
      const { toClient, toGuacd } = feed(splitAt(text, cuts), (piece) => gate.fromClient(piece));
      assert.deepEqual(auditToGuacd(toGuacd, { canPaste, imageStreams: PRIMED_IMAGE_STREAMS }), []);
      assert.deepEqual(auditReplies(toClient, new Set(['ack', ''])), []);
      assert.deepEqual(blobsIn(toGuacd), allowedBlobs);
      const pings = steps.filter(
        (step) =>
          step.kind === 'plain' && step.opcode === '' && step.args.length === 2 && step.args[0] === 'ping',
      );
      assert.equal(
        parseAll(toClient).filter((instruction) => instruction.opcode === '').length,
        pings.length,
      );
    },
  );
}

/** Valid sessions with bytes flipped, inserted or deleted, or plain noise. */
function hostile<T>(valid: fc.Arbitrary<T>, noise: fc.Arbitrary<T>, mutate: (value: T, edits: Edit[]) => T) {
  const edit = fc.record({
    at: fc.nat(),
    kind: fc.constantFrom('flip', 'insert', 'delete'),
    unit: fc.nat(0xffff),
  });
  return fc.oneof(
    noise,
    fc.tuple(valid, fc.array(edit, { minLength: 1, maxLength: 4 })).map(([v, edits]) => mutate(v, edits)),
  );
}

interface Edit {
  at: number;
  kind: 'flip' | 'insert' | 'delete';
  unit: number;
}

function editUnits(units: number[], edits: readonly Edit[]): number[] {
  const result = [...units];
  for (const { at, kind, unit } of edits) {
    const position = result.length === 0 ? 0 : at % result.length;
    if (kind === 'insert') result.splice(position, 0, unit);
    else if (kind === 'delete') result.splice(position, 1);
    else if (result.length > 0) result[position] = unit;
  }
  return result;
}

const hostileGuacdBytes = hostile(
  sessionOf(serverStep).map((steps) => bytes(writeSession(steps, () => true).text)),
  fc.uint8Array({ maxLength: 200 }).map((noise) => Buffer.from(noise)),
  (valid, edits) => Buffer.from(editUnits([...valid], edits).map((unit) => unit & 0xff)),
);

const hostileClientText = hostile(
  sessionOf(clientStep).map((steps) => writeSession(steps, () => true).text),
  fc.string({ unit: 'binary', maxLength: 120 }),
  (valid, edits) =>
    String.fromCharCode(
      ...editUnits(
        [...valid.split('')].map((unit) => unit.charCodeAt(0)),
        edits,
      ),
    ),
);

function hostileGuacdProperty(makeGate: GateFactory) {
  return fc.property(hostileGuacdBytes, fc.array(fc.nat(), { maxLength: 12 }), (input, cuts) => {
    const gate = makeGate({ canPaste: false });
    const { toClient, toGuacd } = feed(splitAt(input, cuts), (piece) => gate.fromGuacd(piece));
    assert.deepEqual(auditToClient(toClient, null), []);
    assert.deepEqual(auditReplies(toGuacd, new Set(['ack'])), []);
  });
}

function hostileClientProperty(makeGate: GateFactory) {
  return fc.property(
    fc.boolean(),
    hostileClientText,
    fc.array(fc.nat(), { maxLength: 12 }),
    (canPaste, input, cuts) => {
      const gate = makeGate({ canPaste });
      const { toClient, toGuacd } = feed(splitAt(input, cuts), (piece) => gate.fromClient(piece));
      assert.deepEqual(auditToGuacd(toGuacd, { canPaste, imageStreams: new Set() }, null), []);
      assert.deepEqual(auditReplies(toClient, new Set(['ack', ''])), []);
    },
  );
}

describe('egress filter under fuzzing', () => {
  it('never lets a forbidden opcode or a forbidden stream blob reach the browser, however guacd bytes are cut', () => {
    fc.assert(guacdSessionProperty(theFilter), { numRuns: RUNS });
  });

  it('never lets a forbidden opcode or a forbidden stream blob reach guacd, with paste allowed or not', () => {
    fc.assert(clientSessionProperty(theFilter), { numRuns: RUNS });
  });

  it('survives hostile bytes from guacd with only typed protocol errors and nothing forbidden passing', () => {
    fc.assert(hostileGuacdProperty(theFilter), { numRuns: RUNS });
  });

  it('survives hostile text from the browser with only typed protocol errors and nothing forbidden passing', () => {
    fc.assert(hostileClientProperty(theFilter), { numRuns: RUNS });
  });

  describe('control: the same properties fail when the filter is replaced by a pass-through', () => {
    const runsAgainstPassThrough: [string, () => { failed: boolean }][] = [
      ['guacd sessions', () => fc.check(guacdSessionProperty(aPassThrough), { numRuns: RUNS })],
      ['browser sessions', () => fc.check(clientSessionProperty(aPassThrough), { numRuns: RUNS })],
      ['hostile guacd bytes', () => fc.check(hostileGuacdProperty(aPassThrough), { numRuns: RUNS })],
      ['hostile browser text', () => fc.check(hostileClientProperty(aPassThrough), { numRuns: RUNS })],
    ];
    for (const [name, run] of runsAgainstPassThrough) {
      it(`catches the pass-through on ${name}`, () => {
        assert.equal(run().failed, true, 'the check passed although nothing was filtered');
      });
    }
  });
});

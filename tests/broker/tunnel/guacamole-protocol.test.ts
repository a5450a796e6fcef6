import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  GuacamoleByteDecoder,
  GuacamoleParser,
  GuacamoleProtocolError,
  countCodePoints,
  encodeInstruction,
  type GuacamoleInstruction,
  type GuacamoleProtocolErrorCode,
} from '#broker/tunnel/guacamole-protocol.js';
import { splitAt } from './egress-fixtures.js';

function anInstruction(opcode = 'clipboard', ...args: string[]): GuacamoleInstruction {
  return { opcode, args };
}

function encodeAll(instructions: readonly GuacamoleInstruction[]): string {
  return instructions.map(({ opcode, args }) => encodeInstruction(opcode, ...args)).join('');
}

function parsePieces(pieces: readonly string[], parser = new GuacamoleParser()): GuacamoleInstruction[] {
  return pieces.flatMap((piece) => parser.receive(piece));
}

function decodePieces(
  pieces: readonly Uint8Array[],
  decoder = new GuacamoleByteDecoder(),
): GuacamoleInstruction[] {
  return pieces.flatMap((piece) => decoder.receive(piece));
}

function assertProtocolError(run: () => unknown, code: GuacamoleProtocolErrorCode): void {
  assert.throws(run, (error: unknown) => error instanceof GuacamoleProtocolError && error.code === code);
}

// Characters that stress the codec: kanji, kana, astral emoji, a ZWJ sequence, and the protocol's own syntax.
const TRICKY_CHARACTERS = [
  '佐',
  '藤',
  '花',
  '子',
  'か',
  'ナ',
  '😀',
  '👨‍👩‍👧',
  '𠮷',
  ',',
  ';',
  '.',
  '9',
  'a',
  ' ',
  '\n',
];
const trickyText = fc
  .array(fc.constantFrom(...TRICKY_CHARACTERS), { maxLength: 12 })
  .map((parts) => parts.join(''));
const anyText = fc.oneof(trickyText, fc.string({ unit: 'binary', maxLength: 24 }));
const instructionArbitrary = fc
  .tuple(
    fc.oneof(fc.constantFrom('img', 'blob', 'clipboard', 'sync', ''), anyText),
    fc.array(anyText, { maxLength: 6 }),
  )
  .map(([opcode, args]) => anInstruction(opcode, ...args));
const instructionList = fc.array(instructionArbitrary, { minLength: 1, maxLength: 12 });
const cuts = fc.array(fc.nat(), { maxLength: 20 });

describe('guacamole protocol', () => {
  describe('encodeInstruction', () => {
    it('writes element lengths in code points, not bytes or UTF-16 units', () => {
      assert.equal(encodeInstruction('name', '佐藤花子'), '4.name,4.佐藤花子;');
      assert.equal(encodeInstruction('name', 'さとう はなこ'), '4.name,7.さとう はなこ;');
      assert.equal(encodeInstruction('name', '😀'), '4.name,1.😀;');
      assert.equal(encodeInstruction('name', '𠮷野家'), '4.name,3.𠮷野家;');
      // A family emoji is one grapheme but five code points (three people joined by two ZWJ).
      assert.equal(encodeInstruction('name', '👨‍👩‍👧'), '4.name,5.👨‍👩‍👧;');
    });

    it('encodes the empty internal opcode and empty arguments', () => {
      assert.equal(encodeInstruction('', 'ping', '1712345678901'), '0.,4.ping,13.1712345678901;');
      assert.equal(encodeInstruction('nop'), '3.nop;');
      assert.equal(encodeInstruction('args', ''), '4.args,0.;');
    });

    it('round-trips kanji, kana, emoji and the protocol syntax itself through the parser', () => {
      fc.assert(
        fc.property(instructionList, (instructions) => {
          assert.deepEqual(new GuacamoleParser().receive(encodeAll(instructions)), instructions);
        }),
        { numRuns: 200 },
      );
    });

    it('counts a lone surrogate as one code point, as the parser does', () => {
      assert.equal(countCodePoints('\ud83d'), 1);
      assert.equal(countCodePoints('a\ude00b'), 3);
      assert.deepEqual(new GuacamoleParser().receive(encodeInstruction('x', '\ud83d', 'b')), [
        anInstruction('x', '\ud83d', 'b'),
      ]);
    });
  });

  describe('GuacamoleParser', () => {
    it('yields every instruction completed by a piece of text', () => {
      const parser = new GuacamoleParser();
      assert.deepEqual(parser.receive('4.sync,4.1234;3.nop;5.mouse,2.10'), [
        anInstruction('sync', '1234'),
        anInstruction('nop'),
      ]);
      assert.deepEqual(parser.receive(',2.20,1.1;'), [anInstruction('mouse', '10', '20', '1')]);
    });

    it('waits for the rest of an instruction split at any point, inside lengths and surrogate pairs too', () => {
      const text = encodeAll([anInstruction('name', '佐藤😀花子'), anInstruction('blob', '12', 'QUJD')]);
      for (let cut = 0; cut <= text.length; cut++) {
        assert.deepEqual(parsePieces([text.slice(0, cut), text.slice(cut)]), [
          anInstruction('name', '佐藤😀花子'),
          anInstruction('blob', '12', 'QUJD'),
        ]);
      }
    });

    it('parses text fed one UTF-16 unit at a time', () => {
      const instructions = [anInstruction('name', '𠮷😀かな'), anInstruction('', 'ping', '1')];
      assert.deepEqual(parsePieces(encodeAll(instructions).split('')), instructions);
    });

    it('yields the same instructions however the text is cut', () => {
      fc.assert(
        fc.property(instructionList, cuts, (instructions, offsets) => {
          assert.deepEqual(parsePieces(splitAt(encodeAll(instructions), offsets)), instructions);
        }),
        { numRuns: 300 },
      );
    });

    for (const [input, code, what] of [
      ['x.abc;', 'invalid-length', 'a non-digit length'],
      ['3abc;', 'invalid-length', "a length without its '.'"],
      ['.abc;', 'invalid-length', 'an empty length'],
      ['-1.a;', 'invalid-length', 'a negative length'],
      [' 3.abc;', 'invalid-length', 'whitespace before a length'],
      ['3.abc:', 'invalid-terminator', 'a wrong terminator'],
      ['2.abc;', 'invalid-terminator', 'a length shorter than its value'],
      ['4.abc;3.nop;', 'invalid-terminator', 'a length longer than its value'],
      ['3.nop;\n', 'invalid-length', 'a newline between instructions'],
      ['99999999999999999999.a;', 'element-too-long', 'a huge length'],
    ] as const) {
      it(`rejects ${what} with a typed protocol error`, () => {
        assertProtocolError(() => new GuacamoleParser().receive(input), code);
      });
    }

    it('refuses a declared length over the element limit before any of the value arrives', () => {
      const parser = new GuacamoleParser({ maxElementLength: 100 });
      assert.deepEqual(parser.receive('3.img,100.'), []);
      assertProtocolError(
        () => new GuacamoleParser({ maxElementLength: 100 }).receive('3.img,101'),
        'element-too-long',
      );
    });

    it('refuses more elements than the limit', () => {
      const parser = new GuacamoleParser({ maxElements: 3 });
      assert.deepEqual(parser.receive('1.a,1.b,1.c;'), [anInstruction('a', 'b', 'c')]);
      assertProtocolError(() => parser.receive('1.a,1.b,1.c,1.d;'), 'too-many-elements');
    });

    it('bounds what it holds for an instruction that never ends, counting UTF-8 bytes', () => {
      const parser = new GuacamoleParser({ maxInstructionBytes: 1024 });
      assert.throws(
        () => {
          for (let i = 0; i < 1000; i++) parser.receive('1.a,');
        },
        (error: unknown) => error instanceof GuacamoleProtocolError && error.code === 'instruction-too-long',
      );
      // 300 kanji are 300 code points but 900 bytes: over a 512-byte limit although under 512 code points.
      const kanji = '漢'.repeat(300);
      assertProtocolError(
        () => new GuacamoleParser({ maxInstructionBytes: 512 }).receive(encodeInstruction('name', kanji)),
        'instruction-too-long',
      );
    });

    it('refuses a value that cannot fit in the instruction limit before reading it', () => {
      const parser = new GuacamoleParser({ maxInstructionBytes: 64, maxElementLength: 1000 });
      assertProtocolError(() => parser.receive('4.blob,1.0,100.'), 'instruction-too-long');
    });

    it('refuses all input after an error, keeping the first error as the cause', () => {
      const parser = new GuacamoleParser();
      assertProtocolError(() => parser.receive('3.nop:'), 'invalid-terminator');
      assert.throws(
        () => parser.receive('3.nop;'),
        (error: unknown) =>
          error instanceof GuacamoleProtocolError &&
          error.code === 'closed-after-error' &&
          error.cause instanceof GuacamoleProtocolError &&
          error.cause.code === 'invalid-terminator',
      );
    });

    it('throws nothing but typed protocol errors on arbitrary text', () => {
      const hostileText = fc.oneof(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc
          .array(fc.constantFrom('1', '2', '0', '.', ',', ';', 'a', '😀', '\ud800', '9999999'), {
            maxLength: 60,
          })
          .map((parts) => parts.join('')),
      );
      fc.assert(
        fc.property(hostileText, cuts, (text, offsets) => {
          const parser = new GuacamoleParser({
            maxElementLength: 64,
            maxElements: 8,
            maxInstructionBytes: 256,
          });
          try {
            parsePieces(splitAt(text, offsets), parser);
          } catch (error) {
            assert.ok(error instanceof GuacamoleProtocolError, `unexpected ${String(error)}`);
          }
        }),
        { numRuns: 500 },
      );
    });
  });

  describe('GuacamoleByteDecoder', () => {
    it('decodes a character split across two Buffers at every byte without corruption', () => {
      const instructions = [anInstruction('name', '在宅療養😀'), anInstruction('error', 'エラー', '515')];
      const whole = Buffer.from(encodeAll(instructions), 'utf8');
      for (let cut = 0; cut <= whole.length; cut++) {
        assert.deepEqual(decodePieces([whole.subarray(0, cut), whole.subarray(cut)]), instructions);
      }
    });

    it('decodes bytes fed one at a time', () => {
      const instructions = [anInstruction('name', '𠮷野家'), anInstruction('nop')];
      const whole = Buffer.from(encodeAll(instructions), 'utf8');
      assert.deepEqual(decodePieces([...whole].map((byte) => Uint8Array.of(byte))), instructions);
    });

    it('yields the same instructions however the bytes are cut', () => {
      const validText = fc.oneof(trickyText, fc.string({ unit: 'grapheme', maxLength: 16 }));
      const validInstruction = fc
        .tuple(validText, fc.array(validText, { maxLength: 5 }))
        .map(([opcode, args]) => anInstruction(opcode, ...args));
      const validInstructions = fc.array(validInstruction, { minLength: 1, maxLength: 10 });
      fc.assert(
        fc.property(validInstructions, cuts, (instructions, offsets) => {
          const whole = Buffer.from(encodeAll(instructions), 'utf8');
          assert.deepEqual(decodePieces(splitAt(whole, offsets)), instructions);
        }),
        { numRuns: 300 },
      );
    });

    it('rejects invalid UTF-8 rather than guessing how many code points it was', () => {
      for (const invalid of [[0x80], [0xc3, 0x28], [0xe6, 0xbc], [0xf0, 0x9f, 0x98], [0xc0, 0xaf], [0xff]]) {
        const decoder = new GuacamoleByteDecoder();
        assertProtocolError(() => {
          decoder.receive(Buffer.from('4.name,1.'));
          decoder.receive(Uint8Array.from(invalid));
          decoder.receive(Buffer.from(';'));
        }, 'invalid-utf8');
        assertProtocolError(() => decoder.receive(Buffer.from('3.nop;')), 'closed-after-error');
      }
    });

    it('keeps a byte-order mark as content, so it is a framing error instead of being silently removed', () => {
      assertProtocolError(
        () => new GuacamoleByteDecoder().receive(Buffer.from('\ufeff3.nop;', 'utf8')),
        'invalid-length',
      );
    });

    it('throws nothing but typed protocol errors on arbitrary bytes', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), cuts, (whole, offsets) => {
          const decoder = new GuacamoleByteDecoder({ maxElementLength: 64, maxInstructionBytes: 256 });
          try {
            decodePieces(splitAt(whole, offsets), decoder);
          } catch (error) {
            assert.ok(error instanceof GuacamoleProtocolError, `unexpected ${String(error)}`);
          }
        }),
        { numRuns: 500 },
      );
    });
  });
});

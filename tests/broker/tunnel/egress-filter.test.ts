import assert from 'node:assert/strict';
import { EgressFilter, type EgressOutput } from '#broker/tunnel/egress-filter.js';
import { GuacamoleProtocolError } from '#broker/tunnel/guacamole-protocol.js';
import {
  aConnectedFilter,
  aFilter,
  aHandshake,
  anImageStream,
  auditToClient,
  auditToGuacd,
  bytes,
  opcodesOf,
  parseAll,
  wire,
} from './egress-fixtures.js';

function fromGuacd(filter: EgressFilter, ...instructions: string[]): EgressOutput {
  return filter.fromGuacd(bytes(instructions.join('')));
}

function fromClient(filter: EgressFilter, ...instructions: string[]): EgressOutput {
  return filter.fromClient(instructions.join(''));
}

const REFUSED = String(0x0303);

/** A stream each forbidden server opcode opens, written as guacd writes it. */
const FORBIDDEN_SERVER_STREAMS: Record<string, (index: string) => string> = {
  clipboard: (index) => wire('clipboard', index, 'text/plain'),
  file: (index) => wire('file', index, 'application/pdf', '診療情報提供書.pdf'),
  pipe: (index) => wire('pipe', index, 'application/octet-stream', 'rdpdr'),
  audio: (index) => wire('audio', index, 'audio/L16;rate=44100,channels=2'),
  video: (index) => wire('video', index, '1', 'video/webm'),
  argv: (index) => wire('argv', index, 'text/plain', 'password'),
  body: (index) => wire('body', '0', index, 'text/plain', '/home/kiosk/patients.csv'),
};

/** A stream each forbidden client opcode opens, written as guacamole-common-js writes it. */
const FORBIDDEN_CLIENT_STREAMS: Record<string, (index: string) => string> = {
  file: (index) => wire('file', index, 'application/pdf', 'upload.pdf'),
  pipe: (index) => wire('pipe', index, 'application/octet-stream', 'rdpdr'),
  argv: (index) => wire('argv', index, 'text/plain', 'hostname'),
  audio: (index) => wire('audio', index, 'audio/L16;rate=44100,channels=1'),
  put: (index) => wire('put', '0', index, 'text/plain', '/tmp/x'),
};

describe('egress filter', () => {
  describe('during the handshake', () => {
    it("passes guacd's args and ready and the client side's select to connect", () => {
      const filter = aFilter();
      const handshake = aHandshake();
      assert.equal(fromGuacd(filter, handshake.fromGuacd[0] ?? '').toClient, handshake.fromGuacd[0]);
      for (const line of handshake.fromClient) assert.equal(fromClient(filter, line).toGuacd, line);
      assert.equal(fromGuacd(filter, handshake.fromGuacd[1] ?? '').toClient, handshake.fromGuacd[1]);
    });

    it('drops display and stream instructions that arrive before ready', () => {
      const filter = aFilter();
      const output = fromGuacd(filter, wire('args', 'VERSION_1_5_0'), ...anImageStream('1', 'AAAA'));
      assert.deepEqual(opcodesOf(output.toClient), ['args']);
    });

    it('drops session input from the client side before connect', () => {
      const filter = aFilter();
      const output = fromClient(filter, wire('select', 'vnc'), wire('key', '65', '1'), wire('connect', 'x'));
      assert.deepEqual(opcodesOf(output.toGuacd), ['select', 'connect']);
    });

    it('drops handshake instructions once the handshake is over', () => {
      const filter = aConnectedFilter();
      assert.equal(fromGuacd(filter, wire('args', 'VERSION_1_5_0'), wire('ready', '$x')).toClient, '');
      assert.equal(
        fromClient(filter, wire('select', 'rdp'), wire('connect', 'x'), wire('timezone', 'UTC')).toGuacd,
        '',
      );
    });

    it("treats the browser's input as session traffic once guacd is ready, even if connect bypassed the filter", () => {
      const filter = aFilter();
      fromGuacd(filter, ...aHandshake().fromGuacd);
      assert.deepEqual(opcodesOf(fromClient(filter, wire('key', '65', '1'), wire('connect', 'x')).toGuacd), [
        'key',
      ]);
    });

    it('lets session traffic through from the start when the handshake happens elsewhere', () => {
      const filter = aFilter({ isHandshakeDone: true });
      assert.deepEqual(opcodesOf(fromGuacd(filter, wire('sync', '1')).toClient), ['sync']);
      assert.deepEqual(opcodesOf(fromClient(filter, wire('sync', '1')).toGuacd), ['sync']);
      assert.equal(fromGuacd(filter, wire('ready', '$x')).toClient, '');
    });
  });

  describe('from guacd to the browser', () => {
    it('forwards every drawing operation, sync, error, disconnect and nop unchanged', () => {
      const display = [
        wire('arc', '0', '10', '10', '5', '0', '6.28', '0'),
        wire('cfill', '14', '0', '255', '255', '255', '255'),
        wire('clip', '0'),
        wire('close', '0'),
        wire('copy', '-1', '0', '0', '64', '64', '12', '0', '0', '0'),
        wire('cstroke', '14', '0', '0', '1', '2', '0', '0', '0', '255'),
        wire('curve', '0', '1', '1', '2', '2', '3', '3'),
        wire('cursor', '0', '0', '-1', '0', '0', '11', '16'),
        wire('dispose', '-2'),
        wire('distort', '1', '1', '0', '0', '1', '0', '0'),
        wire('identity', '1'),
        wire('lfill', '14', '0', '-1'),
        wire('line', '0', '5', '5'),
        wire('lstroke', '14', '0', '0', '1', '2', '-1'),
        wire('move', '1', '0', '10', '10', '0'),
        wire('pop', '0'),
        wire('push', '0'),
        wire('rect', '0', '0', '0', '1024', '768'),
        wire('reset', '0'),
        wire('set', '0', 'miter-limit', '10'),
        wire('shade', '1', '128'),
        wire('size', '0', '1024', '768'),
        wire('start', '0', '0', '0'),
        wire('transfer', '-1', '0', '0', '10', '10', '6', '0', '0', '0'),
        wire('transform', '1', '1', '0', '0', '1', '0', '0'),
        wire('sync', '1712345678901', '1'),
        wire('nop'),
        wire('error', '接続が切断されました', '519'),
        wire('disconnect'),
      ];
      const output = fromGuacd(aConnectedFilter(), ...display);
      assert.equal(output.toClient, display.join(''));
      assert.equal(output.toGuacd, '');
    });

    it('forwards an image stream with its blobs and end', () => {
      const stream = anImageStream('3', 'iVBORw0KGgo=', 'AAAAAElFTkSuQmCC');
      assert.equal(fromGuacd(aConnectedFilter(), ...stream).toClient, stream.join(''));
    });

    for (const [opcode, open] of Object.entries(FORBIDDEN_SERVER_STREAMS)) {
      it(`drops a ${opcode} stream and its blobs, and refuses it to guacd so guacd does not wait`, () => {
        const filter = aConnectedFilter();
        const output = fromGuacd(
          filter,
          open('5'),
          wire('blob', '5', 'c2VjcmV0'),
          wire('end', '5'),
          wire('sync', '9'),
        );
        assert.deepEqual(opcodesOf(output.toClient), ['sync']);
        assert.deepEqual(parseAll(output.toGuacd), [
          { opcode: 'ack', args: ['5', 'Stream refused by the egress policy', REFUSED] },
        ]);
      });
    }

    for (const opcode of [
      'filesystem',
      'required',
      'nest',
      'msg',
      'name',
      'png',
      'jpeg',
      'undefine',
      'frobnicate',
    ]) {
      it(`drops ${opcode} instructions`, () => {
        const output = fromGuacd(aConnectedFilter(), wire(opcode, '0', 'payload'), wire('nop'));
        assert.deepEqual(opcodesOf(output.toClient), ['nop']);
        assert.equal(output.toGuacd, '');
      });
    }

    it('drops an instruction with the internal opcode', () => {
      assert.equal(fromGuacd(aConnectedFilter(), wire('', 'ping', '1')).toClient, '');
    });

    it('drops and refuses an img stream whose mimetype is not an image format', () => {
      const output = fromGuacd(
        aConnectedFilter(),
        wire('img', '2', '14', '0', 'text/html', '0', '0'),
        wire('blob', '2', 'PHNjcmlwdD4='),
        wire('end', '2'),
      );
      assert.equal(output.toClient, '');
      assert.deepEqual(opcodesOf(output.toGuacd), ['ack']);
    });

    it('drops blobs and ends of a stream that was never opened', () => {
      assert.equal(fromGuacd(aConnectedFilter(), wire('blob', '4', 'AAAA'), wire('end', '4')).toClient, '');
    });

    it('drops streams whose index is not written as guacd writes it', () => {
      const output = fromGuacd(
        aConnectedFilter(),
        wire('img', '01', '14', '0', 'image/png', '0', '0'),
        wire('blob', '01', 'AAAA'),
        wire('img', '1x', '14', '0', 'image/png', '0', '0'),
      );
      assert.equal(output.toClient, '');
    });

    it('lets a stream index be reused after end, each time judged by its new opener', () => {
      const filter = aConnectedFilter();
      const first = fromGuacd(
        filter,
        ...anImageStream('1', 'AAAA'),
        FORBIDDEN_SERVER_STREAMS.clipboard!('1'),
      );
      const second = fromGuacd(
        filter,
        wire('blob', '1', 'c2VjcmV0'),
        wire('end', '1'),
        ...anImageStream('1', 'BBBB'),
      );
      assert.deepEqual(opcodesOf(first.toClient), ['img', 'blob', 'end']);
      assert.deepEqual(parseAll(second.toClient), parseAll(anImageStream('1', 'BBBB').join('')));
    });

    it('does not let a forbidden stream inherit the index of an image stream guacd never ended', () => {
      const output = fromGuacd(
        aConnectedFilter(),
        wire('img', '1', '14', '0', 'image/png', '0', '0'),
        FORBIDDEN_SERVER_STREAMS.file!('1'),
        wire('blob', '1', 'c2VjcmV0'),
      );
      assert.deepEqual(opcodesOf(output.toClient), ['img']);
    });

    it("forwards guacd's acks only for the browser's own paste streams", () => {
      const filter = aConnectedFilter({ canPaste: true });
      fromClient(filter, wire('clipboard', '0', 'text/plain'));
      const output = fromGuacd(filter, wire('ack', '0', 'OK', '0'), wire('ack', '1', 'OK', '0'));
      assert.deepEqual(parseAll(output.toClient), [{ opcode: 'ack', args: ['0', 'OK', '0'] }]);
    });

    it('reassembles instructions split across TCP reads, inside a multi-byte character too', () => {
      const filter = aConnectedFilter();
      const whole = bytes(wire('error', '認証に失敗しました', '769') + wire('clipboard', '0', 'text/plain'));
      const insideTheFirstKanji = Buffer.byteLength('5.error,9.') + 1;
      const first = filter.fromGuacd(whole.subarray(0, insideTheFirstKanji));
      const second = filter.fromGuacd(whole.subarray(insideTheFirstKanji));
      assert.equal(first.toClient, '');
      assert.deepEqual(parseAll(second.toClient), [{ opcode: 'error', args: ['認証に失敗しました', '769'] }]);
    });
  });

  describe('from the browser to guacd', () => {
    it('forwards key, mouse, touch, size, sync, disconnect and nop unchanged', () => {
      const input = [
        wire('key', '65307', '1'),
        wire('mouse', '512', '384', '1'),
        wire('touch', '0', '100', '200', '5', '5', '0', '1'),
        wire('size', '1280', '800'),
        wire('sync', '1712345678901'),
        wire('nop'),
        wire('disconnect'),
      ];
      const output = fromClient(aConnectedFilter(), ...input);
      assert.equal(output.toGuacd, input.join(''));
      assert.equal(output.toClient, '');
    });

    it('forwards acks for image streams and drops acks for any other stream', () => {
      const filter = aConnectedFilter();
      fromGuacd(
        filter,
        wire('img', '2', '14', '0', 'image/png', '0', '0'),
        FORBIDDEN_SERVER_STREAMS.file!('3'),
      );
      const output = fromClient(
        filter,
        wire('ack', '2', 'OK', '0'),
        wire('ack', '3', 'OK', '0'),
        wire('ack', '4', 'OK', '0'),
      );
      assert.deepEqual(parseAll(output.toGuacd), [{ opcode: 'ack', args: ['2', 'OK', '0'] }]);
    });

    it('drops a paste with its blobs and end when the policy forbids paste, refusing it to the browser', () => {
      const filter = aConnectedFilter({ canPaste: false });
      const output = fromClient(
        filter,
        wire('clipboard', '0', 'text/plain'),
        wire('blob', '0', '5L2Q6Jek6Iqx5a2Q'),
        wire('end', '0'),
      );
      assert.equal(output.toGuacd, '');
      assert.deepEqual(parseAll(output.toClient), [
        { opcode: 'ack', args: ['0', 'Stream refused by the egress policy', REFUSED] },
      ]);
    });

    it('forwards a paste with its blobs and end when the policy allows paste', () => {
      const paste = [
        wire('clipboard', '0', 'text/plain'),
        wire('blob', '0', '5L2Q6Jek6Iqx5a2Q'),
        wire('end', '0'),
      ];
      const output = fromClient(aConnectedFilter({ canPaste: true }), ...paste);
      assert.equal(output.toGuacd, paste.join(''));
      assert.equal(output.toClient, '');
    });

    for (const [opcode, open] of Object.entries(FORBIDDEN_CLIENT_STREAMS)) {
      it(`drops a ${opcode} stream from the browser with its blobs, even when paste is allowed`, () => {
        const output = fromClient(
          aConnectedFilter({ canPaste: true }),
          open('1'),
          wire('blob', '1', 'AAAA'),
          wire('end', '1'),
        );
        assert.equal(output.toGuacd, '');
        assert.deepEqual(opcodesOf(output.toClient), ['ack']);
      });
    }

    for (const opcode of ['get', 'select', 'connect', 'frobnicate']) {
      it(`drops ${opcode} instructions`, () => {
        const output = fromClient(aConnectedFilter(), wire(opcode, '0', '/'), wire('nop'));
        assert.deepEqual(opcodesOf(output.toGuacd), ['nop']);
      });
    }

    it("answers the WebSocket tunnel's ping itself with an identical instruction and does not forward it", () => {
      const ping = wire('', 'ping', '1712345678901');
      const output = fromClient(aConnectedFilter(), ping);
      assert.equal(output.toClient, ping);
      assert.equal(output.toGuacd, '');
    });

    it('drops other instructions with the internal opcode', () => {
      const output = fromClient(
        aConnectedFilter(),
        wire('', 'ping'),
        wire('', 'pong', '1'),
        wire('', 'ping', '1', '2'),
      );
      assert.deepEqual(output, { toClient: '', toGuacd: '', error: null });
    });
  });

  describe('on a protocol error', () => {
    it('reports the error, withholds the rest of the chunk and refuses both directions from then on', () => {
      const filter = aConnectedFilter();
      const output = fromGuacd(filter, wire('sync', '1'), '4.sync,1.2:');
      assert.equal(output.toClient, '');
      assert.ok(output.error instanceof GuacamoleProtocolError);
      assert.equal(output.error.code, 'invalid-terminator');
      assert.equal(filter.error, output.error);
      assert.deepEqual(fromGuacd(filter, wire('sync', '3')), {
        toClient: '',
        toGuacd: '',
        error: output.error,
      });
      assert.deepEqual(fromClient(filter, wire('key', '65', '1')), {
        toClient: '',
        toGuacd: '',
        error: output.error,
      });
    });

    it('reports malformed browser input instead of throwing', () => {
      const output = aConnectedFilter().fromClient('5.mouse,3.10');
      assert.equal(output.error, null);
      const broken = aConnectedFilter().fromClient('mouse;');
      assert.equal(broken.error?.code, 'invalid-length');
    });

    it('reports invalid UTF-8 from guacd', () => {
      assert.equal(aConnectedFilter().fromGuacd(Uint8Array.of(0x31, 0x2e, 0xff)).error?.code, 'invalid-utf8');
    });

    it('reports a peer that keeps more streams open than the limit', () => {
      const filter = aConnectedFilter({ maxOpenStreams: 2 });
      const images = ['0', '1', '2'].map((index) => wire('img', index, '14', '0', 'image/png', '0', '0'));
      assert.equal(fromGuacd(filter, images[0]!, images[1]!, wire('end', '1'), images[1]!).error, null);
      assert.equal(fromGuacd(filter, images[2]!).error?.code, 'too-many-streams');
    });

    it('applies the parser limits it is given', () => {
      const filter = aConnectedFilter({ limits: { maxElementLength: 16 } });
      assert.equal(fromGuacd(filter, wire('blob', '0', 'A'.repeat(17))).error?.code, 'element-too-long');
    });
  });

  describe('counters', () => {
    it('counts forwarded and dropped instructions by opcode and direction, dropped bytes, replies and pings', () => {
      const filter = aFilter({ canPaste: false, isHandshakeDone: true });
      const clipboard = wire('clipboard', '0', 'text/plain');
      const secret = wire('blob', '0', '佐藤花子');
      fromGuacd(filter, ...anImageStream('1', 'AAAA'), clipboard, secret, wire('sync', '1'));
      fromClient(filter, wire('sync', '1'), clipboard, wire('', 'ping', '5'), wire('', 'ping', '6'));
      assert.deepEqual(filter.counters(), {
        fromGuacd: {
          forwarded: { img: 1, blob: 1, end: 1, sync: 1 },
          dropped: { clipboard: 1, blob: 1 },
          droppedBytes: Buffer.byteLength(clipboard + secret),
        },
        fromClient: {
          forwarded: { sync: 1 },
          dropped: { clipboard: 1 },
          droppedBytes: Buffer.byteLength(clipboard),
        },
        repliesToGuacd: 1,
        repliesToClient: 3,
        pingsAnswered: 2,
      });
    });

    it('counts unknown opcodes under one key, whatever they are named', () => {
      const filter = aConnectedFilter();
      fromGuacd(filter, wire('__proto__'), wire('constructor'), wire('x'.repeat(40)), wire('', 'a'));
      assert.deepEqual(filter.counters().fromGuacd.dropped, { unknown: 3, internal: 1 });
    });

    it('returns a plain snapshot that later traffic does not change', () => {
      const filter = aConnectedFilter();
      const before = filter.counters();
      fromGuacd(filter, wire('nop'));
      assert.equal(before.fromGuacd.forwarded.nop, undefined);
      assert.equal(filter.counters().fromGuacd.forwarded.nop, 1);
      assert.deepEqual(JSON.parse(JSON.stringify(filter.counters())), filter.counters());
    });
  });

  describe('output checked by an independent auditor', () => {
    it('passes the audit on a session mixing every kind of traffic', () => {
      const filter = aConnectedFilter({ canPaste: false });
      const toClient = fromGuacd(
        filter,
        ...anImageStream('0', 'AAAA'),
        ...Object.values(FORBIDDEN_SERVER_STREAMS).map((open) => open('0')),
        wire('blob', '0', 'secret'),
        wire('name', 'secret'),
      ).toClient;
      const toGuacd = fromClient(
        filter,
        wire('clipboard', '0', 'text/plain'),
        wire('blob', '0', 'secret'),
      ).toGuacd;
      assert.deepEqual(auditToClient(toClient), []);
      assert.deepEqual(auditToGuacd(toGuacd, { canPaste: false, imageStreams: new Set() }), []);
    });

    it('control: the auditor catches forbidden traffic when nothing filters it', () => {
      const raw = [
        ...anImageStream('0', 'AAAA'),
        FORBIDDEN_SERVER_STREAMS.clipboard!('0'),
        wire('blob', '0', 'secret'),
      ];
      assert.notDeepEqual(auditToClient(raw.join('')), []);
      const paste = wire('clipboard', '0', 'text/plain') + wire('blob', '0', 'secret');
      assert.notDeepEqual(auditToGuacd(paste, { canPaste: false, imageStreams: new Set() }), []);
    });
  });
});

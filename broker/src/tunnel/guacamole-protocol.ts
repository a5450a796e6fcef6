// The Guacamole protocol as guacd and guacamole-common-js speak it: `LENGTH.VALUE,LENGTH.VALUE,...;`, where
// LENGTH counts Unicode code points. This module knows nothing of sockets, sessions or policy.

export interface GuacamoleInstruction {
  readonly opcode: string;
  readonly args: readonly string[];
}

export type GuacamoleProtocolErrorCode =
  | 'invalid-length'
  | 'element-too-long'
  | 'too-many-elements'
  | 'instruction-too-long'
  | 'invalid-terminator'
  | 'invalid-utf8'
  | 'too-many-streams'
  | 'closed-after-error';

export class GuacamoleProtocolError extends Error {
  override readonly name = 'GuacamoleProtocolError';

  constructor(
    readonly code: GuacamoleProtocolErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface GuacamoleParserLimits {
  /** Longest element value, in code points. */
  maxElementLength: number;
  /** Most elements in one instruction, the opcode included. */
  maxElements: number;
  /** Most UTF-8 bytes of one instruction held while it is still incomplete. */
  maxInstructionBytes: number;
}

// guacd cuts blobs to 6048 bytes (8064 base64 characters) and its RDP `args` list has about a hundred names, so
// these leave room for real traffic while bounding what a hostile peer can make the broker hold.
export const DEFAULT_PARSER_LIMITS: Readonly<GuacamoleParserLimits> = Object.freeze({
  maxElementLength: 32_768,
  maxElements: 512,
  maxInstructionBytes: 131_072,
});

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const PERIOD = 0x2e;
const COMMA = 0x2c;
const SEMICOLON = 0x3b;

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** Code points as guacd counts them; a lone surrogate counts as one, like `[...text].length`. */
export function countCodePoints(text: string): number {
  let count = text.length;
  for (let i = 0; i + 1 < text.length; i++) {
    if (isHighSurrogate(text.charCodeAt(i)) && isLowSurrogate(text.charCodeAt(i + 1))) {
      count--;
      i++;
    }
  }
  return count;
}

function encodeElement(value: string): string {
  return `${countCodePoints(value)}.${value}`;
}

export function encodeInstruction(opcode: string, ...args: readonly string[]): string {
  let wire = encodeElement(opcode);
  for (const arg of args) wire += `,${encodeElement(arg)}`;
  return `${wire};`;
}

type ParserState = 'length' | 'value' | 'separator';

/**
 * Turns text fed in arbitrary pieces into whole instructions. After the first error it refuses all further
 * input: framing is lost, and guessing where the next instruction starts is how filters get bypassed.
 */
export class GuacamoleParser {
  private readonly limits: GuacamoleParserLimits;
  private readonly maxLengthDigits: number;
  private state: ParserState = 'length';
  private declaredLength = 0;
  private lengthDigits = 0;
  private remainingCodePoints = 0;
  private valueParts: string[] = [];
  // The last code point read was a high surrogate at the end of a piece; its low half may open the next one.
  private isAwaitingLowSurrogate = false;
  private elements: string[] = [];
  private instructionBytes = 0;
  private failure: GuacamoleProtocolError | null = null;

  constructor(limits: Partial<GuacamoleParserLimits> = {}) {
    this.limits = { ...DEFAULT_PARSER_LIMITS, ...limits };
    this.maxLengthDigits = String(this.limits.maxElementLength).length;
  }

  /** Whole instructions completed by `text`; throws `GuacamoleProtocolError` on malformed input. */
  receive(text: string): GuacamoleInstruction[] {
    if (this.failure) {
      throw new GuacamoleProtocolError('closed-after-error', 'The parser refuses input after an error.', {
        cause: this.failure,
      });
    }
    try {
      return this.consume(text);
    } catch (error) {
      if (error instanceof GuacamoleProtocolError) this.failure = error;
      throw error;
    }
  }

  private consume(text: string): GuacamoleInstruction[] {
    const instructions: GuacamoleInstruction[] = [];
    let i = 0;
    while (i < text.length) {
      if (this.state === 'length') {
        i = this.readLength(text, i);
      } else if (this.state === 'value') {
        i = this.readValue(text, i);
      } else {
        const unit = text.charCodeAt(i);
        i++;
        this.addBytes(1);
        if (unit === COMMA) {
          this.state = 'length';
        } else if (unit === SEMICOLON) {
          const [opcode = '', ...args] = this.elements;
          instructions.push({ opcode, args });
          this.elements = [];
          this.instructionBytes = 0;
          this.state = 'length';
        } else {
          throw new GuacamoleProtocolError(
            'invalid-terminator',
            `Expected ',' or ';' after an element, found ${describeUnit(unit)}.`,
          );
        }
      }
    }
    return instructions;
  }

  private readLength(text: string, start: number): number {
    let i = start;
    while (i < text.length) {
      const unit = text.charCodeAt(i);
      if (unit >= DIGIT_0 && unit <= DIGIT_9) {
        this.lengthDigits++;
        this.declaredLength = this.declaredLength * 10 + (unit - DIGIT_0);
        if (this.lengthDigits > this.maxLengthDigits || this.declaredLength > this.limits.maxElementLength) {
          throw new GuacamoleProtocolError(
            'element-too-long',
            `An element declares more than ${this.limits.maxElementLength} code points.`,
          );
        }
        this.addBytes(1);
        i++;
        continue;
      }
      if (unit !== PERIOD) {
        throw new GuacamoleProtocolError(
          'invalid-length',
          `Expected a digit or '.' in an element length, found ${describeUnit(unit)}.`,
        );
      }
      if (this.lengthDigits === 0) {
        throw new GuacamoleProtocolError('invalid-length', 'An element has an empty length.');
      }
      if (this.elements.length >= this.limits.maxElements) {
        throw new GuacamoleProtocolError(
          'too-many-elements',
          `An instruction has more than ${this.limits.maxElements} elements.`,
        );
      }
      this.addBytes(1);
      // Each code point takes at least one byte, so a value that cannot fit is refused before it is read.
      if (this.instructionBytes + this.declaredLength > this.limits.maxInstructionBytes) {
        throw instructionTooLong(this.limits.maxInstructionBytes);
      }
      this.remainingCodePoints = this.declaredLength;
      this.declaredLength = 0;
      this.lengthDigits = 0;
      this.valueParts = [];
      this.state = 'value';
      return i + 1;
    }
    return i;
  }

  private readValue(text: string, start: number): number {
    let i = start;
    if (this.isAwaitingLowSurrogate) {
      this.isAwaitingLowSurrogate = false;
      if (isLowSurrogate(text.charCodeAt(i))) {
        this.valueParts.push(text.charAt(i));
        // The high half was counted as a lone surrogate (3 bytes); the pair takes 4.
        this.addBytes(1);
        i++;
      }
    }
    let bytes = 0;
    let end = i;
    while (end < text.length && this.remainingCodePoints > 0) {
      const unit = text.charCodeAt(end);
      if (unit < 0x80) {
        bytes += 1;
      } else if (unit < 0x800) {
        bytes += 2;
      } else if (isHighSurrogate(unit) && end + 1 < text.length && isLowSurrogate(text.charCodeAt(end + 1))) {
        bytes += 4;
        end++;
      } else {
        bytes += 3;
        if (isHighSurrogate(unit) && end + 1 === text.length) this.isAwaitingLowSurrogate = true;
      }
      end++;
      this.remainingCodePoints--;
    }
    if (end > i) this.valueParts.push(text.slice(i, end));
    this.addBytes(bytes);
    if (this.remainingCodePoints === 0 && !this.isAwaitingLowSurrogate) {
      this.elements.push(
        this.valueParts.length === 1 ? (this.valueParts[0] ?? '') : this.valueParts.join(''),
      );
      this.valueParts = [];
      this.state = 'separator';
    }
    return end;
  }

  private addBytes(count: number): void {
    this.instructionBytes += count;
    if (this.instructionBytes > this.limits.maxInstructionBytes) {
      throw instructionTooLong(this.limits.maxInstructionBytes);
    }
  }
}

/**
 * The front for bytes read from guacd's TCP socket: UTF-8 is decoded across chunk boundaries, so a character
 * split between two reads arrives whole. Invalid UTF-8 is an error rather than U+FFFD, which would change
 * the code-point count the lengths depend on.
 */
export class GuacamoleByteDecoder {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  private readonly parser: GuacamoleParser;
  private failure: GuacamoleProtocolError | null = null;

  constructor(limits: Partial<GuacamoleParserLimits> = {}) {
    this.parser = new GuacamoleParser(limits);
  }

  receive(chunk: Uint8Array): GuacamoleInstruction[] {
    if (this.failure) {
      throw new GuacamoleProtocolError('closed-after-error', 'The decoder refuses input after an error.', {
        cause: this.failure,
      });
    }
    let text: string;
    try {
      text = this.decoder.decode(chunk, { stream: true });
    } catch (error) {
      this.failure = new GuacamoleProtocolError('invalid-utf8', 'The stream is not valid UTF-8.', {
        cause: error,
      });
      throw this.failure;
    }
    try {
      return this.parser.receive(text);
    } catch (error) {
      if (error instanceof GuacamoleProtocolError) this.failure = error;
      throw error;
    }
  }
}

function instructionTooLong(limit: number): GuacamoleProtocolError {
  return new GuacamoleProtocolError('instruction-too-long', `An instruction exceeds ${limit} bytes.`);
}

function describeUnit(unit: number): string {
  return `U+${unit.toString(16).toUpperCase().padStart(4, '0')}`;
}

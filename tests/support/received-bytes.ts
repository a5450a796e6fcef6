import type { BrowserContext, Page } from 'playwright-core';

/**
 * Everything a browser context receives: each response's status line and headers and its body, and every
 * WebSocket frame, as bytes. What the device is sent is exactly what the egress test searches.
 */
export class ReceivedBytes {
  readonly items: { what: string; bytes: Buffer }[] = [];
  private readonly pending: Promise<void>[] = [];

  constructor(context: BrowserContext) {
    context.on('response', (response) => {
      this.pending.push(
        (async () => {
          const headers = await response.headersArray().catch(() => []);
          const head = [
            `${response.status()} ${response.url()}`,
            ...headers.map((h) => `${h.name}: ${h.value}`),
          ];
          this.items.push({ what: `headers of ${response.url()}`, bytes: Buffer.from(head.join('\n')) });
          // Redirects and aborted loads have no body.
          const body = await response.body().catch(() => undefined);
          if (body) this.items.push({ what: `body of ${response.url()}`, bytes: body });
        })(),
      );
    });
    for (const page of context.pages()) this.watch(page);
    context.on('page', (page) => this.watch(page));
  }

  private watch(page: Page): void {
    page.on('websocket', (socket) => {
      socket.on('framereceived', ({ payload }) => {
        this.items.push({
          what: `WebSocket frame from ${socket.url().split('?')[0]}`,
          bytes: typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload),
        });
      });
    });
  }

  async settled(): Promise<void> {
    await Promise.allSettled(this.pending);
  }

  get totalBytes(): number {
    return this.items.reduce((sum, item) => sum + item.bytes.length, 0);
  }

  /** Where any of the given byte patterns occurs, as "<needle label> in <item>". */
  find(needles: { label: string; bytes: Buffer }[]): string[] {
    const found: string[] = [];
    for (const item of this.items) {
      for (const needle of needles) {
        if (item.bytes.indexOf(needle.bytes) >= 0) found.push(`${needle.label} in ${item.what}`);
      }
    }
    return found;
  }
}

/** Base64 of `bytes` as it appears inside a longer base64 text, for each of the three byte alignments. */
function base64Inside(bytes: Buffer): string[] {
  const forms: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const start = Math.ceil((offset * 8) / 6);
    const end = Math.floor(((offset + bytes.length) * 8) / 6);
    forms.push(encoded.slice(start, end));
  }
  return forms;
}

function htmlEntities(text: string, hex: boolean): string {
  return [...text]
    .map((c) => {
      const code = c.codePointAt(0)!;
      if (code < 0x80 && /[A-Za-z0-9 -]/.test(c)) return c;
      return hex ? `&#x${code.toString(16)};` : `&#${code};`;
    })
    .join('');
}

function jsonEscapes(text: string): string {
  return [...text]
    .map((c) => (c.charCodeAt(0) < 0x80 ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))
    .join('');
}

/**
 * The byte patterns by which `text` could reach the device: UTF-8, UTF-16 (both byte orders), base64 and
 * base64url of UTF-8 and UTF-16LE at every alignment, percent-encoding (upper and lower case hex, spaces
 * as %20 or +), HTML character references (decimal and hex) and JSON \u escapes.
 */
export function encodingsOf(text: string, label: string): { label: string; bytes: Buffer }[] {
  const utf8 = Buffer.from(text, 'utf8');
  const utf16le = Buffer.from(text, 'utf16le');
  const utf16be = Buffer.from(utf16le).swap16();
  const percent = encodeURIComponent(text);
  const forms: [string, Buffer | string][] = [
    ['UTF-8', utf8],
    ['UTF-16LE', utf16le],
    ['UTF-16BE', utf16be],
    ...base64Inside(utf8).map((b): [string, string] => ['base64 of UTF-8', b]),
    ...base64Inside(utf8).map((b): [string, string] => [
      'base64url of UTF-8',
      b.replaceAll('+', '-').replaceAll('/', '_'),
    ]),
    ...base64Inside(utf16le).map((b): [string, string] => ['base64 of UTF-16LE', b]),
    ['percent-encoding', percent],
    ['percent-encoding (lower case)', percent.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())],
    ['form encoding', percent.replaceAll('%20', '+')],
    ['HTML decimal references', htmlEntities(text, false)],
    ['HTML hex references', htmlEntities(text, true)],
    ['JSON escapes', jsonEscapes(text)],
  ];
  const seen = new Set<string>();
  const needles: { label: string; bytes: Buffer }[] = [];
  for (const [encoding, value] of forms) {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
    // Too short a pattern would match by chance in image data.
    if (bytes.length < 6) continue;
    const key = bytes.toString('hex');
    if (seen.has(key)) continue;
    seen.add(key);
    needles.push({ label: `${label} (${encoding})`, bytes });
  }
  return needles;
}

import net from 'node:net';

/**
 * ClamAV's daemon (clamd), asked over its socket with the INSTREAM command: the file goes in chunks, each
 * after its length, and clamd answers `stream: OK` or `stream: <signature> FOUND`. clamd runs beside the
 * broker (a Unix socket, or loopback TCP), so the file never crosses a network on its way to be scanned.
 * Signatures are kept fresh by freshclam in production; tests give clamd a small signature file of their own.
 */
export type ScanResult = { clean: true; scannedBy: string } | { clean: false; signature: string };

export class ScannerUnavailableError extends Error {}

export type ClamdAddress = { socket: string } | { host: string; port: number };

const CHUNK = 64 * 1024;

export class VirusScanner {
  constructor(
    private readonly address: ClamdAddress,
    private readonly timeoutMs = 30_000,
  ) {}

  /** What clamd says it is: engine and signature version, kept with each file it passed. */
  async version(): Promise<string> {
    const answer = await this.ask((socket) => socket.end('zVERSION\0'));
    return answer.trim();
  }

  async scan(content: Buffer): Promise<ScanResult> {
    const answer = await this.ask((socket) => {
      socket.write('zINSTREAM\0');
      for (let at = 0; at < content.length; at += CHUNK) {
        const chunk = content.subarray(at, at + CHUNK);
        const length = Buffer.alloc(4);
        length.writeUInt32BE(chunk.length);
        socket.write(length);
        socket.write(chunk);
      }
      socket.end(Buffer.alloc(4));
    });
    const reply = answer.replace(/^stream:\s*/, '').trim();
    if (reply === 'OK') return { clean: true, scannedBy: await this.version() };
    const found = /^(.+) FOUND$/.exec(reply);
    if (found) return { clean: false, signature: found[1]! };
    throw new ScannerUnavailableError(`clamd could not scan the file: ${reply.slice(0, 200)}`);
  }

  private ask(send: (socket: net.Socket) => void): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket =
        'socket' in this.address
          ? net.createConnection(this.address.socket)
          : net.createConnection(this.address.port, this.address.host);
      const chunks: Buffer[] = [];
      socket.setTimeout(this.timeoutMs, () =>
        socket.destroy(new ScannerUnavailableError('clamd did not answer in time')),
      );
      socket.on('connect', () => send(socket));
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', (error) =>
        reject(
          error instanceof ScannerUnavailableError
            ? error
            : new ScannerUnavailableError(`clamd is not reachable: ${error.message}`),
        ),
      );
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8').replace(/\0+$/, '')));
    });
  }
}

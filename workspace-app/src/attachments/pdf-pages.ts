import { spawn } from 'node:child_process';

/**
 * PDFs are shown inside the desktop as pictures of their pages (poppler's pdftoppm), never as the PDF itself:
 * a browser's PDF viewer offers saving and printing, a picture offers nothing. The tools read the file from
 * their standard input, so no copy of it is written to the portal host's disk.
 */
export const MAX_SHOWN_PAGES = 30;

function run(command: string, args: string[], input: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8').slice(0, 500)));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(out))
        : reject(new Error(`${command} failed (${code}): ${err.trim()}`)),
    );
    child.stdin.on('error', () => undefined); // the tool may stop reading a broken file early
    child.stdin.end(input);
  });
}

/** How many pages the PDF has; 0 when poppler cannot read it. */
export async function pdfPageCount(pdf: Buffer): Promise<number> {
  try {
    const info = (await run('pdfinfo', ['-'], pdf, 20_000)).toString('utf8');
    const pages = /^Pages:\s+(\d+)/m.exec(info);
    return pages ? Number(pages[1]) : 0;
  } catch {
    return 0;
  }
}

/** One page as a PNG, at a resolution legible on a PC screen and a phone alike. */
export function pdfPagePng(pdf: Buffer, page: number): Promise<Buffer> {
  const n = String(page);
  return run('pdftoppm', ['-png', '-r', '110', '-f', n, '-l', n, '-singlefile', '-'], pdf, 30_000);
}

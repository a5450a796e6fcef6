import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small web site for kiosk tests: a page with a text area that records the keys it receives, a file
 * offered as a download, and a record of every request, so a test can tell whether the kiosk ever asked.
 */
export interface TestSite {
  url: string;
  /** Paths requested so far, in order. */
  hits: string[];
  close(): Promise<void>;
}

export const DOWNLOAD_CONTENT = 'the content of a file offered for download\n';

const page = (title: string): string => `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>${title}</title></head>
<body>
<h1>${title}</h1>
<textarea id="note" rows="8" cols="80"></textarea>
<a id="download" href="/download.bin" download="report.bin">download</a>
<script>
  window.keysSeen = [];
  addEventListener('keydown', (e) => keysSeen.push((e.ctrlKey ? 'C-' : '') + (e.shiftKey ? 'S-' : '') + e.key));
  document.getElementById('note').focus();
</script>
</body></html>`;

export async function startTestSite(title = 'test site'): Promise<TestSite> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    hits.push(path);
    if (path === '/download.bin') {
      res
        .writeHead(200, {
          'content-type': 'application/octet-stream',
          'content-disposition': 'attachment; filename="report.bin"',
        })
        .end(DOWNLOAD_CONTENT);
      return;
    }
    if (path === '/favicon.ico') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(title));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

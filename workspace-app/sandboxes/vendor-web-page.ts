import { html } from '@hcw/common';
/** The page a deep link opens in the kiosk: enough of a vendor's web app to show the link arrived. */
export function renderVendorPage(page: {
  vendorName: string;
  title: string;
  facts?: ReadonlyArray<readonly [string, string]>;
  body?: string;
}): string {
  const facts = (page.facts ?? []).map(
    ([label, value]) =>
      html`<dt>${label}</dt>
        <dd>${value}</dd>`,
  );
  const body = page.body !== undefined && html`<section class="body">${page.body}</section>`;
  return html`<!doctype html>
    <html lang="ja">
      <head>
        <meta charset="utf-8" />
        <title>${page.title} | ${page.vendorName}</title>
        <style>
          body {
            font-family: 'Noto Sans CJK JP', sans-serif;
            margin: 0;
            color: #222;
          }
          header {
            background: #2d6a4f;
            color: #fff;
            padding: 0.8rem 1.2rem;
            font-weight: bold;
          }
          main {
            padding: 1.2rem;
            max-width: 48rem;
          }
          dl {
            display: grid;
            grid-template-columns: max-content 1fr;
            gap: 0.3rem 1rem;
          }
          dt {
            color: #555;
          }
          .body {
            white-space: pre-wrap;
            border-top: 1px solid #ccc;
            padding-top: 1rem;
          }
        </style>
      </head>
      <body>
        <header>${page.vendorName}（検証用環境）</header>
        <main>
          <h1>${page.title}</h1>
          <dl>${facts}</dl>
          ${body}
        </main>
      </body>
    </html> `.toString();
}

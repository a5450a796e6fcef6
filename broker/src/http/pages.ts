import { type Bilingual, bilingualMessage, type Html, html } from '@hcw/common';

/**
 * The broker's own small pages (sign-in steps, notices): Japanese, our stylesheet, our scripts only; the
 * body is markup made with `html`.
 */
export function authPage(title: string, body: Html, scripts: string[] = []): string {
  return html`<!doctype html>
    <html lang="ja">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        <link rel="stylesheet" href="/client/sign-in.css" />
      </head>
      <body>
        <main class="sign-in">
          <h1>${title}</h1>
          ${body}
        </main>
        ${scripts.map((s) => html`<script type="module" src="${s}"></script>`)}
      </body>
    </html>`.toString();
}

/** A message as two paragraphs, Japanese then English; `className` marks both (e.g. `error`). */
export function bilingualParagraphs(message: Bilingual, className?: string): Html {
  const cls = className && html` class="${className}"`;
  const role = className === 'error' && html` role="alert"`;
  return html`<div${role}><p${cls}>${message.ja}</p><p${cls} lang="en">${message.en}</p></div>`;
}

export function noticePage(
  title: string,
  message: string | Bilingual,
  link?: { href: string; text: string },
): string {
  return authPage(
    title,
    html`${typeof message === 'string' ? html`<p>${message}</p>` : bilingualParagraphs(message)}${
      link && html`<p><a href="${link.href}">${link.text}</a></p>`
    }`,
  );
}

/** A notice in both languages, Japanese first: for refusals a person must understand and pass on. */
export function bilingualNoticePage(
  title: Bilingual,
  message: Bilingual,
  link?: { href: string; text: Bilingual },
): string {
  return authPage(
    bilingualMessage(title),
    html`<p>${message.ja}</p>
      <p lang="en">${message.en}</p>
      ${
        link &&
        html`<p>
          <a href="${link.href}">${link.text.ja} / <span lang="en">${link.text.en}</span></a>
        </p>`
      }`,
  );
}

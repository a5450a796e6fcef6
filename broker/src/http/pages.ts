import { type Bilingual, bilingualMessage } from '@hcw/common';
import { escapeHtml } from './html.js';

/** The broker's own small pages (sign-in steps, notices): Japanese, our stylesheet, our scripts only. */
export function authPage(title: string, body: string, scripts: string[] = []): string {
  return `<!doctype html><html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><link rel="stylesheet" href="/client/sign-in.css"></head>
<body><main class="sign-in"><h1>${escapeHtml(title)}</h1>
${body}
</main>${scripts.map((s) => `<script type="module" src="${escapeHtml(s)}"></script>`).join('')}</body></html>`;
}

/** A message as two paragraphs, Japanese then English; `className` marks both (e.g. `error`). */
export function bilingualParagraphs(message: Bilingual, className?: string): string {
  const cls = className ? ` class="${escapeHtml(className)}"` : '';
  const role = className === 'error' ? ' role="alert"' : '';
  return `<div${role}><p${cls}>${escapeHtml(message.ja)}</p><p${cls} lang="en">${escapeHtml(message.en)}</p></div>`;
}

export function noticePage(
  title: string,
  message: string | Bilingual,
  link?: { href: string; text: string },
): string {
  return authPage(
    title,
    `${typeof message === 'string' ? `<p>${escapeHtml(message)}</p>` : bilingualParagraphs(message)}${link ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>` : ''}`,
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
    `<p>${escapeHtml(message.ja)}</p><p lang="en">${escapeHtml(message.en)}</p>` +
      (link
        ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text.ja)} / <span lang="en">${escapeHtml(link.text.en)}</span></a></p>`
        : ''),
  );
}

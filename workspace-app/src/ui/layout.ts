import { escapeHtml, t, type Language } from './i18n.js';

/**
 * The portal header's colour. It is also what the end-to-end test looks for in the remote desktop's
 * pixels to know the portal is on the screen, so change both together.
 */
export const PORTAL_HEADER_COLOUR = '#1f5f8b';

export function layout(lang: Language, title: string, body: string): string {
  const other: Language = lang === 'ja' ? 'en' : 'ja';
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} - ${escapeHtml(t(lang, 'appName'))}</title>
<link rel="stylesheet" href="/assets/portal.css">
</head>
<body>
<header class="portal-header">
  <span class="portal-name">${escapeHtml(t(lang, 'appName'))}</span>
  <a class="portal-lang" href="?lang=${other}">${escapeHtml(t(lang, 'switchLanguage'))}</a>
</header>
<main>
${body}
</main>
</body>
</html>`;
}

import { type Html, html, type Language } from '@hcw/common';
import { t, type MessageKey } from './i18n.js';

/**
 * The portal header's colour. It is also what the end-to-end test looks for in the remote desktop's
 * pixels to know the portal is on the screen, so change both together.
 */
export const PORTAL_HEADER_COLOUR = '#1f5f8b';

/** The parts of the portal its header links to; a page names its own so the link is marked. */
export type PortalSection = 'home' | 'timeline' | 'transfers' | 'patients';

export interface LayoutOptions {
  section?: PortalSection;
  /** The page's own stylesheets, after the portal's base and before the responsive rules that adapt them. */
  stylesheets?: readonly string[];
}

const sections: ReadonlyArray<{ id: PortalSection; path: string; key: MessageKey }> = [
  { id: 'home', path: '/', key: 'navHome' },
  { id: 'timeline', path: '/timeline', key: 'navTimeline' },
  { id: 'transfers', path: '/transfers', key: 'navTransfers' },
  { id: 'patients', path: '/patients', key: 'navPatients' },
];

/**
 * The header's links and the language switch. On a small screen they fold into a menu opened by a tap (a
 * `<details>`, so it works without scripts); responsive.css keeps the menu open and its button hidden
 * where they fit on one line.
 */
function portalMenu(lang: Language, current: PortalSection | undefined): Html {
  const other: Language = lang === 'ja' ? 'en' : 'ja';
  const links = sections.map(
    (section) =>
      html`<li>
        <a href="${section.path}" ${section.id === current && html` aria-current="page"`}
          >${t(lang, section.key)}</a
        >
      </li>`,
  );
  return html`<details class="portal-menu">
    <summary>${t(lang, 'menu')}</summary>
    <nav aria-label="${t(lang, 'menu')}">
      <ul>
        ${links}
        <li class="portal-lang-item">
          <a class="portal-lang" href="?lang=${other}" lang="${other}">${t(lang, 'switchLanguage')}</a>
        </li>
      </ul>
    </nav>
  </details>`;
}

/**
 * A whole portal page, as the text to send. The body is markup made with `html`; a string body is taken
 * as markup too, for the pages not yet written with the tag.
 */
export function layout(
  lang: Language,
  title: string,
  body: Html | string,
  options: LayoutOptions = {},
): string {
  const stylesheets = ['/assets/portal.css', ...(options.stylesheets ?? []), '/assets/responsive.css'].map(
    (href) => html`<link rel="stylesheet" href="${href}" /> `,
  );
  return html`<!doctype html>
    <html lang="${lang}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} - ${t(lang, 'appName')}</title>
        ${stylesheets}
      </head>
      <body>
        <header class="portal-header">
          <span class="portal-name">${t(lang, 'appName')}</span>
          ${portalMenu(lang, options.section)}
        </header>
        <main>${body}</main>
      </body>
    </html>`.toString();
}

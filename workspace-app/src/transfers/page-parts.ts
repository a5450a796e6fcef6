import { type Bilingual, type Html, html, type HtmlValue, type Language, tokyoDateTime } from '@hcw/common';
import { layout } from '../ui/layout.js';
import {
  inquiryStatusLabels,
  requestStatusLabels,
  type InquiryStatus,
  type RequestStatus,
} from './inquiry-codes.js';
import { tt } from './transfer-text.js';

// Small pieces every transfer page is built from. Pages are plain HTML from the server: they work
// without scripts, and the one script only adds conveniences (steppers, select all).

export function pick(lang: Language, text: Bilingual): string {
  return text[lang];
}

/** Text with its line breaks kept: each line escaped, `<br>` between them (empty lines too). */
export function withLineBreaks(text: string): Html {
  return html`${text.split('\n').map((line, index) => html`${index > 0 && html`<br />`}${line}`)}`;
}

/** A notice carried to the next page after a form was sent. */
export interface PageNotice {
  tone: 'success' | 'error';
  text: Bilingual;
}

export function noticeBanner(lang: Language, notice: PageNotice | undefined): Html {
  if (!notice) return html``;
  const role = notice.tone === 'error' ? 'alert' : 'status';
  return html`<p class="transfer-notice is-${notice.tone}" role="${role}">
    ${withLineBreaks(notice.text[lang])}
  </p>`;
}

export function transferPage(lang: Language, title: string, body: Html, notice?: PageNotice): string {
  return layout(
    lang,
    title,
    html`<script src="/assets/transfers/transfers.js" defer></script>
      <nav class="transfer-nav">
        <a href="/">${tt(lang, 'portalHome')}</a> › <a href="/transfers">${tt(lang, 'transfersHome')}</a>
      </nav>
      ${noticeBanner(lang, notice)} ${body}`,
    { section: 'transfers', stylesheets: ['/assets/transfers/transfers.css'] },
  );
}

export function requestStatusBadge(lang: Language, status: RequestStatus): Html {
  return html`<span class="badge request-${status}">${pick(lang, requestStatusLabels[status])}</span>`;
}

export function inquiryStatusBadge(lang: Language, status: InquiryStatus): Html {
  return html`<span class="badge inquiry-${status}">${pick(lang, inquiryStatusLabels[status])}</span>`;
}

/** When a figure was last confirmed, marked when it is older than the threshold. */
export function updatedAtLabel(lang: Language, iso: string, isStale: boolean): Html {
  const when = html`${tt(lang, 'updatedAt')} ${tokyoDateTime(iso)}`;
  return isStale
    ? html`<span class="updated is-stale"
        >${when} <strong class="badge stale">${tt(lang, 'stale')}</strong></span
      >`
    : html`<span class="updated">${when}</span>`;
}

/** A button that posts a form of its own, for actions without fields. */
export function actionButton(
  action: string,
  label: string,
  tone: 'primary' | 'secondary' | 'danger' = 'primary',
): Html {
  return html`<form method="post" action="${action}" class="inline-form">
    <button type="submit" class="button ${tone}">${label}</button>
  </form>`;
}

/** Terms and their values; a value is text (escaped) or markup made with `html`. */
export function definitionList(rows: readonly (readonly [string, HtmlValue])[]): Html {
  return html`<dl class="facts">
    ${rows.map(
      ([term, value]) =>
        html`<dt>${term}</dt>
          <dd>${value}</dd>`,
    )}
  </dl>`;
}

import { type Bilingual, type Language, tokyoDateTime } from '@hcw/common';
import { escapeHtml } from '../ui/i18n.js';
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

export const e = escapeHtml;

export function pick(lang: Language, text: Bilingual): string {
  return text[lang];
}

/** A notice carried to the next page after a form was sent. */
export interface PageNotice {
  tone: 'success' | 'error';
  text: Bilingual;
}

export function noticeBanner(lang: Language, notice: PageNotice | undefined): string {
  if (!notice) return '';
  const lines = notice.text[lang].split('\n').map((line) => e(line));
  return `<p class="transfer-notice is-${notice.tone}" role="${notice.tone === 'error' ? 'alert' : 'status'}">${lines.join('<br>')}</p>`;
}

export function transferPage(lang: Language, title: string, body: string, notice?: PageNotice): string {
  return layout(
    lang,
    title,
    `<script src="/assets/transfers/transfers.js" defer></script>
<nav class="transfer-nav"><a href="/">${e(tt(lang, 'portalHome'))}</a> › <a href="/transfers">${e(tt(lang, 'transfersHome'))}</a></nav>
${noticeBanner(lang, notice)}
${body}`,
    { section: 'transfers', stylesheets: ['/assets/transfers/transfers.css'] },
  );
}

export function requestStatusBadge(lang: Language, status: RequestStatus): string {
  return `<span class="badge request-${status}">${e(pick(lang, requestStatusLabels[status]))}</span>`;
}

export function inquiryStatusBadge(lang: Language, status: InquiryStatus): string {
  return `<span class="badge inquiry-${status}">${e(pick(lang, inquiryStatusLabels[status]))}</span>`;
}

/** When a figure was last confirmed, marked when it is older than the threshold. */
export function updatedAtLabel(lang: Language, iso: string, isStale: boolean): string {
  const when = `${e(tt(lang, 'updatedAt'))} ${e(tokyoDateTime(iso))}`;
  return isStale
    ? `<span class="updated is-stale">${when} <strong class="badge stale">${e(tt(lang, 'stale'))}</strong></span>`
    : `<span class="updated">${when}</span>`;
}

/** A button that posts a form of its own, for actions without fields. */
export function actionButton(
  action: string,
  label: string,
  tone: 'primary' | 'secondary' | 'danger' = 'primary',
): string {
  return `<form method="post" action="${e(action)}" class="inline-form"><button type="submit" class="button ${tone}">${e(label)}</button></form>`;
}

export function definitionList(rows: readonly (readonly [string, string])[]): string {
  return `<dl class="facts">${rows.map(([term, value]) => `<dt>${e(term)}</dt><dd>${value}</dd>`).join('')}</dl>`;
}

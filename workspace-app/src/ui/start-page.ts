import type { Practitioner } from '@hcw/common';
import { escapeHtml, t, type Language } from './i18n.js';
import { layout } from './layout.js';

export function startPage(lang: Language, practitioner: Practitioner): string {
  const card = (
    titleKey: 'timeline' | 'transfers' | 'patients',
    leadKey: 'timelineLead' | 'transfersLead' | 'patientsLead',
  ) =>
    `<section class="card"><h2>${escapeHtml(t(lang, titleKey))}</h2><p>${escapeHtml(t(lang, leadKey))}</p></section>`;
  return layout(
    lang,
    t(lang, 'appName'),
    `<h1 class="welcome" data-practitioner-id="${escapeHtml(practitioner.id)}">${escapeHtml(
      t(lang, 'welcome', { name: practitioner.displayName }),
    )}</h1>
<p class="who">${escapeHtml(t(lang, 'organisation'))}: ${escapeHtml(practitioner.organisation)} ・ ${escapeHtml(
      t(lang, 'profession'),
    )}: ${escapeHtml(practitioner.profession)}</p>
<div class="cards">
<a class="card-link" href="/timeline">${card('timeline', 'timelineLead')}</a>
<section class="card"><h2><a href="/transfers">${escapeHtml(t(lang, 'transfers'))}</a></h2><p>${escapeHtml(t(lang, 'transfersLead'))}</p></section>
<section class="card"><h2><a href="/patients">${escapeHtml(t(lang, 'patients'))}</a></h2><p>${escapeHtml(t(lang, 'patientsLead'))}</p><p><a href="/patients/today">${lang === 'ja' ? '今日の訪問' : 'Today’s visits'}</a></p></section>
</div>`,
  );
}

export function messagePage(lang: Language, message: string): string {
  return layout(lang, t(lang, 'appName'), `<p class="notice">${escapeHtml(message)}</p>`);
}

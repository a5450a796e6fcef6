import { type Language, type Practitioner } from '@hcw/common';
import { escapeHtml, t } from './i18n.js';
import { layout } from './layout.js';

export function startPage(lang: Language, practitioner: Practitioner): string {
  const card = (
    path: string,
    titleKey: 'timeline' | 'transfers' | 'patients',
    leadKey: 'timelineLead' | 'transfersLead' | 'patientsLead',
    more = '',
  ) =>
    `<section class="card"><h2><a href="${path}">${escapeHtml(t(lang, titleKey))}</a></h2><p>${escapeHtml(
      t(lang, leadKey),
    )}</p>${more}</section>`;
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
${card('/timeline', 'timeline', 'timelineLead')}
${card('/transfers', 'transfers', 'transfersLead')}
${card('/patients', 'patients', 'patientsLead', `<p><a href="/patients/today">${escapeHtml(t(lang, 'todaysVisits'))}</a></p>`)}
</div>`,
    { section: 'home' },
  );
}

export function messagePage(lang: Language, message: string): string {
  return layout(lang, t(lang, 'appName'), `<p class="notice">${escapeHtml(message)}</p>`);
}

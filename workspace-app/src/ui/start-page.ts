import { html, type Language, type Practitioner } from '@hcw/common';
import { t } from './i18n.js';
import { layout } from './layout.js';

export function startPage(lang: Language, practitioner: Practitioner): string {
  const card = (
    path: string,
    titleKey: 'timeline' | 'transfers' | 'patients',
    leadKey: 'timelineLead' | 'transfersLead' | 'patientsLead',
    more = html``,
  ) =>
    html`<section class="card">
      <h2><a href="${path}">${t(lang, titleKey)}</a></h2>
      <p>${t(lang, leadKey)}</p>
      ${more}
    </section>`;
  return layout(
    lang,
    t(lang, 'appName'),
    html`<h1 class="welcome" data-practitioner-id="${practitioner.id}">
        ${t(lang, 'welcome', { name: practitioner.displayName })}
      </h1>
      <p class="who">
        ${t(lang, 'organisation')}: ${practitioner.organisation} ・ ${t(lang, 'profession')}:
        ${practitioner.profession}
      </p>
      <div class="cards">
        ${card('/timeline', 'timeline', 'timelineLead')} ${card('/transfers', 'transfers', 'transfersLead')}
        ${card('/patients', 'patients', 'patientsLead', html`<p><a href="/patients/today">${t(lang, 'todaysVisits')}</a></p>`)}
      </div>`,
    { section: 'home' },
  );
}

export function messagePage(lang: Language, message: string): string {
  return layout(lang, t(lang, 'appName'), html`<p class="notice">${message}</p>`);
}

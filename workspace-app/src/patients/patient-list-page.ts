import { whereaboutsLine } from './care-cycle-page.js';
import { html, type Language, tokyoDateTime } from '@hcw/common';
import { todaysVisitsCard } from './calendar-pages.js';
import { renderFields, type RawForm } from './form-fields.js';
import type { ItemIssue } from './invalid-item-error.js';
import { basicsForm } from './item-forms.js';
import type { PatientListEntry } from './list-patients.js';
import {
  ageOn,
  button,
  href,
  labelOf,
  link,
  patientPage,
  postForm,
  roleLabel,
} from './patient-page-parts.js';
import { pt } from './patients-messages.js';
import { sexLabels } from './standard-codes.js';
import type { ScheduledVisit } from './visit-calendar.js';

/** The practitioner's patients, with today's visits on top: the first page after a visit. */
export function renderPatientList(
  patients: readonly PatientListEntry[],
  today: readonly ScheduledVisit[],
  lang: Language,
): string {
  const rows = patients.map(
    (p) =>
      html`<li class="patient">
        <a class="patient-link" href="${href(`/patients/${p.patientId}`, lang)}">
          <strong>${p.name}</strong> <span class="kana">${p.kana}</span></a
        >
        <p class="meta">
          ${[
            labelOf(sexLabels, p.sex, lang),
            p.birthDate ? pt(lang, 'age', { age: ageOn(p.birthDate) }) : pt(lang, 'unknownBirthDate'),
            p.municipality ?? '',
            p.missingCount > 0 ? pt(lang, 'incomplete') : '',
            roleLabel(p.role, lang),
            p.whereabouts ? whereaboutsLine(p.whereabouts, lang) : '',
            p.nextVisitAt ? pt(lang, 'nextVisit', { when: tokyoDateTime(p.nextVisitAt) }) : '',
          ]
            .filter(Boolean)
            .join(' ・ ')}
        </p>
      </li>`,
  );
  return patientPage(
    lang,
    pt(lang, 'patients'),
    html`<h1>${pt(lang, 'patients')}</h1>
      <nav class="actions-bar">
        ${link('/patients/calendar', pt(lang, 'myCalendar'), lang, 'button')}
        ${link('/patients/invitations', pt(lang, 'invitations'), lang, 'button')}
        ${link('/patients/documents', pt(lang, 'inbox'), lang, 'button')}
        ${link('/patients/new', pt(lang, 'newPatient'), lang, 'button')}
      </nav>
      ${todaysVisitsCard(today, lang)}
      <section class="card">
        <p>${pt(lang, 'patientsLead')}</p>
        ${
          rows.length > 0
            ? html`<ul class="items patient-list">
                ${rows}
              </ul>`
            : html`<p class="empty">${pt(lang, 'noPatients')}</p>`
        }
      </section>`,
  );
}

/** Registering a patient: their basics; the one registering becomes the care team's owner. */
export function renderNewPatientPage(form: RawForm, issues: readonly ItemIssue[], lang: Language): string {
  return patientPage(
    lang,
    pt(lang, 'newPatient'),
    html`<p class="breadcrumb">${link('/patients', pt(lang, 'toList'), lang)}</p>
      <h1>${pt(lang, 'newPatient')}</h1>
      ${issues.length > 0 && html`<p class="form-errors-title" role="alert">${pt(lang, 'invalidTitle')}</p>`}
      ${postForm(
        '/patients',
        lang,
        html`${renderFields(basicsForm, form, lang, issues)}
          <p>${button(pt(lang, 'save'), 'button primary')}</p>`,
        {
          className: 'item-form',
        },
      )}`,
  );
}

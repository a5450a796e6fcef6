import { addDays, type Html, html, type Language, tokyoDate, tokyoTime } from '@hcw/common';
import type { CareConference } from './care-conferences.js';
import type { CareTeam } from './care-team.js';
import { conferenceText, todaysConferencesCard } from './conference-pages.js';
import { renderFields, type FormSpec, type RawForm } from './form-fields.js';
import type { ItemIssue } from './invalid-item-error.js';
import { button, href, link, patientPage, postForm, professionText } from './patient-page-parts.js';
import { pt, type PatientMessageKey } from './patients-messages.js';
import type { ScheduledVisit, VisitStatus } from './visit-calendar.js';
import type { VisitConflictError } from './visit-conflict-error.js';

const statusKeys: Record<VisitStatus, PatientMessageKey> = {
  planned: 'visitStatusPlanned',
  done: 'visitStatusDone',
  cancelled: 'visitStatusCancelled',
};

/** The form to plan a visit; whoever may visit is chosen among the care team. */
export function visitPlanForm(team?: CareTeam): FormSpec {
  const people = Object.fromEntries(
    (team?.members ?? []).flatMap((member) =>
      member.people.map((person) => {
        const name = `${person.name ?? person.id}（${member.organisation}）`;
        return [person.id, { ja: name, en: name }];
      }),
    ),
  );
  return [
    {
      fields: [
        {
          name: 'practitionerId',
          label: { ja: '訪問者', en: 'Who visits' },
          input: { type: 'select', codes: people },
          isRequired: true,
        },
        {
          name: 'startsAt',
          label: { ja: '開始日時', en: 'Starts at' },
          input: { type: 'datetime' },
          isRequired: true,
        },
        {
          name: 'durationMinutes',
          label: { ja: '所要時間（分）', en: 'Duration (minutes)' },
          input: { type: 'number', step: '1', inputMode: 'numeric' },
          isRequired: true,
        },
        { name: 'purpose', label: { ja: '目的', en: 'Purpose' }, input: { type: 'text' } },
      ],
    },
  ];
}

function visitLine(visit: ScheduledVisit, lang: Language, withPatient: boolean): string {
  const who = `${visit.practitioner.name}（${professionText(visit.practitioner.profession, lang)}・${visit.practitioner.organisation}）`;
  return [
    `${tokyoTime(visit.startsAt)}〜${tokyoTime(visit.endsAt)}`,
    withPatient && visit.patientName ? `${visit.patientName}${lang === 'ja' ? ' 様' : ''}` : '',
    withPatient ? '' : who,
    visit.purpose ?? '',
  ]
    .filter(Boolean)
    .join(' ・ ');
}

function byDay(visits: readonly ScheduledVisit[], from: string, days: number): [string, ScheduledVisit[]][] {
  return Array.from({ length: days }, (_, i) => {
    const day = addDays(from, i);
    return [day, visits.filter((visit) => tokyoDate(visit.startsAt) === day)];
  });
}

export interface PatientCalendarView {
  patientId: string;
  patientName: string;
  visits: ScheduledVisit[];
  from: string;
  days: number;
  team: CareTeam;
  canWrite: boolean;
  form?: RawForm;
  issues?: readonly ItemIssue[];
  conflict?: VisitConflictError;
  /** Why a weekly series was refused: its input's problems, or the dates on which it clashes. */
  seriesProblems?: readonly string[];
}

const weekdayNames: Readonly<Record<number, { ja: string; en: string }>> = {
  1: { ja: '月', en: 'Mon' },
  2: { ja: '火', en: 'Tue' },
  3: { ja: '水', en: 'Wed' },
  4: { ja: '木', en: 'Thu' },
  5: { ja: '金', en: 'Fri' },
  6: { ja: '土', en: 'Sat' },
  7: { ja: '日', en: 'Sun' },
};

const seriesText = {
  title: { ja: '定期訪問（毎週）', en: 'Recurring visits (weekly)' },
  who: { ja: '訪問者', en: 'Who visits' },
  firstDate: { ja: '開始日', en: 'From' },
  time: { ja: '時刻', en: 'Time' },
  weekdays: { ja: '曜日', en: 'Weekdays' },
  weeks: { ja: '週数', en: 'Weeks' },
  duration: { ja: '所要時間（分）', en: 'Duration (minutes)' },
  purpose: { ja: '目的', en: 'Purpose' },
  exceptDates: { ja: '除外する日（1行に1日、YYYY-MM-DD）', en: 'Dates to skip (one per line, YYYY-MM-DD)' },
  schedule: { ja: '定期訪問を登録', en: 'Schedule the series' },
};

/** The form for a weekly series of visits; all of its visits are stored, or none. */
function seriesForm(view: PatientCalendarView, lang: Language): Html {
  const people = (view.team?.members ?? []).flatMap((member) =>
    member.people.map((person) => ({
      id: person.id,
      name: `${person.name ?? person.id}（${member.organisation}）`,
    })),
  );
  const label = (text: { ja: string; en: string }, control: Html) =>
    html`<p class="field">
      <label>${text[lang]}<br />${control}</label>
    </p>`;
  return html`<section class="card visit-series">
    <h2>${seriesText.title[lang]}</h2>
    ${
      view.seriesProblems &&
      html`<div class="form-errors" role="alert">
        <ul>
          ${view.seriesProblems.map((problem) => html`<li>${problem}</li>`)}
        </ul>
      </div>`
    }
    ${postForm(
      `/patients/${view.patientId}/visits/series`,
      lang,
      html`${label(
        seriesText.who,
        html`<select name="practitionerId" required>
            ${people.map((person) => html`<option value="${person.id}">${person.name}</option>`)}
          </select>`,
      )}
        ${label(seriesText.firstDate, html`<input type="date" name="firstDate" required />`)}
        ${label(seriesText.time, html`<input type="time" name="time" required />`)}
        <fieldset>
          <legend>${seriesText.weekdays[lang]}</legend>
          ${[1, 2, 3, 4, 5, 6, 7].map(
            (day) =>
              html`<label class="choice"
                ><input type="checkbox" name="weekdays" value="${day}" />${weekdayNames[day]![lang]}</label
              >`,
          )}
        </fieldset>
        ${label(seriesText.weeks, html`<input type="number" name="weeks" min="1" max="26" value="4" required />`)}
        ${label(seriesText.duration, html`<input type="number" name="durationMinutes" min="10" max="480" value="60" />`)}
        ${label(seriesText.purpose, html`<input type="text" name="purpose" maxlength="200" />`)}
        ${label(seriesText.exceptDates, html`<textarea name="exceptDates" rows="2"></textarea>`)}
        <p>${button(seriesText.schedule[lang], 'button primary')}</p>`,
      { className: 'item-form' },
    )}
  </section>`;
}

/** A patient's week: who comes when, overlaps marked, and a form to plan another visit. */
export function renderPatientCalendar(view: PatientCalendarView, lang: Language): string {
  const id = view.patientId;
  const days = byDay(view.visits, view.from, view.days).map(([day, visits]) => {
    const rows = visits.map((visit) => {
      const overlap =
        visit.overlapsWith.length > 0 &&
        html`<span class="badge warning">${pt(lang, 'overlapWarning')}</span>`;
      const cancel =
        view.canWrite &&
        visit.status === 'planned' &&
        postForm(
          `/patients/${id}/visits/${visit.id}/cancel`,
          lang,
          button(pt(lang, 'cancelVisit'), 'button small'),
          {
            className: 'inline-form',
            confirm: pt(lang, 'cancelVisit'),
          },
        );
      const record =
        view.canWrite &&
        visit.status === 'planned' &&
        link(
          `/patients/${id}/visit?scheduledVisitId=${visit.id}`,
          pt(lang, 'recordVisit'),
          lang,
          'small-button',
        );
      return html`<li class="visit status-${visit.status}" data-visit-id="${visit.id}">
        ${visitLine(visit, lang, false)}
        <span class="badge">${pt(lang, statusKeys[visit.status])}</span>${overlap}${record}${cancel}
      </li>`;
    });
    return html`<li class="day">
      <h3>${day}</h3>
      ${
        rows.length > 0 &&
        html`<ul class="items">
          ${rows}
        </ul>`
      }
    </li>`;
  });
  const conflict =
    view.conflict &&
    html`<section class="conflict" role="alert">
      <h2>${pt(lang, 'conflictVisitTitle')}</h2>
      <p>${lang === 'ja' ? view.conflict.messageJa : view.conflict.messageEn}</p>
    </section>`;
  const plan =
    view.canWrite &&
    html`<section class="card">
      <h2>${pt(lang, 'schedule')}</h2>
      ${conflict}${postForm(
        `/patients/${id}/visits`,
        lang,
        html`${renderFields(visitPlanForm(view.team), view.form ?? { durationMinutes: '60' }, lang, view.issues)}
          <p>${button(pt(lang, 'schedule'), 'button primary')}</p>`,
      )}
    </section>`;
  const week = (offset: number) => `/patients/${id}/calendar?from=${addDays(view.from, offset)}`;
  return patientPage(
    lang,
    `${pt(lang, 'calendar')} — ${view.patientName}`,
    html`<p class="breadcrumb">
        ${link(`/patients/${id}`, `${view.patientName} — ${pt(lang, 'toRecord')}`, lang)}
      </p>
      <h1>${pt(lang, 'calendar')}</h1>
      <nav class="actions-bar">
        ${link(week(-7), pt(lang, 'previousWeek'), lang, 'button')}${link(week(7), pt(lang, 'nextWeek'), lang, 'button')}${link(`/patients/${id}/conferences`, conferenceText.title[lang], lang, 'button')}
      </nav>
      ${plan} ${view.canWrite && seriesForm(view, lang)}
      <ol class="days">
        ${days}
      </ol>`,
  );
}

function ownVisitRows(visits: readonly ScheduledVisit[], lang: Language): Html {
  return html`${visits.map(
    (visit) =>
      html`<li class="visit status-${visit.status}">
        <a class="visit-link" href="${href(`/patients/${visit.patientId}`, lang)}"
          >${visitLine(visit, lang, true)}</a
        >
        <span class="badge">${pt(lang, statusKeys[visit.status])}</span>${
          visit.status === 'planned' &&
          link(
            `/patients/${visit.patientId}/visit?scheduledVisitId=${visit.id}`,
            pt(lang, 'recordVisit'),
            lang,
            'small-button',
          )
        }
      </li>`,
  )}`;
}

/** The practitioner's own week across patients. */
export function renderMyCalendar(
  visits: readonly ScheduledVisit[],
  from: string,
  days: number,
  lang: Language,
): string {
  const list = byDay(visits, from, days).map(
    ([day, dayVisits]) =>
      html`<li class="day">
        <h3>${day}</h3>
        <ul class="items">
          ${ownVisitRows(dayVisits, lang)}
        </ul>
      </li>`,
  );
  const week = (offset: number) => `/patients/calendar?from=${addDays(from, offset)}`;
  return patientPage(
    lang,
    pt(lang, 'myCalendar'),
    html`<p class="breadcrumb">${link('/patients', pt(lang, 'toList'), lang)}</p>
      <h1>${pt(lang, 'myCalendar')}</h1>
      <nav class="actions-bar">
        ${link(week(-7), pt(lang, 'previousWeek'), lang, 'button')}${link(week(7), pt(lang, 'nextWeek'), lang, 'button')}
      </nav>
      ${visits.length === 0 && html`<p class="empty">${pt(lang, 'noVisits')}</p>`}
      <ol class="days">
        ${list}
      </ol>`,
  );
}

/** Today's visits, as a card; the start page can show it (see `todaysVisitsCard`). */
export function todaysVisitsCard(visits: readonly ScheduledVisit[], lang: Language): Html {
  const body =
    visits.length === 0
      ? html`<p class="empty">${pt(lang, 'noVisitsToday')}</p>`
      : html`<ul class="items">
          ${ownVisitRows(visits, lang)}
        </ul>`;
  return html`<section class="card todays-visits">
    <h2>${pt(lang, 'today')}</h2>
    ${body}
  </section>`;
}

export function renderTodayPage(
  visits: readonly ScheduledVisit[],
  lang: Language,
  conferences: readonly CareConference[] = [],
): string {
  return patientPage(
    lang,
    pt(lang, 'today'),
    html`<p class="breadcrumb">${link('/patients', pt(lang, 'toList'), lang)}</p>
      <h1>${pt(lang, 'today')}</h1>
      ${todaysVisitsCard(visits, lang)} ${todaysConferencesCard(conferences, lang)}`,
  );
}

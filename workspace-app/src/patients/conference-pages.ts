import { type Bilingual, type Html, html, type Language, tokyoDateTime, tokyoTime } from '@hcw/common';
import {
  type CareConference,
  type ConferenceConflict,
  conferenceKindLabels,
  type ConferenceResponse,
} from './care-conferences.js';
import type { CareTeam } from './care-team.js';
import { renderFields, type FormSpec, type RawForm } from './form-fields.js';
import type { ItemIssue } from './invalid-item-error.js';
import { button, href, link, patientPage, postForm, professionText } from './patient-page-parts.js';

export const conferenceText = {
  title: { ja: 'カンファレンス', en: 'Care conferences' },
  plan: { ja: 'カンファレンスを計画', en: 'Plan a conference' },
  kind: { ja: '種類', en: 'Kind' },
  startsAt: { ja: '開始日時', en: 'Starts at' },
  duration: { ja: '所要時間（分）', en: 'Duration (minutes)' },
  place: { ja: '場所', en: 'Place' },
  placeHint: {
    ja: '会議室の名前、または「オンライン」',
    en: 'a room, or 「オンライン」 (online)',
  },
  agenda: { ja: '議題', en: 'Agenda' },
  attendees: { ja: '参加者', en: 'Attendees' },
  attendeesHint: {
    ja: 'ケアチームから選びます。開催者（あなた）は自動的に参加します。',
    en: 'Chosen from the care team; you, the organiser, attend anyway.',
  },
  none: { ja: 'カンファレンスの予定はありません。', en: 'No conferences planned.' },
  noneToday: { ja: '今日のカンファレンスはありません。', en: 'No conferences today.' },
  today: { ja: '今日のカンファレンス', en: 'Today’s conferences' },
  organiser: { ja: '開催者', en: 'Organiser' },
  planned: { ja: '予定', en: 'Planned' },
  cancelled: { ja: '中止', en: 'Cancelled' },
  accept: { ja: '出席する', en: 'Attend' },
  decline: { ja: '欠席する', en: 'Decline' },
  cancel: { ja: 'カンファレンスを中止', en: 'Cancel the conference' },
  conflicts: { ja: '予定の重なり', en: 'Clashes' },
  conflictsNote: {
    ja: '参加者に同じ時間の予定があります（計画はそのまま登録されています）。',
    en: 'Attendees have other plans at this time (the conference is planned all the same).',
  },
  visit: { ja: '訪問', en: 'a visit' },
  otherConference: { ja: '別のカンファレンス', en: 'another conference' },
  otherPatient: { ja: '別の患者さん', en: 'another patient' },
  problem: { ja: 'この操作はできません', en: 'This cannot be done' },
  toCalendar: { ja: '訪問予定へ', en: 'Visit calendar' },
} satisfies Record<string, Bilingual>;

const responseText: Readonly<Record<ConferenceResponse, Bilingual>> = {
  invited: { ja: '未回答', en: 'not answered' },
  accepted: { ja: '出席', en: 'attending' },
  declined: { ja: '欠席', en: 'declined' },
};

/** The form to plan a conference; attendees are chosen among the care team, the organiser left out. */
export function conferencePlanForm(team?: CareTeam, organiserId?: string): FormSpec {
  const people = Object.fromEntries(
    (team?.members ?? []).flatMap((member) =>
      member.people
        .filter((person) => person.id !== organiserId)
        .map((person) => {
          const name = `${person.name ?? person.id}（${member.organisation}）`;
          return [person.id, { ja: name, en: name }];
        }),
    ),
  );
  return [
    {
      fields: [
        {
          name: 'kind',
          label: conferenceText.kind,
          input: { type: 'select', codes: conferenceKindLabels },
          isRequired: true,
        },
        { name: 'startsAt', label: conferenceText.startsAt, input: { type: 'datetime' }, isRequired: true },
        {
          name: 'durationMinutes',
          label: conferenceText.duration,
          input: { type: 'number', step: '1', inputMode: 'numeric' },
          isRequired: true,
        },
        {
          name: 'place',
          label: conferenceText.place,
          input: { type: 'text' },
          isRequired: true,
          hint: conferenceText.placeHint,
        },
        { name: 'agenda', label: conferenceText.agenda, input: { type: 'textarea', rows: 3 } },
        {
          name: 'attendees',
          label: conferenceText.attendees,
          input: { type: 'checkboxes', codes: people },
          hint: conferenceText.attendeesHint,
        },
      ],
    },
  ];
}

function timeRange(conference: { startsAt: string; endsAt: string }): string {
  return `${tokyoDateTime(conference.startsAt)}〜${tokyoTime(conference.endsAt)}`;
}

function conflictLine(conflict: ConferenceConflict, lang: Language): string {
  const what = conflict.kind === 'visit' ? conferenceText.visit[lang] : conferenceText.otherConference[lang];
  const whom = conflict.patientName
    ? `${conflict.patientName}${lang === 'ja' ? ' 様' : ''}`
    : conferenceText.otherPatient[lang];
  return lang === 'ja'
    ? `${conflict.practitionerName} さん: ${timeRange(conflict)} に${whom}の${what}`
    : `${conflict.practitionerName}: ${what} (${whom}) at ${timeRange(conflict)}`;
}

export interface PatientConferencesView {
  patientId: string;
  patientName: string;
  conferences: CareConference[];
  team: CareTeam;
  actorId: string;
  canWrite: boolean;
  form?: RawForm;
  issues?: readonly ItemIssue[];
  /** A rule the last request broke (409). */
  problem?: string;
}

function conferenceItem(conference: CareConference, view: PatientConferencesView, lang: Language): Html {
  const id = view.patientId;
  const isPlanned = conference.status === 'planned';
  const mine = conference.attendees.find((a) => a.practitionerId === view.actorId);
  const answer =
    isPlanned &&
    mine &&
    conference.organiser.id !== view.actorId &&
    postForm(
      `/patients/${id}/conferences/${conference.id}/answer`,
      lang,
      html`<button type="submit" name="answer" value="accept" class="button small">
          ${conferenceText.accept[lang]}</button
        ><button type="submit" name="answer" value="decline" class="button small">
          ${conferenceText.decline[lang]}
        </button>`,
      { className: 'inline-form' },
    );
  const mayCancel =
    isPlanned && view.canWrite && (conference.organiser.id === view.actorId || view.team.me.role === 'owner');
  const cancel =
    mayCancel &&
    postForm(
      `/patients/${id}/conferences/${conference.id}/cancel`,
      lang,
      button(conferenceText.cancel[lang], 'button small'),
      { className: 'inline-form', confirm: conferenceText.cancel[lang] },
    );
  const conflicts =
    conference.conflicts.length > 0 &&
    html`<div class="conflict" role="alert">
      <p><span class="badge warning">${conferenceText.conflicts[lang]}</span> ${conferenceText.conflictsNote[lang]}</p>
      <ul>
        ${conference.conflicts.map((conflict) => html`<li class="conference-conflict">${conflictLine(conflict, lang)}</li>`)}
      </ul>
    </div>`;
  return html`<li class="conference status-${conference.status}" data-conference-id="${conference.id}">
    <h3>
      ${conferenceKindLabels[conference.kind][lang]} ・ ${timeRange(conference)}
      <span class="badge">${isPlanned ? conferenceText.planned[lang] : conferenceText.cancelled[lang]}</span>
    </h3>
    <p>${conferenceText.place[lang]}: ${conference.place}</p>
    ${conference.agenda && html`<p>${conferenceText.agenda[lang]}: ${conference.agenda}</p>`}
    <p>
      ${conferenceText.organiser[lang]}: ${conference.organiser.name}（${conference.organiser.organisation}）
    </p>
    <ul class="attendees">
      ${conference.attendees.map(
        (a) =>
          html`<li>
            ${a.name}（${professionText(a.profession, lang)}・${a.organisation}）
            <span class="badge response-${a.response}">${responseText[a.response][lang]}</span>
          </li>`,
      )}
    </ul>
    ${conflicts}${answer}${cancel}
  </li>`;
}

/** A patient's conferences, their clashes shown, and the form to plan one for those who may write. */
export function renderPatientConferences(view: PatientConferencesView, lang: Language): string {
  const id = view.patientId;
  const problem =
    view.problem &&
    html`<section class="conflict" role="alert">
      <h2>${conferenceText.problem[lang]}</h2>
      <p>${view.problem}</p>
    </section>`;
  const plan =
    view.canWrite &&
    html`<section class="card">
      <h2>${conferenceText.plan[lang]}</h2>
      ${postForm(
        `/patients/${id}/conferences`,
        lang,
        html`${renderFields(
          conferencePlanForm(view.team, view.actorId),
          view.form ?? { durationMinutes: '60' },
          lang,
          view.issues,
        )}
          <p>${button(conferenceText.plan[lang], 'button primary')}</p>`,
      )}
    </section>`;
  return patientPage(
    lang,
    `${conferenceText.title[lang]} — ${view.patientName}`,
    html`<p class="breadcrumb">
        ${link(`/patients/${id}`, view.patientName, lang)} ・
        ${link(`/patients/${id}/calendar`, conferenceText.toCalendar[lang], lang)}
      </p>
      <h1>${conferenceText.title[lang]}</h1>
      ${problem}
      ${
        view.conferences.length === 0
          ? html`<p class="empty">${conferenceText.none[lang]}</p>`
          : html`<ol class="conferences items">
              ${view.conferences.map((conference) => conferenceItem(conference, view, lang))}
            </ol>`
      }
      ${plan}`,
  );
}

/** The practitioner's conferences of the day, for the today page. */
export function todaysConferencesCard(conferences: readonly CareConference[], lang: Language): Html {
  const body =
    conferences.length === 0
      ? html`<p class="empty">${conferenceText.noneToday[lang]}</p>`
      : html`<ul class="items">
          ${conferences.map(
            (conference) =>
              html`<li class="conference status-${conference.status}">
                <a href="${href(`/patients/${conference.patientId}/conferences`, lang)}"
                  >${tokyoTime(conference.startsAt)}〜${tokyoTime(conference.endsAt)} ・
                  ${conferenceKindLabels[conference.kind][lang]}${
                    conference.patientName && ` ・ ${conference.patientName}${lang === 'ja' ? ' 様' : ''}`
                  }
                  ・ ${conference.place}</a
                >
                ${
                  conference.status === 'cancelled' &&
                  html`<span class="badge">${conferenceText.cancelled[lang]}</span>`
                }
              </li>`,
          )}
        </ul>`;
  return html`<section class="card todays-conferences">
    <h2>${conferenceText.today[lang]}</h2>
    ${body}
  </section>`;
}

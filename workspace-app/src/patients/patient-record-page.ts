import { consentSummary, whereaboutsLine } from './care-cycle-page.js';
import { type Html, html, joinHtml, type Language, tokyoDateTime } from '@hcw/common';
import { addressText, kanaOf, missingBasics } from './known-basics.js';
import type { PatientBasics } from './standard-items.js';
import { renderFields, type RawForm } from './form-fields.js';
import { vitalReadings } from './handoff-content.js';
import type { ItemIssue } from './invalid-item-error.js';
import { itemForms } from './item-forms.js';
import {
  ageOn,
  button,
  itemSummary,
  labelOf,
  link,
  patientPage,
  postForm,
  professionText,
  roleLabel,
  say,
  vitalSource,
  vitalsLine,
} from './patient-page-parts.js';
import { patientDisplayName, type PatientRecord } from './patient-record.js';
import { pt } from './patients-messages.js';
import {
  adlLevelLabels,
  careNeedLevelLabels,
  careServiceLabels,
  dementiaLevelLabels,
  housingTypeLabels,
  independenceLevelLabels,
  livingArrangementLabels,
  relationshipLabels,
  sexLabels,
} from './standard-codes.js';
import { itemKindLabels, type ItemKind } from './standard-items.js';
import type { ItemVersion, StoredItem } from './stored-item.js';

function changedLine(item: StoredItem, lang: Language): Html {
  return html`<p class="meta">
    ${pt(lang, 'changedBy', {
      who: item.changedBy.name,
      organisation: item.changedBy.organisation,
      when: tokyoDateTime(item.changedAt),
      version: item.version,
    })}
  </p>`;
}

function itemEntry(item: StoredItem, patientId: string, lang: Language, canWrite: boolean): Html {
  const badge = [
    item.isNotToldToPatient && html`<span class="badge secret not-told">${pt(lang, 'notTold')}</span>`,
    item.isNotShared && html`<span class="badge secret not-shared">${pt(lang, 'notShared')}</span>`,
  ];
  const actions = joinHtml(
    [
      canWrite && link(`/patients/${patientId}/items/${item.id}/edit`, pt(lang, 'edit'), lang),
      link(`/patients/${patientId}/items/${item.id}/history`, pt(lang, 'history'), lang),
    ],
    ' ',
  );
  return html`<li class="item" data-item-id="${item.id}">
    ${badge}<span class="summary">${itemSummary(item.kind, item.data, lang)}</span>${changedLine(
      item,
      lang,
    )}<span class="actions">${actions}</span>
  </li>`;
}

function listSection(
  kind: ItemKind,
  items: readonly StoredItem[],
  patientId: string,
  lang: Language,
  canWrite: boolean,
  canAdd = canWrite,
): Html {
  const add =
    canAdd && link(`/patients/${patientId}/items/new?kind=${kind}`, pt(lang, 'add'), lang, 'small-button');
  const body =
    items.length === 0
      ? html`<p class="empty">${pt(lang, 'noItems')}</p>`
      : html`<ul class="items">
          ${items.map((item) => itemEntry(item, patientId, lang, canWrite))}
        </ul>`;
  return html`<section class="card" id="${kind}">
    <h2>${say(lang, itemKindLabels[kind])} ${add}</h2>
    ${body}
  </section>`;
}

function singletonSection(
  kind: 'wishes' | 'physical-function',
  item: StoredItem | undefined,
  patientId: string,
  lang: Language,
  canWrite: boolean,
): Html {
  return listSection(kind, item ? [item] : [], patientId, lang, canWrite, canWrite && !item);
}

function basicsSection(record: PatientRecord, lang: Language, canWrite: boolean): Html {
  const b = record.basics.data;
  const row = (label: string, value: string) =>
    value &&
    html`<tr>
      <th scope="row">${label}</th>
      <td>${value}</td>
    </tr>`;
  const ja = lang === 'ja';
  const family = b.family
    .map(
      (m) =>
        `${m.isKeyPerson ? (ja ? '★キーパーソン ' : '★Key person ') : ''}${m.name}（${labelOf(relationshipLabels, m.relationship, lang)}${m.livesWithPatient ? (ja ? '・同居' : ', lives with patient') : ''}）${m.phone ? ` ${m.phone}` : ''}`,
    )
    .join(' ／ ');
  const adl = b.adl;
  const adlText = [
    `${ja ? '食事' : 'Eating'} ${labelOf(adlLevelLabels, adl?.eating, lang)}`,
    `${ja ? '移乗' : 'Transfer'} ${labelOf(adlLevelLabels, adl?.transfer, lang)}`,
    `${ja ? '排泄' : 'Toileting'} ${labelOf(adlLevelLabels, adl?.toileting, lang)}`,
    `${ja ? '入浴' : 'Bathing'} ${labelOf(adlLevelLabels, adl?.bathing, lang)}`,
    `${ja ? '移動' : 'Mobility'} ${labelOf(adlLevelLabels, adl?.mobility, lang)}`,
    `${ja ? '自立度' : 'Independence'} ${labelOf(independenceLevelLabels, adl?.independenceLevel, lang)}`,
  ].join('、');
  const edit =
    canWrite &&
    link(
      `/patients/${record.patientId}/items/${record.basics.id}/edit`,
      pt(lang, 'editBasics'),
      lang,
      'small-button',
    );
  return html`<section class="card" id="basics">
    <h2>${pt(lang, 'basics')} ${edit}</h2>
    <table class="facts">
      ${row(
        ja ? '住所' : 'Address',
        [b.address?.postalCode ? `〒${b.address.postalCode}` : '', addressText(b.address)]
          .filter(Boolean)
          .join(' '),
      )}
      ${row(ja ? '電話' : 'Phone', [b.contact?.phone, b.contact?.mobile].filter(Boolean).join(' ／ '))}
      ${row(ja ? '家族' : 'Family', family)}
      ${row(
        ja ? '住環境' : 'Housing',
        b.housing
          ? `${labelOf(housingTypeLabels, b.housing.type, lang)}・${labelOf(livingArrangementLabels, b.housing.livingArrangement, lang)}${b.housing.floor !== undefined ? `・${b.housing.floor}${ja ? '階' : 'F'}` : ''}`
          : '',
      )}
      ${row(
        ja ? '介護保険' : 'Care insurance',
        b.careInsurance
          ? `${labelOf(careNeedLevelLabels, b.careInsurance.certification, lang)}${b.careInsurance.services.length ? `（${b.careInsurance.services.map((s) => labelOf(careServiceLabels, s, lang)).join('、')}）` : ''}`
          : '',
      )}
      ${row('ADL', adl ? adlText : '')}
      ${row(
        ja ? '認知機能' : 'Cognition',
        b.cognition ? labelOf(dementiaLevelLabels, b.cognition.dementiaLevel, lang) : '',
      )}
    </table>
    ${missingLine(b, lang)}${changedLine(record.basics, lang)}
  </section>`;
}

/** What registration left unknown, named so the team can fill it in on a later visit. */
function missingLine(basics: PatientBasics, lang: Language): Html {
  const missing = missingBasics(basics);
  if (missing.length === 0) return html``;
  return html`<p class="missing">
    ${pt(lang, 'missingParts', {
      parts: missing.map((part) => part[lang]).join(lang === 'ja' ? '、' : ', '),
    })}
  </p>`;
}

export function patientHeading(record: PatientRecord, lang: Language): Html {
  const b = record.basics.data;
  const incomplete =
    missingBasics(b).length > 0 && html` <span class="badge incomplete">${pt(lang, 'incomplete')}</span>`;
  const facts = [
    labelOf(sexLabels, b.sex, lang),
    b.birthDate
      ? `${pt(lang, 'age', { age: ageOn(b.birthDate) })}（${b.birthDate}）`
      : pt(lang, 'unknownBirthDate'),
    b.address?.municipality ?? '',
    `${pt(lang, 'role')}: ${roleLabel(record.role, lang)}`,
  ].filter(Boolean);
  return html`<h1 class="patient-name">
      ${patientDisplayName(b.name)} <span class="kana">${kanaOf(b.name)}</span>${incomplete}
    </h1>
    <p class="who">${facts.join(' ・ ')}</p>`;
}

/** The record page: basics and every frequently changing item, newest vitals first. */
export function renderRecordPage(record: PatientRecord, lang: Language): string {
  const id = record.patientId;
  const canWrite = record.role !== 'reader';
  const readings = vitalReadings(record).slice(0, 5);
  const vitals =
    readings.length === 0
      ? html`<p class="empty">${pt(lang, 'noVitals')}</p>`
      : html`<ul class="items vitals">
          ${readings.map(
            (r) =>
              html`<li>
                <strong>${tokyoDateTime(r.measuredAt)}</strong> ${vitalsLine(r, lang)}<span class="source"
                  >${vitalSource(r, lang)}</span
                >
              </li>`,
          )}
        </ul>`;
  const nav = html`<nav class="actions-bar">
    ${canWrite && link(`/patients/${id}/visit`, pt(lang, 'recordVisit'), lang, 'button primary')}
    ${link(`/patients/${id}/thread`, pt(lang, 'thread'), lang, 'button')}
    ${link(`/patients/${id}/attachments`, lang === 'ja' ? '写真・文書' : 'Photos and documents', lang, 'button')}
    ${link(`/patients/${id}/calendar`, pt(lang, 'calendar'), lang, 'button')}
    ${link(`/patients/${id}/team`, pt(lang, 'team'), lang, 'button')}
    ${link(`/patients/${id}/documents`, pt(lang, 'documents'), lang, 'button')}
    ${link(`/patients/${id}/care`, lang === 'ja' ? '療養の場と同意' : 'Whereabouts and consent', lang, 'button')}
  </nav>`;
  const visits = record.visitRecords.slice(0, 5);
  return patientPage(
    lang,
    patientDisplayName(record.basics.data.name),
    html`<p class="breadcrumb">${link('/patients', pt(lang, 'toList'), lang)}</p>
      ${patientHeading(record, lang)}
      <p class="whereabouts-now" data-place="${record.whereabouts?.place ?? 'home'}">
        ${whereaboutsLine(record.whereabouts ?? null, lang)}
      </p>
      <p class="consent-now">${consentSummary(record.consents ?? [], lang)}</p>
      ${nav}
      <section class="card" id="vitals">
        <h2>${pt(lang, 'latestVitals')}</h2>
        ${vitals}
      </section>
      ${listSection('diagnosis', record.lists.diagnosis, id, lang, canWrite)}
      ${listSection('medication', record.lists.medication, id, lang, canWrite)}
      ${listSection('allergy', record.lists.allergy, id, lang, canWrite)}
      ${singletonSection('physical-function', record.physicalFunction, id, lang, canWrite)}
      ${singletonSection('wishes', record.wishes, id, lang, canWrite)}
      ${listSection('explanation', record.lists.explanation, id, lang, canWrite)}
      ${listSection('course-note', record.lists['course-note'], id, lang, canWrite)}
      ${listSection('medical-history', record.lists['medical-history'], id, lang, canWrite)}
      ${listSection('visit-record', visits, id, lang, false)} ${basicsSection(record, lang, canWrite)}`,
  );
}

export interface ItemFormView {
  patientId: string;
  patientName: string;
  kind: ItemKind;
  /** Absent for a new item. */
  item?: StoredItem;
  form: RawForm;
  issues?: readonly ItemIssue[];
  /** The change that beat the writer's, shown beside their own input. */
  conflict?: StoredItem;
}

/** The form of one item, new or to edit, with messages next to their fields. */
export function renderItemFormPage(view: ItemFormView, lang: Language): string {
  const label = itemKindLabels[view.kind];
  const isVisit = view.kind === 'visit-record';
  const title = isVisit
    ? pt(lang, 'recordVisit')
    : `${label[lang]}${view.item ? ` — ${pt(lang, 'edit')}` : ''}`;
  const action = view.item
    ? `/patients/${view.patientId}/items/${view.item.id}`
    : `/patients/${view.patientId}/items`;
  const version = view.conflict?.version ?? view.item?.version;
  const hidden = html`<input type="hidden" name="kind" value="${view.kind}" />${
    version !== undefined && html`<input type="hidden" name="version" value="${version}" />`
  }`;
  const conflict =
    view.conflict &&
    html`<section class="conflict" role="alert">
      <h2>${pt(lang, 'conflictTitle')}</h2>
      <p>${pt(lang, 'conflictLead')}</p>
      <h3>${pt(lang, 'theirChange')}</h3>
      <p class="their-change">
        ${itemSummary(view.conflict.kind, view.conflict.data, lang) || pt(lang, 'basics')}
      </p>
      ${changedLine(view.conflict, lang)}
      <h3>${pt(lang, 'yourInput')}</h3>
    </section>`;
  const invalid =
    view.issues &&
    view.issues.length > 0 &&
    html`<p class="form-errors-title" role="alert">${pt(lang, 'invalidTitle')}</p>`;
  const remove =
    view.item &&
    !['basics', 'wishes', 'physical-function'].includes(view.kind) &&
    postForm(
      `/patients/${view.patientId}/items/${view.item.id}/remove`,
      lang,
      html`<input type="hidden" name="version" value="${view.item.version}" />${button(
        pt(lang, 'remove'),
        'button danger',
      )}`,
      { confirm: pt(lang, 'remove') },
    );
  return patientPage(
    lang,
    title,
    html`<p class="breadcrumb">
        ${link(`/patients/${view.patientId}`, `${view.patientName} — ${pt(lang, 'toRecord')}`, lang)}
      </p>
      <h1>${title}</h1>
      ${conflict}${invalid}
      ${postForm(
        action,
        lang,
        html`${hidden}${renderFields(itemForms[view.kind], view.form, lang, view.issues)}
          <p>${button(pt(lang, 'save'), 'button primary')}</p>`,
        { className: isVisit ? 'item-form quick' : 'item-form' },
      )}
      ${remove}`,
  );
}

/** Every version of one item, newest first. */
export function renderHistoryPage(
  patientId: string,
  patientName: string,
  item: StoredItem,
  versions: readonly ItemVersion[],
  lang: Language,
): string {
  const change = { created: 'changeCreated', updated: 'changeUpdated', removed: 'changeRemoved' } as const;
  const rows = versions.map(
    (v) =>
      html`<li class="version" data-version="${v.version}">
        <h3>${pt(lang, 'versionOf', { version: v.version })} ・ ${pt(lang, change[v.change])}</h3>
        <p class="summary">${itemSummary(v.kind, v.data, lang) || pt(lang, 'basics')}</p>
        <p class="meta">
          ${`${v.changedBy.name}（${v.changedBy.organisation}・${professionText(v.changedBy.profession, lang)}） ${tokyoDateTime(v.changedAt)}`}
        </p>
      </li>`,
  );
  const title = `${itemKindLabels[item.kind][lang]} — ${pt(lang, 'history')}`;
  return patientPage(
    lang,
    title,
    html`<p class="breadcrumb">
        ${link(`/patients/${patientId}`, `${patientName} — ${pt(lang, 'toRecord')}`, lang)}
      </p>
      <h1>${title}</h1>
      <ol class="versions">
        ${rows}
      </ol>`,
  );
}

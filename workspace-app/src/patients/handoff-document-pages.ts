import { type Html, html, type Language, tokyoDateTime } from '@hcw/common';
import { addressText, kanaOf } from './known-basics.js';
import type { CareTeam } from './care-team.js';
import type { Bundle } from '../clinical/fhir-types.js';
import { renderFields, type FormSpec, type RawForm } from './form-fields.js';
import { sceneDocuments, type HandoffScene } from './handoff-content.js';
import type { HandoffDocument, HandoffStatus, ReceivedDocument } from './handoff-documents.js';
import type { ItemIssue } from './invalid-item-error.js';
import {
  ageOn,
  button,
  itemSummary,
  labelOf,
  link,
  patientPage,
  postForm,
  say,
  vitalSource,
  vitalsLine,
} from './patient-page-parts.js';
import { patientDisplayName } from './patient-record.js';
import { pt, type PatientMessageKey } from './patients-messages.js';
import { sexLabels } from './standard-codes.js';

const statusKeys: Record<HandoffStatus, PatientMessageKey> = {
  draft: 'statusDraft',
  reviewed: 'statusReviewed',
  sent: 'statusSent',
};

function documentLine(document: HandoffDocument, lang: Language): string {
  return `${sceneDocuments[document.scene].title[lang]} ・ ${pt(lang, statusKeys[document.status])} ・ ${pt(
    lang,
    'sentTo',
    {
      to: document.recipientOrganisation,
    },
  )} ・ ${document.createdBy.name}（${document.createdBy.organisation}） ${tokyoDateTime(document.sentAt ?? document.createdAt)}${
    document.receivedAt ? ` ・ ${pt(lang, 'received', { when: tokyoDateTime(document.receivedAt) })}` : ''
  }`;
}

export function generateForm(team: CareTeam): FormSpec {
  const scenes = Object.fromEntries(
    (Object.keys(sceneDocuments) as HandoffScene[]).map((scene) => [scene, sceneDocuments[scene].title]),
  );
  const members = Object.fromEntries(
    team.members.map((member) => {
      const people = member.people.map((p) => p.name ?? p.id).join('、');
      const label = `${member.organisation}（${people}）`;
      return [member.id, { ja: label, en: label }];
    }),
  );
  return [
    {
      fields: [
        {
          name: 'scene',
          label: { ja: '文書の種類', en: 'Kind of document' },
          input: { type: 'select', codes: scenes },
          isRequired: true,
        },
        {
          name: 'recipientMemberId',
          label: { ja: '送付先', en: 'Recipient' },
          input: { type: 'select', codes: members },
          isRequired: true,
        },
      ],
    },
  ];
}

export interface DocumentsPageView {
  patientId: string;
  patientName: string;
  documents: HandoffDocument[];
  team: CareTeam;
  canWrite: boolean;
  form?: RawForm;
  issues?: readonly ItemIssue[];
}

export function renderDocumentsPage(view: DocumentsPageView, lang: Language): string {
  const id = view.patientId;
  const rows = view.documents.map(
    (document) =>
      html`<li class="document">
        ${link(`/patients/${id}/documents/${document.id}`, documentLine(document, lang), lang)}
      </li>`,
  );
  const generate =
    view.canWrite &&
    html`<section class="card">
      <h2>${pt(lang, 'generate')}</h2>
      <p class="hint">${pt(lang, 'excludedUndisclosed')}</p>
      ${postForm(
        `/patients/${id}/documents`,
        lang,
        html`${renderFields(generateForm(view.team), view.form ?? {}, lang, view.issues)}
          <p>${button(pt(lang, 'generate'), 'button primary')}</p>`,
      )}
    </section>`;
  return patientPage(
    lang,
    `${pt(lang, 'documents')} — ${view.patientName}`,
    html`<p class="breadcrumb">
        ${link(`/patients/${id}`, `${view.patientName} — ${pt(lang, 'toRecord')}`, lang)}
      </p>
      <h1>${pt(lang, 'documents')}</h1>
      ${generate}
      <section class="card">
        <ul class="items">
          ${rows.length > 0 ? rows : html`<li class="empty">${pt(lang, 'noDocuments')}</li>`}
        </ul>
      </section>`,
  );
}

function narrativeForm(scene: HandoffScene): FormSpec {
  return [
    {
      fields: sceneDocuments[scene].narrative.map((part) => ({
        name: part.key,
        label: part.label,
        input: part.isDate ? { type: 'date' } : { type: 'textarea', rows: 5 },
      })),
    },
  ];
}

export interface DocumentPageView {
  document: HandoffDocument;
  /** The reader may still correct, review and send it (writing organisation, not yet sent). */
  canEdit: boolean;
  /** The reader is among its recipients and it is sent. */
  canAcknowledge: boolean;
  form?: RawForm;
  issues?: readonly ItemIssue[];
  conflict?: HandoffDocument;
}

function list(title: string, lines: readonly string[]): Html {
  return html`<section class="card">
    <h2>${title}</h2>
    ${
      lines.length === 0
        ? html`<p class="empty">—</p>`
        : html`<ul class="items">
            ${lines.map((l) => html`<li>${l}</li>`)}
          </ul>`
    }
  </section>`;
}

/** One document as its reader may see it, with its workflow: correct, review, send, confirm receipt. */
export function renderDocumentPage(view: DocumentPageView, lang: Language): string {
  const { document } = view;
  const c = document.content;
  const id = document.patientId;
  const name = patientDisplayName(c.patient.name);
  const title = sceneDocuments[document.scene].title[lang];
  const base = `/patients/${id}/documents/${document.id}`;
  const narrative = sceneDocuments[document.scene].narrative;
  const text = narrative.map(
    (part) =>
      html`<h3>${say(lang, part.label)}</h3>
        <p class="narrative">${c.narrative[part.key] ?? '—'}</p>`,
  );
  const edit =
    view.canEdit &&
    html`${postForm(
      base,
      lang,
      html`<input
          type="hidden"
          name="version"
          value="${view.conflict?.version ?? document.version}"
        />${renderFields(narrativeForm(document.scene), view.form ?? c.narrative, lang, view.issues)}
        <p>${button(pt(lang, 'saveNarrative'), 'button')}</p>`,
    )}
    ${
      document.status === 'draft' &&
      postForm(
        `${base}/review`,
        lang,
        html`<input
            type="hidden"
            name="version"
            value="${document.version}"
          />${button(pt(lang, 'review'), 'button')}`,
      )
    }
    ${
      document.status === 'reviewed' &&
      postForm(
        `${base}/send`,
        lang,
        html`<input type="hidden" name="version" value="${document.version}" />${button(
          pt(lang, 'send'),
          'button primary',
        )}`,
      )
    }`;
  const acknowledge =
    view.canAcknowledge &&
    !document.receivedAt &&
    postForm(`${base}/receive`, lang, button(pt(lang, 'acknowledge'), 'button primary'));
  const conflict =
    view.conflict &&
    html`<section class="conflict" role="alert">
      <h2>${pt(lang, 'conflictTitle')}</h2>
      <p>${pt(lang, 'conflictLead')}</p>
      <h3>${pt(lang, 'theirChange')}</h3>
      ${narrative.map(
        (part) =>
          html`<p>
            <strong>${say(lang, part.label)}</strong>: ${view.conflict?.content.narrative[part.key] ?? '—'}
          </p>`,
      )}
    </section>`;
  const b = c.patient;
  return patientPage(
    lang,
    `${title} — ${name}`,
    html`<p class="breadcrumb">${link(`/patients/${id}/documents`, pt(lang, 'documents'), lang)}</p>
      <h1>${title}</h1>
      <p class="who">${documentLine(document, lang)}</p>
      <nav class="actions-bar">${link(`${base}/fhir`, pt(lang, 'fhirView'), lang, 'button')}</nav>
      ${conflict}
      <section class="card">
        <h2>${name} <span class="kana">${kanaOf(b.name)}</span></h2>
        <p>
          ${[
            labelOf(sexLabels, b.sex, lang),
            b.birthDate
              ? `${pt(lang, 'age', { age: ageOn(b.birthDate) })}（${b.birthDate}）`
              : pt(lang, 'unknownBirthDate'),
            addressText(b.address) || pt(lang, 'unknownAddress'),
          ].join(' ・ ')}
        </p>
      </section>
      <section class="card narrative-card">${text}</section>
      ${edit}${acknowledge}
      ${list(
        lang === 'ja' ? '傷病名' : 'Diagnoses',
        c.diagnoses.map((d) => itemSummary('diagnosis', d.data, lang)),
      )}
      ${list(
        lang === 'ja' ? '服薬' : 'Medication',
        c.medications.map((m) => itemSummary('medication', m.data, lang)),
      )}
      ${list(
        lang === 'ja' ? 'アレルギー・禁忌' : 'Allergies',
        c.allergies.map((a) => itemSummary('allergy', a.data, lang)),
      )}
      ${list(
        lang === 'ja' ? '既往歴' : 'History',
        c.medicalHistory.map((h) => itemSummary('medical-history', h.data, lang)),
      )}
      ${list(
        pt(lang, 'latestVitals'),
        c.vitals.map(
          (v) => `${tokyoDateTime(v.measuredAt)} ${vitalsLine(v, lang)}（${vitalSource(v, lang)}）`,
        ),
      )}
      ${list(
        lang === 'ja' ? '身体機能' : 'Physical function',
        c.physicalFunction ? [itemSummary('physical-function', c.physicalFunction, lang)] : [],
      )}
      ${list(lang === 'ja' ? '意向' : 'Wishes', c.wishes ? [itemSummary('wishes', c.wishes, lang)] : [])}`,
  );
}

/** The FHIR document as JSON, to read on screen: the kiosk does not download files. */
export function renderFhirPage(document: HandoffDocument, bundle: Bundle, lang: Language): string {
  return patientPage(
    lang,
    `FHIR — ${sceneDocuments[document.scene].title[lang]}`,
    html`<p class="breadcrumb">
        ${link(`/patients/${document.patientId}/documents/${document.id}`, pt(lang, 'back'), lang)}
      </p>
      <h1>FHIR R4 Bundle</h1>
      <p class="hint">${pt(lang, 'fhirLead')}</p>
      <pre class="fhir-json">${JSON.stringify(bundle, null, 2)}</pre>`,
  );
}

export function renderInboxPage(documents: readonly ReceivedDocument[], lang: Language): string {
  const rows = documents.map(
    (document) =>
      html`<li class="document">
        ${link(
          `/patients/${document.patientId}/documents/${document.id}`,
          `${document.patientName} ・ ${documentLine(document, lang)}`,
          lang,
        )}
      </li>`,
  );
  return patientPage(
    lang,
    pt(lang, 'inbox'),
    html`<p class="breadcrumb">${link('/patients', pt(lang, 'toList'), lang)}</p>
      <h1>${pt(lang, 'inbox')}</h1>
      <section class="card">
        <ul class="items">
          ${rows.length > 0 ? rows : html`<li class="empty">${pt(lang, 'noDocuments')}</li>`}
        </ul>
      </section>`,
  );
}

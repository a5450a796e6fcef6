import { type Bilingual, type Html, html, type Language, tokyoDateTime } from '@hcw/common';
import type { Consent, SharingKind } from './consent.js';
import type { ItemIssue } from './invalid-item-error.js';
import { messageIn } from './form-fields.js';
import { button, link, notice, patientPage, postForm } from './patient-page-parts.js';
import type { PatientWhereabouts, Place, Whereabouts } from './whereabouts.js';

const text = {
  title: { ja: '療養の場と同意', en: 'Whereabouts and consent' },
  toRecord: { ja: '記録に戻る', en: 'Back to the record' },
  whereNow: { ja: '現在の療養の場', en: 'Where the patient is now' },
  notRecorded: { ja: '在宅（記録なし）', en: 'At home (nothing recorded)' },
  since: { ja: 'から', en: 'since' },
  deadlinesTitle: {
    ja: '入院時情報提供の期限（入院時情報連携加算）',
    en: 'Admission information deadlines (入院時情報連携加算)',
  },
  additionI: { ja: '加算(Ⅰ): この日までに提供', en: 'Addition (I): provided by' },
  additionII: { ja: '加算(Ⅱ): この日までに提供', en: 'Addition (II): provided by' },
  sentOn: { ja: '入院時情報提供書の送付日', en: 'Admission information (scene A) sent on' },
  notSent: { ja: 'まだ送付されていません', en: 'not sent yet' },
  metI: { ja: '加算(Ⅰ)の期限内', en: 'within addition (I)' },
  metII: { ja: '加算(Ⅱ)の期限内', en: 'within addition (II)' },
  late: { ja: '期限後', en: 'after both deadlines' },
  admission: { ja: '入院を記録', en: 'Record an admission' },
  hospital: { ja: '入院先の医療機関', en: 'Hospital' },
  admittedOn: { ja: '入院日', en: 'Admission date' },
  afterHours: { ja: '営業時間外・営業日以外の入院', en: 'Admitted after office hours or on a closed day' },
  discharge: { ja: '退院を記録', en: 'Record a discharge' },
  dischargeTo: { ja: '退院先', en: 'Discharged to' },
  organisation: { ja: '転院先・入所先の名称', en: 'Hospital or facility' },
  dischargedOn: { ja: '退院日', en: 'Discharge date' },
  save: { ja: '記録する', en: 'Record' },
  history: { ja: '経過', en: 'History' },
  findBackupBed: { ja: '後方支援病床を探す', en: 'Find a back-up bed' },
  findNextPlace: {
    ja: '転院先を探す（医療ソーシャルワーカー）',
    en: 'Find the next hospital (social workers)',
  },
  consents: { ja: '情報共有への同意', en: 'Consent to sharing' },
  noConsent: {
    ja: '同意は記録されていません。新しい機関をケアチームに加えることも、文書を送ることもできません。',
    en: 'No consent is recorded: no new organisation can join the care team and no document can be sent.',
  },
  scopeAll: { ja: 'ケアチームのすべての機関', en: 'every organisation of the care team' },
  givenByPatient: { ja: '本人', en: 'the patient' },
  recordedBy: { ja: '記録', en: 'recorded by' },
  withdrawnAt: { ja: '撤回', en: 'withdrawn' },
  withdraw: { ja: '同意を撤回する', en: 'Withdraw consent' },
  withdrawConfirm: {
    ja: '撤回すると、この同意だけで共有していた機関はただちにケアチームから外れます。よろしいですか。',
    en: 'Organisations shared with only under this consent leave the care team at once. Continue?',
  },
  reason: { ja: '撤回の理由（任意）', en: 'Reason (optional)' },
  recordConsent: { ja: '同意を記録', en: 'Record a consent' },
  sharingKinds: { ja: '同意の範囲', en: 'What it allows' },
  organisations: {
    ja: '対象の機関（1行に1つ。空欄ならケアチームのすべての機関）',
    en: 'Organisations (one per line; empty for every organisation of the care team)',
  },
  givenBy: { ja: '同意した人', en: 'Given by' },
  representative: { ja: '代理人', en: 'a representative' },
  representativeName: { ja: '代理人の氏名', en: "Representative's name" },
  relationship: { ja: '続柄', en: 'Relationship' },
  obtainedHow: { ja: '同意の方法', en: 'How it was obtained' },
  obtainedOn: { ja: '同意日', en: 'Date of consent' },
  invalid: { ja: '入力内容を確認してください。', en: 'Please check what you entered.' },
} as const satisfies Record<string, Bilingual>;

export const sharingLabels: Readonly<Record<SharingKind, Bilingual>> = {
  'care-team': { ja: 'ケアチームでの記録の共有', en: 'sharing the record with the care team' },
  documents: { ja: '他機関への文書の送付', en: 'sending documents to other organisations' },
};
const placeLabels: Readonly<Record<Place, Bilingual>> = {
  home: { ja: '在宅', en: 'At home' },
  hospital: { ja: '入院中', en: 'In hospital' },
  facility: { ja: '施設入所中', en: 'In a facility' },
  deceased: { ja: '死亡', en: 'Deceased' },
};
const dischargeLabels: Readonly<Record<'home' | 'facility' | 'hospital' | 'deceased', Bilingual>> = {
  home: { ja: '自宅', en: 'home' },
  facility: { ja: '施設', en: 'a facility' },
  hospital: { ja: '他の医療機関（転院）', en: 'another hospital (transfer)' },
  deceased: { ja: '死亡退院', en: 'deceased' },
};
const howLabels: Readonly<Record<Consent['obtainedHow'], Bilingual>> = {
  written: { ja: '書面', en: 'in writing' },
  verbal: { ja: '口頭（記録あり）', en: 'verbally (noted)' },
  electronic: { ja: '電子的な署名', en: 'electronic signature' },
};

/** Where the patient is, as one line for the record and the patient list. */
export function whereaboutsLine(current: Whereabouts | null, lang: Language): string {
  if (!current) return text.notRecorded[lang];
  const place = placeLabels[current.place][lang];
  const where = current.organisation ? ` ${current.organisation}` : '';
  return lang === 'ja'
    ? `${place}${where}（${current.since}〜）`
    : `${place}${where} (${text.since.en} ${current.since})`;
}

export interface CareCyclePageInput {
  patientId: string;
  patientName: string;
  whereabouts: PatientWhereabouts;
  consents: readonly Consent[];
  canWrite: boolean;
  canManage: boolean;
  issues?: readonly ItemIssue[];
  problem?: string;
}

function field(label: Bilingual, control: Html, lang: Language): Html {
  return html`<p class="field">
    <label>${label[lang]}<br />${control}</label>
  </p>`;
}

function issuesBox(issues: readonly ItemIssue[] | undefined, lang: Language): Html | false {
  if (!issues || issues.length === 0) return false;
  return html`<div class="form-errors" role="alert">
    <p class="form-errors-title">${text.invalid[lang]}</p>
    <ul>
      ${issues.map((issue) => html`<li data-field="${issue.path}">${messageIn(issue.message, lang)}</li>`)}
    </ul>
  </div>`;
}

function deadlinesCard(admission: NonNullable<PatientWhereabouts['admission']>, lang: Language): Html {
  const met =
    admission.met === 'I'
      ? text.metI
      : admission.met === 'II'
        ? text.metII
        : admission.met === 'late'
          ? text.late
          : null;
  return html`<section class="card admission-deadlines">
    <h2>${text.deadlinesTitle[lang]}</h2>
    <dl>
      <dt>${text.additionI[lang]}</dt>
      <dd data-deadline="I">${admission.additionI}</dd>
      <dt>${text.additionII[lang]}</dt>
      <dd data-deadline="II">${admission.additionII}</dd>
      <dt>${text.sentOn[lang]}</dt>
      <dd data-sent-on="${admission.informationSentOn ?? ''}">
        ${admission.informationSentOn ?? text.notSent[lang]}${met && html` (${met[lang]})`}
      </dd>
    </dl>
  </section>`;
}

function consentLine(consent: Consent, input: CareCyclePageInput, lang: Language): Html {
  const scope = consent.organisations.length === 0 ? text.scopeAll[lang] : consent.organisations.join('、');
  const who = consent.representative
    ? `${text.representative[lang]} ${consent.representative.name}${consent.representative.relationship ? `（${consent.representative.relationship}）` : ''}`
    : text.givenByPatient[lang];
  const withdrawForm =
    !consent.withdrawn &&
    input.canManage &&
    postForm(
      `/patients/${input.patientId}/consents/${consent.id}/withdraw`,
      lang,
      html`<input
          type="text"
          name="reason"
          maxlength="500"
          aria-label="${text.reason[lang]}"
          placeholder="${text.reason[lang]}"
        />
        ${button(text.withdraw[lang], 'button danger')}`,
      { confirm: text.withdrawConfirm[lang], className: 'inline-form' },
    );
  return html`<li class="consent${consent.withdrawn ? ' withdrawn' : ''}" data-consent-id="${consent.id}">
    <strong>${sharingLabels[consent.sharing][lang]}</strong>: ${scope}
    <p class="meta">
      ${who} ・ ${howLabels[consent.obtainedHow][lang]} ・ ${consent.obtainedOn} ・ ${text.recordedBy[lang]}
      ${consent.recordedBy.name}（${consent.recordedBy.organisation}）
    </p>
    ${
      consent.withdrawn &&
      html`<p class="meta withdrawn-note">
        ${text.withdrawnAt[lang]}
        ${tokyoDateTime(consent.withdrawn.at)}${consent.withdrawn.reason ? `: ${consent.withdrawn.reason}` : ''}
      </p>`
    }
    ${withdrawForm}
  </li>`;
}

function options<Code extends string>(labels: Readonly<Record<Code, Bilingual>>, lang: Language): Html[] {
  return (Object.keys(labels) as Code[]).map(
    (code) => html`<option value="${code}">${labels[code][lang]}</option>`,
  );
}

/** The patient's whereabouts (with admission and discharge) and consents (with recording and withdrawal). */
export function renderCareCyclePage(input: CareCyclePageInput, lang: Language): string {
  const { whereabouts, patientId } = input;
  const current = whereabouts.current;
  const inCare = current?.place === 'hospital' || current?.place === 'facility';
  const admissionForm = postForm(
    `/patients/${patientId}/admission`,
    lang,
    html`${field(text.hospital, html`<input type="text" name="hospital" required maxlength="200" />`, lang)}
      ${field(text.admittedOn, html`<input type="date" name="admittedOn" required />`, lang)}
      <p>
        <label
          ><input type="checkbox" name="admittedAfterHours" value="true" /> ${text.afterHours[lang]}</label
        >
      </p>
      <p>${button(text.save[lang], 'button primary')}</p>`,
    { className: 'item-form admission-form' },
  );
  const dischargeForm = postForm(
    `/patients/${patientId}/discharge`,
    lang,
    html`${field(
      text.dischargeTo,
      html`<select name="to">
          ${options(dischargeLabels, lang)}
        </select>`,
      lang,
    )}
      ${field(text.organisation, html`<input type="text" name="organisation" maxlength="200" />`, lang)}
      ${field(text.dischargedOn, html`<input type="date" name="dischargedOn" required />`, lang)}
      <p>${button(text.save[lang], 'button primary')}</p>`,
    { className: 'item-form discharge-form' },
  );
  const consentForm = postForm(
    `/patients/${patientId}/consents`,
    lang,
    html`<fieldset>
        <legend>${text.sharingKinds[lang]}</legend>
        ${(Object.keys(sharingLabels) as SharingKind[]).map(
          (kind) =>
            html`<label
                ><input type="checkbox" name="sharing" value="${kind}" checked />
                ${sharingLabels[kind][lang]}</label
              ><br />`,
        )}
      </fieldset>
      ${field(text.organisations, html`<textarea name="organisations" rows="3"></textarea>`, lang)}
      ${field(
        text.givenBy,
        html`<select name="givenBy">
          <option value="patient">${text.givenByPatient[lang]}</option>
          <option value="representative">${text.representative[lang]}</option>
        </select>`,
        lang,
      )}
      ${field(text.representativeName, html`<input type="text" name="representativeName" maxlength="100" />`, lang)}
      ${field(text.relationship, html`<input type="text" name="representativeRelationship" maxlength="50" />`, lang)}
      ${field(
        text.obtainedHow,
        html`<select name="obtainedHow">
          ${options(howLabels, lang)}
        </select>`,
        lang,
      )}
      ${field(text.obtainedOn, html`<input type="date" name="obtainedOn" required />`, lang)}
      <p>${button(text.save[lang], 'button primary')}</p>`,
    { className: 'item-form consent-form' },
  );
  return patientPage(
    lang,
    `${text.title[lang]} - ${input.patientName}`,
    html`<p class="breadcrumb">${link(`/patients/${patientId}`, text.toRecord[lang], lang)}</p>
      <h1>${input.patientName} ・ ${text.title[lang]}</h1>
      ${input.problem && notice(input.problem, 'notice-box problem')} ${issuesBox(input.issues, lang)}
      <section class="card whereabouts">
        <h2>${text.whereNow[lang]}</h2>
        <p class="whereabouts-now" data-place="${current?.place ?? 'home'}">
          ${whereaboutsLine(current, lang)}
        </p>
      </section>
      ${whereabouts.admission && deadlinesCard(whereabouts.admission, lang)}
      ${
        input.canWrite &&
        html`<p class="actions-bar">
          ${
            inCare
              ? link(
                  `/transfers/requests/new?patientId=${patientId}`,
                  text.findNextPlace[lang],
                  lang,
                  'button',
                )
              : current?.place !== 'deceased' &&
                link(
                  `/transfers/requests/new?patientId=${patientId}&purpose=backup-bed`,
                  text.findBackupBed[lang],
                  lang,
                  'button',
                )
          }
        </p>`
      }
      ${
        input.canWrite &&
        html`<section class="card">
          <h2>${inCare ? text.discharge[lang] : text.admission[lang]}</h2>
          ${inCare ? dischargeForm : admissionForm}
        </section>`
      }
      ${
        whereabouts.history.length > 1 &&
        html`<section class="card">
          <h2>${text.history[lang]}</h2>
          <ul class="items">
            ${whereabouts.history.map((w) => html`<li>${whereaboutsLine(w, lang)}</li>`)}
          </ul>
        </section>`
      }
      <section class="card consents">
        <h2>${text.consents[lang]}</h2>
        ${
          input.consents.length === 0
            ? html`<p class="empty">${text.noConsent[lang]}</p>`
            : html`<ul class="items">
                ${input.consents.map((consent) => consentLine(consent, input, lang))}
              </ul>`
        }
      </section>
      ${
        input.canManage &&
        html`<section class="card">
          <h2>${text.recordConsent[lang]}</h2>
          ${consentForm}
        </section>`
      }`,
  );
}

/** One line for the record's head: which sharing the patient consented to, or that nothing is recorded. */
export function consentSummary(consents: readonly Consent[], lang: Language): Html {
  if (consents.length === 0) return html`<span class="warning">${text.noConsent[lang]}</span>`;
  const parts = consents.map((consent) => {
    const scope = consent.organisations.length === 0 ? text.scopeAll[lang] : consent.organisations.join('、');
    return `${sharingLabels[consent.sharing][lang]}（${scope}）`;
  });
  return html`${text.consents[lang]}: ${parts.join(lang === 'ja' ? '、' : '; ')}`;
}

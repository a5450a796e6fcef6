import { type Html, html, type Language } from '@hcw/common';
import type { RecordedNeeds } from './care-team-lookup.js';
import type { CodeLabels } from '../validation/bilingual-fields.js';
import {
  ageBandLabels,
  behaviouralSymptomLabels,
  careLevelItemLabels,
  dementiaLevelLabels,
  independenceLevelLabels,
  infectionLabels,
  patientSexLabels,
  procedureLabels,
  wardFunctionLabels,
  wardTypeLabels,
} from './care-codes.js';
import { all, first, numberOrNull, textOrNull, type FormValues } from './form-values.js';
import { pick } from './page-parts.js';
import { careAreaLabels, tokyoAreas } from './tokyo-areas.js';
import type { InputIssue } from './transfer-errors.js';
import { tt, type TransferTextKey } from './transfer-text.js';

// The new-request form: plain HTML fields named after the request's parts, read back into the JSON
// shape the API takes, so that the form and the API go through the same validation.

const requiredNumber = (form: FormValues, name: string): number | string | undefined =>
  numberOrNull(form, name) ?? undefined;

/**
 * The new-request form filled in from the shared record: what the record knows is offered, the MSW checks
 * and completes it. The main diagnosis keeps the record's DATA-1 flags.
 */
export function formFromRecord(patientId: string, recorded: RecordedNeeds | null): FormValues {
  const form: Record<string, string[]> = { patientId: [patientId] };
  if (!recorded) return form;
  const set = (name: string, value: string | undefined) => {
    if (value !== undefined) form[name] = [value];
  };
  set('sex', recorded.sex);
  set('ageBand', recorded.ageBand);
  set('diagnosisName', recorded.mainDiagnosis?.name);
  set('icd10', recorded.mainDiagnosis?.icd10);
  if (recorded.mainDiagnosis?.isNotToldToPatient) set('diagnosisNotTold', '1');
  if (recorded.mainDiagnosis?.isNotShared) set('diagnosisNotShared', '1');
  set('independenceLevel', recorded.independenceLevel);
  set('dementiaLevel', recorded.dementiaLevel);
  if (recorded.proceduresNeeded.length > 0) form.proceduresNeeded = [...recorded.proceduresNeeded];
  return form;
}

/** The API's input (see create-transfer-request.ts) from the form's fields. */
export function requestInputFromForm(form: FormValues): {
  patientId: string | null;
  purpose: string;
  request: Record<string, unknown>;
} {
  const keyPersonRelationship = first(form, 'keyPersonRelationship');
  return {
    patientId: textOrNull(form, 'patientId'),
    purpose: first(form, 'purpose') || 'transfer',
    request: {
      patient: { sex: first(form, 'sex') || undefined, ageBand: first(form, 'ageBand') || undefined },
      mainDiagnosis: {
        name: first(form, 'diagnosisName'),
        icd10: textOrNull(form, 'icd10')?.toUpperCase() ?? null,
        onsetDate: first(form, 'onsetDate') || undefined,
        isNotToldToPatient: first(form, 'diagnosisNotTold') === '1',
        isNotShared: first(form, 'diagnosisNotShared') === '1',
      },
      careLevelItems: all(form, 'careLevelItems'),
      adlScores: {
        bedMobility: requiredNumber(form, 'adlBedMobility'),
        transfer: requiredNumber(form, 'adlTransfer'),
        eating: requiredNumber(form, 'adlEating'),
        toiletUse: requiredNumber(form, 'adlToiletUse'),
      },
      independenceLevel: first(form, 'independenceLevel') || undefined,
      dementiaLevel: first(form, 'dementiaLevel') || undefined,
      behaviouralSymptoms: all(form, 'behaviouralSymptoms'),
      infections: Object.keys(infectionLabels)
        .filter((code) => first(form, `infection-${code}`) !== '')
        .map((code) => ({ code, needsIsolationRoom: first(form, `infection-${code}`) === 'isolation' })),
      proceduresNeeded: all(form, 'proceduresNeeded'),
      preferredMunicipalityIds: all(form, 'preferredMunicipalityIds'),
      preferredAreaIds: all(form, 'preferredAreaIds'),
      preferredDate: textOrNull(form, 'preferredDate'),
      desiredWardFunctions: all(form, 'desiredWardFunctions'),
      desiredWardTypes: all(form, 'desiredWardTypes'),
      expectedStayDays: numberOrNull(form, 'expectedStayDays'),
      maxExtraChargeYenPerDay: numberOrNull(form, 'maxExtraChargeYenPerDay'),
      keyPerson: keyPersonRelationship
        ? {
            relationship: keyPersonRelationship,
            name: textOrNull(form, 'keyPersonName'),
            phone: textOrNull(form, 'keyPersonPhone'),
          }
        : null,
      planAfterDischarge: textOrNull(form, 'planAfterDischarge'),
    },
  };
}

/** What a field of the schema is called on the form, for the list of problems. */
const fieldLabels: Readonly<Record<string, TransferTextKey>> = {
  patientId: 'patientId',
  patient: 'patient',
  mainDiagnosis: 'mainDiagnosis',
  careLevelItems: 'careLevel',
  adlScores: 'adl',
  independenceLevel: 'independenceLevel',
  dementiaLevel: 'dementiaLevel',
  behaviouralSymptoms: 'behaviouralSymptoms',
  infections: 'infections',
  proceduresNeeded: 'proceduresNeeded',
  preferredMunicipalityIds: 'preferredPlaces',
  preferredAreaIds: 'preferredPlaces',
  preferredDate: 'preferredDate',
  desiredWardFunctions: 'desiredWardFunctions',
  desiredWardTypes: 'desiredWardTypes',
  expectedStayDays: 'expectedStayDays',
  maxExtraChargeYenPerDay: 'maxExtraCharge',
  keyPerson: 'keyPerson',
  planAfterDischarge: 'planAfterDischarge',
};

export function renderIssues(lang: Language, issues: readonly InputIssue[]): Html {
  if (issues.length === 0) return html``;
  const items = issues.map((issue) => {
    const field = fieldLabels[issue.path.split('.')[0] ?? ''];
    const label = field ? `${tt(lang, field)}: ` : '';
    return html`<li>${label}${issue[lang]}</li>`;
  });
  return html`<div class="transfer-notice is-error" role="alert">
    <p>${tt(lang, 'fixTheseProblems')}</p>
    <ul>
      ${items}
    </ul>
  </div>`;
}

function checkboxes<Code extends string>(
  lang: Language,
  name: string,
  labels: CodeLabels<Code>,
  form: FormValues,
): Html {
  const chosen = new Set(all(form, name));
  const boxes = (Object.keys(labels) as Code[]).map(
    (code) =>
      html`<label class="choice"
        ><input type="checkbox" name="${name}" value="${code}" ${chosen.has(code) && html`checked`} />
        ${pick(lang, labels[code])}</label
      >`,
  );
  return html`<div class="choices">${boxes}</div>`;
}

function select<Code extends string>(
  lang: Language,
  name: string,
  labels: CodeLabels<Code>,
  form: FormValues,
  options: { blank?: boolean } = {},
): Html {
  const current = first(form, name);
  const blank = options.blank && html`<option value="">${tt(lang, 'choose')}</option>`;
  const choices = (Object.keys(labels) as Code[]).map(
    (code) =>
      html`<option value="${code}" ${current === code && html`selected`}>
        ${pick(lang, labels[code])}
      </option>`,
  );
  return html`<select name="${name}" id="${name}">
    ${blank}${choices}
  </select>`;
}

/** A text input named and identified by `name`; `attributes` is markup the form itself writes. */
function input(name: string, form: FormValues, attributes: Html): Html {
  return html`<input name="${name}" id="${name}" value="${first(form, name)}" ${attributes} />`;
}

function field(lang: Language, labelKey: TransferTextKey, control: Html, forId?: string): Html {
  const label = forId
    ? html`<label for="${forId}">${tt(lang, labelKey)}</label>`
    : html`<span class="label">${tt(lang, labelKey)}</span>`;
  return html`<div class="field">${label}${control}</div>`;
}

const adlScores = ['0', '1', '2', '3', '4', '5', '6'];

function adlSelect(name: string, form: FormValues): Html {
  const current = first(form, name) || '0';
  const choices = adlScores.map(
    (score) => html`<option${current === score && html` selected`}>${score}</option>`,
  );
  return html`<select name="${name}" id="${name}">
    ${choices}
  </select>`;
}

export function renderRequestForm(lang: Language, form: FormValues, issues: readonly InputIssue[]): Html {
  const careLevelByCategory = (category: 2 | 3) =>
    Object.fromEntries(
      Object.entries(careLevelItemLabels).filter(([, label]) => label.category === category),
    ) as CodeLabels<string>;
  const infectionRows = (Object.keys(infectionLabels) as (keyof typeof infectionLabels)[]).map((code) => {
    const current = first(form, `infection-${code}`);
    const option = (value: string, key: TransferTextKey) =>
      html`<option value="${value}" ${current === value && html`selected`}>${tt(lang, key)}</option>`;
    return html`<label class="infection"
      >${pick(lang, infectionLabels[code])}
      <select name="infection-${code}">
        ${option('', 'infectionAbsent')}${option('present', 'infectionPresent')}${option('isolation', 'infectionIsolation')}
      </select></label
    >`;
  });
  const chosenMunicipalities = new Set(all(form, 'preferredMunicipalityIds'));
  const municipalityOptions = tokyoAreas.careAreas.map((area) => {
    const choices = area.municipalityIds.map(
      (id) =>
        html`<option value="${id}" ${chosenMunicipalities.has(id) && html`selected`}>
          ${lang === 'ja' ? tokyoAreas.municipality(id).name : id}
        </option>`,
    );
    return html`<optgroup label="${pick(lang, area)}">${choices}</optgroup>`;
  });
  const sexChoices = (Object.keys(patientSexLabels) as (keyof typeof patientSexLabels)[]).map((code) => {
    const checked = first(form, 'sex') === code && html`checked`;
    return html`<label class="choice"
      ><input type="radio" name="sex" value="${code}" ${checked} required />
      ${pick(lang, patientSexLabels[code])}</label
    >`;
  });
  const isChecked = (name: string) => first(form, name) === '1' && html`checked`;
  return html`${renderIssues(lang, issues)}
    <form method="post" action="/transfers/requests" class="request-form">
      ${first(form, 'purpose') === 'backup-bed' && html`<input type="hidden" name="purpose" value="backup-bed" />`}
      <fieldset>
        <legend>${tt(lang, 'patient')}</legend>
        ${field(lang, 'patientId', input('patientId', form, html`maxlength="200" autocomplete="off"`), 'patientId')}
        <p class="hint">${tt(lang, 'patientIdHint')}</p>
        <div class="field">
          <span class="label">${tt(lang, 'sex')}</span>
          <div class="choices">${sexChoices}</div>
        </div>
        ${field(lang, 'ageBand', select(lang, 'ageBand', ageBandLabels, form, { blank: true }), 'ageBand')}
      </fieldset>
      <fieldset>
        <legend>${tt(lang, 'mainDiagnosis')}</legend>
        ${field(lang, 'diagnosisName', input('diagnosisName', form, html`required maxlength="100"`), 'diagnosisName')}
        ${field(lang, 'icd10', input('icd10', form, html`maxlength="10" placeholder="I63.9"`), 'icd10')}
        ${field(lang, 'onset', input('onsetDate', form, html`type="date" required`), 'onsetDate')}
        <label class="choice"
          ><input type="checkbox" name="diagnosisNotTold" value="1" ${isChecked('diagnosisNotTold')} />
          ${tt(lang, 'diagnosisNotTold')}</label
        >
        <label class="choice"
          ><input type="checkbox" name="diagnosisNotShared" value="1" ${isChecked('diagnosisNotShared')} />
          ${tt(lang, 'diagnosisNotShared')}</label
        >
      </fieldset>
      <fieldset>
        <legend>${tt(lang, 'careLevel')}</legend>
        <p class="hint">${tt(lang, 'careLevel3Items')}</p>
        ${checkboxes(lang, 'careLevelItems', careLevelByCategory(3), form)}
        <p class="hint">${tt(lang, 'careLevel2Items')}</p>
        ${checkboxes(lang, 'careLevelItems', careLevelByCategory(2), form)}
      </fieldset>
      <fieldset>
        <legend>${tt(lang, 'adl')}</legend>
        <div class="adl">
          ${field(lang, 'adlBedMobility', adlSelect('adlBedMobility', form), 'adlBedMobility')}
          ${field(lang, 'adlTransfer', adlSelect('adlTransfer', form), 'adlTransfer')}
          ${field(lang, 'adlEating', adlSelect('adlEating', form), 'adlEating')}
          ${field(lang, 'adlToiletUse', adlSelect('adlToiletUse', form), 'adlToiletUse')}
        </div>
        <p class="hint">${tt(lang, 'adlHint')}</p>
      </fieldset>
      <fieldset>
        <legend>${tt(lang, 'independenceAndDementia')}</legend>
        ${field(lang, 'independenceLevel', select(lang, 'independenceLevel', independenceLevelLabels, form), 'independenceLevel')}
        ${field(lang, 'dementiaLevel', select(lang, 'dementiaLevel', dementiaLevelLabels, form), 'dementiaLevel')}
        ${field(lang, 'behaviouralSymptoms', checkboxes(lang, 'behaviouralSymptoms', behaviouralSymptomLabels, form))}
      </fieldset>
      <fieldset>
        <legend>${tt(lang, 'infections')}</legend>
        <div class="infections">${infectionRows}</div>
      </fieldset>
      <fieldset>
        <legend>${tt(lang, 'proceduresNeeded')}</legend>
        ${checkboxes(lang, 'proceduresNeeded', procedureLabels, form)}
      </fieldset>
      <fieldset>
        <legend>${tt(lang, 'wishes')}</legend>
        ${field(lang, 'preferredAreas', checkboxes(lang, 'preferredAreaIds', careAreaLabels, form))}
        ${field(
          lang,
          'preferredMunicipalities',
          html`<select name="preferredMunicipalityIds" id="preferredMunicipalityIds" multiple size="8">
            ${municipalityOptions}
          </select>`,
          'preferredMunicipalityIds',
        )}
        ${field(lang, 'preferredDate', input('preferredDate', form, html`type="date"`), 'preferredDate')}
        ${field(lang, 'desiredWardFunctions', checkboxes(lang, 'desiredWardFunctions', wardFunctionLabels, form))}
        ${field(lang, 'desiredWardTypes', checkboxes(lang, 'desiredWardTypes', wardTypeLabels, form))}
        ${field(lang, 'expectedStayDays', input('expectedStayDays', form, html`type="number" min="1" max="3650" inputmode="numeric"`), 'expectedStayDays')}
        ${field(lang, 'maxExtraCharge', input('maxExtraChargeYenPerDay', form, html`type="number" min="0" step="100" inputmode="numeric"`), 'maxExtraChargeYenPerDay')}
      </fieldset>
      <fieldset>
        <legend>${tt(lang, 'keyPerson')}</legend>
        ${field(lang, 'keyPersonRelationship', input('keyPersonRelationship', form, html`maxlength="30" placeholder="長女"`), 'keyPersonRelationship')}
        ${field(lang, 'keyPersonName', input('keyPersonName', form, html`maxlength="60"`), 'keyPersonName')}
        ${field(lang, 'keyPersonPhone', input('keyPersonPhone', form, html`type="tel" placeholder="03-1234-5678"`), 'keyPersonPhone')}
      </fieldset>
      <fieldset>
        <legend>${tt(lang, 'planAfterDischarge')}</legend>
        <textarea name="planAfterDischarge" id="planAfterDischarge" rows="3" maxlength="400">
${first(form, 'planAfterDischarge')}</textarea>
      </fieldset>
      <p><button type="submit" class="button primary">${tt(lang, 'createAndSearch')}</button></p>
    </form>`;
}

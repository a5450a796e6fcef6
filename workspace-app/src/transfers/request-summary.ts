import { type Html, html, type Language } from '@hcw/common';
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
import type { ShownDiagnosis } from './main-diagnosis-for.js';
import { definitionList, pick } from './page-parts.js';
import { careAreaLabels, tokyoAreas } from './tokyo-areas.js';
import { tt } from './transfer-text.js';
import {
  adlCategoryOf,
  adlTotalOf,
  medicalCareCategoryOf,
  type TransferRequest,
} from './transfer-request.js';

function list<Code extends string>(
  lang: Language,
  labels: CodeLabels<Code>,
  codes: readonly Code[],
  whenEmpty: 'none' | 'noPreference' = 'none',
): string {
  if (codes.length === 0) return tt(lang, whenEmpty);
  return codes.map((code) => pick(lang, labels[code])).join('、');
}

function orNone(lang: Language, value: string | number | null): string {
  return value === null ? tt(lang, 'notGiven') : String(value);
}

/** A patient's needs as hospitals see them: no name, no address. */
/** `diagnosis` is the main diagnosis as this reader may see it (mainDiagnosisFor). */
export function renderRequestSummary(
  lang: Language,
  request: TransferRequest,
  diagnosis: ShownDiagnosis,
): Html {
  const adl = request.adlScores;
  const careLevel = medicalCareCategoryOf(request.careLevelItems);
  const infections =
    request.infections.length === 0
      ? tt(lang, 'none')
      : request.infections
          .map(
            (infection) =>
              `${pick(lang, infectionLabels[infection.code])}${infection.needsIsolationRoom ? tt(lang, 'isolationNeededSuffix') : ''}`,
          )
          .join('、');
  const places = [
    ...request.preferredAreaIds.map((id) => pick(lang, careAreaLabels[id])),
    ...request.preferredMunicipalityIds.map((id) => (lang === 'ja' ? tokyoAreas.municipality(id).name : id)),
  ];
  const keyPerson = request.keyPerson
    ? [request.keyPerson.relationship, request.keyPerson.name, request.keyPerson.phone]
        .filter(Boolean)
        .join(' ')
    : null;
  const onset = html`${tt(lang, 'onset')} ${request.mainDiagnosis.onsetDate}`;
  const notTold =
    diagnosis.isNotToldToPatient && html`<span class="badge not-told">${tt(lang, 'notToldBadge')}</span> `;
  const icd10 = diagnosis.icd10 && `（${diagnosis.icd10}）`;
  const mainDiagnosis = diagnosis.isWithheld
    ? html`<span class="withheld">${pick(lang, diagnosis.name)}</span> ・ ${onset}`
    : html`${notTold}${request.mainDiagnosis.name}${icd10} ・ ${onset}`;
  return definitionList([
    [
      tt(lang, 'patient'),
      `${pick(lang, patientSexLabels[request.patient.sex])}・${pick(lang, ageBandLabels[request.patient.ageBand])}`,
    ],
    [tt(lang, 'mainDiagnosis'), mainDiagnosis],
    [
      tt(lang, 'careLevel'),
      `${tt(lang, 'careLevelCategory', { category: String(careLevel) })}: ${list(lang, careLevelItemLabels, request.careLevelItems)}`,
    ],
    [
      tt(lang, 'adl'),
      tt(lang, 'adlDetail', {
        category: String(adlCategoryOf(adl)),
        total: String(adlTotalOf(adl)),
        bed: String(adl.bedMobility),
        transfer: String(adl.transfer),
        eating: String(adl.eating),
        toilet: String(adl.toiletUse),
      }),
    ],
    [tt(lang, 'independenceLevel'), pick(lang, independenceLevelLabels[request.independenceLevel])],
    [tt(lang, 'dementiaLevel'), pick(lang, dementiaLevelLabels[request.dementiaLevel])],
    [tt(lang, 'behaviouralSymptoms'), list(lang, behaviouralSymptomLabels, request.behaviouralSymptoms)],
    [tt(lang, 'infections'), infections],
    [tt(lang, 'proceduresNeeded'), list(lang, procedureLabels, request.proceduresNeeded)],
    [tt(lang, 'preferredPlaces'), places.length > 0 ? places.join('、') : tt(lang, 'anywhere')],
    [tt(lang, 'preferredDate'), request.preferredDate || tt(lang, 'asSoonAsPossible')],
    [
      tt(lang, 'desiredWardFunctions'),
      list(lang, wardFunctionLabels, request.desiredWardFunctions, 'noPreference'),
    ],
    [tt(lang, 'desiredWardTypes'), list(lang, wardTypeLabels, request.desiredWardTypes, 'noPreference')],
    [tt(lang, 'expectedStayDays'), orNone(lang, request.expectedStayDays)],
    [
      tt(lang, 'maxExtraCharge'),
      request.maxExtraChargeYenPerDay === null
        ? tt(lang, 'noLimit')
        : tt(lang, 'yenPerDay', { amount: request.maxExtraChargeYenPerDay.toLocaleString('ja-JP') }),
    ],
    [tt(lang, 'keyPerson'), orNone(lang, keyPerson)],
    [tt(lang, 'planAfterDischarge'), orNone(lang, request.planAfterDischarge)],
  ]);
}

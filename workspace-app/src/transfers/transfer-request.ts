import { bilingualMessage } from '@hcw/common';
import { z } from 'zod';
import { field } from '../validation/bilingual-fields.js';
import {
  ageBandLabels,
  behaviouralSymptomLabels,
  careLevelItemLabels,
  dementiaLevelLabels,
  independenceLevelLabels,
  infectionLabels,
  patientSexLabels,
  procedureLabels,
  proceduresImpliedByCareLevelItem,
  wardFunctionLabels,
  wardTypeLabels,
  type CareLevelItem,
} from './care-codes.js';
import { careAreaLabels, tokyoAreas } from './tokyo-areas.js';

// What an MSW sends when looking for a bed for a patient planned for discharge or transfer. It
// holds no name or address: hospitals see the patient's needs first and the person only once an
// inquiry is accepted.

const adlScore = () => field.integer({ min: 0, max: 6 });

/** The four items of ADL区分, each scored 0 (independent) to 6 (fully dependent). */
export const adlScoresSchema = field.object({
  bedMobility: adlScore(),
  transfer: adlScore(),
  eating: adlScore(),
  toiletUse: adlScore(),
});
export type AdlScores = z.infer<typeof adlScoresSchema>;

export const requestedInfectionSchema = field.object({
  code: field.code(infectionLabels),
  /** The patient must currently be cared for in an isolation room (contact precautions and the like). */
  needsIsolationRoom: field.boolean(),
});
export type RequestedInfection = z.infer<typeof requestedInfectionSchema>;

const municipalityIdSchema = field.oneOf(tokyoAreas.municipalityIds, (received) => ({
  ja: `東京都の区市町村ではありません: 「${received}」`,
  en: `not a Tokyo municipality: "${received}"`,
}));

export const transferRequestSchema = field
  .object({
    id: field.id(),
    patient: field.object({
      sex: field.code(patientSexLabels),
      ageBand: field.code(ageBandLabels),
    }),
    mainDiagnosis: field.object({
      name: field.text(100),
      icd10: field
        .text(10)
        .regex(/^[A-Z]\d{2}(\.\d{1,2})?$/, {
          message: bilingualMessage({
            ja: 'ICD-10コードの形式が正しくありません（例: I63.9）',
            en: 'not an ICD-10 code (e.g. I63.9)',
          }),
        })
        .nullable(),
      onsetDate: field.date(),
      /** 未告知: the patient has not been told; hospitals asked see it labelled (DATA-1). Absent: false. */
      isNotToldToPatient: field.boolean().optional(),
      /** 未提供: not to be shared; hospitals asked see that a diagnosis is withheld, never which. */
      isNotShared: field.boolean().optional(),
    }),
    /** 医療区分 items that apply now. */
    careLevelItems: field.codeSet(careLevelItemLabels),
    /** ADL区分 */
    adlScores: adlScoresSchema,
    /** 障害高齢者の日常生活自立度 */
    independenceLevel: field.code(independenceLevelLabels),
    /** 認知症高齢者の日常生活自立度 */
    dementiaLevel: field.code(dementiaLevelLabels),
    behaviouralSymptoms: field.codeSet(behaviouralSymptomLabels),
    infections: field.array(requestedInfectionSchema),
    proceduresNeeded: field.codeSet(procedureLabels),
    /** Where the patient or family would like the hospital to be; empty for anywhere. */
    preferredMunicipalityIds: field.array(municipalityIdSchema, { max: 62 }),
    preferredAreaIds: field.codeSet(careAreaLabels),
    /** null: as soon as possible. */
    preferredDate: field.date().nullable(),
    /** Empty lists mean any ward function or type will do. */
    desiredWardFunctions: field.codeSet(wardFunctionLabels),
    desiredWardTypes: field.codeSet(wardTypeLabels),
    expectedStayDays: field.integer({ min: 1, max: 3650 }).nullable(),
    /** The most the patient can pay per day for the room; null when there is no limit. */
    maxExtraChargeYenPerDay: field.integer({ min: 0, max: 10_000_000 }).nullable(),
    keyPerson: field
      .object({
        /** e.g. 長女, 妻 */
        relationship: field.text(30),
        name: field.text(60).nullable(),
        phone: field.phone().nullable(),
      })
      .nullable(),
    planAfterDischarge: field.text(400).nullable(),
  })
  .superRefine((request, ctx) => {
    const issue = (path: (string | number)[], ja: string, en: string) =>
      ctx.addIssue({ code: z.ZodIssueCode.custom, path, message: bilingualMessage({ ja, en }) });

    if (request.preferredDate !== null && request.mainDiagnosis.onsetDate > request.preferredDate) {
      issue(
        ['mainDiagnosis', 'onsetDate'],
        `発症日（${request.mainDiagnosis.onsetDate}）が希望日（${request.preferredDate}）より後になっています`,
        `onset (${request.mainDiagnosis.onsetDate}) is after the preferred date (${request.preferredDate})`,
      );
    }

    request.careLevelItems.forEach((item, index) => {
      const implied = proceduresImpliedByCareLevelItem[item];
      if (implied && !implied.some((procedure) => request.proceduresNeeded.includes(procedure))) {
        issue(
          ['careLevelItems', index],
          `医療区分の「${careLevelItemLabels[item].ja}」があるのに、必要な処置に「${implied
            .map((procedure) => procedureLabels[procedure].ja)
            .join('」または「')}」がありません`,
          `the care level item "${careLevelItemLabels[item].en}" needs "${implied
            .map((procedure) => procedureLabels[procedure].en)
            .join('" or "')}" among the procedures needed`,
        );
      }
    });

    const isolationItemIndex = request.careLevelItems.indexOf('infection-isolation');
    if (isolationItemIndex >= 0 && !request.infections.some((infection) => infection.needsIsolationRoom)) {
      issue(
        ['careLevelItems', isolationItemIndex],
        '医療区分の「感染隔離室での管理」があるのに、隔離室が必要な感染症がありません',
        'the care level item "care in an infection isolation room" needs an infection that needs isolation',
      );
    }

    const seenInfections = new Set<string>();
    request.infections.forEach((infection, index) => {
      if (seenInfections.has(infection.code)) {
        const label = infectionLabels[infection.code];
        issue(
          ['infections', index, 'code'],
          `「${label.ja}」が重複しています`,
          `"${label.en}" is listed twice`,
        );
      }
      seenInfections.add(infection.code);
    });

    const seenMunicipalities = new Set<string>();
    request.preferredMunicipalityIds.forEach((id, index) => {
      if (seenMunicipalities.has(id)) {
        const name = tokyoAreas.municipality(id).name;
        issue(['preferredMunicipalityIds', index], `「${name}」が重複しています`, `"${id}" is listed twice`);
      }
      seenMunicipalities.add(id);
    });
  });
export type TransferRequest = z.infer<typeof transferRequestSchema>;

/** 医療区分 1–3: the highest category among the items that apply, 1 when none does. */
export function medicalCareCategoryOf(items: readonly CareLevelItem[]): 1 | 2 | 3 {
  let category: 1 | 2 | 3 = 1;
  for (const item of items) {
    const itemCategory = careLevelItemLabels[item].category;
    if (itemCategory > category) category = itemCategory;
  }
  return category;
}

export function adlTotalOf(scores: AdlScores): number {
  return scores.bedMobility + scores.transfer + scores.eating + scores.toiletUse;
}

/** ADL区分 from the total of the four items: 0–10 is 1, 11–22 is 2, 23–24 is 3. */
export function adlCategoryOf(scores: AdlScores): 1 | 2 | 3 {
  const total = adlTotalOf(scores);
  if (total >= 23) return 3;
  if (total >= 11) return 2;
  return 1;
}

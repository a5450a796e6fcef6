import { bilingualMessage } from '@hcw/common';
import { z } from 'zod';
import { procedureLabels } from '../clinical/procedures.js';
import { vitalRanges } from '../clinical/vital-ranges.js';
import { field } from '../validation/bilingual-fields.js';
import { parseItemInput } from './invalid-item-error.js';
import {
  adlLevelLabels,
  allergyCategoryLabels,
  allergyKindLabels,
  careActivityLabels,
  careNeedLevelLabels,
  careServiceLabels,
  continenceLabels,
  criticalityLabels,
  dementiaLevelLabels,
  dentureLabels,
  diagnosisStatusLabels,
  drugCodeSystemLabels,
  explanationAudienceLabels,
  housingTypeLabels,
  impairmentLabels,
  independenceLevelLabels,
  infectionLabels,
  livingArrangementLabels,
  mealFormLabels,
  mealIntakeLabels,
  medicationAdherenceLabels,
  medicationRouteLabels,
  medicationStatusLabels,
  oralHygieneLabels,
  placeOfCareLabels,
  prefectures,
  professionLabels,
  relationshipLabels,
  sceneLabels,
  sexLabels,
  swallowingLabels,
} from './standard-codes.js';

// The standard shared items (標準共有項目) of the Tokyo working group's paper, as the portal accepts
// them: the patient's basics, the items that change often, and what is recorded at each visit.
// Free text is bounded everywhere; a record shared by many organisations is no place for essays.

const SHORT = 100;
const NOTE = 1000;
const NARRATIVE = 4000;

const note = () => field.text(NOTE).optional();

// ---------------------------------------------------------------------------------------------------
// Patient basics (基本情報)

export const personNameSchema = field.object({
  /** 漢字氏名: what a home visit always knows. */
  kanji: field.object({ family: field.text(50), given: field.text(50) }),
  /** カナ氏名: may be learnt later. */
  kana: field
    .object({ family: field.katakana(50).optional(), given: field.katakana(50).optional() })
    .optional(),
});
export type PersonName = z.infer<typeof personNameSchema>;

// Only name and sex are needed to start (the working group's paper: a first visit often knows little
// more). Every other part may be unknown, is left out until learnt, and the record shows it as missing.

export const addressSchema = field.object({
  postalCode: field.postalCode().optional(),
  prefecture: field
    .oneOf(prefectures, (value) => ({
      ja: `都道府県名ではありません: 「${value}」`,
      en: `not a Japanese prefecture: "${value}"`,
    }))
    .optional(),
  /** 区市町村 */
  municipality: field.text(50).optional(),
  /** 町名・番地・建物 */
  line: field.text(200).optional(),
});
export type Address = z.infer<typeof addressSchema>;

export const familyMemberSchema = field.object({
  name: field.text(SHORT),
  relationship: field.code(relationshipLabels),
  livesWithPatient: field.boolean(),
  /** キーパーソン: the one person the team calls first and decides with. */
  isKeyPerson: field.boolean(),
  phone: field.phone().optional(),
  note: field.text(500).optional(),
});
export type FamilyMember = z.infer<typeof familyMemberSchema>;

const adlLevel = () => field.code(adlLevelLabels).optional();

export const patientBasicsSchema = field
  .object({
    name: personNameSchema,
    sex: field.code(sexLabels),
    birthDate: field.pastDate({ ja: '生年月日', en: 'date of birth' }).optional(),
    address: addressSchema.optional(),
    contact: field
      .object({
        phone: field.phone().optional(),
        mobile: field.phone().optional(),
        note: field.text(200).optional(),
      })
      .optional(),
    family: field.array(familyMemberSchema, { max: 20 }).default([]),
    housing: field
      .object({
        type: field.code(housingTypeLabels).optional(),
        livingArrangement: field.code(livingArrangementLabels).optional(),
        /** Floor of the patient's home; 1 is the ground floor. */
        floor: field.integer({ min: -3, max: 60 }).optional(),
        hasElevator: field.boolean().optional(),
        note: note(),
      })
      .optional(),
    careInsurance: field
      .object({
        /** 要介護度 */
        certification: field.code(careNeedLevelLabels).optional(),
        certificationValidUntil: field.date().optional(),
        /** 介護保険の被保険者番号 (10 digits). */
        insuredNumber: field
          .pattern(/^\d{10}$/, { ja: '被保険者番号は10桁の数字です', en: 'the insured number has 10 digits' })
          .optional(),
        /** 居宅介護支援事業所 */
        careManagerOffice: field.text(SHORT).optional(),
        services: field.codeSet(careServiceLabels).default([]),
        note: note(),
      })
      .optional(),
    adl: field
      .object({
        eating: adlLevel(),
        transfer: adlLevel(),
        toileting: adlLevel(),
        bathing: adlLevel(),
        dressing: adlLevel(),
        grooming: adlLevel(),
        mobility: adlLevel(),
        /** 障害高齢者の日常生活自立度 */
        independenceLevel: field.code(independenceLevelLabels).optional(),
        note: note(),
      })
      .optional(),
    cognition: field
      .object({
        /** 認知症高齢者の日常生活自立度 */
        dementiaLevel: field.code(dementiaLevelLabels).optional(),
        note: note(),
      })
      .optional(),
  })
  .superRefine((basics, ctx) => {
    const keyPeople = basics.family.filter((member) => member.isKeyPerson).length;
    if (keyPeople > 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['family'],
        message: bilingualMessage({
          ja: 'キーパーソンは1人だけ指定してください',
          en: 'name at most one key person',
        }),
      });
    }
  });
export type PatientBasics = z.infer<typeof patientBasicsSchema>;

// ---------------------------------------------------------------------------------------------------
// Frequently changing items (頻繁に変化する項目)

const icd10 = () =>
  field.pattern(/^[A-Z]\d{2}(\.\d{1,2})?$/, {
    ja: 'ICD-10コードの形式ではありません（例: I63.9）',
    en: 'not an ICD-10 code, e.g. I63.9',
  });

/**
 * A diagnosis (傷病名). The organisation that recorded it is stamped by the store, never taken from
 * the input. DATA-1's two flags (disclosure.ts): 未告知 is shown to the care team labelled, 未提供 never
 * outside that organisation.
 */
export const diagnosisSchema = field.object({
  name: field.text(200),
  icd10: icd10().optional(),
  onset: field.partialDate().optional(),
  status: field.code(diagnosisStatusLabels),
  isMain: field.boolean(),
  /** 未告知: the patient has not been told; professionals see it labelled. */
  isNotToldToPatient: field.boolean(),
  /** 未提供: not for sharing beyond the author's organisation. */
  isNotShared: field.boolean(),
  note: note(),
});
export type Diagnosis = z.infer<typeof diagnosisSchema>;

/** 既往歴 */
export const medicalHistorySchema = field.object({
  name: field.text(200),
  icd10: icd10().optional(),
  onset: field.partialDate().optional(),
  note: note(),
});
export type MedicalHistory = z.infer<typeof medicalHistorySchema>;

/** 経過: a dated account of how things went, and in which scene of care. */
export const courseNoteSchema = field.object({
  recordedOn: field.pastDate({ ja: '記録日', en: 'the date' }),
  scene: field.code(sceneLabels),
  text: field.text(NARRATIVE),
});
export type CourseNote = z.infer<typeof courseNoteSchema>;

export const medicationSchema = field
  .object({
    name: field.text(200),
    code: field
      .object({
        system: field.code(drugCodeSystemLabels),
        value: field.pattern(/^[0-9A-Z]{9,12}$/, {
          ja: '医薬品コードの形式ではありません',
          en: 'not a drug code',
        }),
      })
      .superRefine((code, ctx) => {
        const pattern = code.system === 'yj' ? /^\d{7}[0-9A-Z]\d{3}[0-9A-Z]$/ : /^\d{9}$/;
        if (!pattern.test(code.value)) {
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: ['value'],
            message: bilingualMessage(
              code.system === 'yj'
                ? {
                    ja: 'YJコードは12桁です（例: 2171014F1020）',
                    en: 'a YJ code has 12 characters, e.g. 2171014F1020',
                  }
                : { ja: 'HOT9コードは9桁の数字です', en: 'a HOT9 code has 9 digits' },
            ),
          });
        }
      })
      .optional(),
    /** e.g. 5mg 1錠 */
    dose: field.text(SHORT),
    route: field.code(medicationRouteLabels),
    /** e.g. 1日1回 朝食後 */
    timing: field.text(SHORT),
    status: field.code(medicationStatusLabels),
    startedOn: field.date().optional(),
    endedOn: field.date().optional(),
    prescribedBy: field.text(SHORT).optional(),
    purpose: field.text(200).optional(),
    note: note(),
  })
  .refine((m) => !m.startedOn || !m.endedOn || m.endedOn >= m.startedOn, {
    path: ['endedOn'],
    message: bilingualMessage({
      ja: '終了日は開始日以降にしてください',
      en: 'the end date is before the start date',
    }),
  });
export type Medication = z.infer<typeof medicationSchema>;

/** What was explained, by whom, and how the patient and family took it (説明と受け止め). */
export const explanationSchema = field.object({
  explainedOn: field.pastDate({ ja: '説明日', en: 'the date of the explanation' }),
  explainedBy: field.object({ name: field.text(SHORT), profession: field.code(professionLabels) }),
  audience: field.codeSet(explanationAudienceLabels).refine((audience) => audience.length > 0, {
    message: bilingualMessage({ ja: '説明の相手を選んでください', en: 'choose who was told' }),
  }),
  content: field.text(NARRATIVE),
  patientReaction: field.text(NOTE).optional(),
  familyReaction: field.text(NOTE).optional(),
});
export type Explanation = z.infer<typeof explanationSchema>;

/** 意向: the patient's and family's wishes, including where to be cared for and where to die. */
export const wishesSchema = field.object({
  patientWishes: field.text(NARRATIVE).optional(),
  familyWishes: field.text(NARRATIVE).optional(),
  preferredPlaceOfCare: field.code(placeOfCareLabels).optional(),
  /** 希望する看取りの場所 */
  preferredPlaceOfDeath: field.code(placeOfCareLabels).optional(),
  /** What was agreed about life-sustaining treatment (ACP), in words. */
  lifeSustainingTreatment: field.text(NOTE).optional(),
  discussedOn: field.pastDate({ ja: '話し合った日', en: 'the date of the discussion' }).optional(),
});
export type Wishes = z.infer<typeof wishesSchema>;

/** 身体機能上の課題 */
export const physicalFunctionSchema = field.object({
  disabilities: field.array(field.text(SHORT), { max: 20 }),
  communication: field.object({
    hearing: field.code(impairmentLabels),
    vision: field.code(impairmentLabels),
    speech: field.code(impairmentLabels),
    usesHearingAid: field.boolean().optional(),
    note: note(),
  }),
  infections: field.array(
    field.object({ code: field.code(infectionLabels), note: field.text(200).optional() }),
    {
      max: 13,
    },
  ),
  oral: field.object({
    dentures: field.code(dentureLabels),
    swallowing: field.code(swallowingLabels),
    hygiene: field.code(oralHygieneLabels),
    note: note(),
  }),
  /** 排泄コントロール */
  bowelControl: field.object({
    urination: field.code(continenceLabels),
    defecation: field.code(continenceLabels),
    usesPads: field.boolean().optional(),
    note: note(),
  }),
  /** 入院前からの変化 */
  changeSinceBeforeAdmission: field.text(NARRATIVE).optional(),
  /**
   * 医療処置・医療機器 the patient lives with (胃ろう, 在宅酸素, …): the same list a transfer request asks for
   * and hospitals accept. Home oxygen is recorded here, not as a medication.
   */
  procedures: field.codeSet(procedureLabels).default([]),
  /** Settings and details, e.g. 安静時 1L/分. */
  proceduresNote: field.text(500).optional(),
});
export type PhysicalFunction = z.infer<typeof physicalFunctionSchema>;

/** アレルギー・禁忌 */
export const allergySchema = field.object({
  substance: field.text(200),
  category: field.code(allergyCategoryLabels),
  kind: field.code(allergyKindLabels),
  criticality: field.code(criticalityLabels).optional(),
  reaction: field.text(500).optional(),
  note: note(),
});
export type Allergy = z.infer<typeof allergySchema>;

// ---------------------------------------------------------------------------------------------------
// Visit records (訪問記録)

export { vitalRanges };

export const vitalSignsSchema = field
  .object({
    measuredAt: field.dateTime().optional(),
    bodyTemperature: field.measurement(vitalRanges.bodyTemperature).multipleOf(0.1).optional(),
    systolic: field.measurement(vitalRanges.systolic, { isInteger: true }).optional(),
    diastolic: field.measurement(vitalRanges.diastolic, { isInteger: true }).optional(),
    pulse: field.measurement(vitalRanges.pulse, { isInteger: true }).optional(),
    respiratoryRate: field.measurement(vitalRanges.respiratoryRate, { isInteger: true }).optional(),
    oxygenSaturation: field.measurement(vitalRanges.oxygenSaturation, { isInteger: true }).optional(),
    bodyWeight: field.measurement(vitalRanges.bodyWeight).multipleOf(0.1).optional(),
  })
  .superRefine((v, ctx) => {
    const say = (path: string[], ja: string, en: string) =>
      ctx.addIssue({ code: z.ZodIssueCode.custom, path, message: bilingualMessage({ ja, en }) });
    if ((v.systolic === undefined) !== (v.diastolic === undefined)) {
      say(
        [v.systolic === undefined ? 'systolic' : 'diastolic'],
        '血圧は収縮期と拡張期の両方を入力してください',
        'give both systolic and diastolic pressure',
      );
    } else if (v.systolic !== undefined && v.diastolic !== undefined && v.diastolic >= v.systolic) {
      say(['diastolic'], '拡張期血圧は収縮期血圧より低い値です', 'diastolic pressure must be below systolic');
    }
    const measured = Object.entries(v).filter(([key, value]) => key !== 'measuredAt' && value !== undefined);
    if (measured.length === 0)
      say([], 'バイタルサインを1つ以上入力してください', 'give at least one vital sign');
  });
export type VitalSigns = z.infer<typeof vitalSignsSchema>;

/** Visit times may be written a little after the fact, never ahead of it. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const notInFuture = (value: string) => Date.parse(value) <= Date.now() + CLOCK_SKEW_MS;

export const visitRecordSchema = field
  .object({
    visitedAt: field.dateTime().refine(notInFuture, {
      message: bilingualMessage({
        ja: '訪問日時に未来の日時は使えません',
        en: 'the visit cannot be in the future',
      }),
    }),
    endedAt: field.dateTime().optional(),
    profession: field.code(professionLabels),
    /** The calendar entry this record fulfils, if it was planned. */
    scheduledVisitId: field.uuid().optional(),
    careGiven: field.codeSet(careActivityLabels),
    careNote: field.text(NARRATIVE).optional(),
    /** 訪問時の様子 */
    state: field.text(NARRATIVE),
    vitals: vitalSignsSchema.optional(),
    /** 説明への反応、本人・家族の受け止め */
    reactions: field.text(NOTE).optional(),
    meals: field
      .object({
        intake: field.code(mealIntakeLabels),
        form: field.code(mealFormLabels),
        note: field.text(500).optional(),
      })
      .optional(),
    excretion: field
      .object({
        urinationsPerDay: field.integer({ min: 0, max: 40 }).optional(),
        hadBowelMovement: field.boolean().optional(),
        /** Bristol stool form scale, 1 (hard) to 7 (watery). */
        stoolForm: field.integer({ min: 1, max: 7 }).optional(),
        note: field.text(500).optional(),
      })
      .optional(),
    medication: field
      .object({ adherence: field.code(medicationAdherenceLabels), note: field.text(500).optional() })
      .optional(),
  })
  .superRefine((visit, ctx) => {
    if (visit.endedAt && Date.parse(visit.endedAt) <= Date.parse(visit.visitedAt)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['endedAt'],
        message: bilingualMessage({
          ja: '終了時刻は開始時刻より後にしてください',
          en: 'the visit ends before it starts',
        }),
      });
    }
    const measuredAt = visit.vitals?.measuredAt;
    if (measuredAt && Math.abs(Date.parse(measuredAt) - Date.parse(visit.visitedAt)) > 12 * 60 * 60 * 1000) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['vitals', 'measuredAt'],
        message: bilingualMessage({
          ja: '測定日時が訪問日時から12時間以上離れています',
          en: 'the vital signs were measured more than 12 hours from the visit',
        }),
      });
    }
  });
export type VisitRecord = z.infer<typeof visitRecordSchema>;

// ---------------------------------------------------------------------------------------------------
// The item kinds the record is made of

export const itemSchemas = {
  basics: patientBasicsSchema,
  diagnosis: diagnosisSchema,
  'medical-history': medicalHistorySchema,
  'course-note': courseNoteSchema,
  medication: medicationSchema,
  explanation: explanationSchema,
  wishes: wishesSchema,
  'physical-function': physicalFunctionSchema,
  allergy: allergySchema,
  'visit-record': visitRecordSchema,
} as const;
export type ItemKind = keyof typeof itemSchemas;
export type ItemData<K extends ItemKind> = z.infer<(typeof itemSchemas)[K]>;

export const itemKinds = Object.keys(itemSchemas) as [ItemKind, ...ItemKind[]];

/** Kinds a patient has at most one of; the rest are lists. */
export const singletonKinds: readonly ItemKind[] = ['basics', 'wishes', 'physical-function'];

export const itemKindLabels: Readonly<Record<ItemKind, { ja: string; en: string }>> = {
  basics: { ja: '基本情報', en: 'patient basics' },
  diagnosis: { ja: '傷病名', en: 'diagnosis' },
  'medical-history': { ja: '既往歴', en: 'medical history' },
  'course-note': { ja: '経過', en: 'course' },
  medication: { ja: '服薬', en: 'medication' },
  explanation: { ja: '説明と受け止め', en: 'explanation and reaction' },
  wishes: { ja: '意向', en: 'wishes' },
  'physical-function': { ja: '身体機能', en: 'physical function' },
  allergy: { ja: 'アレルギー・禁忌', en: 'allergy or contraindication' },
  'visit-record': { ja: '訪問記録', en: 'visit record' },
};

export function isItemKind(value: unknown): value is ItemKind {
  return typeof value === 'string' && Object.hasOwn(itemSchemas, value);
}

/** Parses one item of the given kind, or throws InvalidItemError naming every problem found. */
export function parseItem<K extends ItemKind>(kind: K, input: unknown): ItemData<K> {
  return parseItemInput(itemSchemas[kind], input) as ItemData<K>;
}

import { type Bilingual } from '@hcw/common';
import {
  ageBandLabels,
  dementiaLevelLabels,
  dementiaSeverityOf,
  independenceLevelLabels,
  type AgeBand,
  type DementiaLevel,
  type IndependenceLevel,
} from '../clinical/daily-living-scales.js';
import { infectionLabels, type Infection } from '../clinical/infections.js';
import { procedureLabels, type Procedure } from '../clinical/procedures.js';
import type { CodeLabels } from '../validation/bilingual-fields.js';

// The shared vocabulary of capacity profiles and transfer requests. Codes are stable ASCII so they
// can be PostgreSQL enum values and JSON strings; the labels carry the Japanese terms users know.

/** 病床機能 as reported in the bed-function report (病床機能報告). */
export const wardFunctionLabels = {
  'high-acute': { ja: '高度急性期', en: 'highly acute' },
  acute: { ja: '急性期', en: 'acute' },
  recovery: { ja: '回復期', en: 'recovery' },
  chronic: { ja: '慢性期', en: 'chronic' },
} as const satisfies CodeLabels<string>;
export type WardFunction = keyof typeof wardFunctionLabels;

/** The ward's type, named after the inpatient fee it bills (入院料). */
export const wardTypeLabels = {
  general: { ja: '一般', en: 'general' },
  'community-care': { ja: '地域包括ケア', en: 'community-based care' },
  'convalescent-rehabilitation': { ja: '回復期リハビリテーション', en: 'convalescent rehabilitation' },
  'medical-long-term-care': { ja: '医療療養', en: 'long-term medical care' },
  'palliative-care': { ja: '緩和ケア', en: 'palliative care' },
  disability: { ja: '障害者施設等', en: 'disability ward' },
} as const satisfies CodeLabels<string>;
export type WardType = keyof typeof wardTypeLabels;

/**
 * Which bed functions a ward of each type can report. 高度急性期 is reported only by general wards;
 * the rehabilitation fee is a recovery-phase fee; long-term, disability and palliative wards are
 * not intensive care.
 */
export const wardFunctionsByType: Readonly<Record<WardType, readonly WardFunction[]>> = {
  general: ['high-acute', 'acute', 'recovery', 'chronic'],
  'community-care': ['acute', 'recovery'],
  'convalescent-rehabilitation': ['recovery'],
  'medical-long-term-care': ['recovery', 'chronic'],
  'palliative-care': ['acute', 'chronic'],
  disability: ['chronic'],
};

/**
 * Longest stay the fee allows: 地域包括ケア is billed for up to 60 days, 回復期リハビリテーション
 * for at most 180 days (the longest of its per-diagnosis limits).
 */
export const maxStayCapDaysByType: Readonly<Partial<Record<WardType, number>>> = {
  'community-care': 60,
  'convalescent-rehabilitation': 180,
};

export const roomTypeLabels = {
  individual: { ja: '個室', en: 'single room' },
  shared: { ja: '多床室', en: 'shared room' },
} as const satisfies CodeLabels<string>;
export type RoomType = keyof typeof roomTypeLabels;

/** Which patients a free bed can take: rooms are separated by sex, some beds can go either way. */
export const bedSexLabels = {
  male: { ja: '男性', en: 'male' },
  female: { ja: '女性', en: 'female' },
  any: { ja: '男女どちらも', en: 'either sex' },
} as const satisfies CodeLabels<string>;
export type BedSex = keyof typeof bedSexLabels;

export const patientSexLabels = {
  male: { ja: '男性', en: 'male' },
  female: { ja: '女性', en: 'female' },
} as const satisfies CodeLabels<string>;
export type PatientSex = keyof typeof patientSexLabels;

/** Procedures and care a ward can take on (対応可能な医療処置): one list with the shared record's. */
export { procedureLabels, type Procedure };

/** Infections a request names and a ward takes: one list with the shared record's. */
export { infectionLabels, type Infection };

/** Behavioural and psychological symptoms of dementia (BPSD, 認知症の行動・心理症状). */
export const behaviouralSymptomLabels = {
  wandering: { ja: '徘徊', en: 'wandering' },
  aggression: { ja: '暴言・暴力', en: 'verbal or physical aggression' },
  'care-resistance': { ja: '介護への抵抗', en: 'resisting care' },
  'night-delirium': { ja: '夜間せん妄・昼夜逆転', en: 'night-time delirium or day–night reversal' },
  'line-removal': { ja: 'チューブ・点滴の自己抜去', en: 'pulling out tubes or lines' },
  shouting: { ja: '大声・叫び', en: 'shouting' },
} as const satisfies CodeLabels<string>;
export type BehaviouralSymptom = keyof typeof behaviouralSymptomLabels;

/** The scales of daily living and age bands: one set with the shared record's (clinical/daily-living-scales.ts). */
export {
  ageBandLabels,
  dementiaLevelLabels,
  dementiaSeverityOf,
  independenceLevelLabels,
  type AgeBand,
  type DementiaLevel,
  type IndependenceLevel,
};

/**
 * The items of the 医療区分 (medical care category) used by long-term care wards, with the category
 * each item puts the patient in. The fee schedule's detailed conditions (durations, thresholds) are
 * summarised in the labels; the ward's own assessment remains the reference.
 */
export const careLevelItemLabels = {
  'continuous-infusion-24h': { ja: '24時間持続点滴', en: '24-hour continuous infusion', category: 3 },
  'central-venous-nutrition': { ja: '中心静脈栄養', en: 'central venous nutrition', category: 3 },
  ventilator: { ja: '人工呼吸器', en: 'mechanical ventilation', category: 3 },
  drainage: { ja: 'ドレーン法・胸腔または腹腔の洗浄', en: 'drainage or chest/abdominal lavage', category: 3 },
  'tracheostomy-with-fever': {
    ja: '発熱を伴う気管切開・気管内挿管',
    en: 'tracheostomy or intubation with fever',
    category: 3,
  },
  'oxygen-therapy-intensive': {
    ja: '酸素療法（常時高流量等）',
    en: 'oxygen therapy (continuous high flow or equivalent)',
    category: 3,
  },
  'infection-isolation': { ja: '感染隔離室での管理', en: 'care in an infection isolation room', category: 3 },
  'constant-monitoring': {
    ja: '医師・看護職員による24時間の監視・管理',
    en: '24-hour monitoring by doctors and nurses',
    category: 3,
  },
  smon: { ja: 'スモン', en: 'SMON', category: 3 },
  'neuromuscular-disease': {
    ja: '筋ジストロフィー・多発性硬化症・筋萎縮性側索硬化症',
    en: 'muscular dystrophy, multiple sclerosis or ALS',
    category: 2,
  },
  parkinson: { ja: 'パーキンソン病関連疾患', en: 'Parkinson-related disease', category: 2 },
  'other-intractable-disease': {
    ja: 'その他の指定難病等',
    en: 'other designated intractable disease',
    category: 2,
  },
  'spinal-cord-injury': { ja: '脊髄損傷', en: 'spinal cord injury', category: 2 },
  copd: { ja: '慢性閉塞性肺疾患', en: 'COPD', category: 2 },
  'cancer-pain-control': {
    ja: '疼痛コントロールが必要な悪性腫瘍',
    en: 'cancer needing pain control',
    category: 2,
  },
  pneumonia: { ja: '肺炎', en: 'pneumonia', category: 2 },
  'urinary-tract-infection': { ja: '尿路感染症', en: 'urinary tract infection', category: 2 },
  'early-rehabilitation': {
    ja: 'リハビリテーション（発症から30日以内）',
    en: 'rehabilitation within 30 days of onset',
    category: 2,
  },
  'dehydration-with-fever': { ja: '脱水かつ発熱', en: 'dehydration with fever', category: 2 },
  'internal-bleeding': { ja: '体内出血', en: 'internal bleeding', category: 2 },
  'vomiting-with-fever': { ja: '頻回の嘔吐かつ発熱', en: 'frequent vomiting with fever', category: 2 },
  'pressure-ulcer': { ja: '褥瘡', en: 'pressure ulcer', category: 2 },
  'lower-limb-open-wound': {
    ja: '末梢循環障害による下肢末端の開放創',
    en: 'open wound of the foot from poor circulation',
    category: 2,
  },
  delirium: { ja: 'せん妄', en: 'delirium', category: 2 },
  depression: { ja: 'うつ症状', en: 'depressive symptoms', category: 2 },
  'daily-violence': { ja: '他者への暴行が毎日', en: 'violence towards others every day', category: 2 },
  dialysis: { ja: '透析', en: 'dialysis', category: 2 },
  'tube-feeding-with-fever': {
    ja: '発熱または嘔吐を伴う経腸栄養',
    en: 'tube feeding with fever or vomiting',
    category: 2,
  },
  'frequent-suctioning': {
    ja: '喀痰吸引（1日8回以上）',
    en: 'suctioning 8 or more times a day',
    category: 2,
  },
  'tracheostomy-care': {
    ja: '気管切開・気管内挿管のケア',
    en: 'tracheostomy or intubation care',
    category: 2,
  },
  'frequent-blood-glucose': { ja: '頻回の血糖検査', en: 'frequent blood glucose tests', category: 2 },
  'wound-infection-treatment': {
    ja: '創傷・皮膚潰瘍・蜂巣炎等の感染症の治療',
    en: 'treatment of infected wounds, ulcers or cellulitis',
    category: 2,
  },
  'oxygen-therapy': { ja: '酸素療法', en: 'oxygen therapy', category: 2 },
} as const satisfies Readonly<Record<string, Bilingual & { category: 2 | 3 }>>;
export type CareLevelItem = keyof typeof careLevelItemLabels;

/**
 * The procedures a 医療区分 item cannot exist without (any one of them): a request that counts the
 * item must also ask for the procedure, or hospitals would be matched on half the picture.
 */
export const proceduresImpliedByCareLevelItem: Readonly<
  Partial<Record<CareLevelItem, readonly Procedure[]>>
> = {
  'continuous-infusion-24h': ['continuous-infusion'],
  'central-venous-nutrition': ['central-venous-nutrition'],
  ventilator: ['ventilator'],
  drainage: ['drain'],
  'tracheostomy-with-fever': ['tracheostomy'],
  'oxygen-therapy-intensive': ['oxygen-therapy'],
  dialysis: ['dialysis', 'peritoneal-dialysis'],
  'tube-feeding-with-fever': ['tube-feeding'],
  'frequent-suctioning': ['suctioning'],
  'tracheostomy-care': ['tracheostomy'],
  'frequent-blood-glucose': ['blood-glucose-monitoring'],
  'oxygen-therapy': ['oxygen-therapy'],
};

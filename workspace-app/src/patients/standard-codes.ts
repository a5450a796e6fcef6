import type { CodeLabels } from '../validation/bilingual-fields.js';
import { dementiaLevelLabels, independenceLevelLabels } from '../clinical/daily-living-scales.js';
import { infectionLabels, type Infection } from '../clinical/infections.js';

// The vocabulary of the standard shared items (標準共有項目). Codes are stable ASCII so they can sit in
// JSON and SQL; the labels carry the terms practitioners know.

/** The scenes of care the shared items are defined for. */
export const sceneLabels = {
  A: { ja: '在宅→入院', en: 'home to admission' },
  B: { ja: '転院', en: 'hospital to hospital' },
  C: { ja: '入院中', en: 'in hospital' },
  D: { ja: '退院→在宅', en: 'discharge to home' },
  E: { ja: '在宅療養中', en: 'during home care' },
} as const satisfies CodeLabels<string>;
export type Scene = keyof typeof sceneLabels;

export const sexLabels = {
  male: { ja: '男性', en: 'male' },
  female: { ja: '女性', en: 'female' },
  other: { ja: 'その他', en: 'other' },
} as const satisfies CodeLabels<string>;
export type Sex = keyof typeof sexLabels;

export const prefectures = [
  '北海道',
  '青森県',
  '岩手県',
  '宮城県',
  '秋田県',
  '山形県',
  '福島県',
  '茨城県',
  '栃木県',
  '群馬県',
  '埼玉県',
  '千葉県',
  '東京都',
  '神奈川県',
  '新潟県',
  '富山県',
  '石川県',
  '福井県',
  '山梨県',
  '長野県',
  '岐阜県',
  '静岡県',
  '愛知県',
  '三重県',
  '滋賀県',
  '京都府',
  '大阪府',
  '兵庫県',
  '奈良県',
  '和歌山県',
  '鳥取県',
  '島根県',
  '岡山県',
  '広島県',
  '山口県',
  '徳島県',
  '香川県',
  '愛媛県',
  '高知県',
  '福岡県',
  '佐賀県',
  '長崎県',
  '熊本県',
  '大分県',
  '宮崎県',
  '鹿児島県',
  '沖縄県',
] as const;
export type Prefecture = (typeof prefectures)[number];

/** Family relationship to the patient (続柄). */
export const relationshipLabels = {
  spouse: { ja: '配偶者', en: 'spouse' },
  son: { ja: '息子', en: 'son' },
  daughter: { ja: '娘', en: 'daughter' },
  'son-in-law': { ja: '義理の息子', en: 'son-in-law' },
  'daughter-in-law': { ja: '義理の娘（嫁）', en: 'daughter-in-law' },
  grandchild: { ja: '孫', en: 'grandchild' },
  sibling: { ja: '兄弟姉妹', en: 'sibling' },
  parent: { ja: '親', en: 'parent' },
  'other-relative': { ja: 'その他の親族', en: 'other relative' },
  friend: { ja: '友人', en: 'friend' },
  neighbour: { ja: '近隣の方', en: 'neighbour' },
  guardian: { ja: '成年後見人', en: 'legal guardian' },
} as const satisfies CodeLabels<string>;
export type Relationship = keyof typeof relationshipLabels;

/** Kind of home (住環境). */
export const housingTypeLabels = {
  detached: { ja: '戸建て', en: 'detached house' },
  apartment: { ja: '集合住宅', en: 'apartment' },
  'public-housing': { ja: '公営住宅', en: 'public housing' },
  'serviced-housing': { ja: 'サービス付き高齢者向け住宅', en: 'serviced housing for older people' },
  'paid-nursing-home': { ja: '有料老人ホーム', en: 'private residential home' },
  'group-home': { ja: '認知症グループホーム', en: 'dementia group home' },
  other: { ja: 'その他', en: 'other' },
} as const satisfies CodeLabels<string>;
export type HousingType = keyof typeof housingTypeLabels;

export const livingArrangementLabels = {
  alone: { ja: '独居', en: 'lives alone' },
  'couple-only': { ja: '夫婦のみ', en: 'couple only' },
  'with-family': { ja: '家族と同居', en: 'with family' },
  facility: { ja: '施設入居', en: 'in a residential facility' },
} as const satisfies CodeLabels<string>;
export type LivingArrangement = keyof typeof livingArrangementLabels;

/** Long-term care certification (要介護認定). */
export const careNeedLevelLabels = {
  'not-certified': { ja: '非該当', en: 'not certified' },
  applying: { ja: '申請中', en: 'application pending' },
  'support-1': { ja: '要支援1', en: 'support level 1' },
  'support-2': { ja: '要支援2', en: 'support level 2' },
  'care-1': { ja: '要介護1', en: 'care level 1' },
  'care-2': { ja: '要介護2', en: 'care level 2' },
  'care-3': { ja: '要介護3', en: 'care level 3' },
  'care-4': { ja: '要介護4', en: 'care level 4' },
  'care-5': { ja: '要介護5', en: 'care level 5' },
} as const satisfies CodeLabels<string>;
export type CareNeedLevel = keyof typeof careNeedLevelLabels;

/** Care-insurance services in use (利用中の介護保険サービス). */
export const careServiceLabels = {
  'home-help': { ja: '訪問介護', en: 'home help' },
  'home-nursing': { ja: '訪問看護', en: 'home nursing' },
  'home-bathing': { ja: '訪問入浴介護', en: 'home bathing' },
  'home-rehabilitation': { ja: '訪問リハビリテーション', en: 'home rehabilitation' },
  'home-medical-management': { ja: '居宅療養管理指導', en: 'home medical management guidance' },
  'day-care': { ja: '通所介護', en: 'day care' },
  'day-rehabilitation': { ja: '通所リハビリテーション', en: 'day rehabilitation' },
  'short-stay': { ja: '短期入所生活介護', en: 'short stay' },
  'short-stay-medical': { ja: '短期入所療養介護', en: 'medical short stay' },
  'equipment-rental': { ja: '福祉用具貸与', en: 'equipment rental' },
  'equipment-purchase': { ja: '特定福祉用具販売', en: 'equipment purchase' },
  'home-modification': { ja: '住宅改修', en: 'home modification' },
  'small-multifunction': { ja: '小規模多機能型居宅介護', en: 'small multifunctional home care' },
  'nursing-small-multifunction': {
    ja: '看護小規模多機能型居宅介護',
    en: 'small multifunctional home care with nursing',
  },
  'round-the-clock-visits': {
    ja: '定期巡回・随時対応型訪問介護看護',
    en: 'round-the-clock home care and nursing',
  },
  'night-home-help': { ja: '夜間対応型訪問介護', en: 'night home help' },
  'dementia-day-care': { ja: '認知症対応型通所介護', en: 'dementia day care' },
} as const satisfies CodeLabels<string>;
export type CareService = keyof typeof careServiceLabels;

/** How much help an activity of daily living needs. */
export const adlLevelLabels = {
  independent: { ja: '自立', en: 'independent' },
  supervision: { ja: '見守り', en: 'needs supervision' },
  'partial-help': { ja: '一部介助', en: 'needs some help' },
  'full-help': { ja: '全介助', en: 'fully dependent' },
} as const satisfies CodeLabels<string>;
export type AdlLevel = keyof typeof adlLevelLabels;

// 障害高齢者の日常生活自立度 and 認知症高齢者の日常生活自立度 are national scales: the record and the transfer
// request use the very same codes, so a request can be filled from the record.
export { dementiaLevelLabels, independenceLevelLabels };
export type IndependenceLevel = keyof typeof independenceLevelLabels;
export type DementiaLevel = keyof typeof dementiaLevelLabels;

/** A diagnosis's clinical status; the codes are FHIR's condition-clinical codes. */
export const diagnosisStatusLabels = {
  active: { ja: '治療中', en: 'active' },
  remission: { ja: '寛解', en: 'in remission' },
  resolved: { ja: '治癒', en: 'resolved' },
} as const satisfies CodeLabels<string>;
export type DiagnosisStatus = keyof typeof diagnosisStatusLabels;

export const medicationRouteLabels = {
  oral: { ja: '内服', en: 'oral' },
  topical: { ja: '外用', en: 'topical' },
  patch: { ja: '貼付', en: 'patch' },
  inhalation: { ja: '吸入', en: 'inhaled' },
  suppository: { ja: '坐剤', en: 'suppository' },
  injection: { ja: '注射', en: 'injection' },
  'tube-feeding': { ja: '経管', en: 'via feeding tube' },
} as const satisfies CodeLabels<string>;
export type MedicationRoute = keyof typeof medicationRouteLabels;

/** The codes are FHIR's medication-statement-status codes. */
export const medicationStatusLabels = {
  active: { ja: '服用中', en: 'taking' },
  'on-hold': { ja: '休薬中', en: 'on hold' },
  stopped: { ja: '中止', en: 'stopped' },
} as const satisfies CodeLabels<string>;
export type MedicationStatus = keyof typeof medicationStatusLabels;

/** Drug code systems in use in Japan. */
export const drugCodeSystemLabels = {
  yj: { ja: 'YJコード', en: 'YJ code' },
  hot9: { ja: 'HOT9コード', en: 'HOT9 code' },
} as const satisfies CodeLabels<string>;
export type DrugCodeSystem = keyof typeof drugCodeSystemLabels;

export const professionLabels = {
  doctor: { ja: '医師', en: 'doctor' },
  dentist: { ja: '歯科医師', en: 'dentist' },
  pharmacist: { ja: '薬剤師', en: 'pharmacist' },
  nurse: { ja: '看護師', en: 'nurse' },
  'physical-therapist': { ja: '理学療法士', en: 'physical therapist' },
  'occupational-therapist': { ja: '作業療法士', en: 'occupational therapist' },
  'speech-therapist': { ja: '言語聴覚士', en: 'speech therapist' },
  'dental-hygienist': { ja: '歯科衛生士', en: 'dental hygienist' },
  dietitian: { ja: '管理栄養士', en: 'dietitian' },
  'care-manager': { ja: 'ケアマネジャー', en: 'care manager' },
  'care-worker': { ja: '介護職員', en: 'care worker' },
  msw: { ja: '医療ソーシャルワーカー', en: 'medical social worker' },
} as const satisfies CodeLabels<string>;
export type Profession = keyof typeof professionLabels;

export const explanationAudienceLabels = {
  patient: { ja: '本人', en: 'patient' },
  family: { ja: '家族', en: 'family' },
} as const satisfies CodeLabels<string>;
export type ExplanationAudience = keyof typeof explanationAudienceLabels;

/** Where the patient would like to be cared for, or to die. */
export const placeOfCareLabels = {
  home: { ja: '自宅', en: 'home' },
  hospital: { ja: '病院', en: 'hospital' },
  'palliative-care-unit': { ja: '緩和ケア病棟', en: 'palliative care unit' },
  'care-facility': { ja: '介護施設', en: 'care facility' },
  undecided: { ja: '未定', en: 'undecided' },
} as const satisfies CodeLabels<string>;
export type PlaceOfCare = keyof typeof placeOfCareLabels;

export const impairmentLabels = {
  none: { ja: '問題なし', en: 'no problem' },
  mild: { ja: '軽度の障害', en: 'mildly impaired' },
  severe: { ja: '重度の障害', en: 'severely impaired' },
} as const satisfies CodeLabels<string>;
export type Impairment = keyof typeof impairmentLabels;

/** Infections: one list with transfer requests and hospitals' profiles. */
export { infectionLabels, type Infection };

export const dentureLabels = {
  none: { ja: 'なし', en: 'none' },
  upper: { ja: '上のみ', en: 'upper only' },
  lower: { ja: '下のみ', en: 'lower only' },
  both: { ja: '上下', en: 'upper and lower' },
} as const satisfies CodeLabels<string>;
export type Denture = keyof typeof dentureLabels;

export const swallowingLabels = {
  normal: { ja: '問題なし', en: 'normal' },
  'needs-care': { ja: '要注意（むせあり）', en: 'needs care (coughs when swallowing)' },
  impaired: { ja: '嚥下障害', en: 'impaired' },
} as const satisfies CodeLabels<string>;
export type Swallowing = keyof typeof swallowingLabels;

export const oralHygieneLabels = {
  good: { ja: '良好', en: 'good' },
  fair: { ja: 'やや不良', en: 'fair' },
  poor: { ja: '不良', en: 'poor' },
} as const satisfies CodeLabels<string>;
export type OralHygiene = keyof typeof oralHygieneLabels;

export const continenceLabels = {
  continent: { ja: '自立', en: 'continent' },
  'sometimes-incontinent': { ja: '時々失禁', en: 'sometimes incontinent' },
  incontinent: { ja: '失禁', en: 'incontinent' },
  catheter: { ja: 'カテーテル', en: 'catheter' },
  stoma: { ja: 'ストーマ', en: 'stoma' },
} as const satisfies CodeLabels<string>;
export type Continence = keyof typeof continenceLabels;

/** The codes are FHIR's allergy-intolerance categories. */
export const allergyCategoryLabels = {
  medication: { ja: '薬剤', en: 'medication' },
  food: { ja: '食物', en: 'food' },
  environment: { ja: '環境', en: 'environment' },
  biologic: { ja: '生物由来製品', en: 'biologic' },
} as const satisfies CodeLabels<string>;
export type AllergyCategory = keyof typeof allergyCategoryLabels;

export const allergyKindLabels = {
  allergy: { ja: 'アレルギー', en: 'allergy' },
  intolerance: { ja: '不耐性・副作用歴', en: 'intolerance' },
  contraindication: { ja: '禁忌', en: 'contraindication' },
} as const satisfies CodeLabels<string>;
export type AllergyKind = keyof typeof allergyKindLabels;

/** The codes are FHIR's allergy-intolerance criticality codes. */
export const criticalityLabels = {
  low: { ja: '低', en: 'low' },
  high: { ja: '高', en: 'high' },
  'unable-to-assess': { ja: '評価不能', en: 'unable to assess' },
} as const satisfies CodeLabels<string>;
export type Criticality = keyof typeof criticalityLabels;

/** Care given at a visit. */
export const careActivityLabels = {
  observation: { ja: '観察・バイタル測定', en: 'observation and vital signs' },
  'medication-management': { ja: '服薬管理', en: 'medication management' },
  'wound-care': { ja: '創傷処置', en: 'wound care' },
  'pressure-ulcer-care': { ja: '褥瘡処置', en: 'pressure ulcer care' },
  bathing: { ja: '入浴・清拭', en: 'bathing' },
  'excretion-care': { ja: '排泄介助', en: 'help with excretion' },
  'meal-assistance': { ja: '食事介助', en: 'help with meals' },
  rehabilitation: { ja: 'リハビリテーション', en: 'rehabilitation' },
  suctioning: { ja: '喀痰吸引', en: 'suctioning' },
  'tube-feeding': { ja: '経管栄養', en: 'tube feeding' },
  'catheter-care': { ja: 'カテーテル管理', en: 'catheter care' },
  'oxygen-therapy': { ja: '在宅酸素管理', en: 'home oxygen' },
  'oral-care': { ja: '口腔ケア', en: 'oral care' },
  'family-support': { ja: '家族への指導・相談', en: 'family guidance' },
  'end-of-life-care': { ja: '看取り・終末期ケア', en: 'end-of-life care' },
} as const satisfies CodeLabels<string>;
export type CareActivity = keyof typeof careActivityLabels;

export const mealIntakeLabels = {
  all: { ja: '全量', en: 'all' },
  most: { ja: 'ほぼ全量', en: 'most' },
  half: { ja: '半量', en: 'about half' },
  little: { ja: '少量', en: 'a little' },
  none: { ja: '摂取なし', en: 'none' },
} as const satisfies CodeLabels<string>;
export type MealIntake = keyof typeof mealIntakeLabels;

export const mealFormLabels = {
  regular: { ja: '常食', en: 'regular' },
  soft: { ja: '軟食', en: 'soft' },
  minced: { ja: 'きざみ食', en: 'minced' },
  puree: { ja: 'ペースト食', en: 'purée' },
  'tube-feeding': { ja: '経管栄養', en: 'tube feeding' },
} as const satisfies CodeLabels<string>;
export type MealForm = keyof typeof mealFormLabels;

export const medicationAdherenceLabels = {
  'as-prescribed': { ja: '指示どおり服用', en: 'taken as prescribed' },
  partly: { ja: '一部飲み忘れ', en: 'some doses missed' },
  missed: { ja: '服用できていない', en: 'not taken' },
} as const satisfies CodeLabels<string>;
export type MedicationAdherence = keyof typeof medicationAdherenceLabels;

import type { CodeLabels } from '../validation/bilingual-fields.js';

/**
 * The standing list of medical procedures and devices (医療処置・医療機器) a patient lives with: one list
 * for the shared record (what the patient has at home) and for transfer requests and hospitals' profiles
 * (what the patient needs, what a ward accepts), so that what the home team records is what the MSW asks
 * for and what the bed search matches. Codes are stable; hospitals' profiles and requests store them.
 */
export const procedureLabels = {
  ventilator: { ja: '人工呼吸器', en: 'mechanical ventilation' },
  tracheostomy: { ja: '気管切開', en: 'tracheostomy' },
  suctioning: { ja: '喀痰吸引', en: 'airway suctioning' },
  'oxygen-therapy': { ja: '酸素療法（在宅酸素）', en: 'oxygen therapy (home oxygen)' },
  'tube-feeding': { ja: '経管栄養・胃ろう', en: 'tube feeding or gastrostomy' },
  'central-venous-nutrition': { ja: '中心静脈栄養（IVH）', en: 'central venous nutrition (IVH)' },
  'continuous-infusion': { ja: '持続点滴', en: 'continuous infusion' },
  dialysis: { ja: '透析', en: 'haemodialysis' },
  'peritoneal-dialysis': { ja: '腹膜透析', en: 'peritoneal dialysis' },
  'urinary-catheter': { ja: '尿道カテーテル（膀胱留置）', en: 'indwelling urinary catheter' },
  stoma: { ja: 'ストーマ', en: 'stoma care' },
  drain: { ja: 'ドレーン', en: 'drain' },
  'pressure-ulcer-care': { ja: '褥瘡処置', en: 'pressure ulcer care' },
  insulin: { ja: 'インスリン注射', en: 'insulin injections' },
  'blood-glucose-monitoring': { ja: '血糖測定', en: 'blood glucose monitoring' },
  'opioid-pain-control': { ja: '医療用麻薬による疼痛管理', en: 'opioid pain control' },
} as const satisfies CodeLabels<string>;
export type Procedure = keyof typeof procedureLabels;

import type { CodeLabels } from '../validation/bilingual-fields.js';

/**
 * The standing list of infections (感染症) that matter when a patient moves between home and hospital: one
 * list for the shared record (what the patient carries), transfer requests (what the receiving ward must
 * know) and hospitals' profiles (what a ward takes, and whether into isolation), so that what the home team
 * records is what the MSW asks about and what the bed search matches. Codes are stable; records, requests
 * and profiles store them.
 */
export const infectionLabels = {
  mrsa: { ja: 'MRSA', en: 'MRSA' },
  esbl: { ja: 'ESBL産生菌', en: 'ESBL-producing bacteria' },
  vre: { ja: 'VRE', en: 'VRE' },
  mdrp: { ja: '多剤耐性緑膿菌（MDRP）', en: 'multidrug-resistant Pseudomonas (MDRP)' },
  cre: { ja: 'CRE', en: 'CRE' },
  'c-difficile': { ja: 'CDI（クロストリディオイデス・ディフィシル）', en: 'C. difficile infection' },
  hbv: { ja: 'B型肝炎', en: 'hepatitis B' },
  hcv: { ja: 'C型肝炎', en: 'hepatitis C' },
  hiv: { ja: 'HIV', en: 'HIV' },
  syphilis: { ja: '梅毒', en: 'syphilis' },
  tuberculosis: { ja: '結核', en: 'tuberculosis' },
  scabies: { ja: '疥癬', en: 'scabies' },
  influenza: { ja: 'インフルエンザ', en: 'influenza' },
  'covid-19': { ja: '新型コロナウイルス感染症', en: 'COVID-19' },
  norovirus: { ja: 'ノロウイルス', en: 'norovirus' },
} as const satisfies CodeLabels<string>;
export type Infection = keyof typeof infectionLabels;

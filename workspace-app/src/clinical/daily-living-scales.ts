import type { CodeLabels } from '../validation/bilingual-fields.js';

// The scales the record and transfer requests both use to say how a patient lives day to day, and the age
// bands a request shows instead of a birth date: one set, so the record's values are the request's.

/** 認知症高齢者の日常生活自立度, mildest first: the order is used to compare levels. */
export const dementiaLevelLabels = {
  independent: { ja: '自立', en: 'no dementia' },
  I: { ja: 'Ⅰ', en: 'I' },
  IIa: { ja: 'Ⅱa', en: 'IIa' },
  IIb: { ja: 'Ⅱb', en: 'IIb' },
  IIIa: { ja: 'Ⅲa', en: 'IIIa' },
  IIIb: { ja: 'Ⅲb', en: 'IIIb' },
  IV: { ja: 'Ⅳ', en: 'IV' },
  M: { ja: 'M', en: 'M' },
} as const satisfies CodeLabels<string>;
export type DementiaLevel = keyof typeof dementiaLevelLabels;

const dementiaLevelOrder = Object.keys(dementiaLevelLabels) as DementiaLevel[];

/** Position on the 認知症高齢者の日常生活自立度 scale: 0 for 自立, 7 for M. */
export function dementiaSeverityOf(level: DementiaLevel): number {
  return dementiaLevelOrder.indexOf(level);
}

/** 障害高齢者の日常生活自立度 (寝たきり度), most independent first. */
export const independenceLevelLabels = {
  independent: { ja: '自立', en: 'independent' },
  J1: { ja: 'J1', en: 'J1 (goes out alone using transport)' },
  J2: { ja: 'J2', en: 'J2 (goes out alone in the neighbourhood)' },
  A1: { ja: 'A1', en: 'A1 (housebound, goes out with help)' },
  A2: { ja: 'A2', en: 'A2 (housebound, rarely goes out)' },
  B1: { ja: 'B1', en: 'B1 (chair-bound, moves to a wheelchair alone)' },
  B2: { ja: 'B2', en: 'B2 (chair-bound, needs help to transfer)' },
  C1: { ja: 'C1', en: 'C1 (bed-bound, turns over alone)' },
  C2: { ja: 'C2', en: 'C2 (bed-bound, cannot turn over alone)' },
} as const satisfies CodeLabels<string>;
export type IndependenceLevel = keyof typeof independenceLevelLabels;

export const ageBandLabels = {
  'under-40': { ja: '40歳未満', en: 'under 40' },
  '40-64': { ja: '40〜64歳', en: '40–64' },
  '65-74': { ja: '65〜74歳', en: '65–74' },
  '75-84': { ja: '75〜84歳', en: '75–84' },
  '85-94': { ja: '85〜94歳', en: '85–94' },
  '95-plus': { ja: '95歳以上', en: '95 and over' },
} as const satisfies CodeLabels<string>;
export type AgeBand = keyof typeof ageBandLabels;

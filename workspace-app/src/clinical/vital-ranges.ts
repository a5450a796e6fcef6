import type { QuantityRange } from '../validation/bilingual-fields.js';

/**
 * The one definition of the vital-sign values the portal accepts, from a practitioner's form and from a
 * vendor's device alike. These are the limits of what a living patient at home can show, not normal
 * ranges: a feverish 41.2 °C or a hypothermic 31 °C in a cold flat in winter must pass, 372 °C (a lost
 * decimal point) must not reach a clinician's screen as if it were true.
 */
export const vitalRanges = {
  bodyTemperature: {
    name: { ja: '体温', en: 'body temperature' },
    unit: { ja: '℃', en: '°C' },
    min: 30,
    max: 45,
  },
  systolic: {
    name: { ja: '収縮期血圧', en: 'systolic blood pressure' },
    unit: { ja: 'mmHg', en: 'mmHg' },
    min: 40,
    max: 300,
  },
  diastolic: {
    name: { ja: '拡張期血圧', en: 'diastolic blood pressure' },
    unit: { ja: 'mmHg', en: 'mmHg' },
    min: 20,
    max: 200,
  },
  pulse: {
    name: { ja: '脈拍', en: 'pulse' },
    unit: { ja: '回/分', en: 'beats per minute' },
    min: 20,
    max: 300,
  },
  respiratoryRate: {
    name: { ja: '呼吸数', en: 'respiratory rate' },
    unit: { ja: '回/分', en: 'breaths per minute' },
    min: 4,
    max: 60,
  },
  oxygenSaturation: { name: { ja: 'SpO2', en: 'SpO2' }, unit: { ja: '%', en: '%' }, min: 50, max: 100 },
  bodyWeight: { name: { ja: '体重', en: 'body weight' }, unit: { ja: 'kg', en: 'kg' }, min: 10, max: 250 },
} as const satisfies Record<string, QuantityRange>;
export type VitalSign = keyof typeof vitalRanges;

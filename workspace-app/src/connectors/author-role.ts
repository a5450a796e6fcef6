import type { AuthorRole } from './canonical-event.js';

// Checked in order: the more specific wording first (歯科医師 before 医師, 介護支援専門員 before 介護).
const patterns: ReadonlyArray<readonly [RegExp, AuthorRole]> = [
  [/歯科医|dentist/i, 'dentist'],
  [/歯科衛生|hygienist/i, 'dental-hygienist'],
  [/医師|医$|ドクター|^dr\.?$|doctor|physician/i, 'doctor'],
  [/薬剤師|pharmacist/i, 'pharmacist'],
  [/ケアマネ|介護支援専門員|care ?manager/i, 'care-manager'],
  [/看護|保健師|助産師|ナース|nurse/i, 'nurse'],
  [/療法士|リハビリ|^(pt|ot|st)$|therapist/i, 'therapist'],
  [/栄養士|dietitian/i, 'dietitian'],
  [/ソーシャルワーカー|^msw$|社会福祉士|相談員|social ?worker/i, 'social-worker'],
  [/介護|ヘルパー|carer|care ?worker/i, 'care-worker'],
  [/事務|クラーク|clerk/i, 'clerk'],
  [/家族|本人|family|patient/i, 'family'],
];

/** The timeline's profession for a vendor's own label (訪問看護師, ケアマネ, Dr, …); `other` if unknown. */
export function authorRoleFromLabel(label: string | undefined): AuthorRole {
  if (label === undefined) return 'other';
  // NFKC folds full-width letters (ＰＴ) and half-width kana (ｹｱﾏﾈ) typed into vendor systems.
  const folded = label.normalize('NFKC').trim();
  for (const [pattern, role] of patterns) if (pattern.test(folded)) return role;
  return 'other';
}

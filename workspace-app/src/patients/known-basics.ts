import { type Bilingual } from '@hcw/common';
import type { Address, PatientBasics, PersonName } from './standard-items.js';

// Registration needs only name and sex; these read the rest as far as it is known, and name what is not.

/** カナ氏名 as far as known; empty when not learnt yet (lists then sort by the kanji name). */
export function kanaOf(name: PersonName): string {
  return [name.kana?.family, name.kana?.given].filter(Boolean).join(' ');
}

export function addressText(address: Address | undefined): string {
  if (!address) return '';
  return `${address.prefecture ?? ''}${address.municipality ?? ''}${address.line ?? ''}`;
}

const parts: readonly { isKnown: (basics: PatientBasics) => boolean; label: Bilingual }[] = [
  { isKnown: (b) => kanaOf(b.name) !== '', label: { ja: 'カナ氏名', en: 'name in kana' } },
  { isKnown: (b) => b.birthDate !== undefined, label: { ja: '生年月日', en: 'date of birth' } },
  {
    isKnown: (b) => Boolean(b.address?.municipality && b.address.line),
    label: { ja: '住所', en: 'address' },
  },
  {
    isKnown: (b) => Boolean(b.contact?.phone || b.contact?.mobile),
    label: { ja: '連絡先', en: 'phone' },
  },
  { isKnown: (b) => b.family.some((m) => m.isKeyPerson), label: { ja: 'キーパーソン', en: 'key person' } },
  {
    isKnown: (b) => Boolean(b.housing?.type && b.housing.livingArrangement),
    label: { ja: '住環境', en: 'housing' },
  },
  {
    isKnown: (b) => b.careInsurance?.certification !== undefined,
    label: { ja: '要介護度', en: 'care need level' },
  },
  {
    isKnown: (b) =>
      Boolean(
        b.adl &&
        (['eating', 'transfer', 'toileting', 'bathing', 'dressing', 'grooming', 'mobility'] as const).every(
          (item) => b.adl?.[item] !== undefined,
        ),
      ),
    label: { ja: 'ADL', en: 'ADL' },
  },
  {
    isKnown: (b) => b.adl?.independenceLevel !== undefined,
    label: { ja: '障害高齢者の日常生活自立度', en: 'independence level' },
  },
  {
    isKnown: (b) => b.cognition?.dementiaLevel !== undefined,
    label: { ja: '認知症高齢者の日常生活自立度', en: 'dementia level' },
  },
];

/** The parts of the basics still unknown, in the order the form asks for them; empty when complete. */
export function missingBasics(basics: PatientBasics): Bilingual[] {
  return parts.filter((part) => !part.isKnown(basics)).map((part) => part.label);
}

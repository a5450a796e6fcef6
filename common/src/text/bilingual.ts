/**
 * Text for people, Japanese first (practitioners are in Tokyo) with English beside it: the one way the
 * broker and the portal carry it, write it into one string and read it back, and fill a catalogue's entries.
 */

/** A text shown to people in Japanese, with the English beside it. */
export interface Bilingual {
  ja: string;
  en: string;
}

export type Language = keyof Bilingual;

const SEPARATOR = ' / ';

/**
 * One string for places that hold only one (a zod issue, a Redis value): Japanese, then English. Read it
 * back with `splitBilingual`.
 */
export function bilingualMessage(text: Bilingual): string {
  return `${text.ja}${SEPARATOR}${text.en}`;
}

/** A string written by `bilingualMessage` as its two texts; one without both serves for both. */
export function splitBilingual(message: string): Bilingual {
  const cut = message.indexOf(SEPARATOR);
  if (cut < 0) return { ja: message, en: message };
  return { ja: message.slice(0, cut), en: message.slice(cut + SEPARATOR.length) };
}

/** A catalogue entry in the reader's language, with each `{name}` filled from `values` (unknown: empty). */
export function fillText(
  text: Bilingual,
  lang: Language,
  values: Readonly<Record<string, string | number>> = {},
): string {
  return text[lang].replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? ''));
}

/** A catalogue's reader: `(lang, key, values)` to the entry's text, filled. */
export function catalogueReader<Key extends string>(
  catalogue: Readonly<Record<Key, Bilingual>>,
): (lang: Language, key: Key, values?: Readonly<Record<string, string | number>>) => string {
  return (lang, key, values) => fillText(catalogue[key], lang, values);
}

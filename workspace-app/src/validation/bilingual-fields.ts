import { type Bilingual, bilingualMessage, tokyoToday } from '@hcw/common';
import { z } from 'zod';

// The schema builders behind every form and JSON body the portal accepts (patient records, transfer
// requests, hospitals' capacity): one set, so a refusal reads the same wherever a person meets it.

/** Labels of a code list, keyed by code; the order of the keys is the order shown. */
export type CodeLabels<Code extends string> = Readonly<Record<Code, Bilingual>>;

export function codesOf<Code extends string>(labels: CodeLabels<Code>): [Code, ...Code[]] {
  return Object.keys(labels) as [Code, ...Code[]];
}

const typeNames: Record<string, Bilingual> = {
  string: { ja: '文字列', en: 'text' },
  number: { ja: '数値', en: 'a number' },
  integer: { ja: '整数', en: 'a whole number' },
  boolean: { ja: 'はい／いいえ', en: 'true or false' },
  object: { ja: '項目のまとまり', en: 'an object' },
  array: { ja: '一覧', en: 'a list' },
  null: { ja: '空の値', en: 'null' },
  date: { ja: '日付', en: 'a date' },
};

const entries = (n: number): string => `${n} ${n === 1 ? 'entry' : 'entries'}`;

function nameOf(type: string): Bilingual {
  return typeNames[type] ?? { ja: type, en: type };
}

/**
 * Every built-in zod issue in both languages. Attached to each schema made here rather than set
 * globally, so the rest of the monorepo keeps zod's own messages.
 */
export const bilingualErrorMap: z.ZodErrorMap = (issue, ctx) => {
  const say = (text: Bilingual) => ({ message: bilingualMessage(text) });
  switch (issue.code) {
    case z.ZodIssueCode.invalid_type:
      if (issue.received === 'undefined') return say({ ja: '入力が必要です', en: 'this is required' });
      return say({
        ja: `${nameOf(issue.expected).ja}で入力してください`,
        en: `expected ${nameOf(issue.expected).en}, got ${nameOf(issue.received).en}`,
      });
    case z.ZodIssueCode.invalid_enum_value: {
      const allowed = issue.options.map(String);
      const shown = allowed.length <= 12 ? allowed.join(', ') : `${allowed.slice(0, 12).join(', ')}, …`;
      return say({
        ja: `「${String(issue.received)}」は使えないコードです（使えるコード: ${shown}）`,
        en: `unknown code "${String(issue.received)}" (allowed: ${shown})`,
      });
    }
    case z.ZodIssueCode.too_small: {
      const minimum = Number(issue.minimum);
      if (issue.type === 'string') {
        return minimum <= 1
          ? say({ ja: '空欄にはできません', en: 'must not be empty' })
          : say({ ja: `${minimum}文字以上で入力してください`, en: `must be at least ${minimum} characters` });
      }
      if (issue.type === 'array') {
        return say({ ja: `${minimum}件以上が必要です`, en: `needs at least ${entries(minimum)}` });
      }
      if (minimum === 0) return say({ ja: '負の数は入力できません', en: 'must not be negative' });
      return say({ ja: `${minimum}以上にしてください`, en: `must be at least ${minimum}` });
    }
    case z.ZodIssueCode.too_big: {
      const maximum = Number(issue.maximum);
      if (issue.type === 'string') {
        return say({
          ja: `${maximum}文字以内で入力してください`,
          en: `must be at most ${maximum} characters`,
        });
      }
      if (issue.type === 'array') {
        return say({ ja: `${maximum}件までです`, en: `at most ${entries(maximum)}` });
      }
      return say({ ja: `${maximum}以下にしてください`, en: `must be at most ${maximum}` });
    }
    case z.ZodIssueCode.invalid_string:
      if (issue.validation === 'date') {
        return say({
          ja: '日付が正しくありません（YYYY-MM-DD形式の実在する日付）',
          en: 'not a real date written YYYY-MM-DD',
        });
      }
      if (issue.validation === 'datetime') {
        return say({
          ja: '日時は時差付きのISO 8601形式で入力してください（例: 2025-04-01T09:00:00+09:00）',
          en: 'a date-time must be ISO 8601 with an offset, e.g. 2025-04-01T09:00:00+09:00',
        });
      }
      if (issue.validation === 'uuid') return say({ ja: 'IDの形式が正しくありません', en: 'not a valid id' });
      return say({ ja: '形式が正しくありません', en: 'invalid format' });
    case z.ZodIssueCode.unrecognized_keys:
      return say({
        ja: `不明な項目があります: ${issue.keys.join(', ')}`,
        en: `unknown field(s): ${issue.keys.join(', ')}`,
      });
    case z.ZodIssueCode.not_multiple_of:
      return say({
        ja: `${String(issue.multipleOf)}刻みで入力してください`,
        en: `must be a multiple of ${String(issue.multipleOf)}`,
      });
    default:
      return say({ ja: '入力が正しくありません', en: ctx.defaultError });
  }
};

const withMessages = { errorMap: bilingualErrorMap };

function isRealDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** A measured quantity: its name and unit in both languages, and the range a living patient can show. */
export interface QuantityRange {
  name: Bilingual;
  unit: Bilingual;
  min: number;
  max: number;
}

/**
 * Builders for schemas whose every message, built in or custom, is in Japanese and English.
 * Objects are strict: a misspelt field is refused, not silently dropped.
 */
export const field = {
  text(max: number) {
    return z.string(withMessages).trim().min(1).max(max);
  },

  /** A code written to a known pattern (ICD-10, drug codes, insurance numbers). */
  pattern(pattern: RegExp, wrong: Bilingual) {
    return z
      .string(withMessages)
      .trim()
      .regex(pattern, { message: bilingualMessage(wrong) });
  },

  boolean() {
    return z.boolean(withMessages);
  },

  uuid() {
    return z.string(withMessages).uuid();
  },

  integer(range: { min?: number; max?: number } = {}) {
    let schema = z.number(withMessages).int();
    if (range.min !== undefined) schema = schema.min(range.min);
    if (range.max !== undefined) schema = schema.max(range.max);
    return schema;
  },

  /** Ids that can be primary keys and URL segments alike. */
  id() {
    return z.string(withMessages).regex(/^[a-z0-9][a-z0-9-]{0,63}$/, {
      message: bilingualMessage({
        ja: 'IDは半角英小文字・数字・ハイフンで64文字以内にしてください',
        en: 'an id is up to 64 lowercase letters, digits and hyphens',
      }),
    });
  },

  /** A measurement that must lie in a plausible range; the message names the quantity and its unit. */
  measurement(range: QuantityRange, options: { isInteger?: boolean } = {}) {
    const message = bilingualMessage({
      ja: `${range.name.ja}は${range.min}〜${range.max}${range.unit.ja}の範囲で入力してください`,
      en: `${range.name.en} must be between ${range.min} and ${range.max} ${range.unit.en}`,
    });
    const base = z.number(withMessages).finite();
    return (options.isInteger ? base.int() : base).min(range.min, { message }).max(range.max, { message });
  },

  code<Code extends string>(labels: CodeLabels<Code>) {
    return z.enum(codesOf(labels), withMessages);
  },

  /** One of a fixed list too long to print in full when a value is not on it. */
  oneOf<Value extends string>(values: readonly [Value, ...Value[]], unknown: (value: string) => Bilingual) {
    return z.enum(values as [Value, ...Value[]], {
      errorMap: (issue, ctx) =>
        issue.code === z.ZodIssueCode.invalid_enum_value
          ? { message: bilingualMessage(unknown(String(issue.received))) }
          : bilingualErrorMap(issue, ctx),
    });
  },

  /** A list of codes where each may appear once. */
  codeSet<Code extends string>(labels: CodeLabels<Code>) {
    return z.array(z.enum(codesOf(labels), withMessages), withMessages).superRefine((codes, ctx) => {
      const seen = new Set<Code>();
      codes.forEach((code, index) => {
        if (seen.has(code)) {
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: [index],
            message: bilingualMessage({
              ja: `「${labels[code].ja}」が重複しています`,
              en: `"${labels[code].en}" is listed twice`,
            }),
          });
        }
        seen.add(code);
      });
    });
  },

  /** A real calendar date, YYYY-MM-DD. */
  date() {
    return z.string(withMessages).date();
  },

  /** A real date that is not after today (Tokyo), nor implausibly long ago. */
  pastDate(what: Bilingual, earliest = '1900-01-01') {
    return z
      .string(withMessages)
      .date()
      .refine((value) => value <= tokyoToday(), {
        message: bilingualMessage({
          ja: `${what.ja}に未来の日付は使えません`,
          en: `${what.en} cannot be in the future`,
        }),
      })
      .refine((value) => value >= earliest, {
        message: bilingualMessage({
          ja: `${what.ja}は${earliest}以降の日付にしてください`,
          en: `${what.en} must be on or after ${earliest}`,
        }),
      });
  },

  /**
   * A date known to the year, the month or the day (2019, 2019-04, 2019-04-12), as onset dates
   * often are; FHIR dateTime accepts the same three precisions.
   */
  partialDate() {
    return z
      .string(withMessages)
      .trim()
      .refine(
        (value) => {
          const match = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(value);
          if (!match) return false;
          const year = Number(match[1]);
          const month = match[2] === undefined ? 1 : Number(match[2]);
          const day = match[3] === undefined ? 1 : Number(match[3]);
          return year >= 1900 && month >= 1 && month <= 12 && isRealDate(year, month, day);
        },
        {
          message: bilingualMessage({
            ja: '日付はYYYY、YYYY-MM、YYYY-MM-DDのいずれかで、実在する日付にしてください',
            en: 'write a real date as YYYY, YYYY-MM or YYYY-MM-DD',
          }),
        },
      )
      .refine((value) => value <= tokyoToday(), {
        message: bilingualMessage({ ja: '未来の日付は使えません', en: 'cannot be in the future' }),
      });
  },

  /** An instant with its offset, e.g. 2025-04-01T09:00:00+09:00. */
  dateTime() {
    return z.string(withMessages).datetime({ offset: true });
  },

  /** A Japanese landline or mobile number written with hyphens, e.g. 03-1234-5678. */
  phone() {
    return z
      .string(withMessages)
      .trim()
      .regex(/^0\d{1,4}-\d{1,4}-\d{3,4}$/, {
        message: bilingualMessage({
          ja: '電話番号はハイフン区切りで入力してください（例: 03-1234-5678）',
          en: 'write the phone number with hyphens, e.g. 03-1234-5678',
        }),
      })
      .refine((phone) => [10, 11].includes(phone.replaceAll('-', '').length), {
        message: bilingualMessage({
          ja: '電話番号は10桁か11桁です',
          en: 'a phone number has 10 or 11 digits',
        }),
      });
  },

  postalCode() {
    return z
      .string(withMessages)
      .trim()
      .regex(/^\d{3}-\d{4}$/, {
        message: bilingualMessage({
          ja: '郵便番号は123-4567の形式で入力してください',
          en: 'write the postal code as 123-4567',
        }),
      });
  },

  /** A reading in full-width katakana, as on insurance cards (spaces and ・ allowed between words). */
  katakana(max: number) {
    return z
      .string(withMessages)
      .trim()
      .min(1)
      .max(max)
      .regex(/^[\u30a1-\u30fa\u30fc\u30fb\u3000 ]+$/, {
        message: bilingualMessage({
          ja: 'カナは全角カタカナで入力してください',
          en: 'kana must be full-width katakana',
        }),
      });
  },

  object<Shape extends z.ZodRawShape>(shape: Shape) {
    return z.object(shape, withMessages).strict();
  },

  array<Item extends z.ZodTypeAny>(item: Item, range: { min?: number; max?: number } = {}) {
    let schema = z.array(item, withMessages);
    if (range.min !== undefined) schema = schema.min(range.min);
    if (range.max !== undefined) schema = schema.max(range.max);
    return schema;
  },
};

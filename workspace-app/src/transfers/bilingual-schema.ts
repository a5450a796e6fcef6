import { z } from 'zod';

/** A text shown to users in Japanese, with the English kept beside it for staff who need it. */
export interface Bilingual {
  ja: string;
  en: string;
}

/** One string for places that hold only one (zod issue messages): Japanese first, then English. */
export function bilingualMessage(text: Bilingual): string {
  return `${text.ja} / ${text.en}`;
}

function describeType(type: string): Bilingual {
  const names: Record<string, Bilingual> = {
    number: { ja: '数値', en: 'a number' },
    string: { ja: '文字列', en: 'a string' },
    boolean: { ja: '真偽値', en: 'true or false' },
    object: { ja: 'オブジェクト', en: 'an object' },
    array: { ja: '配列', en: 'a list' },
    null: { ja: 'null', en: 'null' },
  };
  return names[type] ?? { ja: type, en: type };
}

/**
 * Turns zod's built-in issues into messages in both languages. Attached to every schema built
 * below (not set globally) so other parts of the monorepo keep zod's defaults.
 */
export const bilingualErrorMap: z.ZodErrorMap = (issue, ctx) => {
  switch (issue.code) {
    case z.ZodIssueCode.invalid_type: {
      if (issue.received === 'undefined') {
        return { message: bilingualMessage({ ja: '必須の項目です', en: 'this field is required' }) };
      }
      if (issue.expected === 'integer') {
        return { message: bilingualMessage({ ja: '整数で入力してください', en: 'must be a whole number' }) };
      }
      const expected = describeType(issue.expected);
      const received = describeType(issue.received);
      return {
        message: bilingualMessage({
          ja: `${expected.ja}を入力してください（${received.ja}が渡されました）`,
          en: `expected ${expected.en}, received ${received.en}`,
        }),
      };
    }
    case z.ZodIssueCode.invalid_enum_value: {
      const received = String(issue.received);
      const allowed = issue.options.map(String).join(', ');
      return {
        message: bilingualMessage({
          ja: `不明なコード「${received}」です（使えるコード: ${allowed}）`,
          en: `unknown code "${received}" (allowed: ${allowed})`,
        }),
      };
    }
    case z.ZodIssueCode.too_small: {
      const minimum = Number(issue.minimum);
      if (issue.type === 'number') {
        if (minimum === 0) {
          return {
            message: bilingualMessage({ ja: '負の数は入力できません', en: 'must not be negative' }),
          };
        }
        return {
          message: bilingualMessage({
            ja: `${minimum}以上にしてください`,
            en: `must be at least ${minimum}`,
          }),
        };
      }
      if (issue.type === 'string') {
        return {
          message: bilingualMessage({
            ja: minimum <= 1 ? '空欄にはできません' : `${minimum}文字以上にしてください`,
            en: minimum <= 1 ? 'must not be empty' : `must be at least ${minimum} characters`,
          }),
        };
      }
      return {
        message: bilingualMessage({
          ja: `${minimum}件以上が必要です`,
          en: `at least ${minimum} item${minimum === 1 ? '' : 's'} required`,
        }),
      };
    }
    case z.ZodIssueCode.too_big: {
      const maximum = Number(issue.maximum);
      if (issue.type === 'number') {
        return {
          message: bilingualMessage({ ja: `${maximum}以下にしてください`, en: `must be at most ${maximum}` }),
        };
      }
      if (issue.type === 'string') {
        return {
          message: bilingualMessage({
            ja: `${maximum}文字以内にしてください`,
            en: `must be at most ${maximum} characters`,
          }),
        };
      }
      return {
        message: bilingualMessage({ ja: `${maximum}件以内にしてください`, en: `at most ${maximum} items` }),
      };
    }
    case z.ZodIssueCode.invalid_string:
      if (issue.validation === 'datetime') {
        return {
          message: bilingualMessage({
            ja: '日時は時差付きのISO 8601形式で入力してください（例: 2025-04-01T09:00:00+09:00）',
            en: 'date-time must be ISO 8601 with an offset (e.g. 2025-04-01T09:00:00+09:00)',
          }),
        };
      }
      if (issue.validation === 'date') {
        return {
          message: bilingualMessage({
            ja: '日付はYYYY-MM-DD形式で入力してください',
            en: 'date must be written YYYY-MM-DD',
          }),
        };
      }
      return { message: bilingualMessage({ ja: '形式が正しくありません', en: 'invalid format' }) };
    case z.ZodIssueCode.unrecognized_keys:
      return {
        message: bilingualMessage({
          ja: `不明な項目があります: ${issue.keys.join(', ')}`,
          en: `unknown field(s): ${issue.keys.join(', ')}`,
        }),
      };
    default:
      return { message: bilingualMessage({ ja: '入力が正しくありません', en: ctx.defaultError }) };
  }
};

const withMessages = { errorMap: bilingualErrorMap };

/** The labels of a code list, keyed by code; the keys' order is the list's order. */
export type CodeLabels<Code extends string> = Readonly<Record<Code, Bilingual>>;

export function codesOf<Code extends string>(labels: CodeLabels<Code>): [Code, ...Code[]] {
  return Object.keys(labels) as [Code, ...Code[]];
}

/**
 * Builders for schemas whose every message, built-in or custom, comes in Japanese and English.
 * Objects are strict: a misspelt field name is refused rather than silently dropped.
 */
export const bilingualSchema = {
  integer(range: { min?: number; max?: number } = {}) {
    let schema = z.number(withMessages).int();
    if (range.min !== undefined) schema = schema.min(range.min);
    if (range.max !== undefined) schema = schema.max(range.max);
    return schema;
  },

  text(range: { max: number }) {
    return z.string(withMessages).trim().min(1).max(range.max);
  },

  boolean() {
    return z.boolean(withMessages);
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

  date() {
    return z.string(withMessages).date();
  },

  dateTime() {
    return z.string(withMessages).datetime({ offset: true });
  },

  /** A Japanese landline or mobile number written with hyphens, e.g. 03-1234-5678. */
  phone() {
    return z
      .string(withMessages)
      .regex(/^0\d{1,4}-\d{1,4}-\d{4}$/, {
        message: bilingualMessage({
          ja: '電話番号はハイフン区切りで入力してください（例: 03-1234-5678）',
          en: 'write the phone number with hyphens, e.g. 03-1234-5678',
        }),
      })
      .refine((phone) => [10, 11].includes(phone.replaceAll('-', '').length), {
        message: bilingualMessage({
          ja: '電話番号は10桁または11桁です',
          en: 'a phone number has 10 or 11 digits',
        }),
      });
  },

  code<Code extends string>(labels: CodeLabels<Code>) {
    return z.enum(codesOf(labels), withMessages);
  },

  /** One of a fixed list of values too long to print in full when the value is unknown. */
  oneOf<Value extends string>(
    values: readonly [Value, ...Value[]],
    describeUnknown: (received: string) => Bilingual,
  ) {
    return z.enum(values as [Value, ...Value[]], {
      errorMap: (issue, ctx) =>
        issue.code === z.ZodIssueCode.invalid_enum_value
          ? { message: bilingualMessage(describeUnknown(String(issue.received))) }
          : bilingualErrorMap(issue, ctx),
    });
  },

  /** A list of codes where each code may appear once. */
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

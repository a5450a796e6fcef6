import { BadRequestError, splitBilingual } from '@hcw/common';
import type { z } from 'zod';

export interface ItemIssue {
  /** Where in the input, e.g. `vitals.pulse` or `family.0.phone`; empty for the whole item. */
  path: string;
  /** "日本語 / English", as the schemas word it. */
  message: string;
}

/** A standard item that fails its schema; the first issue is named in the message, all are kept. */
export class InvalidItemError extends BadRequestError {
  constructor(readonly issues: readonly ItemIssue[]) {
    const first = issues[0];
    const where = first?.path ? `${first.path}: ` : '';
    const { ja, en } = first ? splitBilingual(first.message) : { ja: '', en: '' };
    super(`入力内容に誤りがあります。${where}${ja}`, `The input is not valid. ${where}${en}`);
  }
}

/**
 * Parses an operation's input with its schema, or throws InvalidItemError naming every problem found; `under`
 * is put before each problem's path when the input is part of a larger form (e.g. `narrative`).
 */
export function parseItemInput<Schema extends z.ZodTypeAny>(
  schema: Schema,
  input: unknown,
  under: readonly (string | number)[] = [],
): z.output<Schema> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new InvalidItemError(
      result.error.issues.map((issue) => ({
        path: [...under, ...issue.path].join('.'),
        message: issue.message,
      })),
    );
  }
  return result.data as z.output<Schema>;
}

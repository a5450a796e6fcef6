import type { z } from 'zod';
import { TransferInputError, type InputIssue } from './transfer-errors.js';

/** Splits a "日本語 / English" message from the bilingual schemas; others serve for both. */
function issueOf(issue: z.ZodIssue): InputIssue {
  const separator = issue.message.indexOf(' / ');
  const path = issue.path.join('.');
  if (separator < 0) return { path, ja: issue.message, en: issue.message };
  return { path, ja: issue.message.slice(0, separator), en: issue.message.slice(separator + 3) };
}

/** Parses input from outside with a schema, or refuses it with every problem in both languages. */
export function parseTransferInput<Schema extends z.ZodTypeAny>(
  schema: Schema,
  input: unknown,
): z.output<Schema> {
  const result = schema.safeParse(input);
  if (!result.success) throw new TransferInputError(result.error.issues.map(issueOf));
  return result.data as z.output<Schema>;
}

import { splitBilingual } from '@hcw/common';
import type { z } from 'zod';
import { TransferInputError, type InputIssue } from './transfer-errors.js';

/** Splits a "日本語 / English" message from the bilingual schemas; others serve for both. */
function issueOf(issue: z.ZodIssue): InputIssue {
  return { path: issue.path.join('.'), ...splitBilingual(issue.message) };
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

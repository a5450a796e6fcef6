import type { z } from 'zod';
import { VendorPayloadError } from './vendor-payload-error.js';

/** Decodes strict UTF-8, parses JSON and validates; any failure refuses the whole payload. */
export function parseVendorJson<Schema extends z.ZodTypeAny>(
  vendor: string,
  bytes: Uint8Array,
  schema: Schema,
): z.output<Schema> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new VendorPayloadError(vendor, 'bad-encoding', 'body is not valid UTF-8', { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new VendorPayloadError(vendor, 'malformed', 'body is not JSON', { cause: error });
  }
  return parseVendorValue(vendor, json, schema);
}

/** Validates an already parsed vendor document. */
export function parseVendorValue<Schema extends z.ZodTypeAny>(
  vendor: string,
  value: unknown,
  schema: Schema,
): z.output<Schema> {
  const result = schema.safeParse(value);
  if (!result.success) throw new VendorPayloadError(vendor, 'malformed', describeIssues(result.error));
  return result.data;
}

/**
 * Where the payload is wrong and how, without the offending values: error details end up in logs, and a
 * vendor payload's values are patient data.
 */
export function describeIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    const what = issue.code === 'custom' ? issue.message : issue.code;
    return `${where}: ${what}`;
  });
  const more = error.issues.length > shown.length ? ` and ${error.issues.length - shown.length} more` : '';
  return shown.join('; ') + more;
}

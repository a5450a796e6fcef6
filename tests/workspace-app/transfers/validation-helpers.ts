import assert from 'node:assert/strict';
import type { z } from 'zod';

const japanese = /[\u3040-\u30ff\u4e00-\u9fff]/;

/** A message is "日本語 / English": both halves present, each in its own language. */
export function assertBilingual(message: string): void {
  const [ja, en, ...rest] = message.split(' / ');
  assert.equal(rest.length, 0, `one separator in "${message}"`);
  assert.ok(ja && japanese.test(ja), `Japanese first in "${message}"`);
  assert.ok(en && /[A-Za-z]{2}/.test(en), `English second in "${message}"`);
}

/** Parses, expects a refusal with an issue at the path, and returns that issue's message. */
export function refusalAt(schema: z.ZodTypeAny, input: unknown, path: (string | number)[]): string {
  const result = schema.safeParse(input);
  if (result.success) assert.fail(`expected a refusal at ${path.join('.')}`);
  const wanted = JSON.stringify(path);
  const issue = result.error.issues.find((candidate) => JSON.stringify(candidate.path) === wanted);
  assert.ok(
    issue,
    `an issue at ${wanted}; got ${result.error.issues.map((other) => JSON.stringify(other.path)).join(', ')}`,
  );
  assertBilingual(issue.message);
  return issue.message;
}

export function assertAccepted(schema: z.ZodTypeAny, input: unknown): void {
  const result = schema.safeParse(input);
  if (!result.success) assert.fail(result.error.issues.map((issue) => issue.message).join('\n'));
}

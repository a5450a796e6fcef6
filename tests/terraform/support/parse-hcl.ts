import { parse } from '@cdktf/hcl2json';
import { z } from 'zod';

/**
 * HCL as @cdktf/hcl2json renders it: attributes become JSON values, expressions become strings wrapped in
 * `${...}`, and every block becomes an array of bodies (labelled blocks nest one object per label).
 */
export type HclValue = string | number | boolean | null | HclValue[] | { [key: string]: HclValue };
export type HclBody = { [key: string]: HclValue };

const hclValue: z.ZodType<HclValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(hclValue), z.record(z.string(), hclValue)]),
);
const hclBody = z.record(z.string(), hclValue);

export async function parseHcl(fileName: string, text: string): Promise<HclBody> {
  const json: unknown = await parse(fileName, text);
  return hclBody.parse(json);
}

export function asBody(value: HclValue | undefined): HclBody | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}

/** The bodies of a nested block (`metadata_options { ... }` becomes `metadata_options: [{ ... }]`). */
export function blocksOf(body: HclBody | undefined, name: string): HclBody[] {
  const value = body?.[name];
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) => {
    const block = asBody(item);
    return block ? [block] : [];
  });
}

/** Labelled blocks (`variable "x" {}`, or `resource "t" "n" {}` at depth 2) as [labels, body] pairs. */
export function labelledBlocks(body: HclBody, kind: string, depth: 1 | 2): Array<[string[], HclBody]> {
  const pairs: Array<[string[], HclBody]> = [];
  const walk = (value: HclValue | undefined, labels: string[]): void => {
    const object = asBody(value);
    if (!object) return;
    for (const [label, inner] of Object.entries(object)) {
      if (labels.length + 1 < depth) {
        walk(inner, [...labels, label]);
      } else {
        for (const block of blocksOf(object, label)) pairs.push([[...labels, label], block]);
      }
    }
  };
  walk(body[kind], []);
  return pairs;
}

/** The text of a string with every `${...}` interpolation and `%{...}` directive removed. */
export function literalPart(text: string): string {
  let result = '';
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    const next = text[i + 1];
    if ((char === '$' || char === '%') && next === '{') {
      depth++;
      i++;
    } else if (depth > 0 && char === '{') {
      depth++;
    } else if (depth > 0 && char === '}') {
      depth--;
    } else if (depth === 0) {
      result += char;
    }
  }
  return result;
}

export function isExpression(value: HclValue | undefined): boolean {
  return typeof value === 'string' && literalPart(value) !== value;
}

/** A reference like `${var.name}` alone, giving `name`; undefined for anything else. */
export function variableReference(value: HclValue | undefined): string | undefined {
  if (typeof value !== 'string') return undefined;
  return /^\$\{var\.([A-Za-z_][A-Za-z0-9_-]*)\}$/.exec(value)?.[1];
}

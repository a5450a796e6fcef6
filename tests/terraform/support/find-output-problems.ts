import type { TerraformModule } from './parse-terraform-module.js';

/** Every output is described and has a value. */
export function findOutputProblems(module: TerraformModule): string[] {
  const problems: string[] = [];
  for (const [name, body] of module.outputs) {
    const description = body['description'];
    if (typeof description !== 'string' || description.trim() === '') {
      problems.push(`${module.name}: output "${name}" has no description`);
    }
    if (!('value' in body)) problems.push(`${module.name}: output "${name}" has no value`);
  }
  return problems;
}

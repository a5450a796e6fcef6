import { blocksOf } from './parse-hcl.js';
import type { TerraformModule } from './parse-terraform-module.js';

function isFilled(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '';
}

/** Every variable is typed and described, and every validation says what it checks and what went wrong. */
export function findVariableProblems(module: TerraformModule): string[] {
  const problems: string[] = [];
  for (const [name, body] of module.variables) {
    const where = `${module.name}: variable "${name}"`;
    if (!isFilled(body['type'])) problems.push(`${where} has no type`);
    if (!isFilled(body['description'])) problems.push(`${where} has no description`);
    for (const validation of blocksOf(body, 'validation')) {
      if (!isFilled(validation['condition']) || !isFilled(validation['error_message'])) {
        problems.push(`${where} has a validation that lacks a condition or an error message`);
      }
    }
  }
  return problems;
}

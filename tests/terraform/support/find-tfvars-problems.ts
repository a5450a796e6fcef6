import type { TerraformModule } from './parse-terraform-module.js';

/** Each variable file of an environment sets only declared variables and every required one. */
export function findTfvarsProblems(environment: TerraformModule): string[] {
  const problems: string[] = [];
  for (const file of environment.variableFiles) {
    const where = `${environment.name}/${file.fileName}`;
    for (const name of Object.keys(file.body)) {
      if (!environment.variables.has(name)) problems.push(`${where} sets "${name}", which is not declared`);
    }
    for (const [name, declaration] of environment.variables) {
      if (!('default' in declaration) && !(name in file.body)) {
        problems.push(`${where} does not set required "${name}"`);
      }
    }
  }
  return problems;
}

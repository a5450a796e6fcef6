import path from 'node:path';
import type { TerraformModule } from './parse-terraform-module.js';

// Arguments Terraform itself understands in a module block; everything else must be a variable.
const META_ARGUMENTS = new Set(['source', 'version', 'providers', 'depends_on', 'count', 'for_each']);

/**
 * Every module call points at a module of this tree (and, when given, matches the expected source form),
 * passes only variables that module declares, and passes every variable it requires.
 */
export function findModuleCallProblems(
  caller: TerraformModule,
  modulesByDir: ReadonlyMap<string, TerraformModule>,
  expectedSource?: RegExp,
): string[] {
  const problems: string[] = [];
  for (const [callName, body] of caller.moduleCalls) {
    const where = `${caller.name}: module "${callName}"`;
    const source = body['source'];
    if (typeof source !== 'string') {
      problems.push(`${where} has no literal source`);
      continue;
    }
    if (expectedSource && !expectedSource.test(source)) {
      problems.push(`${where} has source "${source}", expected the form ${String(expectedSource)}`);
    }
    const callee = modulesByDir.get(path.resolve(caller.dir, source));
    if (!callee) {
      problems.push(`${where} points at "${source}", which is no module of this tree`);
      continue;
    }
    const passed = Object.keys(body).filter((key) => !META_ARGUMENTS.has(key));
    for (const argument of passed) {
      if (!callee.variables.has(argument)) {
        problems.push(`${where} passes "${argument}", which ${callee.name} does not declare`);
      }
    }
    for (const [variable, declaration] of callee.variables) {
      if (!('default' in declaration) && !passed.includes(variable)) {
        problems.push(`${where} does not pass "${variable}", which ${callee.name} requires`);
      }
    }
  }
  return problems;
}

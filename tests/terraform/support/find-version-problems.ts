import { asBody, blocksOf } from './parse-hcl.js';
import type { TerraformModule } from './parse-terraform-module.js';

// `~> 6.0` admits every 6.x and nothing of 7: pinned to one major version, open to fixes.
const MAJOR_PIN = /^~>\s*\d+\.\d+$/;

// Resource types of Terraform's own built-in provider need no declaration.
const BUILT_IN_PROVIDERS = new Set(['terraform']);

/**
 * versions.tf pins Terraform and every provider to a major version, and declares every provider the
 * module's resources and data sources use.
 */
export function findVersionProblems(module: TerraformModule): string[] {
  const problems: string[] = [];
  const inVersionsFile = module.settings.filter((settings) => settings.fileName === 'versions.tf');
  if (inVersionsFile.length === 0) return [`${module.name}: versions.tf has no terraform block`];

  const requiredVersion = inVersionsFile.map((settings) => settings.body['required_version']).find(Boolean);
  if (typeof requiredVersion !== 'string' || !MAJOR_PIN.test(requiredVersion)) {
    problems.push(
      `${module.name}: required_version ${JSON.stringify(requiredVersion)} is not pinned to a major version`,
    );
  }

  const declared = new Set<string>();
  for (const settings of inVersionsFile) {
    for (const providers of blocksOf(settings.body, 'required_providers')) {
      for (const [provider, requirement] of Object.entries(providers)) {
        declared.add(provider);
        const body = asBody(requirement);
        const source = body?.['source'];
        const version = body?.['version'];
        if (typeof source !== 'string' || source === '') {
          problems.push(`${module.name}: provider "${provider}" has no source`);
        }
        if (typeof version !== 'string' || !MAJOR_PIN.test(version)) {
          problems.push(
            `${module.name}: provider "${provider}" version ${JSON.stringify(version)} is not pinned to a major version`,
          );
        }
      }
    }
  }

  for (const resource of [...module.resources, ...module.dataSources]) {
    const provider = resource.type.split('_')[0] ?? '';
    if (!declared.has(provider) && !BUILT_IN_PROVIDERS.has(provider)) {
      problems.push(
        `${module.name}: ${resource.type}.${resource.name} needs provider "${provider}", which versions.tf does not declare`,
      );
    }
  }
  return problems;
}

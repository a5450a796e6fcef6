import type { Setting } from '@hcw/common';
import { asBody, blocksOf, type HclValue } from './parse-hcl.js';
import type { TerraformModule } from './parse-terraform-module.js';

/** Read by the AWS SDK and CLI on every host, not by a service's config.ts. */
export const PLATFORM_SETTINGS = new Set(['AWS_REGION']);

/** Where one service's settings come from in the Terraform tree, and what its config.ts knows. */
export interface ServiceSettings {
  service: string;
  /** The service's module (`modules/broker`), where it calls host-group or writes its own user data. */
  module: TerraformModule;
  /** How the example environment calls that module, if it does. */
  environmentCall?: { environment: TerraformModule; call: string };
  /** The user-data template a module writes the service's settings with itself (the desktop agent's). */
  template?: string;
  known: readonly Setting[];
}

/** Upper-case names set as `NAME = value` inside an HCL map literal, wherever it sits in an expression. */
function mapKeys(value: HclValue | undefined): string[] {
  if (value === undefined || value === null) return [];
  const object = asBody(value);
  if (object) return Object.keys(object).filter((key) => /^[A-Z][A-Z0-9_]*$/.test(key));
  if (typeof value !== 'string') return [];
  return [...value.matchAll(/^\s*([A-Z][A-Z0-9_]*)\s*=/gm)].map((match) => match[1]!);
}

/** Names in an HCL list of strings, literal or a variable's default. */
function listOf(module: TerraformModule, value: HclValue | undefined): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  const variable = typeof value === 'string' ? /^\$\{var\.([a-z0-9_]+)\}$/.exec(value)?.[1] : undefined;
  const fallback = variable === undefined ? undefined : module.variables.get(variable)?.['default'];
  return Array.isArray(fallback) ? fallback.filter((item): item is string => typeof item === 'string') : [];
}

/**
 * The settings a service gets from Terraform: the map its module hands to host-group (or its own user-data
 * template writes), what the example environment adds, the secrets Terraform generates, and the settings
 * the module says an operator puts in the config secret (`locals { config_secret_settings = [...] }`).
 */
export function settingsGiven(service: ServiceSettings): { given: Map<string, string>; operator: string[] } {
  const given = new Map<string, string>();
  const add = (names: string[], from: string): void => {
    for (const name of names) if (!given.has(name)) given.set(name, from);
  };
  const { module } = service;
  const hosts = module.moduleCalls.get('hosts');
  if (hosts) {
    add(mapKeys(hosts['environment']), `${module.name} (environment)`);
    add(mapKeys(hosts['secret_environment']), `${module.name} (secret_environment)`);
    add(listOf(module, hosts['generated_secrets']), `${module.name} (generated_secrets)`);
    add([...PLATFORM_SETTINGS], 'modules/host-group');
  }
  if (service.template) add(mapKeys(service.template), `${module.name} (user data)`);
  if (service.environmentCall) {
    const { environment, call } = service.environmentCall;
    const body = environment.moduleCalls.get(call);
    add(mapKeys(body?.['environment']), `${environment.name} (module ${call}, environment)`);
    add(mapKeys(body?.['secret_environment']), `${environment.name} (module ${call}, secret_environment)`);
  }
  const operator = module.files
    .flatMap((file) => blocksOf(file.body, 'locals'))
    .flatMap((locals) => listOf(module, locals['config_secret_settings']));
  return { given, operator };
}

/**
 * Every setting Terraform gives a service is one its config.ts reads, and every setting its config.ts
 * requires is given, by Terraform or by the operator through the config secret.
 */
export function findSettingsProblems(service: ServiceSettings): string[] {
  const known = new Set(service.known.map((setting) => setting.name));
  const { given, operator } = settingsGiven(service);
  const problems: string[] = [];
  for (const [name, from] of given) {
    if (!known.has(name) && !PLATFORM_SETTINGS.has(name))
      problems.push(`${from} gives ${service.service} ${name}, which its config.ts does not read`);
  }
  for (const name of operator) {
    if (!known.has(name))
      problems.push(
        `${service.module.name} asks the operator for ${name}, which ${service.service} does not read`,
      );
  }
  for (const setting of service.known.filter((candidate) => candidate.isRequired)) {
    if (!given.has(setting.name) && !operator.includes(setting.name))
      problems.push(`${service.service} requires ${setting.name}, which nothing in Terraform gives`);
  }
  return problems;
}

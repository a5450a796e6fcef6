import { blocksOf, labelledBlocks, parseHcl, type HclBody } from './parse-hcl.js';

export interface TerraformResource {
  type: string;
  name: string;
  body: HclBody;
}

export interface ParsedFile {
  fileName: string;
  body: HclBody;
}

/** One directory of Terraform (a module or an environment), merged across its files as Terraform does. */
export interface TerraformModule {
  /** Where it sits, relative to the Terraform root, e.g. `modules/network`. */
  name: string;
  /** Absolute directory, used to resolve `source = "../x"` of module calls. */
  dir: string;
  fileNames: string[];
  readme: string | undefined;
  parseErrors: string[];
  /** Parsed `.tf` files. */
  files: ParsedFile[];
  /** Parsed variable files (`*.tfvars`, `*.tfvars.example`): top-level attributes only. */
  variableFiles: ParsedFile[];
  variables: Map<string, HclBody>;
  outputs: Map<string, HclBody>;
  moduleCalls: Map<string, HclBody>;
  resources: TerraformResource[];
  dataSources: TerraformResource[];
  /** `terraform { ... }` blocks, with the file each came from. */
  settings: Array<{ fileName: string; body: HclBody }>;
}

function isVariableFile(fileName: string): boolean {
  return /\.tfvars(\.example)?$/.test(fileName);
}

/** Parses the given files of one directory; a file that does not parse is reported, not thrown. */
export async function parseTerraformModule(
  name: string,
  dir: string,
  sources: Readonly<Record<string, string>>,
): Promise<TerraformModule> {
  const module: TerraformModule = {
    name,
    dir,
    fileNames: Object.keys(sources).sort(),
    readme: sources['README.md'],
    parseErrors: [],
    files: [],
    variableFiles: [],
    variables: new Map(),
    outputs: new Map(),
    moduleCalls: new Map(),
    resources: [],
    dataSources: [],
    settings: [],
  };

  for (const fileName of module.fileNames) {
    if (!fileName.endsWith('.tf') && !isVariableFile(fileName)) continue;
    let body: HclBody;
    try {
      body = await parseHcl(fileName, sources[fileName] ?? '');
    } catch (error) {
      module.parseErrors.push(
        `${name}/${fileName}: ${error instanceof Error ? error.message : String(error)}`,
      );
      continue;
    }
    if (isVariableFile(fileName)) {
      module.variableFiles.push({ fileName, body });
      continue;
    }
    module.files.push({ fileName, body });

    const declare = (kind: string, map: Map<string, HclBody>): void => {
      for (const [[label = ''], block] of labelledBlocks(body, kind, 1)) {
        if (map.has(label)) {
          module.parseErrors.push(`${name}/${fileName}: ${kind} "${label}" is declared twice`);
        }
        map.set(label, block);
      }
    };
    declare('variable', module.variables);
    declare('output', module.outputs);
    declare('module', module.moduleCalls);
    for (const [[type = '', resourceName = ''], block] of labelledBlocks(body, 'resource', 2)) {
      module.resources.push({ type, name: resourceName, body: block });
    }
    for (const [[type = '', resourceName = ''], block] of labelledBlocks(body, 'data', 2)) {
      module.dataSources.push({ type, name: resourceName, body: block });
    }
    for (const settings of blocksOf(body, 'terraform')) module.settings.push({ fileName, body: settings });
  }
  return module;
}

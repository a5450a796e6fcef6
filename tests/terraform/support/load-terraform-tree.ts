import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseTerraformModule, type TerraformModule } from './parse-terraform-module.js';

export interface TextFile {
  /** Relative to the Terraform root. */
  path: string;
  text: string;
}

export interface TerraformTree {
  root: string;
  modules: TerraformModule[];
  environments: TerraformModule[];
  /** Every file under the root, templates and documentation included, for scans of raw text. */
  textFiles: TextFile[];
}

async function listFilesRecursively(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === '.terraform' ? [] : listFilesRecursively(full);
      return [full];
    }),
  );
  return nested.flat();
}

async function loadDirectories(root: string, group: 'modules' | 'environments'): Promise<TerraformModule[]> {
  const groupDir = path.join(root, group);
  const entries = await readdir(groupDir, { withFileTypes: true });
  const dirs = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  const modules: TerraformModule[] = [];
  // One at a time: the parser is a single WebAssembly instance.
  for (const dirName of dirs.sort()) {
    const dir = path.join(groupDir, dirName);
    const files = (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isFile());
    const sources: Record<string, string> = {};
    for (const file of files) sources[file.name] = await readFile(path.join(dir, file.name), 'utf8');
    modules.push(await parseTerraformModule(`${group}/${dirName}`, dir, sources));
  }
  return modules;
}

/** Reads and parses `modules/*` and `environments/*` under the Terraform root. */
export async function loadTerraformTree(root: string): Promise<TerraformTree> {
  const modules = await loadDirectories(root, 'modules');
  const environments = await loadDirectories(root, 'environments');
  const allFiles = await listFilesRecursively(root);
  const textFiles = await Promise.all(
    allFiles
      .sort()
      .map(async (file) => ({ path: path.relative(root, file), text: await readFile(file, 'utf8') })),
  );
  return { root, modules, environments, textFiles };
}

import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';

/**
 * A Node.js binary tarball laid out like the official ones (node-vX-linux-x64/{bin,lib/node_modules/npm}),
 * made from the Node.js and npm running this test and cached, for the nodejs role's "archive" source: the
 * throw-away root has no route to NodeSource.
 */
export function nodeArchive(cacheDir: string): string {
  const name = `node-${process.version}-linux-${process.arch}`;
  const archive = path.join(cacheDir, `${name}.tar`);
  if (existsSync(archive)) return archive;

  const npm = path.resolve(path.dirname(process.execPath), '../lib/node_modules/npm');
  if (!existsSync(path.join(npm, 'bin/npm-cli.js'))) throw new Error(`npm is not beside node (${npm})`);
  const staging = path.join(cacheDir, `${name}.staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    const home = path.join(staging, name);
    mkdirSync(path.join(home, 'bin'), { recursive: true });
    mkdirSync(path.join(home, 'lib/node_modules'), { recursive: true });
    cpSync(process.execPath, path.join(home, 'bin/node'));
    cpSync(npm, path.join(home, 'lib/node_modules/npm'), { recursive: true, verbatimSymlinks: true });
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', path.join(home, 'bin/npm'));
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', path.join(home, 'bin/npx'));
    execFileSync('tar', ['-C', staging, '-cf', `${archive}.part`, name]);
    renameSync(`${archive}.part`, archive);
  } finally {
    rmSync(staging, { recursive: true, force: true });
    rmSync(`${archive}.part`, { force: true });
  }
  return archive;
}

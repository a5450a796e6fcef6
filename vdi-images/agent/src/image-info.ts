import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ImageInfo } from '@hcw/common';

/**
 * The record the image build left behind: `version` (one line) and `packages.txt` (one
 * `name<TAB>version` line per package, from dpkg-query). Undefined on a machine that was not built
 * as an image, such as a developer's.
 */
export function readImageInfo(dir: string): ImageInfo | undefined {
  const versionFile = path.join(dir, 'version');
  if (!existsSync(versionFile)) return undefined;
  const version = readFileSync(versionFile, 'utf8').trim();
  const packagesFile = path.join(dir, 'packages.txt');
  const packages = existsSync(packagesFile)
    ? readFileSync(packagesFile, 'utf8')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line && !line.startsWith('#'))
        .map((line) => {
          const [name = '', ...rest] = line.split(/\s+/);
          return { name, version: rest.join(' ') };
        })
    : [];
  return { version, packages };
}

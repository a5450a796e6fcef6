import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The Debian archive this machine's apt already uses (deb822 `.sources` files or one-line `sources.list`
 * entries), so that a throw-away root is built from the same mirror, whatever it is, and no host is named here.
 */
export function debianMirror(aptDir = '/etc/apt'): string {
  const addresses: string[] = [];
  const listDir = path.join(aptDir, 'sources.list.d');
  const listFiles = existsSync(listDir) ? readdirSync(listDir).map((f) => path.join(listDir, f)) : [];
  for (const file of listFiles.filter((f) => f.endsWith('.sources'))) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const uris = /^URIs:\s*(.+)$/.exec(line.trim());
      if (uris?.[1]) addresses.push(...uris[1].split(/\s+/));
    }
  }
  const oneLineFiles = [path.join(aptDir, 'sources.list'), ...listFiles.filter((f) => f.endsWith('.list'))];
  for (const file of oneLineFiles.filter((f) => existsSync(f))) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!/^deb\s/.test(line.trim())) continue;
      const address = line.split(/\s+/).find((word) => /^[a-z+]+:\/\//.test(word));
      if (address) addresses.push(address);
    }
  }
  const mirror = addresses.find((address) => /\/debian\/?$/.test(address));
  if (!mirror) throw new Error(`no Debian mirror in the apt sources under ${aptDir}`);
  return mirror.replace(/\/$/, '');
}

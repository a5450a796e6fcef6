import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * The repository as the release role receives it from CI: a tarball of the checkout's files (tracked and
 * new, without what .gitignore leaves out), named by a hash of its content.
 */
export function releaseArchive(repoRoot: string, archive: string): { archive: string; version: string } {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
    maxBuffer: 64 * 1024 * 1024,
  })
    .toString('utf8')
    .split('\0')
    .filter((file) => file.length > 0 && existsSync(`${repoRoot}/${file}`));
  const fileList = `${archive}.files`;
  writeFileSync(fileList, `${[...new Set(listed)].join('\0')}\0`);
  execFileSync('tar', [
    '-C',
    repoRoot,
    '--null',
    '-T',
    fileList,
    '--mtime=2026-01-01',
    '--owner=0',
    '--group=0',
    '-cf',
    archive,
  ]);
  const version = `test-${createHash('sha256').update(readFileSync(archive)).digest('hex').slice(0, 12)}`;
  return { archive, version };
}

import { execFileSync } from 'node:child_process';

const PACKAGES = ['ansible', 'debootstrap'];

function isInstalled(pkg: string): boolean {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' }).includes(
      'ok installed',
    );
  } catch {
    return false;
  }
}

export function hasAnsible(): boolean {
  return isInstalled('ansible');
}

/**
 * Installs Ansible and debootstrap from Debian's own packages when they are missing. The package lists are
 * refreshed first only when apt knows no candidate yet (a fresh machine).
 */
export function ensureAnsible(): void {
  const missing = PACKAGES.filter((pkg) => !isInstalled(pkg));
  if (missing.length === 0) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const policy = execFileSync('apt-cache', ['policy', ...missing], { encoding: 'utf8', env });
  if (/Candidate: \(none\)/.test(policy) || !missing.every((pkg) => policy.includes(`${pkg}:`))) {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
  }
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], {
    stdio: 'ignore',
    env,
    timeout: 10 * 60 * 1000,
  });
}

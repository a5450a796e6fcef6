import { execFileSync } from 'node:child_process';

export function isInstalled(pkg: string): boolean {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).includes('ok installed');
  } catch {
    return false;
  }
}

/**
 * Installs Debian packages a test suite needs (and the set-up does not) when they are missing. The package
 * lists are refreshed first only when apt knows no candidate yet (a fresh machine).
 */
export function ensurePackages(packages: string[]): void {
  const missing = packages.filter((pkg) => !isInstalled(pkg));
  if (missing.length === 0) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const policy = execFileSync('apt-cache', ['policy', ...missing], { encoding: 'utf8', env });
  if (/Candidate: \(none\)/.test(policy) || !missing.every((pkg) => policy.includes(`${pkg}:`))) {
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'update', '-qq'], { stdio: 'ignore', env });
  }
  execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', '-qq', ...missing], {
    stdio: 'ignore',
    env,
    timeout: 10 * 60 * 1000,
  });
}

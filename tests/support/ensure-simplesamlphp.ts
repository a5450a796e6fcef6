import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';

/**
 * What the interoperability tests run their third-party IdP with: Debian's SimpleSAMLphp 1.19 and the PHP
 * it needs (the command-line interpreter, whose built-in web server serves it, with the XML and multibyte
 * string extensions SimpleSAMLphp requires but its package does not pull in).
 */
const PACKAGES = ['simplesamlphp', 'php-cli', 'php-xml', 'php-mbstring'];
const POLICY = '/usr/sbin/policy-rc.d';

function isInstalled(pkg: string): boolean {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' }).includes(
      'ok installed',
    );
  } catch {
    return false;
  }
}

/**
 * Installs SimpleSAMLphp and PHP from Debian's own packages when they are missing; does nothing when they are
 * there. The package lists are refreshed first only when apt knows no candidate yet (a fresh machine). The
 * package depends on a web server (Apache by default); package scripts are kept from starting it, as the
 * set-up does for the other services: the tests serve SimpleSAMLphp themselves, on a loopback port.
 */
export function ensureSimpleSamlPhp(): void {
  const missing = PACKAGES.filter((pkg) => !isInstalled(pkg));
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `SimpleSAMLphp is not installed; install it as root: apt-get install ${missing.join(' ')}`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args: string[]) =>
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', ...args], {
      stdio: 'ignore',
      env,
      timeout: 15 * 60 * 1000,
    });
  const policy = execFileSync('apt-cache', ['policy', ...missing], { encoding: 'utf8', env });
  if (/Candidate: \(none\)/.test(policy) || !missing.every((pkg) => policy.includes(`${pkg}:`))) {
    apt(['update', '-qq']);
  }
  const addedPolicy = !existsSync(POLICY);
  if (addedPolicy) {
    writeFileSync(POLICY, '#!/bin/sh\nexit 101\n');
    chmodSync(POLICY, 0o755);
  }
  try {
    apt(['install', '-y', '-qq', '--no-install-recommends', ...missing]);
  } finally {
    if (addedPolicy) rmSync(POLICY, { force: true });
  }
}

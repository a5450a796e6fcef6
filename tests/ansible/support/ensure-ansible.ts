import { ensurePackages, isInstalled } from '#test-support/debian-root/ensure-packages.js';

export function hasAnsible(): boolean {
  return isInstalled('ansible');
}

/** Ansible, and debootstrap for the throw-away root it runs into, from Debian's own packages. */
export function ensureAnsible(): void {
  ensurePackages(['ansible', 'debootstrap']);
}

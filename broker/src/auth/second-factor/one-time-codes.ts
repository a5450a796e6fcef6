import { createHash, randomInt } from 'node:crypto';

/** Letters and digits a person cannot confuse when reading a code aloud or typing it (no I, O, 0, 1). */
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A random code of `groups` groups of `size` characters joined by hyphens: 5 bits per character. */
export function randomCode(groups: number, size: number): string {
  return Array.from({ length: groups }, () =>
    Array.from({ length: size }, () => ALPHABET[randomInt(ALPHABET.length)]).join(''),
  ).join('-');
}

/** How a code is stored: hashed, ignoring case, spaces and hyphens as typed. */
export function hashCode(code: string): string {
  return createHash('sha256').update(code.replace(/[\s-]/g, '').toUpperCase()).digest('hex');
}

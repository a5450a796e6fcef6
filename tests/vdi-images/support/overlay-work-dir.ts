import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onProcessEnd } from '#test-support/on-process-end.js';

/** Whether overlays can keep their changes in `dir` (tried in a private mount namespace, left as it was). */
export function canHoldOverlayLayers(dir: string): boolean {
  const probe = mkdtempSync(path.join(dir, '.overlay-probe-'));
  try {
    for (const part of ['lower', 'upper', 'work', 'merged']) mkdirSync(path.join(probe, part));
    execFileSync(
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        '--',
        'mount',
        '-t',
        'overlay',
        'overlay',
        '-o',
        `lowerdir=${probe}/lower,upperdir=${probe}/upper,workdir=${probe}/work`,
        `${probe}/merged`,
      ],
      { stdio: 'ignore' },
    );
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

export interface OverlayWorkDir {
  dir: string;
  /** True when the folder is a tmpfs of its own because its parent could not hold overlay layers. */
  isTmpfs: boolean;
  remove(): void;
}

/**
 * A fresh folder for the changes of overlays laid over this machine's folders. Where the root file system
 * is itself an overlay (as in many CI containers), a folder on it cannot be an overlay's upper layer
 * (mount says "wrong fs type"), so the folder gets a tmpfs of its own.
 */
export function overlayWorkDir(prefix: string, parent = os.tmpdir()): OverlayWorkDir {
  const dir = mkdtempSync(path.join(parent, prefix));
  if (canHoldOverlayLayers(dir)) {
    return { dir, isTmpfs: false, remove: () => rmSync(dir, { recursive: true, force: true }) };
  }
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'mode=0711,size=4g', 'tmpfs', dir]);
  let isRemoved = false;
  const remove = (): void => {
    if (isRemoved) return;
    isRemoved = true;
    forget();
    try {
      execFileSync('umount', [dir], { stdio: 'ignore' });
    } catch {
      execFileSync('umount', ['--lazy', dir], { stdio: 'ignore' });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const forget = onProcessEnd(remove);
  return { dir, isTmpfs: true, remove };
}

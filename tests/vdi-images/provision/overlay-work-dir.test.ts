import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canHoldOverlayLayers, overlayWorkDir } from '../support/overlay-work-dir.js';

/** Lays an overlay over /etc in a private mount namespace with its changes in `dir`; the mount's exit status. */
function overlayOverEtc(dir: string): number {
  mkdirSync(path.join(dir, 'etc-changes'));
  mkdirSync(path.join(dir, 'etc-work'));
  try {
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
        `lowerdir=/etc,upperdir=${dir}/etc-changes,workdir=${dir}/etc-work`,
        '/etc',
      ],
      { stdio: 'ignore' },
    );
    return 0;
  } catch (error) {
    return (error as { status?: number }).status ?? -1;
  }
}

describe('a work folder for the provisioning overlays', () => {
  let scratch: string;
  let overlayRoot: string;

  before(function () {
    if (process.getuid?.() !== 0) this.skip();
    // A root file system that is itself an overlay, as in CI containers: its layers live on a tmpfs.
    scratch = mkdtempSync(path.join(os.tmpdir(), 'hcw-overlay-root-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', scratch]);
    for (const part of ['lower', 'upper', 'work', 'merged']) mkdirSync(path.join(scratch, part));
    overlayRoot = path.join(scratch, 'merged');
    execFileSync('mount', [
      '-t',
      'overlay',
      'overlay',
      '-o',
      `lowerdir=${scratch}/lower,upperdir=${scratch}/upper,workdir=${scratch}/work`,
      overlayRoot,
    ]);
  });
  after(() => {
    if (!scratch) return;
    execFileSync('umount', ['--lazy', overlayRoot]);
    execFileSync('umount', ['--lazy', scratch]);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('control: a folder on an overlay root cannot hold an overlay of /etc ("wrong fs type")', () => {
    const onOverlay = mkdtempSync(path.join(overlayRoot, 'work-'));
    assert.equal(canHoldOverlayLayers(onOverlay), false);
    assert.notEqual(overlayOverEtc(onOverlay), 0);
    assert.equal(canHoldOverlayLayers(scratch), true, 'a tmpfs holds overlay layers');
  });

  it('gets a tmpfs of its own there, on which the overlay of /etc succeeds', () => {
    const work = overlayWorkDir('hcw-provision-', overlayRoot);
    try {
      assert.equal(work.isTmpfs, true);
      assert.equal(overlayOverEtc(work.dir), 0);
    } finally {
      work.remove();
    }
  });

  it('stays a plain folder where the machine can hold overlay layers', () => {
    const work = overlayWorkDir('hcw-provision-', scratch);
    try {
      assert.equal(work.isTmpfs, false);
      assert.equal(overlayOverEtc(work.dir), 0);
    } finally {
      work.remove();
    }
  });
});

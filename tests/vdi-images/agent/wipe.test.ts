import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { AgentHealth, TYPE_TEXT_PATH } from '@hcw/common';
import { startTestDesktop, type TestDesktop } from '../support/test-desktop.js';
import { startTestSite, type TestSite } from '../support/test-site.js';

/** Files under a folder whose content contains the marker (grep reads what the kiosk's files hold). */
function filesContaining(dir: string, marker: string): string[] {
  if (!existsSync(dir)) return [];
  try {
    return execFileSync('grep', ['-rlaF', '--', marker, dir], { timeout: 20000 })
      .toString('utf8')
      .split('\n')
      .filter(Boolean);
  } catch {
    // grep exits 1 when nothing matches
    return [];
  }
}

/** The kiosk's session folder as the kiosk itself sees it: a tmpfs inside its own mount namespace. */
function kioskView(desktop: TestDesktop): string {
  const pid = desktop.kioskPid();
  assert.ok(pid, 'the kiosk is running');
  return `/proc/${pid}/root${desktop.sessionDir}`;
}

/** Where a temporary file of the kiosk could have landed outside its session folder. */
const sharedTempFolders = [os.tmpdir(), '/tmp', '/dev/shm', '/var/tmp'];

function xvncPid(display: number): number | undefined {
  const found = execFileSync('pgrep', ['-f', `^Xvnc :${display} `], { encoding: 'utf8' }).trim();
  return found ? Number(found.split('\n')[0]) : undefined;
}

const health = async (desktop: TestDesktop): Promise<AgentHealth> =>
  AgentHealth.parse((await desktop.call('GET', '/v1/health')).body);

describe('wiping the desktop between two users', function () {
  this.timeout(120000);
  const marker = `A-secret-${randomBytes(6).toString('hex')}`;
  let desktop: TestDesktop;
  let site: TestSite;
  let browser: Browser | undefined;
  let page: Page;
  let passwordA: string;
  let xvncA: number | undefined;
  let tempNamesA: string[] = [];

  before(async () => {
    site = await startTestSite('記録');
    desktop = await startTestDesktop({ debugPages: true });
    passwordA = await desktop.startSession('nurse.a', `${site.url}/`);
    ({ browser, page } = await desktop.connect(site.url));
    xvncA = xvncPid(desktop.display);
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await desktop?.stop();
    await site?.close();
  });

  it('user A leaves traces in the kiosk while the session runs (control for every check below)', async () => {
    // Typed text, stored data and a second page in the history.
    await page.focus('#note');
    assert.equal((await desktop.call('POST', TYPE_TEXT_PATH, { text: `メモ ${marker}` })).status, 204);
    await page.evaluate((m) => localStorage.setItem('note', m), marker);
    await page.goto(`${site.url}/visited-${marker}`);
    await page.evaluate((m) => localStorage.setItem('second', m), marker);
    await page.focus('#note');
    assert.equal((await desktop.call('POST', TYPE_TEXT_PATH, { text: marker })).status, 204);
    // A copies the text: the kiosk now owns both X selections.
    desktop.pressKeys('ctrl+a', 'ctrl+c');
    await page.waitForTimeout(300);
    assert.equal(desktop.readSelection('clipboard'), marker);
    assert.equal(desktop.readSelection('primary'), marker);
    assert.equal(await page.evaluate(() => history.length), 2);
    assert.equal(await page.evaluate(() => localStorage.getItem('note')), marker);

    // The browser writes its profile into the session folder and its temporary files into /dev/shm,
    // both tmpfs mounts of its own namespace.
    const view = kioskView(desktop);
    assert.ok(readdirSync(path.join(view, 'profile')).includes('Default'), 'a profile is written');
    tempNamesA = readdirSync(`/proc/${desktop.kioskPid()}/root/dev/shm`);
    assert.ok(
      tempNamesA.some((name) => name.includes('chromium')),
      'temporary files are written',
    );
    assert.equal(
      readdirSync(desktop.sessionDir).length,
      0,
      'outside the kiosk the folder is an empty mount point',
    );
    await browser?.close();
    browser = undefined;
    // Give Chromium a moment to flush local storage to the profile, so the marker is on "disk".
    const deadline = Date.now() + 15000;
    while (filesContaining(path.join(view, 'profile'), marker).length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.ok(filesContaining(path.join(view, 'profile'), marker).length > 0, 'the marker is in the profile');
  });

  it('ending the session (signed DELETE) kills the kiosk and every process it started', async () => {
    assert.ok(desktop.sessionProcesses().length > 1, 'the kiosk runs several processes');
    await desktop.endSession();
    assert.deepEqual(desktop.sessionProcesses(), []);
    const after = await health(desktop);
    assert.equal(after.status, 'ready', 'the desktop is back in the pool');
    assert.equal(after.kioskRunning, false);
  });

  it('deletes the profile and the temporary files, in the state folder and in the shared /tmp', () => {
    assert.equal(existsSync(desktop.sessionDir), false);
    assert.deepEqual(filesContaining(desktop.stateDir, marker), []);
    for (const folder of sharedTempFolders) {
      for (const name of tempNamesA)
        assert.equal(existsSync(path.join(folder, name)), false, `${folder}/${name}`);
    }
  });

  it('empties the X selections', () => {
    assert.equal(desktop.readSelection('clipboard'), '');
    assert.equal(desktop.readSelection('primary'), '');
  });

  it('restarts the X server with a new VNC password for the next user', async () => {
    const xvncB = xvncPid(desktop.display);
    assert.ok(xvncA && xvncB);
    assert.notEqual(xvncB, xvncA, 'a new X server');
    const passwordB = await desktop.startSession('nurse.b', `${site.url}/`);
    assert.notEqual(passwordB, passwordA);
    assert.match(passwordB, /^[A-Za-z0-9_-]{8}$/);
  });

  it('shows user B nothing of user A: no stored data, no history, no text, no selection, no file', async () => {
    ({ browser, page } = await desktop.connect(site.url));
    assert.equal(await page.evaluate(() => localStorage.getItem('note')), null);
    assert.equal(await page.evaluate(() => localStorage.getItem('second')), null);
    assert.equal(await page.evaluate(() => history.length), 1);
    assert.equal(
      await page.evaluate(() => (document.getElementById('note') as HTMLTextAreaElement).value),
      '',
    );
    assert.ok(!desktop.readSelection('clipboard').includes(marker));
    assert.ok(!desktop.readSelection('primary').includes(marker));
    assert.deepEqual(filesContaining(kioskView(desktop), marker), []);
    assert.deepEqual(filesContaining(desktop.stateDir, marker), []);
  });
});

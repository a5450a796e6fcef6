import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Page } from 'playwright-core';
import { freePort } from '#scripts/stack/managed-process.js';
import { startWorkspaceStack, type WorkspaceStack } from '#scripts/stack/workspace-stack.js';
import { DEMO_PATIENT_IDS } from '#demo/seed-demo-patients.js';
import { readRecording } from '#broker/recording/recording-file.js';
import { GuacamoleParser } from '#broker/tunnel/guacamole-protocol.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { kioskPageAt } from '../support/kiosk-page.js';
import { sameDetailShare } from '../support/pixels.js';
import { waitForPortalOnDisplay } from '../support/remote-display.js';
import { signIn, signOutFromClient } from '../support/sign-in.js';
import { TEST_DEMO_PASSWORD } from '../support/workspace.js';

/**
 * Session recording through the whole chain: an administrator switches recording on in the console, a
 * practitioner is told before the desktop appears and works in it from a real browser, and an auditor finds
 * the session by the patient it showed and plays it back in the console, where a frame matches what the
 * practitioner's browser showed. Around it: the file at rest is unreadable, an administrator who is not an
 * auditor is refused, recording off records nothing, and a recording past its retention is deleted and the
 * deletion is in the audit trail.
 */

const PATIENT = DEMO_PATIENT_IDS.suzukiIchiro;
/** The desktop's screen (Xvnc's geometry): the client shows it 1:1 in a 1280×900 window. */
const DESKTOP = { width: 1280, height: 800 };
/** Protocol text every recording of a Guacamole session holds. */
const PROTOCOL_MARKERS = ['4.sync,', '4.size,', '3.img,', 'image/'];

interface RecordingRow {
  id: string;
  user_id: string;
  state: string;
  started_at: Date;
  ended_at: Date | null;
  expires_at: Date;
  deleted_at: Date | null;
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return assert.fail(`timed out waiting for ${what}`);
}

/** Signs an administrator or auditor in; their start page is their console. */
async function signInToConsole(page: Page, brokerUrl: string, username: string): Promise<void> {
  await page.goto(`${brokerUrl}/`);
  await page.waitForSelector('input[name=username]');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', TEST_DEMO_PASSWORD);
  await Promise.all([page.waitForURL(/\/admin/), page.click('button[type=submit]')]);
}

async function changePolicy(page: Page, recording: object): Promise<number> {
  return page.evaluate(async (body) => {
    const response = await fetch('/admin/api/pools/local/policy', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-requested-with': 'hcw-client' },
      body: JSON.stringify({ recording: body }),
    });
    return response.status;
  }, recording);
}

interface Screenshot {
  png: Buffer;
  /** A moment the client showed it: between two screenshots that came out the same. */
  at: number;
}

/** A screenshot of the client's remote display once it stops changing, and when it showed it. */
async function settledDisplay(client: Page): Promise<Screenshot> {
  // The client draws its own cursor over the display while the mouse is on it; the recording cannot.
  await client.mouse.move(5, 5);
  let previous = { png: await client.locator('#display').screenshot(), at: Date.now() };
  return waitFor('the display to settle', async () => {
    await client.waitForTimeout(1500);
    const shot = { png: await client.locator('#display').screenshot(), at: Date.now() };
    const settled = shot.png.equals(previous.png)
      ? { png: shot.png, at: (previous.at + shot.at) / 2 }
      : undefined;
    previous = shot;
    return settled;
  });
}

describe('session recording, end to end', function () {
  this.timeout(900000);
  let stack: WorkspaceStack;
  let dataDir: string;
  let debugPort: number;
  let database: pg.Pool;
  let consoleBrowser: TestBrowser;
  let admin: Page;
  /** The practitioner's recorded session, and what their browser showed before and after opening a record. */
  let recorded: RecordingRow;
  let shownBefore: Screenshot;
  let shownAfter: Screenshot;

  const recordingsOf = async (userId: string): Promise<RecordingRow[]> =>
    (
      await database.query<RecordingRow>(
        'SELECT * FROM session_recordings WHERE user_id = $1 ORDER BY started_at',
        [userId],
      )
    ).rows;
  const auditRows = async (
    type: string,
  ): Promise<
    { actor_id: string; outcome: string; details: Record<string, unknown>; patient_id: string | null }[]
  > =>
    (
      await database.query(
        'SELECT actor_id, outcome, details, patient_id FROM audit_events WHERE type = $1 ORDER BY id',
        [type],
      )
    ).rows;

  /** The practitioner signs in from a browser of their own; returns the client page showing the portal. */
  async function practitionerSignsIn(browser: TestBrowser, expectNotice: boolean): Promise<Page> {
    const client = await browser.context.newPage();
    await signIn(client, stack.brokerUrl, 'dr.tanaka');
    const notice = client.locator('text=この接続は録画されます');
    if (expectNotice) {
      await notice.waitFor();
      assert.ok(
        await client.locator('text=This session is recorded').isVisible(),
        'English is on the notice',
      );
      assert.equal(await client.locator('#display').count(), 0, 'no desktop before the notice is read');
      await Promise.all([
        client.waitForSelector('#display'),
        client.click('button:has-text("了解して接続する")'),
      ]);
    } else {
      assert.equal(await notice.count(), 0, 'no notice when nothing is recorded');
    }
    await waitForPortalOnDisplay(client, 180000);
    return client;
  }

  /** The recording as the broker would send it to the player, decrypted with the stack's key. */
  async function decrypted(id: string): Promise<{ text: string; isComplete: boolean }> {
    const key = Buffer.from(readFileSync(stack.recordings.keyFile, 'utf8').trim(), 'base64');
    const parts: Buffer[] = [];
    const summary = await readRecording(
      path.join(stack.recordings.dir, `${id}.rec`),
      id,
      [key],
      (chunk) => void parts.push(chunk),
    );
    return { text: Buffer.concat(parts).toString('utf8'), isComplete: summary.isComplete };
  }

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'hcw-recording-'));
    debugPort = await freePort();
    stack = await startWorkspaceStack({
      dataDir,
      demoPassword: TEST_DEMO_PASSWORD,
      desktops: 1,
      kioskDebugPort: debugPort,
      brokerEnv: { RECORDING_SWEEP_SECONDS: '1' },
    });
    database = new pg.Pool({ connectionString: stack.brokerDatabaseUrl, max: 2 });
    consoleBrowser = await launchBrowser({ width: 1440, height: 1000 });
    admin = await consoleBrowser.context.newPage();
    await signInToConsole(admin, stack.brokerUrl, 'admin.yamamoto');
  });
  after(async () => {
    await consoleBrowser?.close();
    await database?.end();
    await stack?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('switches recording on for practitioners from the console, and audits the change', async () => {
    const form = admin.locator('form.policy[data-pool="local"]');
    await form.waitFor();
    await form.locator('input[name=recordingMode][value=roles]').check();
    await form.locator('input[name=recordingRole][value=practitioner]').check();
    await form.locator('input[name=retentionDays]').fill('30');
    await form.locator('button[type=submit]').click();
    await admin.locator('#action-status:has-text("変更しました")').waitFor();
    const changes = await auditRows('admin-action');
    const change = changes.find((r) => r.details.action === 'change-pool-policy');
    assert.equal(change?.actor_id, 'admin.yamamoto');
    assert.equal(change?.details.recordingBefore, 'off');
    assert.equal(change?.details.recordingAfter, 'roles:practitioner;days:30');
  });

  it('tells the practitioner before the desktop appears, and records what their browser was shown', async () => {
    const browser = await launchBrowser();
    try {
      const client = await practitionerSignsIn(browser, true);
      // The practitioner opens a patient's record in the desktop.
      const kiosk = await kioskPageAt(debugPort, stack.portalUrl);
      try {
        shownBefore = await settledDisplay(client);
        await kiosk.page.goto(`${stack.portalUrl}/patients/${PATIENT}`);
        await kiosk.page.locator('h1, h2').first().waitFor();
        await waitFor('the record on the display', async () => {
          const shot = await client.locator('#display').screenshot();
          return sameDetailShare(shot, shownBefore.png, DESKTOP) < 0.9 ? true : undefined;
        });
        shownAfter = await settledDisplay(client);
      } finally {
        await kiosk.browser.close();
      }
      await signOutFromClient(client);
    } finally {
      await browser.close();
    }
    recorded = await waitFor('the recording to be closed', async () => {
      const [row] = await recordingsOf('dr.tanaka');
      return row?.ended_at ? row : undefined;
    });
    assert.equal(recorded.state, 'complete');
    assert.ok(
      recorded.expires_at.getTime() - recorded.started_at.getTime() >= 29.9 * 86400000,
      'kept 30 days',
    );
    const notices = await auditRows('recording-notice');
    assert.equal(notices.at(-1)?.actor_id, 'dr.tanaka', 'going on after the notice is audited');
    const starts = await auditRows('recording-start');
    assert.equal(starts.at(-1)?.details.recordingId, recorded.id);
  });

  it('keeps no readable protocol text in the file at rest (control: the decrypted stream has it)', async () => {
    const atRest = readFileSync(path.join(stack.recordings.dir, `${recorded.id}.rec`)).toString('latin1');
    const { text: decryptedText, isComplete } = await decrypted(recorded.id);
    assert.equal(isComplete, true);
    for (const marker of PROTOCOL_MARKERS) {
      assert.ok(decryptedText.includes(marker), `the decrypted stream holds ${marker} (control)`);
      assert.ok(!atRest.includes(marker), `the file at rest holds ${marker}`);
    }
    assert.ok(!atRest.includes('dr.tanaka') && !atRest.includes(PATIENT), 'no names or IDs at rest');
  });

  it('lets an auditor find the session by the patient it showed, and play it back with seeking', async () => {
    const browser = await launchBrowser({ width: 1440, height: 1000 });
    try {
      const page = await browser.context.newPage();
      await signInToConsole(page, stack.brokerUrl, 'audit.watanabe');
      await page.goto(`${stack.brokerUrl}/admin/recordings?patient=${PATIENT}`);
      const row = page.locator(`#recordings tr[data-recording="${recorded.id}"]`);
      await row.waitFor();
      assert.match((await row.textContent()) ?? '', /dr\.tanaka/);
      assert.match((await row.textContent()) ?? '', /patient\.record\.read/, 'the record it showed is named');
      await Promise.all([page.waitForURL(/\/admin\/recordings\/[0-9a-f-]{36}/), row.locator('a').click()]);

      const player = page.locator('#player');
      await page.waitForSelector('#player[data-state="paused"][data-seeked-to="0"]', { timeout: 120000 });
      const duration = Number(await player.getAttribute('data-duration'));
      // Positions count from the first frame; the page says when the broker passed it on, by its clock, so the
      // moment of a screenshot is a position in the recording.
      const firstFrameAt = Number(await player.getAttribute('data-first-frame-at'));
      assert.ok(
        firstFrameAt >= recorded.started_at.getTime() - 2000 && firstFrameAt <= recorded.ended_at!.getTime(),
        'the first frame falls within the recording',
      );
      const seekTo = async (position: number): Promise<Buffer> => {
        // The slider as an auditor moves it: it takes the value, and says so when let go.
        const taken = await page.evaluate((value) => {
          const seek = document.getElementById('seek') as HTMLInputElement;
          seek.value = String(value);
          seek.dispatchEvent(new Event('input'));
          seek.dispatchEvent(new Event('change'));
          return seek.value;
        }, position);
        assert.equal(Number(taken), position);
        await page.waitForSelector(`#player[data-state="paused"][data-seeked-to="${position}"]`, {
          timeout: 120000,
        });
        return page.locator('#screen').screenshot();
      };
      // The frame on the screen at a moment is the last one sent before it: its position (guacd's timestamps,
      // from the first frame) is exact, where a moment between two frames could be taken for the next one.
      // Read as the player reads it: whole instructions, so a value that happens to hold text like a sync is
      // never taken for one, and a sync split across the file's chunks is never missed.
      const stream = await decrypted(recorded.id);
      assert.equal(stream.isComplete, true, 'the recording is whole');
      const syncs = new GuacamoleParser({ maxElementLength: 1 << 24, maxInstructionBytes: 1 << 26 })
        .receive(stream.text)
        .filter((instruction) => instruction.opcode === 'sync')
        .map((instruction) => Number(instruction.args[0]));
      const frames = syncs.map((sync) => sync - syncs[0]!);
      // The player has read the whole file: its duration reaches the last frame found here. (Its clock may
      // run a frame further: it was seen to end one guacd sync later than this reading once in several runs.)
      assert.ok(
        frames.at(-1)! <= duration && duration - frames.at(-1)! <= 1500,
        `the player read every frame (last ${frames.at(-1)} ms, player ${duration} ms)`,
      );
      const positionOf = (shot: Screenshot): number =>
        frames.filter((frame) => frame <= shot.at - firstFrameAt).at(-1)!;

      // The moment the practitioner's browser showed the patient's record: the playback shows it too.
      const atRecord = await seekTo(positionOf(shownAfter));
      const alike = sameDetailShare(atRecord, shownAfter.png, DESKTOP);
      assert.ok(alike > 0.95, `the frame matches the practitioner's screen then (${alike.toFixed(3)} alike)`);
      // Control: the frame of the moment before, when the portal's home page was shown, is another screen…
      const atHome = await seekTo(positionOf(shownBefore));
      const unlike = sameDetailShare(atHome, shownAfter.png, DESKTOP);
      assert.ok(unlike < 0.6, `the earlier frame is another screen (${unlike.toFixed(3)} alike)`);
      // …and it is the one the browser showed at that moment.
      const alsoAlike = sameDetailShare(atHome, shownBefore.png, DESKTOP);
      assert.ok(
        alsoAlike > 0.95,
        `the earlier frame matches the screen then (${alsoAlike.toFixed(3)} alike)`,
      );
      // Seeking forward again after seeking back shows the same frame.
      assert.ok(sameDetailShare(await seekTo(positionOf(shownAfter)), atRecord, DESKTOP) > 0.99);
    } finally {
      await browser.close();
    }
    const playbacks = await auditRows('recording-playback');
    assert.equal(playbacks.at(-1)?.actor_id, 'audit.watanabe');
    assert.equal(playbacks.at(-1)?.outcome, 'success');
    assert.equal(playbacks.at(-1)?.details.recordingId, recorded.id);
    assert.equal(playbacks.at(-1)?.details.subject, 'dr.tanaka');
    const searches = await auditRows('recording-search');
    assert.equal(searches.at(-1)?.patient_id, PATIENT, 'the search by patient is audited under the patient');
  });

  it('refuses an administrator who is not an auditor, in both languages, and audits it', async () => {
    const page = await admin.goto(`${stack.brokerUrl}/admin/recordings/${recorded.id}`);
    assert.equal(page?.status(), 403);
    const text = await admin.locator('body').textContent();
    assert.match(text ?? '', /監査担当者のみが利用できます/);
    assert.match(text ?? '', /Only auditors can use it/);
    const stream = await admin.evaluate(async (id) => {
      const response = await fetch(`/admin/api/recordings/${id}/stream`, {
        headers: { 'x-requested-with': 'hcw-client' },
      });
      return { status: response.status, body: await response.text() };
    }, recorded.id);
    assert.equal(stream.status, 403);
    assert.deepEqual(JSON.parse(stream.body).error, {
      ja: '監査担当者のみが行えます。',
      en: 'Only auditors can do this.',
      code: 'forbidden',
    });
    const refusals = (await auditRows('admin-access')).filter((r) => r.actor_id === 'admin.yamamoto');
    assert.ok(refusals.some((r) => r.details.path === `/admin/api/recordings/${recorded.id}/stream`));
    assert.ok(refusals.every((r) => r.outcome === 'failure' && r.details.required === 'auditor'));
    // Control: the auditor was let in (the test before); nothing was played for the administrator.
    const playbacks = await auditRows('recording-playback');
    assert.ok(playbacks.every((r) => r.actor_id !== 'admin.yamamoto'));
  });

  it('records nothing when recording is off', async () => {
    assert.equal(await changePolicy(admin, { mode: 'off', roles: [] }), 200);
    const filesBefore = readdirSync(stack.recordings.dir).length;
    const browser = await launchBrowser();
    try {
      const client = await practitionerSignsIn(browser, false);
      await client.waitForTimeout(2000);
      await signOutFromClient(client);
    } finally {
      await browser.close();
    }
    assert.equal((await recordingsOf('dr.tanaka')).length, 1, 'still only the recorded session');
    assert.equal(readdirSync(stack.recordings.dir).length, filesBefore, 'no new file');
  });

  it('deletes a recording once its retention is over, and the deletion is in the audit trail', async () => {
    // About 26 seconds: only outside production (a production broker keeps recordings a day at least).
    assert.equal(await changePolicy(admin, { mode: 'everyone', roles: [], retentionDays: 0.0003 }), 200);
    const browser = await launchBrowser();
    try {
      const client = await practitionerSignsIn(browser, true);
      await signOutFromClient(client);
    } finally {
      await browser.close();
    }
    const short = (await recordingsOf('dr.tanaka')).find((r) => r.id !== recorded.id);
    assert.ok(short, 'the second session was recorded');
    const file = path.join(stack.recordings.dir, `${short.id}.rec`);
    const deleted = await waitFor(
      'the expired recording to be deleted',
      async () => {
        const row = (await recordingsOf('dr.tanaka')).find((r) => r.id === short.id);
        return row?.deleted_at ? row : undefined;
      },
      180000,
    );
    assert.equal(deleted.state, 'deleted');
    assert.ok(deleted.deleted_at!.getTime() >= deleted.expires_at.getTime(), 'not before it expired');
    assert.equal(existsSync(file), false, 'the file is gone');
    const deletion = (await auditRows('recording-delete')).find((r) => r.details.recordingId === short.id);
    assert.ok(deletion, 'the deletion is in the audit trail');
    assert.equal(deletion.actor_id, 'dr.tanaka');
    assert.equal(deletion.details.wasFilePresent, true);
    // Control: the recording kept for 30 days is still there, file and all.
    const kept = (await recordingsOf('dr.tanaka')).find((r) => r.id === recorded.id);
    assert.equal(kept?.state, 'complete');
    assert.ok(existsSync(path.join(stack.recordings.dir, `${recorded.id}.rec`)));
    const auditor = await launchBrowser();
    try {
      const page = await auditor.context.newPage();
      await signInToConsole(page, stack.brokerUrl, 'audit.watanabe');
      const gone = await page.goto(`${stack.brokerUrl}/admin/recordings/${short.id}`);
      assert.equal(gone?.status(), 404, 'a deleted recording cannot be played');
    } finally {
      await auditor.close();
    }
  });
});

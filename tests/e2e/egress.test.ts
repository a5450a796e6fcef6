import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { freePort } from '#scripts/stack/managed-process.js';
import { startWorkspaceStack, type WorkspaceStack } from '#scripts/stack/workspace-stack.js';
import { DEMO_PATIENT_IDS } from '#demo/seed-demo-patients.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { kioskPageAt } from '../support/kiosk-page.js';
import { patientIdentifiers } from '../support/patient-identifiers.js';
import { aJpeg, GPS_LATITUDE_BYTES, withCameraExif } from '../support/photos.js';
import { encodingsOf, ReceivedBytes } from '../support/received-bytes.js';
import { displayGeometry, waitForPortalOnDisplay } from '../support/remote-display.js';
import { signIn, signOutFromClient } from '../support/sign-in.js';
import { TEST_DEMO_PASSWORD } from '../support/workspace.js';

/**
 * Only pixels reach the device. A real browser signs in, opens the desktop while the portal shows a
 * patient's record, types, copies inside the desktop (X selection and keyboard), tries to download, print
 * and drop a file, and signs out. Every byte the browser received is then searched for every identifier
 * of every patient in the portal's database, in every common encoding, and its storage must be empty.
 *
 * The control run is the same with copying to the device switched on at every layer (Xvnc, guacd, the
 * egress filter; test configuration only): there the search must find the copied text, or it proves
 * nothing.
 */

const PATIENT = DEMO_PATIENT_IDS.suzukiIchiro;
/** On 鈴木 一郎's record; ASCII, because VNC's classic clipboard carries Latin-1 only (the control run). */
const COPIED = '03-3990-1234';
/** Typed from the device's own input method through the text panel, the whole way into a portal field. */
const PASSAGE = [
  '11月24日（火）15:00〜15:40 訪問。体温36.8℃、血圧138/82mmHg、脈拍78回/分、SpO2 96%（室内気）。',
  '下肢のむくみは軽度で、前回（11/17）より改善。食事は主食・副食とも半分程度、水分は約1,200mL/日。',
  '奥様より「夜間の咳が増えた」「痰がからむ」との訴えあり。聴診で右下肺に軽いラ音を聴取。',
  'フロセミド錠20mgは指示どおり服用できている。主治医の田中医師へ電話で報告済み、明朝に往診予定。',
  'ケアマネジャーへも共有し、ヘルパー訪問時の水分摂取の声かけを依頼した。次回訪問は11月27日（金）。',
].join('');

/** Where a point of the desktop is on the client page, as the client scales the desktop to fit. */
async function onClientPage(client: Page, x: number, y: number): Promise<{ x: number; y: number }> {
  // The desktop takes the browser window's shape; where it is shown, and how large, the display says.
  const { desktop, shown } = await displayGeometry(client);
  const box = await client.locator('#display canvas').first().boundingBox();
  assert.ok(box, 'the display is on the page');
  const scale = shown.width / desktop.width;
  return { x: box.x + x * scale, y: box.y + y * scale };
}

function desktopSelection(display: number, selection: 'primary' | 'clipboard'): string {
  try {
    return execFileSync('xclip', ['-o', '-selection', selection], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DISPLAY: `:${display}` },
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    }).toString('utf8');
  } catch {
    return '';
  }
}

async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 15000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.fail(`timed out waiting for ${what}`);
}

interface Run {
  stack: WorkspaceStack;
  browser: TestBrowser;
  received: ReceivedBytes;
  client: Page;
  kiosk: { browser: Browser; page: Page };
  dataDir: string;
}

async function startRun(copyToDevice: boolean): Promise<Run> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hcw-egress-'));
  const debugPort = await freePort();
  const stack = await startWorkspaceStack({
    dataDir,
    demoPassword: TEST_DEMO_PASSWORD,
    desktops: 1,
    kioskDebugPort: debugPort,
    copyToDevice,
  });
  const browser = await launchBrowser();
  const received = new ReceivedBytes(browser.context);
  const client = await browser.context.newPage();
  // A user whose IdP asserts multi-factor: this stack's authenticator enrolment would otherwise replace the
  // shared stack's in the test run's authenticator app.
  await signIn(client, stack.brokerUrl, 'dr.tanaka');
  await waitForPortalOnDisplay(client);
  const kiosk = await kioskPageAt(debugPort, stack.portalUrl);
  return { stack, browser, received, client, kiosk, dataDir };
}

async function stopRun(run: Run | undefined): Promise<void> {
  if (!run) return;
  await run.kiosk.browser.close().catch(() => undefined);
  await run.browser.close().catch(() => undefined);
  await run.stack.stop();
  rmSync(run.dataDir, { recursive: true, force: true });
}

/** Shows the patient's record in the kiosk, then selects the telephone number with the mouse and copies it. */
async function copyFromTheRecord(run: Run): Promise<void> {
  const { client, kiosk, stack } = run;
  await kiosk.page.goto(`${stack.portalUrl}/patients/${PATIENT}`);
  const cell = kiosk.page.locator(`td:has-text("${COPIED}")`).first();
  await cell.waitFor();
  await cell.scrollIntoViewIfNeeded();
  const box = await cell.boundingBox();
  assert.ok(box, 'the telephone number is on the record');
  await client.waitForTimeout(1000); // the record reaches the display
  // Dragging across the cell selects its text: the X PRIMARY selection.
  const from = await onClientPage(client, box.x + 1, box.y + box.height / 2);
  const to = await onClientPage(client, box.x + box.width - 2, box.y + box.height / 2);
  await client.mouse.move(from.x, from.y);
  await client.mouse.down();
  await client.mouse.move(to.x, to.y, { steps: 8 });
  await client.mouse.up();
  const display = stack.desktops[0]!.display;
  await waitFor('the X selection inside the desktop', () =>
    desktopSelection(display, 'primary').includes(COPIED),
  );
  // Ctrl+C from the device's keyboard: the CLIPBOARD selection.
  await client.locator('#display').focus();
  await client.keyboard.press('Control+c');
  await waitFor('the clipboard inside the desktop', () =>
    desktopSelection(display, 'clipboard').includes(COPIED),
  );
}

/** Every file under a directory that holds `needle`, by path. */
function filesHolding(dir: string, needle: Buffer): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => {
      try {
        return readFileSync(file).includes(needle);
      } catch {
        return false; // gone meanwhile, or a socket
      }
    });
}

/**
 * 「写真を送る」 on the device: a wound photo with its camera's EXIF (where it was taken) goes up through the
 * broker; inside the desktop the practitioner attaches it to the record and sees it there. Returns the bytes
 * only the photo holds, for searching the device afterwards.
 */
async function sendAPhotoIntoTheRecord(run: Run): Promise<Buffer[]> {
  const { client, kiosk, stack, dataDir } = run;
  const marker = `HCW-WOUND-${randomBytes(6).toString('hex')}`;
  const photo = withCameraExif(aJpeg('Wound photo, sacrum'), { orientation: 1, marker });
  // The picker's file lives where the phone keeps its camera roll: outside the browser's profile.
  const file = path.join(dataDir, 'wound.jpg');
  writeFileSync(file, photo);
  await client.click('#menu-button');
  await client.click('#photos-toggle');
  await client.setInputFiles('#photos-input', file);
  await client.locator('#photos-state', { hasText: '送りました' }).waitFor({ timeout: 30000 });
  assert.equal(await client.locator('#photos-error').isVisible(), false);
  assert.equal(await client.locator('#photos-input').inputValue(), '', 'the picker lets go of the file');
  await client.click('#photos-close');

  // Inside the desktop: the record's photos and documents, where what the phone sent waits to be attached.
  await kiosk.page.goto(`${stack.portalUrl}/patients/${PATIENT}/attachments`);
  const choice = kiosk.page.locator('form.attach-form input[name="attachments"]');
  await choice.first().waitFor();
  assert.equal(await choice.count(), 1);
  await choice.first().check();
  await kiosk.page.click('form.attach-form button[type="submit"]');
  const shown = kiosk.page.locator('#attachments figure.attachment img.attachment-page').first();
  await shown.waitFor();
  await waitFor('the photo drawn in the record', () =>
    shown.evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0),
  );
  rmSync(file);
  // What would betray a copy: the camera's text, the GPS block, and a run of the picture's own bytes.
  const middle = Math.floor(photo.length / 2);
  return [Buffer.from(marker, 'latin1'), GPS_LATITUDE_BYTES, photo.subarray(middle, middle + 48)];
}

async function signOut(client: Page): Promise<void> {
  await signOutFromClient(client);
}

describe('only pixels reach the device', function () {
  this.timeout(600000);

  describe('with the desktop locked down', () => {
    let run: Run | undefined;
    let identifiers: string[];
    let photoBytes: Buffer[] = [];

    before(async () => {
      run = await startRun(false);
      identifiers = await patientIdentifiers(run.stack.portalDatabaseUrl);
    });
    after(async () => {
      await stopRun(run);
    });

    it("copies a patient's telephone number inside the desktop, by X selection and keyboard", async () => {
      await copyFromTheRecord(run!);
    });

    it('types a Japanese passage from the device into a portal field, intact', async () => {
      assert.ok([...PASSAGE].length >= 200, `the passage has ${[...PASSAGE].length} characters`);
      const { client, kiosk, stack } = run!;
      await kiosk.page.goto(`${stack.portalUrl}/patients/${PATIENT}/visit`);
      const field = kiosk.page.locator('textarea').first();
      await field.waitFor();
      await field.focus();
      await client.click('#menu-button');
      await client.click('#text-toggle');
      await client.fill('#text-input', PASSAGE);
      await client.click('#text-send');
      await waitFor('the passage in the portal field', async () => (await field.inputValue()) === PASSAGE);
      // The text is typed while the request is still open: the panel clears when its answer arrives.
      await waitFor(
        'the panel cleared once sent',
        async () => (await client.locator('#text-input').inputValue()) === '',
      );
      assert.equal(await client.locator('#text-error').isVisible(), false);
      // And plain typing on the device's keyboard reaches the same field.
      await client.locator('#display').focus();
      await client.keyboard.type(' ok');
      await waitFor(
        'typed keys in the portal field',
        async () => (await field.inputValue()) === `${PASSAGE} ok`,
      );
    });

    it('tries to download, print and drop a file, and nothing leaves the desktop', async () => {
      const { client, kiosk, stack } = run!;
      await kiosk.page.goto(`${stack.portalUrl}/patients/${PATIENT}`);
      // A download made inside the desktop, holding the record's text.
      await kiosk.page.evaluate(() => {
        const link = document.createElement('a');
        link.href = URL.createObjectURL(new Blob([document.body.innerText], { type: 'text/plain' }));
        link.download = 'record.txt';
        document.body.append(link);
        link.click();
      });
      // Printing and saving from the device's keyboard.
      await client.locator('#display').focus();
      await client.keyboard.press('Control+p');
      await client.keyboard.press('Escape');
      await client.keyboard.press('Control+s');
      await client.keyboard.press('Escape');
      // A file dragged from the device onto the desktop.
      await client.evaluate(() => {
        const transfer = new DataTransfer();
        transfer.items.add(new File(['from the device'], 'device.txt', { type: 'text/plain' }));
        const target = document.getElementById('display')!;
        for (const type of ['dragenter', 'dragover', 'drop']) {
          target.dispatchEvent(
            new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }),
          );
        }
      });
      await client.waitForTimeout(2000);
      assert.equal(await client.locator('#status').getAttribute('data-state'), 'connected');
    });

    it('sends a wound photo from the device into the record, where it is seen inside the desktop', async () => {
      photoBytes = await sendAPhotoIntoTheRecord(run!);
    });

    it('signs out and leaves nothing in any storage of the browser', async () => {
      const { client, browser } = run!;
      await signOut(client);
      const stored = await client.evaluate(async () => ({
        localStorage: localStorage.length,
        sessionStorage: sessionStorage.length,
        indexedDB: (await indexedDB.databases()).length,
        cacheStorage: (await caches.keys()).length,
        serviceWorkers: (await navigator.serviceWorker.getRegistrations()).length,
        cookies: document.cookie,
      }));
      assert.deepEqual(stored, {
        localStorage: 0,
        sessionStorage: 0,
        indexedDB: 0,
        cacheStorage: 0,
        serviceWorkers: 0,
        cookies: '',
      });
      assert.deepEqual(await browser.context.cookies(), [], 'no cookie is left, HttpOnly ones included');
    });

    it('keeps no copy of the sent photo on the device, and the photo never came back to it', async () => {
      const { browser, received } = run!;
      assert.equal(photoBytes.length, 3, 'the photo was sent');
      for (const needle of photoBytes) {
        assert.deepEqual(filesHolding(browser.profileDir, needle), [], 'nothing in the browser’s profile');
      }
      await received.settled();
      assert.deepEqual(
        received.find(photoBytes.map((bytes, i) => ({ label: `photo bytes ${i}`, bytes }))),
        [],
        'no byte of the photo in what the device received',
      );
    });

    it('received no identifier of any patient, in any encoding', async () => {
      const { received } = run!;
      await received.settled();
      assert.ok(received.totalBytes > 100_000, `the run received ${received.totalBytes} bytes`);
      assert.ok(
        received.items.some((i) => i.what.startsWith('WebSocket frame')),
        'the desktop was streamed over the tunnel',
      );
      assert.ok(
        identifiers.includes(COPIED) && identifiers.includes('鈴木 一郎'),
        'the search knows the record',
      );
      const needles = identifiers.flatMap((id) => encodingsOf(id, id));
      assert.deepEqual(received.find(needles), []);
    });
  });

  it('finds a photo in the browser’s profile when the browser did keep one (control for the search above)', async () => {
    const browser = await launchBrowser();
    const marker = `HCW-CACHED-${randomBytes(6).toString('hex')}`;
    const photo = withCameraExif(aJpeg('Cached photo'), { orientation: 1, marker });
    // A server that lets the browser cache what it sends, as the broker never does.
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/jpeg', 'cache-control': 'max-age=3600' });
      res.end(photo);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const page = await browser.context.newPage();
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/wound.jpg`);
      await waitFor(
        'the cached photo in the profile',
        () => filesHolding(browser.profileDir, Buffer.from(marker, 'latin1')).length > 0,
      );
    } finally {
      await browser.close();
      server.close();
    }
  });

  describe('control run: copying to the device allowed at every layer', () => {
    let run: Run | undefined;

    before(async () => {
      run = await startRun(true);
    });
    after(async () => {
      await stopRun(run);
    });

    it('finds the copied telephone number in what the browser received', async () => {
      await copyFromTheRecord(run!);
      const needles = encodingsOf(COPIED, COPIED);
      await waitFor('the copied text to reach the browser', () => run!.received.find(needles).length > 0);
      await signOut(run!.client);
      await run!.received.settled();
      assert.ok(run!.received.find(needles).some((where) => where.includes('WebSocket frame')));
    });
  });
});

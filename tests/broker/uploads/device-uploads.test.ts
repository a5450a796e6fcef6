import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { VirusScanner } from '#broker/uploads/virus-scanner.js';
import type { WorkspaceStack } from '#scripts/stack/workspace-stack.js';
import { Cookies, signInOverHttp, signOutOverHttp } from '#test-support/http-sign-in.js';
import {
  aJpeg,
  aPdf,
  aPng,
  eicar,
  GPS_LATITUDE_BYTES,
  orientationOf,
  withCameraExif,
} from '#test-support/photos.js';
import { workspace } from '#test-support/workspace.js';

/**
 * 「写真を送る」 through the real broker of the stack, its real clamd and the real portal: what a device may
 * send, what the broker takes out of it, what it refuses (each with a message a person can act on, and
 * nothing stored), and that sending the same file again stores it once.
 */
const USER = 'dr.tanaka';

describe('photos and documents sent from the device', function () {
  this.timeout(120_000);
  let stack: WorkspaceStack;
  let cookies: Cookies;
  let portalDb: pg.Pool;
  let brokerDb: pg.Pool;

  const send = (
    body: Buffer,
    type: string,
    id: string = randomUUID(),
    headers: Record<string, string> = {},
  ) =>
    fetch(`${stack.brokerUrl}/api/uploads`, {
      method: 'POST',
      headers: {
        cookie: cookies.header(),
        'x-requested-with': 'hcw-client',
        'content-type': type,
        'x-upload-id': id,
        ...headers,
      },
      body: new Uint8Array(body),
    });

  async function stored(id: string): Promise<{ content: Buffer; owner_id: string; media_type: string }[]> {
    const { rows } = await portalDb.query<{ content: Buffer; owner_id: string; media_type: string }>(
      'SELECT content, owner_id, media_type FROM attachments WHERE id = $1',
      [id],
    );
    return rows;
  }

  async function refusals(id: string): Promise<Record<string, unknown>[]> {
    const { rows } = await brokerDb.query<{ details: Record<string, unknown> }>(
      `SELECT details FROM audit_events WHERE type = 'device-upload' AND outcome = 'failure'
        AND details->>'uploadId' = $1`,
      [id],
    );
    return rows.map((row) => row.details);
  }

  before(async () => {
    stack = await workspace();
    ({ cookies } = await signInOverHttp(stack.brokerUrl, USER));
    portalDb = new pg.Pool({ connectionString: stack.portalDatabaseUrl, max: 2 });
    brokerDb = new pg.Pool({ connectionString: stack.brokerDatabaseUrl, max: 2 });
  });
  after(async () => {
    if (cookies) await signOutOverHttp(stack.brokerUrl, cookies);
    await portalDb?.end();
    await brokerDb?.end();
  });

  it('offers sending to a signed-in client page, and to nobody else', async () => {
    const offered = await fetch(`${stack.brokerUrl}/api/uploads`, {
      headers: { cookie: cookies.header(), 'x-requested-with': 'hcw-client' },
    });
    assert.equal(offered.status, 200);
    assert.equal(((await offered.json()) as { offered: boolean }).offered, true);
    assert.match(offered.headers.get('cache-control') ?? '', /no-store/);
    const anonymous = await fetch(`${stack.brokerUrl}/api/uploads`, {
      method: 'POST',
      headers: {
        'x-requested-with': 'hcw-client',
        'content-type': 'image/jpeg',
        'x-upload-id': randomUUID(),
      },
      body: new Uint8Array(aJpeg()),
    });
    assert.equal(anonymous.status, 401);
    // A form on another site cannot send the script's header.
    const crossSite = await send(aJpeg(), 'image/jpeg', randomUUID(), { 'x-requested-with': '' });
    assert.equal(crossSite.status, 403);
  });

  it('takes a phone’s photo into the workspace without where it was taken, keeping its orientation', async () => {
    const photo = withCameraExif(aJpeg(), { orientation: 6, marker: 'HCW-CAMERA-MARKER' });
    assert.ok(photo.includes(GPS_LATITUDE_BYTES), 'the photo as sent holds its location');
    const id = randomUUID();
    const response = await send(photo, 'image/jpeg', id);
    assert.equal(response.status, 201, await response.clone().text());
    const body = (await response.json()) as { received: boolean; message: { ja: string } };
    assert.equal(body.received, true);
    assert.match(body.message.ja, /添付してください/);
    const [row] = await stored(id);
    assert.ok(row, 'the portal keeps it');
    assert.equal(row.owner_id, USER);
    assert.equal(row.media_type, 'image/jpeg');
    assert.equal(row.content.includes(GPS_LATITUDE_BYTES), false, 'no GPS position is kept');
    assert.equal(row.content.includes(Buffer.from('HCW-CAMERA-MARKER')), false, 'no camera text is kept');
    assert.equal(orientationOf(row.content), 6, 'the photo is still shown the right way up');
    const { rows: audit } = await brokerDb.query<{ details: Record<string, unknown> }>(
      `SELECT details FROM audit_events WHERE type = 'device-upload' AND outcome = 'success'
        AND details->>'uploadId' = $1`,
      [id],
    );
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.details.metadataRemoved, true);
  });

  it('stores a file once when the device sends it again after a lost answer', async () => {
    const id = randomUUID();
    const photo = aPng();
    assert.equal((await send(photo, 'image/png', id)).status, 201);
    const again = await send(photo, 'image/png', id);
    assert.equal(again.status, 200);
    assert.equal((await stored(id)).length, 1);
  });

  it('takes a PDF as it is', async () => {
    const id = randomUUID();
    const pdf = aPdf('Referral letter');
    assert.equal((await send(pdf, 'application/pdf', id)).status, 201);
    assert.deepEqual((await stored(id))[0]?.content, pdf);
  });

  it('refuses a file with a virus in it (the EICAR test file), and stores nothing', async () => {
    const id = randomUUID();
    // A real photo carrying the test file after its picture: only the scanner can tell.
    const response = await send(Buffer.concat([aJpeg(), eicar()]), 'image/jpeg', id);
    assert.equal(response.status, 422);
    const body = (await response.json()) as { error: { ja: string; en: string } };
    assert.match(body.error.ja, /ウイルスが見つかった/);
    assert.match(body.error.en, /virus was found/);
    assert.deepEqual(await stored(id), []);
    const [refusal] = await refusals(id);
    assert.equal(refusal?.refusal, 'virus');
    assert.match(String(refusal?.signature), /EICAR/);
  });

  it('refuses what is not a photo or a PDF, or not what it says it is, with what to do instead', async () => {
    for (const [body, type] of [
      [Buffer.from('not a picture at all'), 'image/jpeg'],
      [aJpeg(), 'application/pdf'],
      [Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic')]), 'image/heic'],
      [eicar(), 'application/octet-stream'],
    ] as const) {
      const id = randomUUID();
      const response = await send(body, type, id);
      assert.equal(response.status, 415, `${type}: ${response.status}`);
      const message = ((await response.json()) as { error: { ja: string } }).error.ja;
      assert.match(message, /JPEG・PNG）と PDF/);
      assert.deepEqual(await stored(id), []);
      assert.equal((await refusals(id))[0]?.refusal, 'media-type');
    }
    const broken = randomUUID();
    const cut = aJpeg();
    const response = await send(
      Buffer.concat([cut.subarray(0, 4), Buffer.from([0xff, 0xe1, 0xff, 0xff])]),
      'image/jpeg',
      broken,
    );
    assert.equal(response.status, 415);
    assert.match(((await response.json()) as { error: { ja: string } }).error.ja, /読み取れません/);
    assert.deepEqual(await stored(broken), []);
  });

  it('passes on the portal’s own refusal, with its message, when too many files wait to be attached', async () => {
    // As if the practitioner had sent 50 photos and attached none of them.
    const { rows } = await portalDb.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM attachments WHERE owner_id = $1 AND patient_id IS NULL`,
      [USER],
    );
    const filler = Array.from({ length: Math.max(0, 50 - rows[0]!.n) }, () => randomUUID());
    await portalDb.query(
      `INSERT INTO attachments (id, owner_id, media_type, content, byte_size, sha256, scanned_by, metadata_removed,
         page_count)
       SELECT unnest($1::uuid[]), $2, 'image/png', '\\x00'::bytea, 1, repeat('0', 64), 'test', true, 1`,
      [filler, USER],
    );
    try {
      const id = randomUUID();
      const response = await send(aPng(), 'image/png', id);
      assert.equal(response.status, 429);
      const body = (await response.json()) as { error: { ja: string; en: string } };
      assert.match(body.error.ja, /未整理のファイルが 50 件あります/);
      assert.match(body.error.en, /50 files not yet filed/);
      assert.deepEqual(await stored(id), []);
      assert.equal((await refusals(id))[0]?.refusal, 'portal-refused');
    } finally {
      await portalDb.query('DELETE FROM attachments WHERE id = ANY($1::uuid[])', [filler]);
    }
  });

  it('refuses an empty file, a file without an id, and one over the size limit', async () => {
    assert.equal((await send(Buffer.alloc(0), 'image/jpeg')).status, 400);
    assert.equal((await send(aJpeg(), 'image/jpeg', 'not-an-id')).status, 400);
    const id = randomUUID();
    const huge = Buffer.concat([aJpeg(), Buffer.alloc(16 * 1024 * 1024)]);
    const response = await send(huge, 'image/jpeg', id);
    assert.equal(response.status, 413);
    assert.match(
      ((await response.json()) as { error: { ja: string } }).error.ja,
      /大きすぎます（上限 15 MB）/,
    );
    assert.deepEqual(await stored(id), []);
  });

  it('asks clamd, and says so when it cannot be reached rather than letting a file through', async () => {
    const [host, port] = stack.virusScanner.split(':') as [string, string];
    const scanner = new VirusScanner({ host, port: Number(port) });
    assert.deepEqual((await scanner.scan(aJpeg())).clean, true);
    const found = await scanner.scan(eicar());
    assert.equal(found.clean, false);
    const closed = new VirusScanner({ host: '127.0.0.1', port: 9 });
    await assert.rejects(closed.scan(aJpeg()), /clamd is not reachable/);
  });
});

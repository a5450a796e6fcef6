import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { AUDIT_MIGRATIONS, AuditTrail } from '@hcw/common';
import { PortalAuditReader } from '#broker/recording/patient-accesses.js';
import { RecordingStore } from '#broker/recording/recording-store.js';
import { SessionRecorder } from '#broker/recording/session-recorder.js';
import { decryptToken } from '#broker/tunnel/connection-token.js';
import type { SignedInUser } from '#broker/auth/signed-in-user.js';
import { freshDatabase, type FreshDatabase } from '#test-support/fresh-database.js';
import { scratchDir } from '#test-support/scratch-dir.js';
import { anAdmin, anAuditor, consoleBroker, type ConsoleBroker } from '../admin/console-broker.js';
import { aUser } from '../desktops/fake-desktops.js';

const CLIENT = { 'x-requested-with': 'hcw-client' };
const PATIENT = '5eed0000-0000-4000-8000-0000000000a1';
const OTHER_PATIENT = '5eed0000-0000-4000-8000-0000000000a2';

/** A stretch of a Guacamole session as guacd sends it: enough to be a recording with frames. */
function aSessionStream(frames: number): string[] {
  return Array.from({ length: frames }, (_, n) => {
    const stamp = String(1700000000000 + n * 100);
    return `4.rect,1.0,1.0,1.0,3.640,3.480;5.cfill,2.14,1.0,2.${10 + (n % 90)},2.20,2.30,3.255;4.sync,${stamp.length}.${stamp};`;
  });
}

describe('session recordings in the console', function () {
  this.timeout(120000);
  let broker: ConsoleBroker;
  let portalTrail: FreshDatabase;
  let store: RecordingStore;
  let recordingsDir: string;
  let key: Buffer;
  let admin: string;
  let auditor: string;

  before(async () => {
    recordingsDir = scratchDir('hcw-recordings');
    const keys = scratchDir('hcw-recording-keys');
    key = randomBytes(32);
    writeFileSync(path.join(keys, 'recording.key'), `${key.toString('base64')}\n`, { mode: 0o600 });
    portalTrail = await freshDatabase('recording_console_portal', [AUDIT_MIGRATIONS]);
    broker = await consoleBroker('recording_console_test', {
      env: { RECORDING_DIR: recordingsDir, RECORDING_KEY_FILE: path.join(keys, 'recording.key') },
      portalAudit: new PortalAuditReader(portalTrail.pool),
    });
    store = new RecordingStore(broker.pool, recordingsDir);
    admin = (await broker.signIn(anAdmin())).cookie;
    auditor = (await broker.signIn(anAuditor())).cookie;
  });
  after(async () => {
    await broker?.close();
    await portalTrail?.close();
  });

  async function auditRows(
    type: string,
    actorId?: string,
  ): Promise<{ outcome: string; details: Record<string, unknown>; patient_id: string | null }[]> {
    const { rows } = await broker.pool.query(
      `SELECT outcome, details, patient_id FROM audit_events WHERE type = $1 AND ($2::text IS NULL OR actor_id = $2) ORDER BY id`,
      [type, actorId ?? null],
    );
    return rows;
  }

  async function setRecording(recording: object, cookie = admin): Promise<request.Response> {
    return request(broker.app)
      .post(`/admin/api/pools/${broker.poolId}/policy`)
      .set('cookie', cookie)
      .set(CLIENT)
      .send({ recording });
  }

  /** Records a session of `user` as the tunnel does, with `during` run while it is open. */
  async function aRecordedSession(user: SignedInUser, during: () => Promise<void> = async () => undefined) {
    const failures: string[] = [];
    const recorder = new SessionRecorder(
      { store, key, audit: new AuditTrail(broker.pool), instanceId: 'test', log: () => undefined },
      {
        user,
        sessionId: randomBytes(16).toString('hex'),
        desktopId: 'desk-1',
        poolId: broker.poolId,
        retentionDays: 30,
      },
      (reason) => failures.push(reason),
    );
    const stream = aSessionStream(50);
    for (const text of stream.slice(0, 25)) recorder.write(text);
    await during();
    for (const text of stream.slice(25)) recorder.write(text);
    await recorder.stop();
    assert.deepEqual(failures, []);
    const row = await store.get(recorder.id!);
    assert.equal(row?.state, 'complete');
    return { row: row!, plain: stream.join('') };
  }

  describe('the policy', () => {
    after(async () => {
      await setRecording({ mode: 'off', roles: [] });
    });

    it('is changed by an administrator, audited, and checked', async () => {
      const changed = await setRecording({ mode: 'roles', roles: ['practitioner'], retentionDays: 30 });
      assert.equal(changed.status, 200, changed.text);
      assert.deepEqual(changed.body.policies.recording, {
        mode: 'roles',
        roles: ['practitioner'],
        retentionDays: 30,
      });
      const [record] = (await auditRows('admin-action', anAdmin().id)).filter(
        (r) => r.details.action === 'change-pool-policy',
      );
      assert.equal(record?.details.recordingBefore, 'off');
      assert.equal(record?.details.recordingAfter, 'roles:practitioner;days:30');

      for (const recording of [
        { mode: 'roles', roles: [] },
        { mode: 'roles', roles: ['surgeon'] },
        { mode: 'always', roles: [] },
        { mode: 'everyone', roles: [], retentionDays: 0 },
        { mode: 'everyone', roles: [], extra: true },
      ]) {
        const refused = await setRecording(recording);
        assert.equal(refused.status, 400, JSON.stringify(recording));
        assert.ok(refused.body.error.ja && refused.body.error.en);
      }
      const auditorTries = await setRecording({ mode: 'everyone', roles: [] }, auditor);
      assert.equal(auditorTries.status, 403, 'only administrators change policies');
    });

    it('cannot be switched on where the broker has no recording folder and key', async () => {
      const plain = await consoleBroker('recording_console_plain', { desktops: 1 });
      try {
        const cookie = (await plain.signIn(anAdmin())).cookie;
        const response = await request(plain.app)
          .post(`/admin/api/pools/${plain.poolId}/policy`)
          .set('cookie', cookie)
          .set(CLIENT)
          .send({ recording: { mode: 'everyone', roles: [] } });
        assert.equal(response.status, 409);
        assert.match(response.body.error.ja, /録画の保存先と鍵/);
        // Control: switching it off there is a change like any other.
        await request(plain.app)
          .post(`/admin/api/pools/${plain.poolId}/policy`)
          .set('cookie', cookie)
          .set(CLIENT)
          .send({ recording: { mode: 'off', roles: [] } })
          .expect(200);
        // And its auditors are told why they find no recordings there.
        const page = await request(plain.app)
          .get('/admin/recordings')
          .set('cookie', (await plain.signIn(anAuditor())).cookie)
          .expect(200);
        assert.match(page.text, /録画の保存先と鍵が設定されていない/);
      } finally {
        await plain.close();
      }
    });
  });

  describe('the notice', () => {
    before(async () => {
      assert.equal(
        (await setRecording({ mode: 'roles', roles: ['practitioner'], retentionDays: 30 })).status,
        200,
      );
    });
    after(async () => {
      await setRecording({ mode: 'off', roles: [] });
    });

    it('comes before the desktop of a recorded user, once per sign-in, and going on is audited', async () => {
      const nurse = aUser();
      const { cookie } = await broker.signIn(nurse);
      const page = await request(broker.app).get('/').set('cookie', cookie).expect(200);
      assert.match(page.text, /この接続は録画されます/);
      assert.match(page.text, /This session is recorded/);
      assert.match(page.text, /30日後に自動的に削除/);
      assert.doesNotMatch(page.text, /id="display"/, 'not the client page');

      const early = await request(broker.app).post('/api/desktop/connect').set('cookie', cookie).set(CLIENT);
      assert.equal(early.status, 409, 'no desktop before the notice');
      assert.equal(early.body.error.code, 'recording-notice');
      assert.match(early.body.error.ja, /再読み込み/);
      assert.match(early.body.error.en, /Reload/);

      await request(broker.app)
        .post('/recording/notice')
        .set('cookie', cookie)
        .set('sec-fetch-site', 'same-site')
        .expect(403);
      await request(broker.app)
        .post('/recording/notice')
        .set('cookie', cookie)
        .set('sec-fetch-site', 'same-origin')
        .expect(303)
        .expect('location', '/');
      const client = await request(broker.app).get('/').set('cookie', cookie).expect(200);
      assert.match(client.text, /id="display"/, 'then the client page');

      const connected = await request(broker.app)
        .post('/api/desktop/connect')
        .set('cookie', cookie)
        .set(CLIENT)
        .expect(200);
      const claims = decryptToken([broker.config.tunnel.key], connected.body.token);
      assert.deepEqual(claims?.recording, { poolId: broker.poolId, retentionDays: 30 });
      const [went] = await auditRows('recording-notice', nurse.id);
      assert.equal(went?.details.policy, 'roles:practitioner;days:30');
      await broker.desktops.release(nurse.id);
    });

    it('is not shown to a user the policy does not record, whose connection is not recorded (control)', async () => {
      const msw = aUser({ roles: ['msw'] });
      const { cookie } = await broker.signIn(msw);
      const client = await request(broker.app).get('/').set('cookie', cookie).expect(200);
      assert.match(client.text, /id="display"/);
      const connected = await request(broker.app)
        .post('/api/desktop/connect')
        .set('cookie', cookie)
        .set(CLIENT)
        .expect(200);
      assert.equal(decryptToken([broker.config.tunnel.key], connected.body.token)?.recording, undefined);
      await broker.desktops.release(msw.id);
    });
  });

  describe('finding and playing recordings', () => {
    const nurse = aUser({ id: 'nurse.recorded', displayName: '佐藤 花子' });
    const other = aUser({ id: 'nurse.unrecorded', displayName: '木村 真由美' });
    let recorded: { row: Awaited<ReturnType<RecordingStore['get']>> & object; plain: string };

    before(async () => {
      const portal = new AuditTrail(portalTrail.pool);
      // What the portal records: the nurse reads two patients' records in her recorded session; another
      // nurse reads the first patient's record with no recording open.
      recorded = await aRecordedSession(nurse, async () => {
        await portal.record({
          type: 'patient.record.read',
          outcome: 'success',
          actorId: nurse.id,
          patientId: PATIENT,
        });
        await portal.record({
          type: 'patient.record.read',
          outcome: 'success',
          actorId: nurse.id,
          patientId: OTHER_PATIENT,
        });
      });
      await portal.record({
        type: 'patient.record.read',
        outcome: 'success',
        actorId: other.id,
        patientId: PATIENT,
      });
    });

    it('finds a session by the patient it showed, and names the records that had no recording', async () => {
      const page = await request(broker.app)
        .get(`/admin/recordings?patient=${PATIENT}`)
        .set('cookie', auditor)
        .expect(200);
      assert.match(page.text, new RegExp(`data-recording="${recorded.row.id}"`));
      const unmatched = page.text.slice(page.text.indexOf('id="unmatched"'));
      assert.match(unmatched, /nurse\.unrecorded/, 'the read without a recording is listed as such');
      assert.doesNotMatch(unmatched, /nurse\.recorded/);
      const [search] = (await auditRows('recording-search', anAuditor().id)).slice(-1);
      assert.equal(search?.patient_id, PATIENT, 'the search is audited under the patient');
      assert.equal(search?.details.recordings, 1);

      const none = await request(broker.app)
        .get('/admin/recordings?patient=5eed0000-0000-4000-8000-0000000000ff')
        .set('cookie', auditor)
        .expect(200);
      assert.doesNotMatch(none.text, /data-recording=/, 'a patient nobody saw finds nothing (control)');
    });

    it('finds sessions by user and by time', async () => {
      const byUser = await request(broker.app)
        .get(`/admin/recordings?user=${nurse.id}`)
        .set('cookie', auditor)
        .expect(200);
      assert.match(byUser.text, new RegExp(`data-recording="${recorded.row.id}"`));
      const byOther = await request(broker.app)
        .get(`/admin/recordings?user=${other.id}`)
        .set('cookie', auditor)
        .expect(200);
      assert.doesNotMatch(byOther.text, /data-recording=/);
      const before = new Date(recorded.row.startedAt.getTime() - 3600_000).toISOString();
      const after = new Date(recorded.row.startedAt.getTime() + 3600_000).toISOString();
      const inWindow = await request(broker.app)
        .get(`/admin/recordings?from=${encodeURIComponent(before)}&to=${encodeURIComponent(after)}`)
        .set('cookie', auditor)
        .expect(200);
      assert.match(inWindow.text, new RegExp(`data-recording="${recorded.row.id}"`));
      const earlier = await request(broker.app)
        .get(`/admin/recordings?to=${encodeURIComponent(before)}`)
        .set('cookie', auditor)
        .expect(200);
      assert.doesNotMatch(earlier.text, new RegExp(`data-recording="${recorded.row.id}"`));
      await request(broker.app).get('/admin/recordings?from=yesterday').set('cookie', auditor).expect(400);
    });

    it('shows the player with the patient data handled during the recording, audited', async () => {
      const page = await request(broker.app)
        .get(`/admin/recordings/${recorded.row.id}`)
        .set('cookie', auditor)
        .expect(200);
      assert.match(page.text, /id="player"/);
      assert.ok(recorded.row.firstFrameAt, 'the first frame was noted');
      assert.match(page.text, new RegExp(`data-first-frame-at="${recorded.row.firstFrameAt.getTime()}"`));
      assert.match(page.text, /src="\/client\/admin\/recording-player\.js"/);
      const during = page.text.slice(page.text.indexOf('id="accesses-during"'));
      assert.match(during, new RegExp(PATIENT));
      assert.match(during, new RegExp(OTHER_PATIENT));
      assert.match(during, /class="seek" data-offset-ms="\d+"/);
      assert.doesNotMatch(page.text, /<script(?![^>]*(src=|type="application\/json"))/);
      const [view] = (await auditRows('recording-view', anAuditor().id)).slice(-1);
      assert.equal(view?.details.recordingId, recorded.row.id);
      assert.equal(view?.details.patientRecordsShown, 2);
      await request(broker.app).get('/admin/recordings/not-a-recording').set('cookie', auditor).expect(404);
    });

    it('streams the decrypted recording to the player of an auditor, and audits the playback', async () => {
      const before = (await auditRows('recording-playback', anAuditor().id)).length;
      // A link followed from elsewhere (no header a page's script sends) would save it among the downloads.
      await request(broker.app)
        .get(`/admin/api/recordings/${recorded.row.id}/stream`)
        .set('cookie', auditor)
        .expect(403);
      assert.equal((await auditRows('recording-playback', anAuditor().id)).length, before, 'nothing sent');
      const response = await request(broker.app)
        .get(`/admin/api/recordings/${recorded.row.id}/stream`)
        .set('cookie', auditor)
        .set(CLIENT)
        .buffer(true)
        .parse((res, done) => {
          const parts: Buffer[] = [];
          res.on('data', (part: Buffer) => parts.push(part));
          res.on('end', () => done(null, Buffer.concat(parts)));
        })
        .expect(200);
      assert.equal((response.body as Buffer).toString('utf8'), recorded.plain);
      assert.equal(response.headers['cache-control'], 'no-store');
      const [playback] = (await auditRows('recording-playback', anAuditor().id)).slice(-1);
      assert.equal(playback?.outcome, 'success');
      assert.equal(playback?.details.recordingId, recorded.row.id);
      assert.equal(playback?.details.subject, nurse.id);
    });

    it('refuses everyone but auditors, in both languages, and audits each refusal', async () => {
      const nurseCookie = (await broker.signIn(aUser({ id: 'nurse.curious' }))).cookie;
      for (const [cookie, actor] of [
        [admin, anAdmin().id],
        [nurseCookie, 'nurse.curious'],
      ] as const) {
        const before = (await auditRows('admin-access', actor)).length;
        const list = await request(broker.app).get('/admin/recordings').set('cookie', cookie).expect(403);
        assert.match(list.text, /監査担当者のみが利用できます/);
        assert.match(list.text, /Only auditors can use it/);
        await request(broker.app)
          .get(`/admin/recordings/${recorded.row.id}`)
          .set('cookie', cookie)
          .expect(403);
        const stream = await request(broker.app)
          .get(`/admin/api/recordings/${recorded.row.id}/stream`)
          .set('cookie', cookie)
          .set(CLIENT)
          .expect(403);
        assert.deepEqual(stream.body.error, {
          ja: '監査担当者のみが行えます。',
          en: 'Only auditors can do this.',
          code: 'forbidden',
        });
        assert.equal((await auditRows('admin-access', actor)).length, before + 3);
      }
      await request(broker.app).get('/admin/recordings').expect(303).expect('location', '/auth/login');
      await request(broker.app).get(`/admin/api/recordings/${recorded.row.id}/stream`).expect(401);
      const players = await broker.pool.query(
        "SELECT DISTINCT actor_id FROM audit_events WHERE type = 'recording-playback'",
      );
      assert.deepEqual(
        players.rows.map((r: { actor_id: string }) => r.actor_id),
        [anAuditor().id],
        'nobody but the auditor ever played a recording',
      );
    });

    it('refuses a recording whose file was changed or cut off, and audits the refusal', async () => {
      const changed = await aRecordedSession(nurse);
      const changedFile = store.fileOf(changed.row.id);
      const bytes = readFileSync(changedFile);
      bytes.writeUInt8(bytes.readUInt8(100) ^ 0x20, 100);
      writeFileSync(changedFile, bytes);
      const cut = await aRecordedSession(nurse);
      // Its final chunk gone, and with it the end of the session: what a truncation leaves.
      truncateSync(store.fileOf(cut.row.id), 64);
      for (const id of [changed.row.id, cut.row.id]) {
        const response = await request(broker.app)
          .get(`/admin/api/recordings/${id}/stream`)
          .set('cookie', auditor)
          .set(CLIENT)
          .expect(422);
        assert.equal(response.body.error.code, 'recording-unverifiable');
        const [playback] = (await auditRows('recording-playback', anAuditor().id)).slice(-1);
        assert.equal(playback?.outcome, 'failure');
        assert.equal(playback?.details.recordingId, id);
      }
      // Control: the untouched recording still plays.
      await request(broker.app)
        .get(`/admin/api/recordings/${recorded.row.id}/stream`)
        .set('cookie', auditor)
        .set(CLIENT)
        .expect(200);
    });
  });
});

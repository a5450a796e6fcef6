import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, unlinkSync } from 'node:fs';
import { AUDIT_MIGRATIONS, AuditTrail } from '@hcw/common';
import { BROKER_MIGRATIONS } from '#broker/db/migrations.js';
import { RecordingRetention } from '#broker/recording/recording-retention.js';
import { RecordingStore, type RecordingRow } from '#broker/recording/recording-store.js';
import { SessionRecorder } from '#broker/recording/session-recorder.js';
import { freshDatabase, type FreshDatabase } from '#test-support/fresh-database.js';
import { scratchDir } from '#test-support/scratch-dir.js';
import { aUser } from '../desktops/fake-desktops.js';

/** About two seconds: the shortest wait that still lets a recording be made before it expires. */
const BRIEF_DAYS = 2 / 86400;

describe('recording retention', function () {
  this.timeout(60000);
  let database: FreshDatabase;
  let store: RecordingStore;
  let audit: AuditTrail;
  const key = randomBytes(32);

  before(async () => {
    database = await freshDatabase('recording_retention_test', [AUDIT_MIGRATIONS, BROKER_MIGRATIONS]);
    store = new RecordingStore(database.pool, scratchDir('hcw-recordings'));
    audit = new AuditTrail(database.pool);
  });
  after(async () => {
    await database?.close();
  });

  function aRecorder(
    retentionDays: number,
    userId = `nurse-${randomBytes(3).toString('hex')}`,
  ): SessionRecorder {
    const recorder = new SessionRecorder(
      { store, key, audit, instanceId: 'test', log: () => undefined },
      {
        user: aUser({ id: userId }),
        sessionId: randomBytes(16).toString('hex'),
        desktopId: 'desk-1',
        poolId: 'local',
        retentionDays,
      },
      (reason) => assert.fail(`the recording failed: ${reason}`),
    );
    recorder.write('4.size,1.0,4.1280,3.800;4.sync,13.1700000000000;');
    return recorder;
  }

  async function aRecording(retentionDays: number): Promise<RecordingRow> {
    const recorder = aRecorder(retentionDays);
    await recorder.stop();
    return (await store.get(recorder.id!))!;
  }

  async function until(what: string, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.fail(`timed out waiting for ${what}`);
  }

  async function deletions(
    recordingId: string,
  ): Promise<{ actor_id: string; details: Record<string, unknown> }[]> {
    const { rows } = await database.pool.query(
      "SELECT actor_id, details FROM audit_events WHERE type = 'recording-delete' AND details->>'recordingId' = $1",
      [recordingId],
    );
    return rows;
  }

  it('deletes a recording whose retention is over, and records the deletion; a kept one stays (control)', async () => {
    const brief = await aRecording(BRIEF_DAYS);
    const kept = await aRecording(30);
    assert.ok(existsSync(store.fileOf(brief.id)) && existsSync(store.fileOf(kept.id)));
    const retention = new RecordingRetention({ store, audit, intervalMs: 200, log: () => undefined });
    retention.start();
    try {
      await until('the brief recording to go', async () => (await store.get(brief.id))?.state === 'deleted');
    } finally {
      await retention.stop();
    }
    assert.equal(existsSync(store.fileOf(brief.id)), false, 'its file is gone');
    const [deletion] = await deletions(brief.id);
    assert.equal(deletion?.actor_id, brief.userId, 'the recorded user is the record’s actor');
    assert.equal(deletion?.details.reason, 'retention-period-over');
    assert.equal(deletion?.details.wasFilePresent, true);
    assert.equal(deletion?.details.startedAt, brief.startedAt.toISOString());
    const still = await store.get(kept.id);
    assert.equal(still?.state, 'complete');
    assert.ok(existsSync(store.fileOf(kept.id)));
    assert.deepEqual(await deletions(kept.id), []);
    assert.equal((await store.search({ user: brief.userId }, 10)).length, 0, 'a deleted one is not listed');
  });

  it('deletes each recording once when several brokers sweep at the same time', async () => {
    const brief = await Promise.all(Array.from({ length: 6 }, () => aRecording(BRIEF_DAYS)));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const sweepers = Array.from(
      { length: 3 },
      () => new RecordingRetention({ store, audit, intervalMs: 60000, log: () => undefined }),
    );
    const counts = await Promise.all(sweepers.map((s) => s.sweep()));
    assert.equal(counts.reduce((a, b) => a + b, 0) >= brief.length, true);
    for (const row of brief) {
      assert.equal((await store.get(row.id))?.state, 'deleted');
      assert.equal((await deletions(row.id)).length, 1, 'one deletion record each');
    }
  });

  it('records the deletion of a recording whose file had already gone (a sweep cut short)', async () => {
    const brief = await aRecording(BRIEF_DAYS);
    unlinkSync(store.fileOf(brief.id));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await new RecordingRetention({ store, audit, intervalMs: 60000, log: () => undefined }).sweep();
    const [deletion] = await deletions(brief.id);
    assert.equal(deletion?.details.wasFilePresent, false);
    assert.equal((await store.get(brief.id))?.state, 'deleted');
  });

  it('leaves a recording still being written, even past its retention', async () => {
    const open = aRecorder(BRIEF_DAYS);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await new RecordingRetention({ store, audit, intervalMs: 60000, log: () => undefined }).sweep();
    assert.equal((await store.get(open.id!))?.state, 'recording');
    assert.ok(existsSync(store.fileOf(open.id!)));
    await open.stop();
  });

  it('keeps a recording whose file cannot be deleted, and says why', async () => {
    const brief = await aRecording(BRIEF_DAYS);
    // A folder where the file should be: unlink fails with something other than "not there".
    rmSync(store.fileOf(brief.id));
    mkdirSync(store.fileOf(brief.id));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const logged: string[] = [];
    await new RecordingRetention({ store, audit, intervalMs: 60000, log: (m) => logged.push(m) }).sweep();
    assert.notEqual((await store.get(brief.id))?.state, 'deleted');
    assert.deepEqual(await deletions(brief.id), [], 'no deletion is recorded that did not happen');
    assert.match(logged.join('\n'), /recording retention/);
    rmSync(store.fileOf(brief.id), { recursive: true });
  });
});

describe('a recording that cannot be kept', function () {
  this.timeout(60000);
  let database: FreshDatabase;

  before(async () => {
    database = await freshDatabase('recording_failure_test', [AUDIT_MIGRATIONS, BROKER_MIGRATIONS]);
  });
  after(async () => {
    await database?.close();
  });

  it('ends the session once, is audited, and is marked failed', async () => {
    const store = new RecordingStore(database.pool, '/nonexistent/recordings');
    const failures: string[] = [];
    const user = aUser();
    const recorder = new SessionRecorder(
      {
        store,
        key: randomBytes(32),
        audit: new AuditTrail(database.pool),
        instanceId: 'test',
        log: () => undefined,
      },
      { user, sessionId: 'session', desktopId: 'desk-1', poolId: 'local', retentionDays: 30 },
      (reason) => failures.push(reason),
    );
    recorder.write('4.sync,13.1700000000000;');
    await recorder.stop();
    assert.deepEqual(failures, ['ENOENT'], 'the tunnel is told once, with no path in the reason');
    const row = await store.get(recorder.id!);
    assert.equal(row?.state, 'failed');
    assert.equal(row?.failure, 'ENOENT');
    const { rows } = await database.pool.query(
      "SELECT actor_id, outcome, details FROM audit_events WHERE type = 'recording-failure'",
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0].actor_id, user.id);
    assert.equal(rows[0].outcome, 'failure');
  });
});

import assert from 'node:assert/strict';
import { createHikariOneConnector } from '#workspace-app/connectors/hikari-one/hikari-one-connector.js';
import { createKanamicConnector } from '#workspace-app/connectors/kanamic/kanamic-connector.js';
import { createVitalLinkConnector } from '#workspace-app/connectors/vital-link/vital-link-connector.js';
import type { PullConnector } from '#workspace-app/connectors/connector.js';
import { createPullLoop, type PullLoopOptions } from '#workspace-app/timeline/create-pull-loop.js';
import { readCursor } from '#workspace-app/timeline/store-pulled-batch.js';
import { listVendorHealth } from '#workspace-app/timeline/vendor-health.js';
import { createHikariOneSandbox, type HikariOneSandbox } from '#sandboxes/hikari-one/hikari-one-sandbox.js';
import { createKanamicSandbox, type KanamicSandbox } from '#sandboxes/kanamic/kanamic-sandbox.js';
import { startSandbox, type RunningSandbox } from '#sandboxes/start-sandbox.js';
import { createVitalLinkSandbox, type VitalLinkSandbox } from '#sandboxes/vital-link/vital-link-sandbox.js';
import { confirmedLink, eventually, timelineDatabase, type TimelineDatabase } from './timeline-fixtures.js';

const FAST = { timeoutMs: 300, retries: 1, baseDelayMs: 5, maxDelayMs: 20, budgetMs: 800, maxPages: 3 };
const PATIENT_TEXT = '佐藤花子様の褥瘡が悪化しています';

describe('pulling vendor events into the timeline', function () {
  this.timeout(60_000);
  let db: TimelineDatabase;
  let kanamic: KanamicSandbox;
  let vitalLink: VitalLinkSandbox;
  let hikariOne: HikariOneSandbox;
  let running: RunningSandbox[];
  let kanamicConnector: PullConnector;
  let vitalLinkConnector: PullConnector;
  let hikariOneConnector: PullConnector;
  let nextDatabase = 0;

  const loopFor = (connector: PullConnector, overrides: Partial<PullLoopOptions> = {}) =>
    createPullLoop({
      pool: db.pool,
      connector,
      intervalMs: 50,
      roundTimeoutMs: 1_500,
      baseBackoffMs: 20,
      maxBackoffMs: 100,
      ...overrides,
    });
  const storedCount = async (vendor: string) =>
    Number(
      (await db.pool.query('SELECT count(*) FROM timeline_events WHERE vendor = $1', [vendor])).rows[0].count,
    );
  const aKanamicMessage = (text = '本日訪問しました。') =>
    kanamic.addMessage({
      groupId: 'grp-setagaya-0001',
      groupName: '佐藤花子様 在宅チーム',
      staffName: '中村 優子',
      occupation: '訪問看護師',
      text,
    });
  const aVitalLinkMessage = (text = '明日の訪問時間を14時に変更します。') =>
    vitalLink.addMessage({
      teamId: 'grp-setagaya-0001',
      teamName: '佐藤花子様 在宅チーム',
      authorName: '中村 優子',
      jobTitle: '訪問看護師',
      text,
    });

  beforeEach(async () => {
    db = await timelineDatabase(`timeline_pull_test_${nextDatabase++}`);
    kanamic = createKanamicSandbox({
      clientId: 'office-13112',
      clientSecret: 'kanamic-client-secret-for-tests',
    });
    vitalLink = createVitalLinkSandbox({ apiToken: 'vital-link-api-token-for-tests' });
    hikariOne = createHikariOneSandbox({ apiKey: 'hikari-one-api-key-for-tests' });
    running = [await startSandbox(kanamic), await startSandbox(vitalLink), await startSandbox(hikariOne)];
    kanamicConnector = createKanamicConnector({
      baseUrl: running[0]!.url,
      clientId: 'office-13112',
      clientSecret: 'kanamic-client-secret-for-tests',
      pageSize: 2,
      policy: FAST,
    });
    vitalLinkConnector = createVitalLinkConnector({
      baseUrl: running[1]!.url,
      apiToken: 'vital-link-api-token-for-tests',
      account: 'station-0815',
      policy: FAST,
    });
    hikariOneConnector = createHikariOneConnector({
      baseUrl: running[2]!.url,
      apiKey: 'hikari-one-api-key-for-tests',
      account: 'facility-0001',
      policy: FAST,
    });
    await confirmedLink(db.pool, 'nurse.sato', 'kanamic', 'office-13112');
    await confirmedLink(db.pool, 'nurse.sato', 'vital-link', 'station-0815');
  });
  afterEach(async () => {
    await Promise.all(running.map((sandbox) => sandbox.close()));
    await db.close();
  });

  it('stores each new message once and moves the cursor past it', async () => {
    for (let i = 0; i < 5; i++) aKanamicMessage(`訪問報告 ${i}`);
    const loop = loopFor(kanamicConnector);
    const first = await loop.runRound();
    assert.equal(first.outcome === 'stored' && first.stored.inserted, 5);
    const second = await loop.runRound();
    assert.equal(second.outcome === 'stored' && second.stored.inserted, 0);
    assert.equal(await storedCount('kanamic'), 5);
    assert.ok(await readCursor(db.pool, 'kanamic'));
    const inbox = await db.pool.query(
      `SELECT count(*) FROM timeline_inbox WHERE practitioner_id = 'nurse.sato'`,
    );
    assert.equal(Number(inbox.rows[0].count), 5);
  });

  it('loses nothing and duplicates nothing when it crashes between fetch and commit', async () => {
    for (let i = 0; i < 3; i++) aKanamicMessage(`訪問報告 ${i}`);
    let crashes = 1;
    const loop = loopFor(kanamicConnector, {
      faults: {
        async beforeCommit() {
          if (crashes-- > 0) throw new Error('the process died here');
        },
      },
    });
    const crashed = await loop.runRound();
    assert.equal(crashed.outcome, 'failed');
    assert.equal(await storedCount('kanamic'), 0);
    assert.equal(await readCursor(db.pool, 'kanamic'), undefined);

    const retried = await loop.runRound();
    assert.equal(retried.outcome === 'stored' && retried.stored.inserted, 3);
    assert.equal(await storedCount('kanamic'), 3);
  });

  it('stores a batch fetched again (its cursor lost) as duplicates, not as new events', async () => {
    for (let i = 0; i < 3; i++) aKanamicMessage(`訪問報告 ${i}`);
    const loop = loopFor(kanamicConnector);
    await loop.runRound();
    await db.pool.query('DELETE FROM timeline_vendor_cursors');
    const again = await loop.runRound();
    assert.deepEqual(again.outcome === 'stored' && [again.stored.inserted, again.stored.duplicates], [0, 3]);
    assert.equal(await storedCount('kanamic'), 3);
  });

  it('lets two portal instances poll one vendor at once without duplicates or a cursor going back', async () => {
    for (let i = 0; i < 6; i++) aKanamicMessage(`訪問報告 ${i}`);
    const [one, two] = [loopFor(kanamicConnector), loopFor(kanamicConnector)];
    const outcomes = await Promise.all([one.runRound(), two.runRound(), one.runRound(), two.runRound()]);
    assert.ok(outcomes.some((outcome) => outcome.outcome === 'stored'));
    for (let round = 0; round < 10; round++) {
      const outcome = await one.runRound();
      if (outcome.outcome === 'stored' && !outcome.hasMore) break;
    }
    assert.equal(await storedCount('kanamic'), 6);
    const inbox = await db.pool.query(
      `SELECT count(*) FROM timeline_inbox WHERE practitioner_id = 'nurse.sato'`,
    );
    assert.equal(Number(inbox.rows[0].count), 6);
  });

  it('keeps ingesting the other vendors while one hangs, and shows the hung one stale since its last success', async () => {
    aKanamicMessage();
    const kanamicLoop = loopFor(kanamicConnector);
    await kanamicLoop.runRound();
    const { rows } = await db.pool.query(
      'SELECT last_success_at FROM timeline_vendor_health WHERE vendor = $1',
      ['kanamic'],
    );
    const lastSuccess: Date = rows[0].last_success_at;

    kanamic.takeDown('hang');
    const vitalLinkLoop = loopFor(vitalLinkConnector);
    kanamicLoop.start();
    vitalLinkLoop.start();
    try {
      aVitalLinkMessage();
      await eventually(
        async () => (await storedCount('vital-link')) === 1,
        'the バイタルリンク message',
        3_000,
      );
      aVitalLinkMessage('二件目');
      await eventually(async () => (await storedCount('vital-link')) === 2, 'the second message', 3_000);

      const stale = await eventually(async () => {
        const health = (await listVendorHealth(db.pool)).find((entry) => entry.vendor === 'kanamic');
        return health?.staleSince ? health : undefined;
      }, 'カナミック shown stale');
      assert.equal(stale.staleSince?.getTime(), lastSuccess.getTime());
      assert.match(stale.lastProblem ?? '', /unavailable: timeout/);
      const healthy = (await listVendorHealth(db.pool)).find((entry) => entry.vendor === 'vital-link');
      assert.equal(healthy?.staleSince, null);

      aKanamicMessage('復旧後の投稿');
      kanamic.bringUp();
      await eventually(async () => (await storedCount('kanamic')) === 2, 'カナミック catching up', 5_000);
      await eventually(async () => {
        const health = (await listVendorHealth(db.pool)).find((entry) => entry.vendor === 'kanamic');
        return health?.staleSince === null;
      }, 'カナミック no longer stale');
    } finally {
      await Promise.all([kanamicLoop.stop(), vitalLinkLoop.stop()]);
    }
  });

  it('retries a vendor that fails once, and counts consecutive failures of one that stays down', async () => {
    aVitalLinkMessage();
    vitalLink.failNext(1);
    const loop = loopFor(vitalLinkConnector);
    const recovered = await loop.runRound();
    assert.equal(recovered.outcome === 'stored' && recovered.stored.inserted, 1);

    vitalLink.takeDown('error');
    await loop.runRound();
    await loop.runRound();
    const health = (await listVendorHealth(db.pool)).find((entry) => entry.vendor === 'vital-link');
    assert.equal(health?.consecutiveFailures, 2);
    assert.match(health?.lastProblem ?? '', /server-error/);
  });

  it('refuses a malformed page whole and records it without patient data', async () => {
    aVitalLinkMessage('この前の記録は保存されます');
    await loopFor(vitalLinkConnector).runRound();
    aVitalLinkMessage(PATIENT_TEXT);
    vitalLink.addVitals({
      teamId: 'grp-setagaya-0001',
      teamName: '佐藤花子様 在宅チーム',
      authorName: '中村 優子',
      jobTitle: '訪問看護師',
      temperature: 372,
    });
    const refused = await loopFor(vitalLinkConnector).runRound();
    assert.deepEqual(refused, {
      vendor: 'vital-link',
      outcome: 'failed',
      problem: 'refused payload: malformed',
    });
    assert.equal(await storedCount('vital-link'), 1, 'nothing of the refused page is stored');

    const { rows } = await db.pool.query('SELECT * FROM timeline_rejected_payloads');
    assert.equal(rows.length, 1);
    assert.equal(rows[0].vendor, 'vital-link');
    assert.equal(rows[0].reason, 'malformed');
    // Control: the record names where the page is wrong, so an empty detail would fail here.
    assert.match(rows[0].detail, /temperatureCelsius|vitals/);
    const everything = JSON.stringify(rows);
    assert.ok(!everything.includes('褥瘡') && !everything.includes('372'), 'patient data kept in the record');
    const health = (await listVendorHealth(db.pool)).find((entry) => entry.vendor === 'vital-link');
    assert.ok(health?.staleSince);
  });

  it('refuses an oversized page and records why', async () => {
    for (let i = 0; i < 5; i++) aVitalLinkMessage('長い本文'.repeat(50));
    const small = createVitalLinkConnector({
      baseUrl: running[1]!.url,
      apiToken: 'vital-link-api-token-for-tests',
      account: 'station-0815',
      maxPageBytes: 500,
      policy: FAST,
    });
    const refused = await loopFor(small).runRound();
    assert.equal(refused.outcome === 'failed' && refused.problem, 'refused payload: oversized');
    const { rows } = await db.pool.query('SELECT reason FROM timeline_rejected_payloads');
    assert.deepEqual(rows, [{ reason: 'oversized' }]);
    assert.equal(await storedCount('vital-link'), 0);
  });

  it('refuses an export in the wrong encoding, keeping its cursor before it until the vendor fixes it', async () => {
    hikariOne.addRecord({
      groupId: 'grp-setagaya-0001',
      groupName: '佐藤花子様 在宅チーム',
      authorName: '中村 優子',
      occupation: '訪問看護師',
      body: PATIENT_TEXT,
    });
    hikariOne.exportBatch({ encoding: 'utf8' });
    const loop = loopFor(hikariOneConnector);
    const refused = await loop.runRound();
    assert.equal(refused.outcome === 'failed' && refused.problem, 'refused payload: bad-encoding');
    assert.equal(await readCursor(db.pool, 'hikari-one'), undefined);
    const { rows } = await db.pool.query('SELECT reason, detail FROM timeline_rejected_payloads');
    assert.equal(rows[0]?.reason, 'bad-encoding');
    assert.ok(!JSON.stringify(rows).includes('褥瘡'));
    // Control: a record in Shift_JIS, as the vendor should send it, is taken.
    const fixed = createHikariOneSandbox({ apiKey: 'hikari-one-api-key-for-tests' });
    fixed.addRecord({
      groupId: 'grp-setagaya-0001',
      groupName: '佐藤花子様 在宅チーム',
      authorName: '中村 優子',
      occupation: '訪問看護師',
      body: '再送',
    });
    fixed.exportBatch();
    const fixedVendor = await startSandbox(fixed);
    try {
      const connector = createHikariOneConnector({
        baseUrl: fixedVendor.url,
        apiKey: 'hikari-one-api-key-for-tests',
        account: 'facility-0001',
        policy: FAST,
      });
      const taken = await loopFor(connector).runRound();
      assert.equal(taken.outcome === 'stored' && taken.stored.inserted, 1);
    } finally {
      await fixedVendor.close();
    }
  });
});

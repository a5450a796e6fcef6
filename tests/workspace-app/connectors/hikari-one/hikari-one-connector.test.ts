import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import {
  createHikariOneConnector,
  type HikariOneConnectorOptions,
} from '#workspace-app/connectors/hikari-one/hikari-one-connector.js';
import { VendorAuthError } from '#workspace-app/connectors/vendor-auth-error.js';
import {
  VendorPayloadError,
  type VendorPayloadProblem,
} from '#workspace-app/connectors/vendor-payload-error.js';
import {
  createHikariOneSandbox,
  hikariOneColumns,
  type HikariOneRecordInput,
  type HikariOneSandbox,
} from '#sandboxes/hikari-one/hikari-one-sandbox.js';
import { writeCsv } from '#sandboxes/hikari-one/write-csv.js';
import { startSandbox, type RunningSandbox } from '#sandboxes/start-sandbox.js';
import { pullConnectorContract } from '../pull-connector-contract.js';

const API_KEY = 'hikari-one-api-key-for-tests';
const FAST = { timeoutMs: 1_000, retries: 2, baseDelayMs: 5, maxDelayMs: 20, budgetMs: 3_000 };

function aRecord(overrides: Partial<HikariOneRecordInput> = {}): HikariOneRecordInput {
  return {
    groupId: 'H1G-0003',
    groupName: '髙橋和子様 在宅チーム',
    authorName: '伊藤 美咲',
    occupation: '薬剤師',
    recordedAt: new Date('2024-05-01T00:30:00Z'),
    subject: '服薬状況',
    body: '残薬を確認しました。',
    ...overrides,
  };
}

const refusedFor = (reason: VendorPayloadProblem) => (error: unknown) =>
  error instanceof VendorPayloadError && error.reason === reason;

describe('ひかりワン connector', () => {
  let sandbox: HikariOneSandbox;
  let vendor: RunningSandbox;
  const connector = (overrides: Partial<HikariOneConnectorOptions> = {}) =>
    createHikariOneConnector({
      baseUrl: vendor.url,
      apiKey: API_KEY,
      account: 'facility-1311200042',
      policy: FAST,
      ...overrides,
    });

  beforeEach(async () => {
    sandbox = createHikariOneSandbox({ apiKey: API_KEY });
    vendor = await startSandbox(sandbox);
  });
  afterEach(() => vendor.close());

  it('reads a Shift_JIS batch back to the same Japanese text, extensions, kana and CSV quoting included', async () => {
    const body = '①血圧 128/76、脈拍72。\n"ふらつき"の訴えなし～\r\n髙橋様のご家族(ｶｽﾞｺ様の長女)へ説明済み';
    sandbox.addRecord(aRecord({ body }));
    sandbox.exportBatch();

    const { events, cursor } = await connector().fetch(undefined);

    assert.equal(cursor, '1');
    assert.equal(events.length, 1);
    const [event] = events;
    assert.equal(event?.body, body);
    assert.equal(event?.title, '服薬状況');
    assert.equal(event?.patientGroupName, '髙橋和子様 在宅チーム');
    assert.deepEqual(event?.author, { role: 'pharmacist', roleLabel: '薬剤師', name: '伊藤 美咲' });
    assert.equal(event?.occurredAt, '2024-05-01T00:30:00.000Z');
    assert.equal(event?.vendorAccount, 'facility-1311200042');
  });

  it('takes only the batches after its cursor', async () => {
    sandbox.addRecord(aRecord({ body: '一回目' }));
    sandbox.exportBatch();
    sandbox.addRecord(aRecord({ body: '二回目' }));
    sandbox.exportBatch();

    const first = await connector().fetch(undefined);
    sandbox.addRecord(aRecord({ body: '三回目' }));
    sandbox.exportBatch();
    const second = await connector().fetch(first.cursor);

    assert.deepEqual(
      first.events.map((event) => event.body),
      ['一回目', '二回目'],
    );
    assert.equal(first.cursor, '2');
    assert.deepEqual(
      second.events.map((event) => event.body),
      ['三回目'],
    );
    assert.equal(second.cursor, '3');
  });

  it('refuses a batch written in UTF-8 instead of Shift_JIS, and takes the same batch in Shift_JIS', async () => {
    sandbox.addRecord(aRecord());
    sandbox.exportBatch({ encoding: 'utf-8' });
    sandbox.addRecord(aRecord());
    const good = sandbox.exportBatch();

    await assert.rejects(connector().fetch(undefined), refusedFor('bad-encoding'));
    const { events } = await connector().fetch(String(good - 1));
    assert.equal(events.length, 1);
  });

  it('refuses a batch written in EUC-JP, whose mojibake decodes without errors', async () => {
    sandbox.addRecord(aRecord({ body: '残薬あり' }));
    sandbox.exportBatch({ encoding: 'EUC-JP' });

    await assert.rejects(connector().fetch(undefined), refusedFor('bad-encoding'));
  });

  it('refuses a batch with byte sequences Shift_JIS does not define', async () => {
    const csv = iconv.encode(
      writeCsv([
        hikariOneColumns,
        ['H1-1', 'G', '佐藤花子様', '中村', '看護師', '2024/05/01 09:30', '', 'x'],
      ]),
      'Shift_JIS',
    );
    sandbox.publishRawBatch(
      Buffer.concat([csv.subarray(0, csv.length - 3), Buffer.from([0x85, 0x40, 0x0d, 0x0a])]),
      1,
    );

    await assert.rejects(connector().fetch(undefined), refusedFor('bad-encoding'));
  });

  it('keeps the good batches before a refused one and reports the refused one on the next call', async () => {
    sandbox.addRecord(aRecord({ body: '正常なバッチ' }));
    sandbox.exportBatch();
    sandbox.addRecord(aRecord());
    sandbox.exportBatch({ encoding: 'utf-8' });

    const first = await connector().fetch(undefined);

    assert.deepEqual(
      first.events.map((event) => event.body),
      ['正常なバッチ'],
    );
    assert.equal(first.cursor, '1');
    assert.equal(first.hasMore, true);
    await assert.rejects(connector().fetch(first.cursor), refusedFor('bad-encoding'));
  });

  it('refuses a batch whose CSV is broken', async () => {
    const csv = `${writeCsv([hikariOneColumns])}H1-1,G,"佐藤花子様,中村,看護師,2024/05/01 09:30,,本文\r\n`;
    sandbox.publishRawBatch(iconv.encode(csv, 'Shift_JIS'), 1);

    await assert.rejects(connector().fetch(undefined), refusedFor('malformed'));
  });

  it('refuses a batch with a record that does not validate, taking none of its records', async () => {
    sandbox.addRecord(aRecord({ body: '正常な記録' }));
    sandbox.addRecord(aRecord({ groupId: '' }));
    sandbox.exportBatch();

    await assert.rejects(connector().fetch(undefined), refusedFor('malformed'));
  });

  it('refuses a batch whose record count disagrees with the index', async () => {
    const csv = writeCsv([
      hikariOneColumns,
      ['H1-1', 'G', '佐藤花子様', '中村', '看護師', '2024/05/01 09:30', '', '本文'],
    ]);
    sandbox.publishRawBatch(iconv.encode(csv, 'Shift_JIS'), 2);

    await assert.rejects(connector().fetch(undefined), refusedFor('malformed'));
  });

  it('refuses to go on with a wrong API key', async () => {
    await assert.rejects(connector({ apiKey: 'wrong' }).fetch(undefined), VendorAuthError);
  });
});

pullConnectorContract('ひかりワン connector', async () => {
  const sandbox = createHikariOneSandbox({ apiKey: API_KEY });
  const vendor = await startSandbox(sandbox);
  return {
    // Each item comes in a batch of its own: a later batch may hold an older record.
    add: ({ at, isLarge }) => {
      sandbox.addRecord(aRecord({ recordedAt: at, ...(isLarge ? { body: '長'.repeat(10_000) } : {}) }));
      sandbox.exportBatch();
    },
    shownOnPage: /残薬を確認しました。/,
    hang: () => sandbox.takeDown('hang'),
    connector: ({ maxPageBytes, budgetMs, timeoutMs } = {}) =>
      createHikariOneConnector({
        baseUrl: vendor.url,
        apiKey: API_KEY,
        account: 'facility-1311200042',
        policy: { ...FAST, ...(budgetMs ? { budgetMs } : {}), ...(timeoutMs ? { timeoutMs } : {}) },
        ...(maxPageBytes ? { maxBatchBytes: maxPageBytes } : {}),
      }),
    close: () => vendor.close(),
  };
});

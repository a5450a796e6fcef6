import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import request from 'supertest';
import { createHikariOneSandbox, type HikariOneSandbox } from '#sandboxes/hikari-one/hikari-one-sandbox.js';

const API_KEY = 'hikari-one-api-key-for-tests';
const aRecord = {
  groupId: 'H1G-1',
  groupName: '髙橋和子様 在宅チーム',
  authorName: '伊藤 美咲',
  occupation: '薬剤師',
  recordedAt: new Date('2024-05-01T00:30:00Z'),
  body: '残薬を確認しました。',
};

const binary = (response: request.Response, callback: (error: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  response.on('end', () => callback(null, Buffer.concat(chunks)));
};

describe('ひかりワン sandbox', () => {
  let sandbox: HikariOneSandbox;

  beforeEach(() => {
    sandbox = createHikariOneSandbox({ apiKey: API_KEY });
  });
  afterEach(() => sandbox.stop());

  it('serves a batch as Shift_JIS CSV with Japanese column names and JST times', async () => {
    sandbox.addRecord(aRecord);
    const sequence = sandbox.exportBatch();

    const response = await request(sandbox.app)
      .get(`/export/v1/batches/${sequence}/file`)
      .set('x-api-key', API_KEY)
      .buffer(true)
      .parse(binary)
      .expect(200)
      .expect('content-type', /charset=Shift_JIS/i)
      .expect('x-batch-sequence', String(sequence));
    const bytes: Buffer = response.body;

    assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    const text = iconv.decode(bytes, 'Shift_JIS');
    assert.ok(text.startsWith('記録ID,患者グループID,患者グループ名,記入者,職種,記録日時,件名,本文\r\n'));
    assert.match(
      text,
      /髙橋和子様 在宅チーム,伊藤 美咲,薬剤師,2024\/05\/01 09:30:00,,残薬を確認しました。\r\n$/,
    );
  });

  it('lists only the batches after the sequence number asked for', async () => {
    sandbox.exportBatch();
    sandbox.addRecord(aRecord);
    sandbox.exportBatch();

    const response = await request(sandbox.app)
      .get('/export/v1/batches?after=1')
      .set('x-api-key', API_KEY)
      .expect(200);

    assert.deepEqual(
      response.body.batches.map((batch: { sequence: number; record_count: number }) => [
        batch.sequence,
        batch.record_count,
      ]),
      [[2, 1]],
    );
  });

  it('wants its API key', async () => {
    await request(sandbox.app).get('/export/v1/batches').expect(401);
    await request(sandbox.app).get('/export/v1/batches').set('x-api-key', 'wrong').expect(401);
  });

  it('exports what was recorded on its own schedule', async () => {
    const periodic = createHikariOneSandbox({ apiKey: API_KEY, exportIntervalMs: 10 });
    try {
      periodic.addRecord(aRecord);
      await new Promise((resolve) => setTimeout(resolve, 50));

      const response = await request(periodic.app)
        .get('/export/v1/batches')
        .set('x-api-key', API_KEY)
        .expect(200);

      assert.equal(response.body.batches.length, 1);
    } finally {
      periodic.stop();
    }
  });

  it('shows a record on its web app page', async () => {
    const id = sandbox.addRecord(aRecord);

    const page = await request(sandbox.app).get(`/app/records/${id}`).expect(200);

    assert.match(page.text, /残薬を確認しました。/);
  });
});

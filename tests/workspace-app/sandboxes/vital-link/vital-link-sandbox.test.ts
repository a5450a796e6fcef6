import assert from 'node:assert/strict';
import request from 'supertest';
import { createVitalLinkSandbox, type VitalLinkSandbox } from '#sandboxes/vital-link/vital-link-sandbox.js';

const TOKEN = 'vital-link-api-token-for-tests';
const team = {
  teamId: 'T-1',
  teamName: '佐藤花子様 在宅チーム',
  authorName: '中村 優子',
  jobTitle: '訪問看護師',
};

describe('バイタルリンク sandbox', () => {
  let sandbox: VitalLinkSandbox;
  const records = (query: Record<string, string> = {}) =>
    request(sandbox.app)
      .get('/api/v1/records')
      .query(query)
      .set('authorization', `Bearer ${TOKEN}`)
      .expect(200);

  beforeEach(() => {
    sandbox = createVitalLinkSandbox({ apiToken: TOKEN });
    sandbox.useBaseUrl('http://vital-link.test');
  });

  it('serves vital signs with the measurements that were taken and nulls for the rest', async () => {
    sandbox.addVitals({ ...team, recordedAt: new Date('2024-05-01T00:30:00Z'), temperature: 36.8, spo2: 96 });

    const [record] = (await records()).body.records;

    assert.equal(record.record_type, 'vital');
    assert.deepEqual(record.vital, {
      body_temperature: 36.8,
      blood_pressure: null,
      pulse_rate: null,
      spo2: 96,
    });
    assert.equal(record.recorded_at, '2024-05-01T09:30:00+09:00');
    assert.equal(record.link, 'http://vital-link.test/web/teams/T-1/records/1');
  });

  it('pages records after an id', async () => {
    for (let index = 0; index < 3; index++) sandbox.addMessage({ ...team, text: `連絡 ${index + 1}` });

    const first = (await records({ limit: '2' })).body;
    const rest = (await records({ since_id: String(first.last_id), limit: '2' })).body;

    assert.deepEqual([first.last_id, first.has_more], [2, true]);
    assert.deepEqual(
      rest.records.map((record: { message: { text: string } }) => record.message.text),
      ['連絡 3'],
    );
    assert.equal(rest.has_more, false);
  });

  it('wants its token', async () => {
    await request(sandbox.app).get('/api/v1/records').expect(401);
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCursor } from '#workspace-app/timeline/store-pulled-batch.js';
import { createKanamicSandbox, type KanamicSandbox } from '#sandboxes/kanamic/kanamic-sandbox.js';
import { startSandbox, type RunningSandbox } from '#sandboxes/start-sandbox.js';
import { timelineDatabase, type TimelineDatabase } from './timeline-fixtures.js';

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ingest-in-child-process.ts');
const CREDENTIALS = { clientId: 'office-13112', clientSecret: 'kanamic-client-secret-for-tests' };

describe('ingestion killed between fetch and commit', function () {
  this.timeout(60_000);
  let db: TimelineDatabase;
  let kanamic: KanamicSandbox;
  let vendor: RunningSandbox;

  before(async () => {
    db = await timelineDatabase('timeline_crash_test');
    kanamic = createKanamicSandbox(CREDENTIALS);
    vendor = await startSandbox(kanamic);
  });
  after(async () => {
    await vendor.close();
    await db.close();
  });

  function ingestOnce(
    crash: boolean,
  ): Promise<{ code: number | null; signal: string | null; output: string }> {
    return new Promise((resolve, reject) => {
      const proc = spawn(process.execPath, ['--import', 'tsx', child], {
        env: {
          ...process.env,
          INGEST_DATABASE_URL: db.url,
          INGEST_VENDOR_URL: vendor.url,
          INGEST_CLIENT_ID: CREDENTIALS.clientId,
          INGEST_CLIENT_SECRET: CREDENTIALS.clientSecret,
          INGEST_CRASH: crash ? '1' : '0',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let output = '';
      proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
      proc.on('error', reject);
      proc.on('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, output });
      });
    });
  }

  const stored = async () =>
    Number(
      (await db.pool.query(`SELECT count(*) FROM timeline_events WHERE vendor = 'kanamic'`)).rows[0].count,
    );

  it('loses no event and stores none twice once a new process takes over', async () => {
    for (let i = 0; i < 4; i++) {
      kanamic.addMessage({
        groupId: 'grp-setagaya-0001',
        groupName: '佐藤花子様 在宅チーム',
        staffName: '中村 優子',
        occupation: '訪問看護師',
        text: `訪問報告 ${i}`,
      });
    }
    const killed = await ingestOnce(true);
    assert.equal(killed.signal, 'SIGKILL', 'the first process died before it could commit');
    assert.equal(await stored(), 0);
    assert.equal(await readCursor(db.pool, 'kanamic'), undefined);

    const taken = await ingestOnce(false);
    assert.equal(taken.code, 0);
    assert.match(taken.output, /"inserted":4/);
    assert.equal(await stored(), 4);

    const again = await ingestOnce(false);
    assert.match(again.output, /"inserted":0/);
    assert.equal(await stored(), 4);
  });
});

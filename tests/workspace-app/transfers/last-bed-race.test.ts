import assert from 'node:assert/strict';
import type pg from 'pg';
import type supertest from 'supertest';
import type { Practitioner } from '@hcw/common';
import { answerInquiry } from '#workspace-app/transfers/answer-inquiry.js';
import { createTransferRequest } from '#workspace-app/transfers/create-transfer-request.js';
import { sendInquiries } from '#workspace-app/transfers/send-inquiries.js';
import type { StoredInquiry } from '#workspace-app/transfers/transfer-store.js';
import { aWard, someFreeBeds } from './factories.js';
import { startTransferTestEnv, type TransferTestEnv } from './transfer-test-env.js';
import {
  aStoredHospital,
  anAcceptance,
  anMsw,
  auditRows,
  bedManagerOf,
  errorOf,
  lastBedWard,
  newRequestBody,
  storeHospitals,
} from './workflow-fixtures.js';

const racers = 40;

/** MSWs of different hospitals, each with a request of their own. */
function mswNumber(n: number): Practitioner {
  return anMsw({ id: `msw.race-${n}`, organisation: `競合病院${n} 地域連携室`, displayName: `MSW ${n}` });
}

async function freeFemaleShared(pool: pg.Pool, hospitalId: string): Promise<number> {
  const result = await pool.query<{ free: number }>(
    'SELECT free_female_shared AS free FROM transfer_wards WHERE hospital_id = $1',
    [hospitalId],
  );
  return result.rows[0]?.free ?? -1;
}

describe('the last free bed', function () {
  this.timeout(120_000);
  let env: TransferTestEnv;

  before(async () => {
    env = await startTransferTestEnv('transfers_race_test');
    await storeHospitals(env.pool, [
      aStoredHospital('h-last', { wards: [lastBedWard('h-last-w1')] }),
      aStoredHospital('h-roomy-1', { wards: [aWard({ id: 'h-roomy-1-w1', freeBeds: someFreeBeds() })] }),
      aStoredHospital('h-roomy-2', { wards: [aWard({ id: 'h-roomy-2-w1', freeBeds: someFreeBeds() })] }),
    ]);
  });
  after(async () => {
    await env?.close();
  });

  /** Each MSW's request, asked at the hospitals and accepted by each, ready to be confirmed. */
  async function acceptedInquiries(msw: Practitioner, hospitalIds: string[]): Promise<StoredInquiry[]> {
    // Each MSW's own patient, on whose care team they are.
    const patientId = `patient-${msw.id}`;
    env.careTeams.add(msw.id, patientId);
    const request = await createTransferRequest(env.deps, msw, newRequestBody({}, patientId));
    const inquiries = await sendInquiries(env.deps, msw, request.id, { hospitalIds });
    for (const inquiry of inquiries) {
      await answerInquiry(
        env.deps,
        bedManagerOf(inquiry.hospitalId),
        inquiry.id,
        anAcceptance(inquiry.wardId, env.clock.now),
      );
    }
    return inquiries;
  }

  it(`is promised to exactly one of ${racers} MSWs confirming at the same moment`, async () => {
    const contenders: { agent: supertest.Agent; inquiry: StoredInquiry }[] = [];
    for (let n = 1; n <= racers; n += 1) {
      const msw = mswNumber(n);
      const [inquiry] = await acceptedInquiries(msw, ['h-last']);
      assert.ok(inquiry);
      contenders.push({ agent: await env.signIn(msw), inquiry });
    }
    assert.equal(await freeFemaleShared(env.pool, 'h-last'), 1, 'one bed, offered to every contender');

    const responses = await Promise.all(
      contenders.map(({ agent, inquiry }) => agent.post(`/api/transfers/inquiries/${inquiry.id}/confirm`)),
    );

    const statuses = responses.map((response) => response.status);
    assert.equal(
      statuses.filter((status) => status === 200).length,
      1,
      `one winner; got ${statuses.join(',')}`,
    );
    assert.equal(statuses.filter((status) => status === 409).length, racers - 1);
    for (const refused of responses.filter((response) => response.status === 409)) {
      assert.match(errorOf(refused).ja, /すでに他の転院で埋まりました/);
    }
    assert.equal(await freeFemaleShared(env.pool, 'h-last'), 0, 'never below zero');
    const holds = await env.pool.query(`SELECT 1 FROM transfer_bed_holds WHERE hospital_id = 'h-last'`);
    assert.equal(holds.rowCount, 1, 'one bed held');
    const confirmed = await env.pool.query(
      `SELECT 1 FROM transfer_inquiries WHERE status = 'confirmed' AND hospital_id = 'h-last'`,
    );
    assert.equal(confirmed.rowCount, 1);
    const losers = await env.pool.query(
      `SELECT 1 FROM transfer_requests r JOIN transfer_inquiries i ON i.request_id = r.id
        WHERE i.hospital_id = 'h-last' AND r.status = 'open' AND i.status = 'accepted'`,
    );
    assert.equal(losers.rowCount, racers - 1, 'the refused confirmations changed nothing');
    const audit = await auditRows(env.pool, 'transfer.inquiry.confirm');
    assert.equal(audit.filter((row) => row.outcome === 'success').length, 1);
    assert.equal(audit.filter((row) => row.details.rule === 'no-bed-left').length, racers - 1);
  });

  it('confirms one hospital of a request when the MSW confirms two at once', async () => {
    const msw = mswNumber(100);
    const inquiries = await acceptedInquiries(msw, ['h-roomy-1', 'h-roomy-2']);
    const agent = await env.signIn(msw);
    const [first, second] = await Promise.all(
      inquiries.map((inquiry) => agent.post(`/api/transfers/inquiries/${inquiry.id}/confirm`)),
    );
    assert.deepEqual([first?.status, second?.status].sort(), [200, 409]);
    const held = await env.pool.query(`SELECT 1 FROM transfer_bed_holds WHERE inquiry_id = ANY($1::uuid[])`, [
      inquiries.map((inquiry) => inquiry.id),
    ]);
    assert.equal(held.rowCount, 1);
  });

  it('control: the same race without row locks promises the bed several times, and the check sees it', async () => {
    await env.pool.query(
      `UPDATE transfer_wards SET free_female_shared = 1, version = version + 1 WHERE hospital_id = 'h-last'`,
    );
    // Read, think, write: what a confirmation without FOR UPDATE would do.
    const naiveConfirm = async (): Promise<boolean> => {
      const client = await env.pool.connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<{ free: number }>(
          `SELECT free_female_shared AS free FROM transfer_wards WHERE hospital_id = 'h-last'`,
        );
        const free = rows[0]?.free ?? 0;
        await client.query('SELECT pg_sleep(0.05)');
        if (free === 0) {
          await client.query('ROLLBACK');
          return false;
        }
        await client.query(`UPDATE transfer_wards SET free_female_shared = $1 WHERE hospital_id = 'h-last'`, [
          free - 1,
        ]);
        await client.query('COMMIT');
        return true;
      } finally {
        client.release();
      }
    };
    const promised = (await Promise.all(Array.from({ length: 10 }, naiveConfirm))).filter(Boolean).length;
    assert.ok(promised > 1, `the unlocked version promised ${promised} times`);
    assert.equal(await freeFemaleShared(env.pool, 'h-last'), 0, 'and the figures do not even show it');
  });
});

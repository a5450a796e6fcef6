import assert from 'node:assert/strict';
import type supertest from 'supertest';
import type { SearchHit, TransferSearchResult } from '#workspace-app/transfers/search-transfer-hospitals.js';
import { demoTransferRequestId, seedDemoTransfers } from '#demo/seed-demo-transfers.js';
import { tamaRehabilitationHospitalId } from '#demo/demo-hospitals.js';
import { tokyoAreas } from '#workspace-app/transfers/tokyo-areas.js';
import { startTransferTestEnv, type TransferTestEnv } from './transfer-test-env.js';
import { anMsw, errorOf } from './workflow-fixtures.js';

type SearchBody = Omit<TransferSearchResult, 'request'>;

describe('transfer search over HTTP', function () {
  this.timeout(120_000);
  let env: TransferTestEnv;
  let msw: supertest.Agent;
  const searchPath = `/api/transfers/requests/${demoTransferRequestId}/search`;

  before(async () => {
    env = await startTransferTestEnv('transfers_search_test');
    await seedDemoTransfers(env.pool, { now: env.clock.now });
    msw = await env.signIn(anMsw());
  });
  after(async () => {
    await env?.close();
  });

  async function search(query = ''): Promise<SearchBody> {
    return (await msw.get(`${searchPath}${query}`).expect(200)).body as SearchBody;
  }

  const allHits = (result: SearchBody): SearchHit[] => [...result.matches, ...result.excluded];

  it('ranks every hospital for the request and explains each fit and miss', async () => {
    const result = await search('?limit=1000');
    assert.equal(result.hospitalCount, 640);
    assert.equal(result.matchCount + result.excludedCount, 640);
    assert.ok(result.matchCount > 0);
    const best = result.matches.find((hit) => hit.hospitalId === tamaRehabilitationHospitalId);
    assert.ok(best, 'the rehabilitation hospital in the preferred city fits');
    assert.equal(best.score, result.matches[0]?.score, 'and is among the best');
    assert.ok(result.matches.every((hit, index) => hit.rank === index + 1));
    assert.ok(best.fits.some((fit) => fit.code === 'in-preferred-municipality'));
    assert.match(best.explanation.ja, /多摩リハビリテーション病院.*合う点/);
    for (const hit of result.excluded) {
      assert.ok(hit.exclusions.length > 0, `${hit.hospitalId} says why it does not fit`);
      assert.equal(hit.rank, null);
    }
    assert.ok(result.matches.every((hit) => typeof hit.wardFreeBedsUpdatedAt === 'string'));
    assert.equal(best.inquiry?.status, 'sent', 'the hospital already asked is marked as such');
  });

  it('narrows by care area, municipality, ward type and typical wait', async () => {
    const everything = await search();
    const southTama = await search('?area=minamitama');
    assert.ok(southTama.hospitalCount < everything.hospitalCount);
    assert.ok(allHits(southTama).every((hit) => hit.areaId === 'minamitama'));
    const tama = await search('?municipality=tama-shi');
    assert.ok(allHits(tama).every((hit) => hit.municipalityId === 'tama-shi'));
    assert.ok(tama.hospitalCount > 0);
    const communityCare = await search('?wardType=community-care');
    assert.ok(allHits(communityCare).every((hit) => hit.ward.wardType === 'community-care'));
    const quick = await search('?maxWait=3');
    assert.ok(allHits(quick).every((hit) => hit.ward.typicalWaitDays <= 3));
  });

  it('marks stale free-bed figures, ranks them lower, and can leave them out', async () => {
    await env.pool.query(`UPDATE transfer_wards SET free_beds_updated_at = $2 WHERE hospital_id = $1`, [
      tamaRehabilitationHospitalId,
      new Date(env.clock.now.getTime() - 5 * 86_400_000),
    ]);
    try {
      const result = await search('?municipality=tama-shi');
      const tama = allHits(result).find((hit) => hit.hospitalId === tamaRehabilitationHospitalId);
      assert.ok(tama);
      assert.equal(tama.isStale, true);
      assert.equal(tama.isWardStale, true);
      assert.ok(tama.drawbacks.some((reason) => reason.code === 'free-beds-stale'));
      const page = await msw
        .get(`/transfers/requests/${demoTransferRequestId}/search?municipality=tama-shi`)
        .expect(200);
      assert.match(page.text, /情報が古い/);
      const fresh = await search('?municipality=tama-shi&fresh=1');
      assert.ok(allHits(fresh).every((hit) => !hit.isStale));
      assert.ok(!allHits(fresh).some((hit) => hit.hospitalId === tamaRehabilitationHospitalId));
    } finally {
      await env.pool.query(`UPDATE transfer_wards SET free_beds_updated_at = $2 WHERE hospital_id = $1`, [
        tamaRehabilitationHospitalId,
        env.clock.now,
      ]);
    }
  });

  it('refuses unknown filters with a message in both languages', async () => {
    const response = await msw.get(`${searchPath}?area=atlantis`).expect(400);
    assert.match(errorOf(response).ja, /「atlantis」は使えないコード/);
    assert.match(errorOf(response).en, /unknown code "atlantis"/);
  });

  it('shows the list and a schematic map of the 62 municipalities, in Japanese and in English', async () => {
    const page = await msw.get(`/transfers/requests/${demoTransferRequestId}/search`).expect(200);
    assert.match(page.text, /<svg class="schematic-map"/);
    const tiles = [...page.text.matchAll(/data-municipality="([a-z-]+)"/g)].map((match) => match[1]);
    assert.equal(new Set(tiles).size, 62);
    assert.deepEqual(new Set(tiles), new Set(tokyoAreas.municipalityIds));
    assert.match(page.text, /多摩リハビリテーション病院/);
    assert.match(page.text, /選んだ病院に一斉に問い合わせる/);
    assert.doesNotMatch(page.text, /<script>|style="/, 'no inline script or style under the CSP');
    const english = await msw.get(`/transfers/requests/${demoTransferRequestId}/search?lang=en`).expect(200);
    assert.match(english.text, /Hospitals that fit/);
    const narrowed = await msw
      .get(`/transfers/requests/${demoTransferRequestId}/search?municipality=tama-shi`)
      .expect(200);
    assert.match(
      narrowed.text,
      /class="map-tile area-minamitama has-matches is-selected" data-municipality="tama-shi"/,
    );
  });

  it('audits each search as a read of the patient’s request', async () => {
    await search('?area=ku-seibu');
    const rows = await env.pool.query<{ outcome: string; details: Record<string, unknown> }>(
      `SELECT outcome, details FROM audit_events WHERE type = 'transfer.request.search' AND actor_id = 'msw.takahashi' ORDER BY id DESC LIMIT 1`,
    );
    assert.equal(rows.rows[0]?.outcome, 'success');
    assert.equal(rows.rows[0]?.details.requestId, demoTransferRequestId);
  });
});

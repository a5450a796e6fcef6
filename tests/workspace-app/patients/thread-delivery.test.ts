import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { createFhirConnector } from '#workspace-app/connectors/fhir/fhir-connector.js';
import { createPatient } from '#workspace-app/patients/create-patient.js';
import { postToThread, readThread } from '#workspace-app/patients/patient-thread.js';
import {
  communicationOf,
  deliverDuePosts,
  defaultDeliveryPolicy,
  judgeAnswer,
  startThreadDelivery,
  type ThreadDeliveryDeps,
} from '#workspace-app/patients/thread-delivery.js';
import { mapPatientGroup } from '#workspace-app/timeline/patient-groups.js';
import { createFhirSandbox, type FhirSandbox } from '#sandboxes/fhir/fhir-sandbox.js';
import { startSandbox, type RunningSandbox } from '#sandboxes/start-sandbox.js';
import {
  aBasics,
  auditEvents,
  patientDatabase,
  patientDeps,
  people,
  registerPractitioners,
} from './patient-fixtures.js';

describe('thread posts reach the patient’s FHIR vendor once, whatever the retries', function () {
  this.timeout(60_000);
  let pool: pg.Pool;
  let deps: ReturnType<typeof patientDeps>;
  let sandbox: FhirSandbox;
  let running: RunningSandbox;
  let delivery: ThreadDeliveryDeps;
  let patientId: string;
  const vendorPatient = 'Patient/pat-delivery-0001';

  async function delivered(postId: string) {
    const { rows } = await pool.query<{
      state: string;
      attempts: number;
      last_error: string | null;
      vendor_resource_id: string | null;
    }>(
      'SELECT state, attempts, last_error, vendor_resource_id FROM patient_thread_deliveries WHERE post_id = $1',
      [postId],
    );
    return rows;
  }

  /** How many Communications the vendor holds with the post's identifier, asked as any FHIR client would. */
  async function atVendor(identifier: string): Promise<{ total: number; ids: string[] }> {
    const response = await fetch(
      `${running.url}/fhir/Communication?identifier=${encodeURIComponent(identifier)}`,
    );
    const bundle = (await response.json()) as { total: number; entry?: { resource: { id: string } }[] };
    return { total: bundle.total, ids: (bundle.entry ?? []).map((e) => e.resource.id) };
  }

  before(async () => {
    sandbox = createFhirSandbox();
    running = await startSandbox(sandbox);
    pool = await patientDatabase('patients_thread_delivery_test');
    deps = {
      ...patientDeps(pool),
      threadVendors: [{ id: 'fhir', name: { ja: '地域連携FHIRサーバー', en: 'Regional FHIR server' } }],
    } as ReturnType<typeof patientDeps>;
    delivery = {
      pool,
      auditTrail: deps.auditTrail,
      targets: [{ id: 'fhir', baseUrl: `${running.url}/fhir` }],
      policy: { baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 5_000 },
    };
    await registerPractitioners(pool, Object.values(people));
    patientId = (await createPatient(deps, people.sato, aBasics())).patientId;
    await mapPatientGroup(
      pool,
      { vendor: 'fhir', patientGroupRef: vendorPatient, patientId, patientLabel: '山口 正雄' },
      'test',
    );
  });
  after(async () => {
    await running?.close();
    await pool?.end();
  });

  it('sends once across a lost answer and a 503: the vendor holds one Communication', async () => {
    const post = await postToThread(deps, people.sato, patientId, {
      body: '本日、褥瘡の処置を変更しました。',
    });
    const identifier = `urn:uuid:${post.id}`;
    // The outbox row is written with the post, before any worker runs: a crash now loses nothing.
    assert.deepEqual(
      (await delivered(post.id)).map((d) => [d.state, d.attempts]),
      [['pending', 0]],
    );

    // First attempt: the vendor stores it and the connection drops before its answer.
    sandbox.dropAnswersAfterStoring(1);
    assert.deepEqual(await deliverDuePosts(delivery), { delivered: 0, retrying: 1, failed: 0 });
    const [afterDrop] = await delivered(post.id);
    assert.equal(afterDrop?.state, 'pending');
    assert.ok(afterDrop?.last_error, 'the reason is kept for the page');
    assert.equal((await atVendor(identifier)).total, 1, 'the vendor did store it');

    // Second attempt: the vendor is unavailable.
    sandbox.failNext(1, 503);
    await sleep(20);
    assert.deepEqual(await deliverDuePosts(delivery), { delivered: 0, retrying: 1, failed: 0 });
    assert.equal((await delivered(post.id))[0]?.last_error, 'HTTP 503');

    // Third: the conditional create finds the first one.
    await sleep(20);
    assert.deepEqual(await deliverDuePosts(delivery), { delivered: 1, retrying: 0, failed: 0 });
    assert.deepEqual(await deliverDuePosts(delivery), { delivered: 0, retrying: 0, failed: 0 });
    const [done] = await delivered(post.id);
    assert.equal(done?.state, 'delivered');
    assert.equal(done?.attempts, 3);
    const stored = await atVendor(identifier);
    assert.equal(stored.total, 1, 'exactly one Communication at the vendor');
    assert.equal(done?.vendor_resource_id, stored.ids[0]);
    const resource = (await (await fetch(`${running.url}/fhir/Communication/${stored.ids[0]}`)).json()) as {
      subject: { reference: string };
      payload: { contentString: string }[];
    };
    assert.equal(resource.subject.reference, vendorPatient);
    assert.equal(resource.payload[0]?.contentString, '本日、褥瘡の処置を変更しました。');

    const thread = await readThread(deps, people.sato, patientId);
    assert.equal(thread.posts.find((p) => p.id === post.id)?.deliveries[0]?.state, 'delivered');
    const events = await auditEvents(pool, { patientId, type: 'patient.thread.deliver' });
    assert.deepEqual(
      events.filter((e) => e.details.postId === post.id).map((e) => [e.outcome, e.details.attempt]),
      [
        ['failure', 1],
        ['failure', 2],
        ['success', 3],
      ],
    );
    assert.ok(
      events.every((e) => !JSON.stringify(e.details).includes('褥瘡')),
      'ids only, never the text',
    );
  });

  it('is read back by the portal’s FHIR connector as that vendor’s message about the patient', async () => {
    const post = await postToThread(deps, people.sato, patientId, { body: '吸引の回数が増えています。' });
    await deliverDuePosts(delivery);
    const connector = createFhirConnector({ id: 'fhir', baseUrl: `${running.url}/fhir`, account: 'portal' });
    const { events } = await connector.fetch(undefined);
    const [sent] = await delivered(post.id);
    const event = events.find((e) => e.vendorMessageId === `Communication/${sent?.vendor_resource_id}`);
    assert.ok(event, 'the delivered post is in the vendor’s feed');
    assert.equal(event.patientGroupRef, vendorPatient);
    assert.equal(event.body, '吸引の回数が増えています。');
    assert.match(event.author.name ?? '', /佐藤 花子/);
  });

  it('control: without If-None-Exist the same resource sent twice is stored twice', async () => {
    const resource = communicationOf({
      post_id: '00000000-0000-4000-8000-00000000c0de',
      vendor: 'fhir',
      vendor_patient_ref: vendorPatient,
      attempts: 0,
      patient_id: patientId,
      author_name: '佐藤 花子',
      author_organisation: '新宿訪問看護ステーション',
      author_profession: '看護師',
      body: '対照',
      posted_at: new Date(),
      reply_to: null,
    });
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${running.url}/fhir/Communication`, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json' },
        body: JSON.stringify(resource),
      });
      assert.equal(response.status, 201);
    }
    assert.equal((await atVendor('urn:uuid:00000000-0000-4000-8000-00000000c0de')).total, 2);
  });

  it('gives up after the last attempt and keeps the reason, shown as failed on the post', async () => {
    const post = await postToThread(deps, people.sato, patientId, { body: '夜間の連絡先を変更します。' });
    sandbox.failNext(5, 503);
    const policy = { ...delivery.policy, maxAttempts: 2 };
    await deliverDuePosts({ ...delivery, policy });
    await sleep(20);
    assert.deepEqual(await deliverDuePosts({ ...delivery, policy }), {
      delivered: 0,
      retrying: 0,
      failed: 1,
    });
    sandbox.failNext(0);
    const [failed] = await delivered(post.id);
    assert.equal(failed?.state, 'failed');
    assert.equal(failed?.last_error, 'HTTP 503 (2 attempts)');
    assert.equal((await atVendor(`urn:uuid:${post.id}`)).total, 0);
    const thread = await readThread(deps, people.sato, patientId);
    assert.equal(thread.posts.find((p) => p.id === post.id)?.deliveries[0]?.state, 'failed');
  });

  it('decides from the answer: a refusal is final, throttling and server errors are tried again', () => {
    const policy = defaultDeliveryPolicy;
    assert.equal(judgeAnswer({ status: 201, location: null }, 1, policy).state, 'delivered');
    assert.equal(judgeAnswer({ status: 200, location: null }, 1, policy).state, 'delivered');
    assert.equal(judgeAnswer({ status: 400, location: null }, 1, policy).state, 'failed');
    assert.equal(judgeAnswer({ status: 429, location: null }, 1, policy).state, 'retry');
    assert.equal(judgeAnswer({ error: 'ECONNRESET' }, 1, policy).state, 'retry');
    assert.equal(judgeAnswer({ status: 503, location: null }, policy.maxAttempts, policy).state, 'failed');
  });

  it('leaves out vendors the patient is not linked to, and the worker main.ts starts sends by itself', async () => {
    const unlinked = (await createPatient(deps, people.sato, aBasics())).patientId;
    const lonely = await postToThread(deps, people.sato, unlinked, { body: 'リンクのない患者' });
    assert.deepEqual(await delivered(lonely.id), []);

    const post = await postToThread(deps, people.sato, patientId, { body: '明日の訪問は10時です。' });
    const worker = startThreadDelivery(delivery, { intervalMs: 20, log: () => undefined });
    try {
      for (let i = 0; i < 100 && (await delivered(post.id))[0]?.state !== 'delivered'; i++) await sleep(20);
    } finally {
      await worker.stop();
    }
    assert.equal((await delivered(post.id))[0]?.state, 'delivered');
    assert.equal((await atVendor(`urn:uuid:${post.id}`)).total, 1);
  });
});

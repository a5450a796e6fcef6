import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { createFhirConnector } from '#workspace-app/connectors/fhir/fhir-connector.js';
import { createKanamicConnector } from '#workspace-app/connectors/kanamic/kanamic-connector.js';
import { createPatient } from '#workspace-app/patients/create-patient.js';
import { postToThread, readThread } from '#workspace-app/patients/patient-thread.js';
import { communicationOf, fhirThreadWriter } from '#workspace-app/patients/fhir-thread-writer.js';
import {
  deliverDuePosts,
  defaultDeliveryPolicy,
  judgeAnswer,
  startThreadDelivery,
  type ThreadDeliveryDeps,
} from '#workspace-app/patients/thread-delivery.js';
import { kanamicMessageOf } from '#workspace-app/patients/kanamic-thread-writer.js';
import { threadWriters } from '#workspace-app/patients/thread-writers.js';
import { mapPatientGroup } from '#workspace-app/timeline/patient-groups.js';
import { createFhirSandbox, type FhirSandbox } from '#sandboxes/fhir/fhir-sandbox.js';
import { createKanamicSandbox, type KanamicSandbox } from '#sandboxes/kanamic/kanamic-sandbox.js';
import { startSandbox, type RunningSandbox } from '#sandboxes/start-sandbox.js';
import { startPortalUnderTest, type Agent, type PortalUnderTest } from '../portal-under-test.js';
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
      writers: [
        fhirThreadWriter({
          id: 'fhir',
          name: { ja: '地域連携FHIRサーバー', en: 'Regional FHIR server' },
          baseUrl: `${running.url}/fhir`,
        }),
      ],
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
    assert.equal(judgeAnswer({ status: 201, resourceId: 'comm-1' }, 1, policy).state, 'delivered');
    assert.equal(judgeAnswer({ status: 200 }, 1, policy).state, 'delivered');
    assert.equal(judgeAnswer({ status: 400 }, 1, policy).state, 'failed');
    assert.equal(judgeAnswer({ status: 429 }, 1, policy).state, 'retry');
    assert.equal(judgeAnswer({ error: 'ECONNRESET' }, 1, policy).state, 'retry');
    assert.equal(judgeAnswer({ status: 503 }, policy.maxAttempts, policy).state, 'failed');
    assert.deepEqual(judgeAnswer({ status: 404, code: 'group_not_found' }, 1, policy), {
      state: 'failed',
      reason: 'refused by the vendor: HTTP 404 group_not_found',
    });
    // The vendor's code is kept only when it is a code: the reason is shown on the page and logged.
    assert.deepEqual(judgeAnswer({ status: 422, code: 'not a code <b>' }, 1, policy), {
      state: 'failed',
      reason: 'refused by the vendor: HTTP 422',
    });
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

describe('thread posts reach the patient’s Kanamic group once, whatever the retries', function () {
  this.timeout(120_000);
  const CLIENT = { clientId: 'portal-office-0001', clientSecret: 'kanamic-client-secret-for-tests' };
  const GROUP = { id: 'grp-delivery-0001', name: '山口正雄様 在宅チーム' };
  let portal: PortalUnderTest;
  let sandbox: KanamicSandbox;
  let running: RunningSandbox;
  let delivery: ThreadDeliveryDeps;
  let deps: ReturnType<typeof patientDeps>;
  let sato: Agent;
  let patientId: string;

  async function delivered(postId: string) {
    const { rows } = await portal.pool.query<{
      vendor: string;
      state: string;
      attempts: number;
      last_error: string | null;
      vendor_resource_id: string | null;
    }>(
      `SELECT vendor, state, attempts, last_error, vendor_resource_id FROM patient_thread_deliveries
        WHERE post_id = $1`,
      [postId],
    );
    return rows;
  }

  /** Kanamic's messages with this text, as the portal's own Kanamic connector reads them into the timeline. */
  async function atKanamic(text: string) {
    const connector = createKanamicConnector({ baseUrl: running.url, ...CLIENT });
    const { events } = await connector.fetch(undefined);
    return events.filter((event) => event.body === text);
  }

  /** Posts through the thread page's form, as the browser does; the new post's id. */
  async function postOnPage(patient: string, body: string): Promise<string> {
    const response = await sato.post(`/patients/${patient}/thread`).type('form').send({ body });
    assert.equal(response.status, 303, response.text.slice(0, 600));
    const postId = /#post-([0-9a-f-]{36})$/.exec(response.headers.location ?? '')?.[1];
    assert.ok(postId);
    return postId;
  }

  async function threadPage(patient: string): Promise<string> {
    const page = await sato.get(`/patients/${patient}/thread`);
    assert.equal(page.status, 200);
    return page.text;
  }

  before(async () => {
    sandbox = createKanamicSandbox(CLIENT);
    sandbox.addGroup(GROUP.id, GROUP.name);
    running = await startSandbox(sandbox);
    // The portal as main.ts builds it: connecting Kanamic for reading is all it takes for it to get posts.
    portal = await startPortalUnderTest('patients_thread_kanamic_test', {
      env: { PORTAL_CONNECTORS: JSON.stringify({ kanamic: { baseUrl: running.url, ...CLIENT } }) },
    });
    deps = patientDeps(portal.pool);
    delivery = {
      pool: portal.pool,
      auditTrail: deps.auditTrail,
      writers: threadWriters(portal.config.connectors),
      policy: { baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 5_000 },
    };
    await registerPractitioners(portal.pool, Object.values(people));
    patientId = (await createPatient(deps, people.sato, aBasics())).patientId;
    for (const [vendor, ref] of [
      ['kanamic', GROUP.id],
      ['mcs', 'grp-mcs-0001'],
    ] as const) {
      await mapPatientGroup(
        portal.pool,
        { vendor, patientGroupRef: ref, patientId, patientLabel: '山口 正雄' },
        'test',
      );
    }
    sato = await portal.signInOnPortalPage(people.sato);
  });
  after(async () => {
    await portal?.close();
    await running?.close();
  });

  it('names Kanamic among the vendors that receive posts, MCS among those that do not', async () => {
    const page = await threadPage(patientId);
    assert.match(page, /class="thread-vendors-sent">\s*投稿は次のシステムにも送られます: カナミック\s*</);
    assert.match(page, /thread-vendors-not-sent[^>]*>[^<]*MCS（メディカルケアステーション）\s*</);
    assert.doesNotMatch(page, /thread-vendors-not-sent[^>]*>[^<]*カナミック/);
  });

  it('sends once across a lost answer and a 503: one message on the group’s board, 送信済み on the post', async () => {
    const text = '本日、褥瘡の処置を変更しました。';
    const postId = await postOnPage(patientId, text);
    assert.deepEqual(
      (await delivered(postId)).map((d) => [d.vendor, d.state, d.attempts]),
      [['kanamic', 'pending', 0]],
    );
    assert.match(await threadPage(patientId), /カナミック: 送信待ち/);

    // First attempt: Kanamic stores it and the connection drops before its answer.
    sandbox.dropAnswersAfterStoring(1);
    assert.deepEqual(await deliverDuePosts(delivery), { delivered: 0, retrying: 1, failed: 0 });
    assert.equal((await delivered(postId))[0]?.state, 'pending');
    assert.equal((await atKanamic(text)).length, 1, 'Kanamic did store it');
    assert.match(await threadPage(patientId), /カナミック: 送信待ち （1回失敗、再送します: /);

    // Second attempt: Kanamic is unavailable.
    sandbox.failNext(1, 503);
    await sleep(20);
    assert.deepEqual(await deliverDuePosts(delivery), { delivered: 0, retrying: 1, failed: 0 });
    assert.equal((await delivered(postId))[0]?.last_error, 'HTTP 503');

    // Third: the same Idempotency-Key finds the first message.
    await sleep(20);
    assert.deepEqual(await deliverDuePosts(delivery), { delivered: 1, retrying: 0, failed: 0 });
    assert.deepEqual(await deliverDuePosts(delivery), { delivered: 0, retrying: 0, failed: 0 });
    const [done] = await delivered(postId);
    assert.equal(done?.state, 'delivered');
    assert.equal(done?.attempts, 3);
    const board = await atKanamic(text);
    assert.equal(board.length, 1, 'exactly one message at Kanamic');
    assert.equal(done?.vendor_resource_id, board[0]?.vendorMessageId);

    // The timeline reads it back as Kanamic's message in the patient's group.
    const [message] = board;
    assert.equal(message?.patientGroupRef, GROUP.id);
    assert.equal(message?.patientGroupName, GROUP.name);
    assert.equal(message?.author.name, '佐藤 花子');
    assert.equal(message?.author.roleLabel, '看護師');
    assert.equal(message?.title, 'ケアチームの連絡スレッド');

    assert.match(await threadPage(patientId), /カナミック: 送信済み/);
    const events = await auditEvents(portal.pool, { patientId, type: 'patient.thread.deliver' });
    assert.deepEqual(
      events.filter((e) => e.details.postId === postId).map((e) => [e.outcome, e.details.attempt]),
      [
        ['failure', 1],
        ['failure', 2],
        ['success', 3],
      ],
    );
  });

  it('tries again after a timeout and sends once when Kanamic answers again', async () => {
    const text = '明日の訪問は10時です。';
    const postId = await postOnPage(patientId, text);
    sandbox.takeDown('hang');
    try {
      assert.deepEqual(
        await deliverDuePosts({ ...delivery, policy: { ...delivery.policy, timeoutMs: 300 } }),
        {
          delivered: 0,
          retrying: 1,
          failed: 0,
        },
      );
    } finally {
      sandbox.bringUp();
    }
    assert.match((await delivered(postId))[0]?.last_error ?? '', /no answer within 300 ms|time budget spent/);
    await sleep(20);
    assert.deepEqual(await deliverDuePosts(delivery), { delivered: 1, retrying: 0, failed: 0 });
    assert.equal((await atKanamic(text)).length, 1);
  });

  it('renews a token that died early, once, and the post still goes once', async () => {
    const text = '吸引の回数が増えています。';
    const postId = await postOnPage(patientId, text);
    const issued = sandbox.tokensIssued;
    sandbox.expireTokens();
    assert.deepEqual(await deliverDuePosts(delivery), { delivered: 1, retrying: 0, failed: 0 });
    assert.equal(sandbox.tokensIssued, issued + 1);
    assert.equal((await delivered(postId))[0]?.attempts, 1);
    assert.equal((await atKanamic(text)).length, 1);
  });

  it('fails at once when Kanamic refuses the post, with Kanamic’s reason on the post', async () => {
    // A patient linked to a group Kanamic does not know (closed there, or mistyped when linked).
    const stray = (await createPatient(deps, people.sato, aBasics())).patientId;
    await mapPatientGroup(
      portal.pool,
      { vendor: 'kanamic', patientGroupRef: 'grp-closed-0009', patientId: stray, patientLabel: '川口 春子' },
      'test',
    );
    const text = '退院前カンファレンスの日程を調整します。';
    const postId = await postOnPage(stray, text);
    assert.deepEqual(await deliverDuePosts(delivery), { delivered: 0, retrying: 0, failed: 1 });
    assert.deepEqual(
      (await delivered(postId)).map((d) => [d.state, d.attempts, d.last_error]),
      [['failed', 1, 'refused by the vendor: HTTP 404 group_not_found']],
    );
    assert.match(
      await threadPage(stray),
      /カナミック: 送信できませんでした （refused by the vendor: HTTP 404 group_not_found）/,
    );
    assert.equal((await atKanamic(text)).length, 0);
    // Failed is final: the next passes leave it alone.
    assert.deepEqual(await deliverDuePosts(delivery), { delivered: 0, retrying: 0, failed: 0 });
  });

  it('control: the same message under two different keys is stored twice, so the key is what keeps it once', async () => {
    const token = (
      (await (
        await fetch(`${running.url}/oauth/token`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: 'grant_type=client_credentials',
        })
      ).json()) as { access_token: string }
    ).access_token;
    const message = kanamicMessageOf({
      post_id: '00000000-0000-4000-8000-00000000c0de',
      vendor: 'kanamic',
      vendor_patient_ref: GROUP.id,
      attempts: 0,
      patient_id: patientId,
      author_name: '佐藤 花子',
      author_organisation: '新宿訪問看護ステーション',
      author_profession: 'nurse',
      body: '対照のメッセージ',
      posted_at: new Date(),
      reply_to: null,
    });
    assert.equal(
      (message.sender as { occupation: string }).occupation,
      '看護師',
      'the code as Kanamic shows it',
    );
    for (const key of ['control-key-1', 'control-key-2']) {
      const response = await fetch(`${running.url}/api/v2/groups/${GROUP.id}/messages`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify(message),
      });
      assert.equal(response.status, 201);
    }
    assert.equal((await atKanamic('対照のメッセージ')).length, 2);
  });
});

import assert from 'node:assert/strict';
import {
  createVitalLinkConnector,
  type VitalLinkConnectorOptions,
} from '#workspace-app/connectors/vital-link/vital-link-connector.js';
import { VendorAuthError } from '#workspace-app/connectors/vendor-auth-error.js';
import {
  VendorPayloadError,
  type VendorPayloadProblem,
} from '#workspace-app/connectors/vendor-payload-error.js';
import {
  createVitalLinkSandbox,
  type VitalLinkMessageInput,
  type VitalLinkSandbox,
  type VitalLinkVitalsInput,
} from '#sandboxes/vital-link/vital-link-sandbox.js';
import { startSandbox, type RunningSandbox } from '#sandboxes/start-sandbox.js';
import { pullConnectorContract } from '../pull-connector-contract.js';

const TOKEN = 'vital-link-api-token-for-tests';
const FAST = { timeoutMs: 1_000, retries: 2, baseDelayMs: 5, maxDelayMs: 20, budgetMs: 3_000 };
const team = {
  teamId: 'VL-T-0001',
  teamName: '佐藤花子様 在宅チーム',
  authorName: '中村 優子',
  jobTitle: '訪問看護師',
};

function someVitals(overrides: Partial<VitalLinkVitalsInput> = {}): VitalLinkVitalsInput {
  return {
    ...team,
    recordedAt: new Date('2024-05-01T00:30:00Z'),
    temperature: 37.2,
    systolic: 128,
    diastolic: 76,
    pulse: 72,
    spo2: 97,
    comment: '微熱あり。水分摂取を促しました。',
    ...overrides,
  };
}

function aMessage(overrides: Partial<VitalLinkMessageInput> = {}): VitalLinkMessageInput {
  return {
    ...team,
    recordedAt: new Date('2024-05-01T01:00:00Z'),
    text: '明日の訪問時間を14時に変更します。',
    ...overrides,
  };
}

const refusedFor = (reason: VendorPayloadProblem) => (error: unknown) =>
  error instanceof VendorPayloadError && error.reason === reason;

describe('バイタルリンク connector', () => {
  let sandbox: VitalLinkSandbox;
  let vendor: RunningSandbox;
  const connector = (overrides: Partial<VitalLinkConnectorOptions> = {}) =>
    createVitalLinkConnector({
      baseUrl: vendor.url,
      apiToken: TOKEN,
      account: 'station-0815',
      policy: FAST,
      ...overrides,
    });

  beforeEach(async () => {
    sandbox = createVitalLinkSandbox({ apiToken: TOKEN });
    vendor = await startSandbox(sandbox);
  });
  afterEach(() => vendor.close());

  it('maps vital signs to a vital-signs event with every measurement and the comment', async () => {
    sandbox.addVitals(someVitals());

    const { events } = await connector().fetch(undefined);

    const [event] = events;
    assert.equal(event?.kind, 'vital-signs');
    assert.deepEqual(event?.vitals, {
      temperatureCelsius: 37.2,
      systolicMmHg: 128,
      diastolicMmHg: 76,
      pulsePerMinute: 72,
      spo2Percent: 97,
    });
    assert.equal(event?.title, 'バイタル 体温 37.2℃ / 血圧 128/76 / 脈拍 72 / SpO2 97%');
    assert.equal(event?.body, '微熱あり。水分摂取を促しました。');
    assert.deepEqual(event?.author, { role: 'nurse', roleLabel: '訪問看護師', name: '中村 優子' });
    assert.equal(event?.patientGroupName, '佐藤花子様 在宅チーム');
  });

  it('maps a partial measurement with only what was measured', async () => {
    sandbox.addVitals({ ...team, spo2: 94 });

    const { events } = await connector().fetch(undefined);

    assert.deepEqual(events[0]?.vitals, { spo2Percent: 94 });
  });

  it('maps messages to message events with their Japanese text intact', async () => {
    sandbox.addMessage(aMessage());

    const { events } = await connector().fetch(undefined);

    assert.equal(events[0]?.kind, 'message');
    assert.equal(events[0]?.body, '明日の訪問時間を14時に変更します。');
    assert.equal(events[0]?.vitals, undefined);
  });

  it('pages by record id and resumes after the last record it took', async () => {
    for (let index = 0; index < 5; index++) sandbox.addMessage(aMessage({ text: `連絡 ${index + 1}` }));

    const first = await connector({ pageSize: 2 }).fetch(undefined);
    sandbox.addVitals(someVitals());
    const second = await connector({ pageSize: 2 }).fetch(first.cursor);

    assert.equal(first.events.length, 5);
    assert.equal(first.cursor, '5');
    assert.deepEqual(
      second.events.map((event) => event.kind),
      ['vital-signs'],
    );
  });

  it('refuses a page holding an implausible measurement, taking none of it', async () => {
    sandbox.addMessage(aMessage());
    sandbox.addVitals(someVitals({ temperature: 372 }));

    await assert.rejects(connector().fetch(undefined), refusedFor('malformed'));
  });

  it('refuses a blood pressure whose diastolic is above its systolic', async () => {
    sandbox.addVitals(someVitals({ systolic: 70, diastolic: 120 }));

    await assert.rejects(connector().fetch(undefined), refusedFor('malformed'));
  });

  it('takes a high fever, which is rare but plausible', async () => {
    sandbox.addVitals(someVitals({ temperature: 41.2, pulse: 128 }));

    const { events } = await connector().fetch(undefined);

    assert.equal(events[0]?.vitals?.temperatureCelsius, 41.2);
  });

  it('refuses a record of a shape it does not know', async () => {
    sandbox.addRawRecord({ record_id: 1, record_type: 'photo', url: 'x' });

    await assert.rejects(connector().fetch(undefined), refusedFor('malformed'));
  });

  it('refuses to go on with a wrong token', async () => {
    await assert.rejects(connector({ apiToken: 'wrong' }).fetch(undefined), VendorAuthError);
  });

  it('retries through a short outage', async () => {
    sandbox.addMessage(aMessage());
    sandbox.failNext(2, 502);

    const { events } = await connector().fetch(undefined);

    assert.equal(events.length, 1);
  });
});

pullConnectorContract('バイタルリンク connector', async () => {
  const sandbox = createVitalLinkSandbox({ apiToken: TOKEN });
  const vendor = await startSandbox(sandbox);
  return {
    add: ({ at, isLarge }) =>
      isLarge
        ? sandbox.addMessage(aMessage({ recordedAt: at, text: '長'.repeat(10_000) }))
        : sandbox.addVitals(someVitals({ recordedAt: at })),
    shownOnPage: /37\.2 ℃/,
    hang: () => sandbox.takeDown('hang'),
    connector: ({ maxPageBytes, budgetMs, timeoutMs } = {}) =>
      createVitalLinkConnector({
        baseUrl: vendor.url,
        apiToken: TOKEN,
        account: 'station-0815',
        policy: { ...FAST, ...(budgetMs ? { budgetMs } : {}), ...(timeoutMs ? { timeoutMs } : {}) },
        ...(maxPageBytes ? { maxPageBytes } : {}),
      }),
    close: () => vendor.close(),
  };
});

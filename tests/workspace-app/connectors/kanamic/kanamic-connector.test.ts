import assert from 'node:assert/strict';
import {
  createKanamicConnector,
  type KanamicConnectorOptions,
} from '#workspace-app/connectors/kanamic/kanamic-connector.js';
import { VendorAuthError } from '#workspace-app/connectors/vendor-auth-error.js';
import { VendorPayloadError } from '#workspace-app/connectors/vendor-payload-error.js';
import { VendorUnavailableError } from '#workspace-app/connectors/vendor-unavailable-error.js';
import {
  createKanamicSandbox,
  type KanamicMessageInput,
  type KanamicSandbox,
} from '#sandboxes/kanamic/kanamic-sandbox.js';
import { startSandbox, type RunningSandbox } from '#sandboxes/start-sandbox.js';
import { pullConnectorContract } from '../pull-connector-contract.js';

const CLIENT = { clientId: 'office-13112-0007', clientSecret: 'kanamic-client-secret-for-tests' };
const FAST = { timeoutMs: 1_000, retries: 2, baseDelayMs: 5, maxDelayMs: 20, budgetMs: 3_000 };

function aMessage(overrides: Partial<KanamicMessageInput> = {}): KanamicMessageInput {
  return {
    groupId: 'KG-0001',
    groupName: '鈴木一郎様 在宅チーム',
    staffName: '山田 太郎',
    occupation: '医師',
    officeName: 'やまだ在宅クリニック',
    text: '夜間に咳込みがあったとご家族から連絡がありました。\n明日往診します。',
    createdAt: new Date('2024-05-01T00:30:00Z'),
    ...overrides,
  };
}

describe('Kanamic connector', () => {
  let sandbox: KanamicSandbox;
  let vendor: RunningSandbox;
  const connector = (overrides: Partial<KanamicConnectorOptions> = {}) =>
    createKanamicConnector({ baseUrl: vendor.url, ...CLIENT, policy: FAST, ...overrides });

  beforeEach(async () => {
    sandbox = createKanamicSandbox(CLIENT);
    vendor = await startSandbox(sandbox);
  });
  afterEach(() => vendor.close());

  it('maps messages with their bodies, Japanese text intact', async () => {
    sandbox.addMessage(aMessage());

    const { events, hasMore } = await connector().fetch(undefined);

    assert.equal(hasMore, false);
    assert.equal(events.length, 1);
    const [event] = events;
    assert.equal(event?.vendor, 'kanamic');
    assert.equal(event?.vendorAccount, CLIENT.clientId);
    assert.equal(event?.kind, 'message');
    assert.equal(event?.patientGroupName, '鈴木一郎様 在宅チーム');
    assert.deepEqual(event?.author, { role: 'doctor', roleLabel: '医師', name: '山田 太郎' });
    assert.equal(event?.title, '夜間に咳込みがあったとご家族から連絡がありました。');
    assert.equal(event?.body, '夜間に咳込みがあったとご家族から連絡がありました。\n明日往診します。');
    assert.equal(event?.occurredAt, '2024-05-01T00:30:00.000Z');
  });

  it('follows the cursor through every page and resumes from the cursor it returned', async () => {
    for (let index = 1; index <= 5; index++) sandbox.addMessage(aMessage({ text: `経過報告 ${index}` }));

    const first = await connector({ pageSize: 2 }).fetch(undefined);
    sandbox.addMessage(aMessage({ text: '経過報告 6' }));
    const second = await connector({ pageSize: 2 }).fetch(first.cursor);
    const third = await connector({ pageSize: 2 }).fetch(second.cursor);

    assert.deepEqual(
      first.events.map((event) => event.body),
      ['経過報告 1', '経過報告 2', '経過報告 3', '経過報告 4', '経過報告 5'],
    );
    assert.deepEqual(
      second.events.map((event) => event.body),
      ['経過報告 6'],
    );
    assert.deepEqual(third.events, []);
    assert.equal(third.cursor, second.cursor);
  });

  it('stops after its page limit and says more is waiting', async () => {
    for (let index = 1; index <= 3; index++) sandbox.addMessage(aMessage({ text: `経過報告 ${index}` }));
    const limited = connector({ pageSize: 1, policy: { ...FAST, maxPages: 2 } });

    const first = await limited.fetch(undefined);
    const rest = await limited.fetch(first.cursor);

    assert.equal(first.events.length, 2);
    assert.equal(first.hasMore, true);
    assert.deepEqual(
      rest.events.map((event) => event.body),
      ['経過報告 3'],
    );
    assert.equal(rest.hasMore, false);
  });

  it('fetches a new token when the API refuses an expired one', async () => {
    const kanamic = connector();
    sandbox.addMessage(aMessage());
    const first = await kanamic.fetch(undefined);

    sandbox.expireTokens();
    sandbox.addMessage(aMessage({ text: '期限切れの後の投稿' }));
    const second = await kanamic.fetch(first.cursor);

    assert.equal(sandbox.tokensIssued, 2);
    assert.deepEqual(
      second.events.map((event) => event.body),
      ['期限切れの後の投稿'],
    );
  });

  it('reuses its token while it is valid', async () => {
    const kanamic = connector();
    await kanamic.fetch(undefined);
    await kanamic.fetch(undefined);

    assert.equal(sandbox.tokensIssued, 1);
  });

  it('refuses to go on with wrong client credentials, and goes on with the right ones', async () => {
    await assert.rejects(connector({ clientSecret: 'not-the-secret' }).fetch(undefined), VendorAuthError);
    await assert.doesNotReject(connector().fetch(undefined));
  });

  it('retries a vendor that fails for a moment', async () => {
    sandbox.addMessage(aMessage());
    sandbox.failNext(2);

    const { events } = await connector().fetch(undefined);

    assert.equal(events.length, 1);
  });

  it('reports a vendor answering 503 as unavailable after its retries', async () => {
    sandbox.takeDown('error');

    await assert.rejects(
      connector().fetch(undefined),
      (error: unknown) => error instanceof VendorUnavailableError && error.reason === 'server-error',
    );
    assert.equal((await connector().health()).status, 'down');
  });

  it('refuses a page with one malformed message as a whole', async () => {
    sandbox.addMessage(aMessage());
    sandbox.addRawMessage({ message_id: 'KNM-broken', text: '本文だけ' });

    await assert.rejects(
      connector().fetch(undefined),
      (error: unknown) => error instanceof VendorPayloadError && error.reason === 'malformed',
    );
  });
});

pullConnectorContract('Kanamic connector', async () => {
  const sandbox = createKanamicSandbox(CLIENT);
  const vendor = await startSandbox(sandbox);
  return {
    add: ({ at, isLarge }) =>
      sandbox.addMessage(aMessage({ createdAt: at, ...(isLarge ? { text: 'あ'.repeat(10_000) } : {}) })),
    shownOnPage: /明日往診します。/,
    hang: () => sandbox.takeDown('hang'),
    connector: ({ maxPageBytes, budgetMs, timeoutMs } = {}) =>
      createKanamicConnector({
        baseUrl: vendor.url,
        ...CLIENT,
        policy: { ...FAST, ...(budgetMs ? { budgetMs } : {}), ...(timeoutMs ? { timeoutMs } : {}) },
        ...(maxPageBytes ? { maxPageBytes } : {}),
      }),
    close: () => vendor.close(),
  };
});

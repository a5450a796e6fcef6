import assert from 'node:assert/strict';
import {
  createFhirConnector,
  type FhirConnectorOptions,
} from '#workspace-app/connectors/fhir/fhir-connector.js';
import { VendorAuthError } from '#workspace-app/connectors/vendor-auth-error.js';
import {
  VendorPayloadError,
  type VendorPayloadProblem,
} from '#workspace-app/connectors/vendor-payload-error.js';
import {
  createFhirSandbox,
  type FhirCommunicationInput,
  type FhirSandbox,
} from '#sandboxes/fhir/fhir-sandbox.js';
import { startSandbox, type RunningSandbox } from '#sandboxes/start-sandbox.js';
import { pullConnectorContract } from '../pull-connector-contract.js';

const FAST = { timeoutMs: 1_000, retries: 2, baseDelayMs: 5, maxDelayMs: 20, budgetMs: 3_000 };

function aCommunication(overrides: Partial<FhirCommunicationInput> = {}): FhirCommunicationInput {
  return {
    patient: { id: 'pat-0001', family: '佐藤', given: '花子', familyKana: 'サトウ', givenKana: 'ハナコ' },
    sender: { id: 'role-nurse-01', name: '中村 優子', role: '看護師' },
    sent: new Date('2024-05-01T00:30:00Z'),
    topic: '退院前カンファレンスのご案内',
    text: '5月8日14時より、当院3階カンファレンス室にて行います。',
    ...overrides,
  };
}

const refusedFor = (reason: VendorPayloadProblem) => (error: unknown) =>
  error instanceof VendorPayloadError && error.reason === reason;

describe('FHIR connector', () => {
  let sandbox: FhirSandbox;
  let vendor: RunningSandbox;
  const connector = (overrides: Partial<FhirConnectorOptions> = {}) =>
    createFhirConnector({
      id: 'fhir-tokyo-east',
      baseUrl: `${vendor.url}/fhir`,
      webAppUrl: `${vendor.url}/app`,
      account: 'portal-client-01',
      policy: FAST,
      ...overrides,
    });

  beforeEach(async () => {
    sandbox = createFhirSandbox();
    vendor = await startSandbox(sandbox);
  });
  afterEach(() => vendor.close());

  it('maps a Communication with its patient, its sender from the included PractitionerRole and its text', async () => {
    sandbox.addCommunication(aCommunication());

    const { events } = await connector().fetch(undefined);

    assert.equal(events.length, 1);
    const [event] = events;
    assert.equal(event?.vendor, 'fhir-tokyo-east');
    assert.equal(event?.vendorMessageId, 'Communication/comm-000001');
    assert.equal(event?.patientGroupRef, 'Patient/pat-0001');
    assert.equal(event?.patientGroupName, '佐藤 花子');
    assert.deepEqual(event?.author, { role: 'nurse', roleLabel: '看護師', name: '中村 優子' });
    assert.equal(event?.title, '退院前カンファレンスのご案内');
    assert.equal(event?.body, '5月8日14時より、当院3階カンファレンス室にて行います。');
    assert.equal(event?.occurredAt, '2024-05-01T00:30:00.000Z');
    assert.equal(event?.deepLink, `${vendor.url}/app/communications/comm-000001`);
  });

  it('follows next links through every page and then searches from the newest lastUpdated', async () => {
    for (let index = 1; index <= 5; index++)
      sandbox.addCommunication(aCommunication({ text: `連絡 ${index}` }));

    const first = await connector({ pageSize: 2 }).fetch(undefined);
    sandbox.addCommunication(aCommunication({ text: '連絡 6' }));
    const second = await connector({ pageSize: 2 }).fetch(first.cursor);
    const third = await connector({ pageSize: 2 }).fetch(second.cursor);

    assert.deepEqual(
      first.events.map((event) => event.body),
      ['連絡 1', '連絡 2', '連絡 3', '連絡 4', '連絡 5'],
    );
    assert.equal(first.hasMore, false);
    assert.deepEqual(
      second.events.map((event) => event.body),
      ['連絡 6'],
    );
    assert.deepEqual(third.events, []);
    assert.equal(third.cursor, second.cursor);
  });

  it('passes over a Communication entered in error and moves its cursor past it', async () => {
    sandbox.addCommunication(aCommunication({ status: 'entered-in-error' }));

    const first = await connector().fetch(undefined);
    const second = await connector().fetch(first.cursor);

    assert.deepEqual(first.events, []);
    assert.notEqual(first.cursor, undefined);
    assert.deepEqual(second.events, []);
  });

  it('refuses a page whose next link leads off the FHIR server, which would carry the token away', async () => {
    for (let index = 1; index <= 3; index++) sandbox.addCommunication(aCommunication());
    await assert.doesNotReject(connector({ pageSize: 2 }).fetch(undefined));

    sandbox.useBaseUrl('http://fhir.example.invalid');

    await assert.rejects(connector({ pageSize: 2 }).fetch(undefined), refusedFor('malformed'));
  });

  it('refuses a Communication whose subject is not a Patient reference', async () => {
    sandbox.addRawResource({
      resourceType: 'Communication',
      id: 'bad-1',
      meta: { lastUpdated: '2024-05-01T00:00:00Z' },
      status: 'completed',
      subject: { reference: 'Group/care-team-1' },
      payload: [{ contentString: '本文' }],
    });

    await assert.rejects(connector().fetch(undefined), refusedFor('malformed'));
  });
});

describe('FHIR connector against a server that wants a token', () => {
  let vendor: RunningSandbox;

  beforeEach(async () => {
    const sandbox = createFhirSandbox({ bearerToken: 'fhir-token-for-tests' });
    sandbox.addCommunication(aCommunication());
    vendor = await startSandbox(sandbox);
  });
  afterEach(() => vendor.close());

  it('is refused without the token and served with it', async () => {
    const options = { baseUrl: `${vendor.url}/fhir`, account: 'portal-client-01', policy: FAST };

    await assert.rejects(createFhirConnector(options).fetch(undefined), VendorAuthError);
    const { events } = await createFhirConnector({ ...options, bearerToken: 'fhir-token-for-tests' }).fetch(
      undefined,
    );
    assert.equal(events.length, 1);
    assert.equal(events[0]?.deepLink, undefined);
  });
});

pullConnectorContract('FHIR connector', async () => {
  const sandbox = createFhirSandbox();
  const vendor = await startSandbox(sandbox);
  return {
    add: ({ at, isLarge }) =>
      sandbox.addCommunication(
        aCommunication({ sent: at, ...(isLarge ? { text: '長'.repeat(10_000) } : {}) }),
      ),
    shownOnPage: /カンファレンス室/,
    hang: () => sandbox.takeDown('hang'),
    connector: ({ maxPageBytes, budgetMs, timeoutMs } = {}) =>
      createFhirConnector({
        id: 'fhir-tokyo-east',
        baseUrl: `${vendor.url}/fhir`,
        webAppUrl: `${vendor.url}/app`,
        account: 'portal-client-01',
        policy: { ...FAST, ...(budgetMs ? { budgetMs } : {}), ...(timeoutMs ? { timeoutMs } : {}) },
        ...(maxPageBytes ? { maxPageBytes } : {}),
      }),
    close: () => vendor.close(),
  };
});

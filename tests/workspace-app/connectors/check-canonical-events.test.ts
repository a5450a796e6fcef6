import assert from 'node:assert/strict';
import { checkCanonicalEvents } from '#workspace-app/connectors/check-canonical-events.js';
import { VendorPayloadError } from '#workspace-app/connectors/vendor-payload-error.js';

function anEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    vendor: 'vital-link',
    vendorMessageId: '42',
    vendorAccount: 'station-0815',
    patientGroupRef: 'VL-T-0001',
    patientGroupName: '佐藤花子様 在宅チーム',
    author: { role: 'nurse', roleLabel: '訪問看護師', name: '中村 優子' },
    occurredAt: '2024-05-01T00:30:00.000Z',
    kind: 'message',
    title: '明日の訪問時間',
    body: '14時に変更します。\nよろしくお願いします。',
    deepLink: 'https://vital-link.example.jp/web/teams/VL-T-0001/records/42',
    receivedAt: '2024-05-01T00:31:00.000Z',
    ...overrides,
  };
}

const vitalsEvent = (vitals: Record<string, unknown>) =>
  anEvent({ kind: 'vital-signs', title: 'バイタル', vitals });

function refuses(candidate: Record<string, unknown>): boolean {
  try {
    checkCanonicalEvents('vital-link', [candidate]);
    return false;
  } catch (error) {
    return error instanceof VendorPayloadError && error.reason === 'malformed';
  }
}

describe('canonical event check', () => {
  it('takes a complete event unchanged', () => {
    assert.deepEqual(checkCanonicalEvents('vital-link', [anEvent()]), [anEvent()]);
  });

  it('takes vitals at the edges of the plausible ranges', () => {
    assert.equal(
      refuses(vitalsEvent({ temperatureCelsius: 30, spo2Percent: 100, pulsePerMinute: 300 })),
      false,
    );
    assert.equal(refuses(vitalsEvent({ systolicMmHg: 300, diastolicMmHg: 200 })), false);
  });

  it('refuses vitals outside the plausible ranges', () => {
    assert.equal(refuses(vitalsEvent({ temperatureCelsius: 29.9 })), true);
    assert.equal(refuses(vitalsEvent({ temperatureCelsius: 372 })), true);
    assert.equal(refuses(vitalsEvent({ spo2Percent: 101 })), true);
    assert.equal(refuses(vitalsEvent({ pulsePerMinute: 72.5 })), true);
    assert.equal(refuses(vitalsEvent({ systolicMmHg: 128 })), true);
    assert.equal(refuses(vitalsEvent({ systolicMmHg: 70, diastolicMmHg: 90 })), true);
    assert.equal(refuses(vitalsEvent({})), true);
  });

  it('refuses vitals on anything but a vital-signs event, and a vital-signs event without them', () => {
    assert.equal(refuses(anEvent({ vitals: { spo2Percent: 97 } })), true);
    assert.equal(refuses(anEvent({ kind: 'vital-signs' })), true);
  });

  it('refuses a deep link that is not http or https', () => {
    assert.equal(refuses(anEvent({ deepLink: 'javascript:alert(1)' })), true);
    assert.equal(refuses(anEvent({ deepLink: 'file:///etc/passwd' })), true);
    assert.equal(refuses(anEvent({ deepLink: 'not a link' })), true);
  });

  it('refuses control characters and line breaks where a single line is shown', () => {
    assert.equal(refuses(anEvent({ title: '件名\u0007' })), true);
    assert.equal(refuses(anEvent({ title: '一行目\n二行目' })), true);
    assert.equal(refuses(anEvent({ body: '本文\u001b[2J' })), true);
  });

  it('refuses instants that are not UTC with milliseconds, so stored keys sort as text', () => {
    assert.equal(refuses(anEvent({ occurredAt: '2024-05-01T09:30:00+09:00' })), true);
    assert.equal(refuses(anEvent({ receivedAt: '2024-05-01' })), true);
  });

  it('refuses fields the model does not have', () => {
    assert.equal(refuses(anEvent({ diagnosis: '未告知の診断' })), true);
  });

  it('refuses the whole payload for one bad event, naming the record but not its content', () => {
    assert.throws(
      () => checkCanonicalEvents('vital-link', [anEvent(), anEvent({ vendorMessageId: '43', title: '' })]),
      (error: unknown) =>
        error instanceof VendorPayloadError && /record 43/.test(error.detail) && !/佐藤/.test(error.message),
    );
  });
});

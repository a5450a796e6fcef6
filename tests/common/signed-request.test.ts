import assert from 'node:assert/strict';
import { signRequest, verifyRequest } from '@hcw/common';

const secret = 's'.repeat(40);

describe('signed service requests', () => {
  it('accepts a request signed with the shared secret', () => {
    const headers = signRequest(secret, 'POST', '/v1/sessions', '{"a":1}');
    assert.deepEqual(verifyRequest(secret, 'POST', '/v1/sessions', '{"a":1}', headers), { ok: true });
  });

  it('refuses a changed body, path or method', () => {
    const headers = signRequest(secret, 'POST', '/v1/sessions', '{"a":1}');
    assert.equal(verifyRequest(secret, 'POST', '/v1/sessions', '{"a":2}', headers).ok, false);
    assert.equal(verifyRequest(secret, 'POST', '/v1/other', '{"a":1}', headers).ok, false);
    assert.equal(verifyRequest(secret, 'DELETE', '/v1/sessions', '{"a":1}', headers).ok, false);
  });

  it('refuses another secret, a missing signature and an old timestamp', () => {
    const headers = signRequest(secret, 'GET', '/v1/health', '');
    assert.equal(verifyRequest('t'.repeat(40), 'GET', '/v1/health', '', headers).ok, false);
    assert.equal(verifyRequest(secret, 'GET', '/v1/health', '', {}).ok, false);
    const old = signRequest(secret, 'GET', '/v1/health', '', Date.now() - 120_000);
    assert.deepEqual(verifyRequest(secret, 'GET', '/v1/health', '', old), {
      ok: false,
      reason: 'signature outside the time window',
    });
  });
});

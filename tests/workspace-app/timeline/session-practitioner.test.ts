import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { sessionIdFromCookie } from '#workspace-app/timeline/session-practitioner.js';

const SECRET = 'portal-session-secret-for-tests-0000000';

/** The cookie as express-session writes it: `s:` + id + `.` + HMAC-SHA256 in base64 without padding. */
function sessionCookie(sessionId: string, secret = SECRET): string {
  const signature = createHmac('sha256', secret).update(sessionId).digest('base64').replace(/=+$/, '');
  return `portal.sid=${encodeURIComponent(`s:${sessionId}.${signature}`)}`;
}

describe('reading the portal session from a socket handshake', () => {
  it('finds the session ID in a cookie the portal signed, among other cookies', () => {
    assert.equal(sessionIdFromCookie(`theme=dark; ${sessionCookie('abc-123')}; x=1`, SECRET), 'abc-123');
  });

  it('refuses a cookie signed with another secret (control: the same ID signed with the portal’s)', () => {
    assert.equal(
      sessionIdFromCookie(sessionCookie('abc-123', 'someone-elses-secret-0000000000000'), SECRET),
      undefined,
    );
    assert.equal(sessionIdFromCookie(sessionCookie('abc-123'), SECRET), 'abc-123');
  });

  it('refuses an unsigned, truncated or missing cookie', () => {
    assert.equal(sessionIdFromCookie('portal.sid=abc-123', SECRET), undefined);
    assert.equal(sessionIdFromCookie('portal.sid=s%3Aabc-123.', SECRET), undefined);
    assert.equal(sessionIdFromCookie('portal.sid=%E0%A4%A', SECRET), undefined);
    assert.equal(sessionIdFromCookie(undefined, SECRET), undefined);
    assert.equal(sessionIdFromCookie('other=1', SECRET), undefined);
  });
});

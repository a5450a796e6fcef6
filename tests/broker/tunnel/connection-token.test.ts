import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decryptToken, encryptToken } from '../../../broker/src/tunnel/connection-token.js';

const key = randomBytes(32);
const claims = {
  userId: 'nurse.sato',
  desktopId: 'desktop-1',
  connection: {
    type: 'vnc' as const,
    guacdHost: '127.0.0.1',
    guacdPort: 4822,
    settings: { hostname: '127.0.0.1', port: 5901 },
  },
};

describe('connection tokens', () => {
  it('round-trips the claims for the broker', () => {
    const { token, jti } = encryptToken(key, claims, 30);
    const read = decryptToken(key, token);
    assert.equal(read?.jti, jti);
    assert.equal(read?.userId, 'nurse.sato');
  });

  it('does not show the desktop password to whoever holds the token', () => {
    const { token } = encryptToken(
      key,
      { ...claims, connection: { ...claims.connection, settings: { password: 'secret12' } } },
      30,
    );
    assert.ok(!Buffer.from(token, 'base64').toString('utf8').includes('secret12'));
  });

  it('refuses an expired token, another key and a tampered token', () => {
    const { token } = encryptToken(key, claims, 30);
    assert.equal(decryptToken(key, token, Date.now() + 60_000), undefined);
    assert.equal(decryptToken(randomBytes(32), token), undefined);
    const envelope = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as {
      iv: string;
      value: string;
    };
    const value = Buffer.from(envelope.value, 'base64');
    value[value.length - 1]! ^= 1;
    const tampered = Buffer.from(JSON.stringify({ ...envelope, value: value.toString('base64') })).toString(
      'base64',
    );
    assert.equal(decryptToken(key, tampered), undefined);
  });
});

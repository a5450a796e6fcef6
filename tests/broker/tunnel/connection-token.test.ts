import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decryptToken, encryptToken } from '#broker/tunnel/connection-token.js';

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
    const read = decryptToken([key], token);
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

  it('reads a token sealed with an earlier key while a rotation rolls out, and only then', () => {
    const earlier = randomBytes(32);
    const { token } = encryptToken(earlier, claims, 30);
    assert.equal(decryptToken([key], token), undefined, 'control: the current key alone cannot read it');
    assert.equal(decryptToken([key, earlier], token)?.userId, claims.userId);
    assert.equal(decryptToken([key, earlier], token, Date.now() + 60_000), undefined, 'still expires');
  });

  it('refuses an expired token, another key and a tampered token', () => {
    const { token } = encryptToken(key, claims, 30);
    assert.equal(decryptToken([key], token, Date.now() + 60_000), undefined);
    assert.equal(decryptToken([randomBytes(32)], token), undefined);
    const envelope = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as {
      iv: string;
      value: string;
    };
    const value = Buffer.from(envelope.value, 'base64');
    value[value.length - 1]! ^= 1;
    const tampered = Buffer.from(JSON.stringify({ ...envelope, value: value.toString('base64') })).toString(
      'base64',
    );
    assert.equal(decryptToken([key], tampered), undefined);
  });

  it('refuses every single-bit change anywhere in the token (it is authenticated, not only encrypted)', () => {
    const { token } = encryptToken(key, claims, 30);
    const envelope = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as Record<string, string>;
    let tried = 0;
    for (const field of ['iv', 'value', 'tag']) {
      const bytes = Buffer.from(envelope[field]!, 'base64');
      for (let i = 0; i < bytes.length; i++) {
        const flipped = Buffer.from(bytes);
        flipped[i]! ^= 1;
        const altered = Buffer.from(JSON.stringify({ ...envelope, [field]: flipped.toString('base64') }));
        assert.equal(decryptToken([key], altered.toString('base64')), undefined, `${field} byte ${i}`);
        tried++;
      }
    }
    assert.ok(tried > 100);
  });

  it('keeps Japanese values intact', () => {
    const japanese = {
      ...claims,
      connection: { ...claims.connection, settings: { 'client-name': '佐藤 花子の端末' } },
    };
    const { token } = encryptToken(key, japanese, 30);
    assert.equal(decryptToken([key], token)?.connection.settings['client-name'], '佐藤 花子の端末');
  });
});

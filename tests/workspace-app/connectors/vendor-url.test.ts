import assert from 'node:assert/strict';
import { vendorUrl } from '#workspace-app/connectors/vendor-url.js';

describe('vendor URLs', () => {
  it('keep the path a base URL has of its own, with or without a trailing slash', () => {
    assert.equal(
      vendorUrl('https://vendor.example.jp/tenant-7', 'api/v2/messages').href,
      'https://vendor.example.jp/tenant-7/api/v2/messages',
    );
    assert.equal(
      vendorUrl('https://vendor.example.jp/tenant-7/', '/api/v2/messages').href,
      'https://vendor.example.jp/tenant-7/api/v2/messages',
    );
  });

  it('encode query values and leave out the undefined ones', () => {
    assert.equal(
      vendorUrl('https://vendor.example.jp', 'messages', { cursor: 'a+b/c', limit: undefined }).href,
      'https://vendor.example.jp/messages?cursor=a%2Bb%2Fc',
    );
  });
});

import assert from 'node:assert/strict';
import { allowedDeepLink, deepLinkAllowList } from '#workspace-app/timeline/deep-link-allow-list.js';

const allowList = deepLinkAllowList({
  mcs: { baseUrl: 'https://mcs.example.jp', secret: 'mcs-webhook-secret-0000000' },
  kanamic: {
    baseUrl: 'https://api.kanamic.example.jp/v2',
    clientId: 'c',
    clientSecret: 'kanamic-secret-00000000',
  },
  fhir: [
    {
      id: 'fhir-tokyo',
      nameJa: '東京FHIR',
      nameEn: 'Tokyo FHIR',
      baseUrl: 'https://fhir.example.jp/fhir',
      webAppUrl: 'https://app.fhir.example.jp/',
      account: 'portal',
    },
  ],
});

describe('the deep-link allow-list', () => {
  it('opens a link on the vendor’s own web app', () => {
    assert.equal(
      allowedDeepLink(allowList, 'mcs', 'https://mcs.example.jp/groups/g1/messages/m1'),
      'https://mcs.example.jp/groups/g1/messages/m1',
    );
    assert.ok(allowedDeepLink(allowList, 'fhir-tokyo', 'https://app.fhir.example.jp/app/communications/1'));
  });

  it('refuses look-alike hosts, other vendors’ hosts, other schemes and embedded credentials', () => {
    const refused: Array<[string, string]> = [
      ['mcs', 'https://mcs.example.jp.evil.example/login'],
      ['mcs', 'http://mcs.example.jp/groups/g1'],
      ['mcs', 'https://api.kanamic.example.jp/web/messages/1'],
      ['mcs', 'javascript:alert(1)'],
      ['mcs', 'https://user:pass@mcs.example.jp/'],
      ['fhir-tokyo', 'https://fhir.example.jp/fhir/Communication/1'],
      ['unknown', 'https://mcs.example.jp/groups/g1'],
      ['mcs', 'not a url'],
    ];
    for (const [vendor, link] of refused)
      assert.equal(allowedDeepLink(allowList, vendor, link), undefined, link);
    assert.equal(allowedDeepLink(allowList, 'mcs', null), undefined);
  });
});

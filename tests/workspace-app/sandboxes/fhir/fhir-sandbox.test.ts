import assert from 'node:assert/strict';
import request from 'supertest';
import {
  createFhirSandbox,
  type FhirCommunicationInput,
  type FhirSandbox,
} from '#sandboxes/fhir/fhir-sandbox.js';

const aCommunication: FhirCommunicationInput = {
  patient: { id: 'pat-1', family: '佐藤', given: '花子', familyKana: 'サトウ', givenKana: 'ハナコ' },
  sender: { id: 'role-1', name: '中村 優子', role: '看護師' },
  text: '退院前カンファレンスのご案内です。',
};

describe('FHIR sandbox', () => {
  let sandbox: FhirSandbox;
  let clock: number;

  beforeEach(() => {
    clock = Date.parse('2024-05-01T00:00:00Z');
    sandbox = createFhirSandbox({ now: () => new Date(clock) });
    sandbox.useBaseUrl('http://fhir.test');
  });

  it('answers a Communication search with a searchset Bundle, its matches and the included senders', async () => {
    sandbox.addCommunication(aCommunication);

    const response = await request(sandbox.app)
      .get('/fhir/Communication?_include=Communication:sender')
      .expect(200)
      .expect('content-type', /application\/fhir\+json/);

    assert.equal(response.body.resourceType, 'Bundle');
    assert.equal(response.body.type, 'searchset');
    assert.deepEqual(
      response.body.entry.map((entry: { resource: { resourceType: string }; search: { mode: string } }) => [
        entry.resource.resourceType,
        entry.search.mode,
      ]),
      [
        ['Communication', 'match'],
        ['PractitionerRole', 'include'],
      ],
    );
    assert.deepEqual(response.body.entry[0].resource.subject, {
      reference: 'Patient/pat-1',
      display: '佐藤 花子',
    });
  });

  it('filters by _lastUpdated=gt and pages with next links', async () => {
    for (let index = 0; index < 3; index++) {
      sandbox.addCommunication(aCommunication);
      clock += 1_000;
    }

    const after = await request(sandbox.app).get(
      '/fhir/Communication?_lastUpdated=gt2024-05-01T00:00:00.000Z&_count=1',
    );
    const next = new URL(after.body.link.find((link: { relation: string }) => link.relation === 'next').url);
    const second = await request(sandbox.app).get(`${next.pathname}${next.search}`).expect(200);

    assert.equal(after.body.total, 2);
    assert.equal(after.body.entry[0].resource.id, 'comm-000002');
    assert.equal(second.body.entry[0].resource.id, 'comm-000003');
    assert.equal(
      second.body.link.some((link: { relation: string }) => link.relation === 'next'),
      false,
    );
  });

  it('answers a malformed _lastUpdated with an OperationOutcome', async () => {
    const response = await request(sandbox.app).get('/fhir/Communication?_lastUpdated=yesterday').expect(400);

    assert.equal(response.body.resourceType, 'OperationOutcome');
  });

  it('serves Patients JP Core style, with kanji and kana names', async () => {
    sandbox.addCommunication(aCommunication);

    const response = await request(sandbox.app).get('/fhir/Patient/pat-1').expect(200);

    assert.deepEqual(
      response.body.name.map((name: { extension: Array<{ valueCode: string }>; text: string }) => [
        name.extension[0]?.valueCode,
        name.text,
      ]),
      [
        ['IDE', '佐藤 花子'],
        ['SYL', 'サトウ ハナコ'],
      ],
    );
  });

  it('states what it supports in its CapabilityStatement', async () => {
    const response = await request(sandbox.app).get('/fhir/metadata').expect(200);

    assert.equal(response.body.fhirVersion, '4.0.1');
  });
});

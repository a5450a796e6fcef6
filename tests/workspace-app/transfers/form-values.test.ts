import assert from 'node:assert/strict';
import { inquiryAnswerSchema } from '#workspace-app/transfers/answer-inquiry.js';
import {
  answerInputFromForm,
  formValuesOf,
  freeBedInputFromForm,
} from '#workspace-app/transfers/form-values.js';
import { requestInputFromForm } from '#workspace-app/transfers/request-form.js';
import { transferRequestSchema } from '#workspace-app/transfers/transfer-request.js';
import { freeBedUpdateSchema } from '#workspace-app/transfers/update-free-beds.js';

const form = (query: string) => formValuesOf(Object.fromEntries(groupedEntries(query)));

/** A urlencoded body as express reads it: repeated names become lists. */
function groupedEntries(query: string): [string, string | string[]][] {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(query))
    grouped.set(name, [...(grouped.get(name) ?? []), value]);
  return [...grouped].map(([name, values]) => [name, values.length === 1 ? (values[0] ?? '') : values]);
}

describe('the pages’ forms', () => {
  it('reads a filled-in request form into a request the schema accepts', () => {
    const input = requestInputFromForm(
      form(
        [
          'patientId=p-1&sex=male&ageBand=75-84&diagnosisName=誤嚥性肺炎&icd10=j69.0&onsetDate=2025-03-01',
          'careLevelItems=pneumonia&careLevelItems=frequent-suctioning&proceduresNeeded=suctioning',
          'adlBedMobility=4&adlTransfer=5&adlEating=6&adlToiletUse=5&independenceLevel=C1&dementiaLevel=IIIa',
          'behaviouralSymptoms=night-delirium&infection-mrsa=isolation&infection-hbv=present&infection-vre=',
          'preferredAreaIds=ku-seibu&preferredMunicipalityIds=nakano-ku&preferredDate=2025-04-10',
          'desiredWardTypes=medical-long-term-care&expectedStayDays=90&maxExtraChargeYenPerDay=',
          'keyPersonRelationship=妻&keyPersonPhone=03-1234-5678&planAfterDischarge=',
        ].join('&'),
      ),
    );
    assert.equal(input.patientId, 'p-1');
    const request = transferRequestSchema.parse({ ...input.request, id: 'r-1' });
    assert.equal(request.mainDiagnosis.icd10, 'J69.0');
    assert.deepEqual(request.infections, [
      { code: 'mrsa', needsIsolationRoom: true },
      { code: 'hbv', needsIsolationRoom: false },
    ]);
    assert.deepEqual(request.adlScores, { bedMobility: 4, transfer: 5, eating: 6, toiletUse: 5 });
    assert.equal(request.maxExtraChargeYenPerDay, null);
    assert.deepEqual(request.keyPerson, { relationship: '妻', name: null, phone: '03-1234-5678' });
  });

  it('leaves a typed word where a number belongs for the schema to refuse by name', () => {
    const input = requestInputFromForm(form('expectedStayDays=three'));
    assert.equal((input.request as { expectedStayDays: unknown }).expectedStayDays, 'three');
  });

  it('reads each kind of answer, Japan time included, and drops the fields of the other kinds', () => {
    const accept = answerInputFromForm(
      form(
        'answer=accept&wardId=w1&roomType=shared&holdUntil=2025-04-02T17:00&admissionDate=&reason=no-bed&note=',
      ),
    );
    assert.deepEqual(inquiryAnswerSchema.parse(accept), {
      answer: 'accept',
      wardId: 'w1',
      roomType: 'shared',
      holdUntil: '2025-04-02T17:00:00+09:00',
      admissionDate: null,
      note: null,
    });
    const question = answerInputFromForm(form('answer=needs-information&note=ADLは？&wardId=w1'));
    assert.deepEqual(inquiryAnswerSchema.parse(question), {
      answer: 'needs-information',
      question: 'ADLは？',
    });
    assert.equal(inquiryAnswerSchema.safeParse(answerInputFromForm(form('answer=maybe'))).success, false);
  });

  it('reads the bed form, counting empty fields as none', () => {
    const update = freeBedUpdateSchema.parse(
      freeBedInputFromForm(form('version=3&femaleShared=2&anyIndividual=1&isolationFree=1')),
    );
    assert.deepEqual(update, {
      freeBeds: {
        male: { individual: 0, shared: 0 },
        female: { individual: 0, shared: 2 },
        any: { individual: 1, shared: 0 },
      },
      freeIsolationRooms: 1,
      version: 3,
    });
  });
});

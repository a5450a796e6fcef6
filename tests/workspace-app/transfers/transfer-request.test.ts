import assert from 'node:assert/strict';
import {
  adlCategoryOf,
  medicalCareCategoryOf,
  transferRequestSchema,
} from '#workspace-app/transfers/transfer-request.js';
import { aRequest } from './factories.js';
import { assertAccepted, refusalAt } from './validation-helpers.js';

describe('transfer request', () => {
  it('accepts a typical request', () => {
    assertAccepted(
      transferRequestSchema,
      aRequest({
        careLevelItems: ['pneumonia', 'frequent-suctioning'],
        proceduresNeeded: ['suctioning'],
        infections: [{ code: 'mrsa', needsIsolationRoom: false }],
        preferredAreaIds: ['ku-seinanbu'],
        preferredDate: '2025-04-10',
        desiredWardTypes: ['community-care'],
        maxExtraChargeYenPerDay: 3_300,
      }),
    );
  });

  it('survives a JSON round trip unchanged, as it will over HTTP and in PostgreSQL', () => {
    const request = aRequest({
      preferredDate: '2025-04-10',
      infections: [{ code: 'esbl', needsIsolationRoom: true }],
    });
    assert.deepEqual(transferRequestSchema.parse(JSON.parse(JSON.stringify(request))), request);
  });

  it('refuses an ADL item outside 0–6', () => {
    const request = aRequest();
    const message = refusalAt(
      transferRequestSchema,
      aRequest({ adlScores: { ...request.adlScores, eating: 7 } }),
      ['adlScores', 'eating'],
    );
    assert.match(message, /6以下.*at most 6/);
  });

  it('refuses levels that are not on the independence scales', () => {
    refusalAt(transferRequestSchema, { ...aRequest(), independenceLevel: 'D1' }, ['independenceLevel']);
    refusalAt(transferRequestSchema, { ...aRequest(), dementiaLevel: 'V' }, ['dementiaLevel']);
  });

  it('refuses a 医療区分 item whose procedure is not requested, and accepts it once it is', () => {
    const message = refusalAt(transferRequestSchema, aRequest({ careLevelItems: ['ventilator'] }), [
      'careLevelItems',
      0,
    ]);
    assert.match(message, /医療区分の「人工呼吸器」があるのに、必要な処置に「人工呼吸器」がありません/);
    assertAccepted(
      transferRequestSchema,
      aRequest({ careLevelItems: ['ventilator'], proceduresNeeded: ['ventilator'] }),
    );
  });

  it('accepts either kind of dialysis for the 透析 item', () => {
    assertAccepted(
      transferRequestSchema,
      aRequest({ careLevelItems: ['dialysis'], proceduresNeeded: ['peritoneal-dialysis'] }),
    );
  });

  it('refuses isolation-room care without an infection that needs it', () => {
    refusalAt(
      transferRequestSchema,
      aRequest({
        careLevelItems: ['infection-isolation'],
        infections: [{ code: 'mrsa', needsIsolationRoom: false }],
      }),
      ['careLevelItems', 0],
    );
  });

  it('refuses an onset after the preferred transfer date', () => {
    const message = refusalAt(
      transferRequestSchema,
      aRequest({
        mainDiagnosis: { name: '脳梗塞', icd10: 'I63.9', onsetDate: '2025-05-01' },
        preferredDate: '2025-04-10',
      }),
      ['mainDiagnosis', 'onsetDate'],
    );
    assert.match(message, /発症日（2025-05-01）が希望日（2025-04-10）より後/);
  });

  it('refuses duplicates among procedures, infections and preferred municipalities', () => {
    refusalAt(transferRequestSchema, aRequest({ proceduresNeeded: ['dialysis', 'dialysis'] }), [
      'proceduresNeeded',
      1,
    ]);
    refusalAt(
      transferRequestSchema,
      aRequest({
        infections: [
          { code: 'esbl', needsIsolationRoom: false },
          { code: 'esbl', needsIsolationRoom: false },
        ],
      }),
      ['infections', 1, 'code'],
    );
    refusalAt(transferRequestSchema, aRequest({ preferredMunicipalityIds: ['nerima-ku', 'nerima-ku'] }), [
      'preferredMunicipalityIds',
      1,
    ]);
  });

  it('refuses an unknown municipality or area', () => {
    refusalAt(transferRequestSchema, { ...aRequest(), preferredMunicipalityIds: ['kawasaki-shi'] }, [
      'preferredMunicipalityIds',
      0,
    ]);
    refusalAt(transferRequestSchema, { ...aRequest(), preferredAreaIds: ['kanagawa'] }, [
      'preferredAreaIds',
      0,
    ]);
  });

  it('refuses a malformed ICD-10 code and a malformed date', () => {
    refusalAt(
      transferRequestSchema,
      aRequest({ mainDiagnosis: { name: '脳梗塞', icd10: '脳梗塞', onsetDate: '2025-03-10' } }),
      ['mainDiagnosis', 'icd10'],
    );
    refusalAt(transferRequestSchema, aRequest({ preferredDate: '2025/04/10' }), ['preferredDate']);
  });

  describe('医療区分', () => {
    it('is 1 without items, 2 with a category-2 item, 3 once a category-3 item applies', () => {
      assert.equal(medicalCareCategoryOf([]), 1);
      assert.equal(medicalCareCategoryOf(['pneumonia']), 2);
      assert.equal(medicalCareCategoryOf(['pneumonia', 'ventilator']), 3);
    });
  });

  describe('ADL区分', () => {
    const scores = (total: number) => {
      const each = [0, 0, 0, 0].map((_, index) => Math.max(0, Math.min(6, total - index * 6)));
      return {
        bedMobility: each[0] ?? 0,
        transfer: each[1] ?? 0,
        eating: each[2] ?? 0,
        toiletUse: each[3] ?? 0,
      };
    };

    it('is 1 up to a total of 10, 2 from 11 to 22, 3 from 23', () => {
      assert.equal(adlCategoryOf(scores(0)), 1);
      assert.equal(adlCategoryOf(scores(10)), 1);
      assert.equal(adlCategoryOf(scores(11)), 2);
      assert.equal(adlCategoryOf(scores(22)), 2);
      assert.equal(adlCategoryOf(scores(23)), 3);
      assert.equal(adlCategoryOf(scores(24)), 3);
    });
  });
});

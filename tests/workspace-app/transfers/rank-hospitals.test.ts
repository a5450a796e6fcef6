import assert from 'node:assert/strict';
import type { Hospital } from '#workspace-app/transfers/capacity-profile.js';
import {
  rankHospitals,
  type HospitalMatch,
  type HospitalRanking,
  type MatchReasonCode,
  type RankingOptions,
} from '#workspace-app/transfers/rank-hospitals.js';
import { generateSyntheticHospitals, generateSyntheticTransferRequests } from '#demo/synthetic-hospitals.js';
import type { TransferRequest } from '#workspace-app/transfers/transfer-request.js';
import { aHospital, aRequest, aWard, noFreeBeds, searchTime } from './factories.js';

function rank(
  request: TransferRequest,
  hospitals: Hospital[],
  options: Partial<RankingOptions> = {},
): HospitalRanking {
  return rankHospitals(request, hospitals, { now: searchTime, ...options });
}

function only(ranking: HospitalRanking): HospitalMatch {
  const all = [...ranking.matches, ...ranking.excluded];
  assert.equal(all.length, 1);
  const [match] = all;
  assert.ok(match);
  return match;
}

function codes(reasons: { code: MatchReasonCode }[]): MatchReasonCode[] {
  return reasons.map((reason) => reason.code);
}

function matchedIds(ranking: HospitalRanking): string[] {
  return ranking.matches.map((match) => match.hospitalId);
}

/** Asserts the hospital is excluded for the reason, and returns the reason's text. */
function exclusionOf(match: HospitalMatch, code: MatchReasonCode): { ja: string; en: string } {
  assert.equal(match.isExcluded, true, 'excluded');
  assert.equal(match.rank, null);
  const found = match.exclusions.find((reason) => reason.code === code);
  assert.ok(found, `excluded for ${code}; got ${codes(match.exclusions).join(', ')}`);
  return found;
}

function assertMatched(match: HospitalMatch): void {
  assert.equal(match.isExcluded, false, `matched; excluded for ${codes(match.exclusions).join(', ')}`);
  assert.deepEqual(match.exclusions, []);
}

describe('rank hospitals', () => {
  describe('ADL, independence and age, where a ward says which patients it takes', () => {
    const bedBound = aRequest({
      patient: { sex: 'female', ageBand: '85-94' },
      adlScores: { bedMobility: 6, transfer: 6, eating: 5, toiletUse: 6 },
      independenceLevel: 'C1',
    });

    it('excludes by ADL区分 and independence, and matches once the ward takes them', () => {
      const strict = only(
        rank(bedBound, [
          aHospital({
            wards: [aWard({ patientsAccepted: { maxAdlCategory: 2, maxIndependenceLevel: 'B2' } })],
          }),
        ]),
      );
      assert.match(exclusionOf(strict, 'adl-not-accepted').ja, /ADL区分3の受入不可（ADL区分2まで）/);
      assert.match(exclusionOf(strict, 'independence-not-accepted').ja, /C1の受入不可（B2まで）/);
      const open = only(
        rank(bedBound, [
          aHospital({
            wards: [aWard({ patientsAccepted: { maxAdlCategory: 3, maxIndependenceLevel: 'C2' } })],
          }),
        ]),
      );
      assertMatched(open);
      assert.deepEqual(
        codes(open.fits).filter((code) => code.startsWith('adl') || code.startsWith('independence')),
        ['adl-accepted', 'independence-accepted'],
      );
    });

    it('asks to confirm an age band only partly within the ward’s ages, and excludes one wholly outside', () => {
      const partly = only(
        rank(bedBound, [aHospital({ wards: [aWard({ patientsAccepted: { maxAge: 90 } })] })]),
      );
      assertMatched(partly);
      assert.deepEqual(
        codes(partly.drawbacks).filter((code) => code.startsWith('age')),
        ['age-to-confirm'],
      );
      const outside = only(
        rank(bedBound, [aHospital({ wards: [aWard({ patientsAccepted: { maxAge: 64 } })] })]),
      );
      assert.match(exclusionOf(outside, 'age-not-accepted').ja, /85〜94歳は受入年齢外（〜64歳）/);
    });

    it('leaves a ward that says nothing as it was, with the same score (control)', () => {
      const silent = only(rank(bedBound, [aHospital({ wards: [aWard()] })]));
      const taking = only(
        rank(bedBound, [aHospital({ wards: [aWard({ patientsAccepted: { maxAdlCategory: 3 } })] })]),
      );
      assertMatched(silent);
      assert.equal(silent.score, taking.score);
      assert.ok(
        !codes([...silent.fits, ...silent.drawbacks]).some((code) => /^(adl|independence|age)-/.test(code)),
      );
    });
  });

  describe('hard mismatches exclude with the reason', () => {
    it('excludes a hospital with free beds only for the other sex, and matches a patient of that sex', () => {
      const hospital = aHospital({
        wards: [aWard({ freeBeds: { ...noFreeBeds(), male: { individual: 0, shared: 3 } } })],
      });
      const reason = exclusionOf(
        only(rank(aRequest({ patient: { sex: 'female', ageBand: '85-94' } }), [hospital])),
        'no-free-bed-for-sex',
      );
      assert.equal(reason.ja, '女性の空床がない');
      assert.equal(reason.en, 'no free bed for a female patient');
      assertMatched(only(rank(aRequest({ patient: { sex: 'male', ageBand: '85-94' } }), [hospital])));
    });

    it('counts beds open to either sex for everyone', () => {
      const hospital = aHospital({
        wards: [aWard({ freeBeds: { ...noFreeBeds(), any: { individual: 1, shared: 0 } } })],
      });
      assertMatched(only(rank(aRequest({ patient: { sex: 'female', ageBand: '75-84' } }), [hospital])));
    });

    it('excludes a hospital whose wards do not handle a needed procedure', () => {
      const hospital = aHospital({ wards: [aWard({ proceduresAccepted: ['suctioning'] })] });
      const match = only(rank(aRequest({ proceduresNeeded: ['suctioning', 'dialysis'] }), [hospital]));
      const reason = exclusionOf(match, 'procedure-not-accepted');
      assert.equal(reason.ja, '透析に対応していない');
      assert.ok(
        match.fits.some((fit) => fit.ja === '喀痰吸引に対応'),
        'still shows what fits',
      );
    });

    it('excludes a hospital that does not accept the infection', () => {
      const match = only(
        rank(aRequest({ infections: [{ code: 'cre', needsIsolationRoom: false }] }), [aHospital()]),
      );
      assert.equal(exclusionOf(match, 'infection-not-accepted').ja, 'CREの受入不可');
    });

    it('excludes a ward that takes the infection only into an isolation room when none is free', () => {
      const ward = aWard({
        infectionsAccepted: [{ code: 'mrsa', needsIsolationRoom: true }],
        isolationRooms: { total: 2, free: 0 },
      });
      const request = aRequest({ infections: [{ code: 'mrsa', needsIsolationRoom: false }] });
      const reason = exclusionOf(
        only(rank(request, [aHospital({ wards: [ward] })])),
        'no-free-isolation-room',
      );
      assert.equal(reason.ja, '隔離室に空きがない（MRSAのため必要）');

      const withFreeRoom = only(
        rank(request, [aHospital({ wards: [{ ...ward, isolationRooms: { total: 2, free: 1 } }] })]),
      );
      assertMatched(withFreeRoom);
      assert.deepEqual(withFreeRoom.ward.bedOffer, {
        roomType: 'individual',
        isIsolationRoom: true,
        extraChargeYenPerDay: 0,
      });
    });

    it('excludes a ward without a free isolation room when the patient needs isolation', () => {
      const request = aRequest({ infections: [{ code: 'mrsa', needsIsolationRoom: true }] });
      const full = aHospital({ wards: [aWard({ isolationRooms: { total: 2, free: 0 } })] });
      exclusionOf(only(rank(request, [full])), 'no-free-isolation-room');
      assertMatched(only(rank(request, [aHospital()])));
    });

    it('excludes a ward that does not take the dementia level and says up to which level it does', () => {
      const hospital = aHospital({
        wards: [aWard({ dementia: { maxLevel: 'IIb', behaviouralSymptomsAccepted: [] } })],
      });
      const reason = exclusionOf(
        only(rank(aRequest({ dementiaLevel: 'IIIb' }), [hospital])),
        'dementia-not-accepted',
      );
      assert.equal(reason.ja, '認知症（Ⅲb）の受入不可（Ⅱbまで）');
      assert.equal(reason.en, 'does not accept dementia at IIIb (up to IIb)');
      assertMatched(only(rank(aRequest({ dementiaLevel: 'IIb' }), [hospital])));
    });

    it('excludes a ward that does not manage a behavioural symptom', () => {
      const match = only(
        rank(aRequest({ dementiaLevel: 'IIIa', behaviouralSymptoms: ['wandering'] }), [aHospital()]),
      );
      assert.equal(exclusionOf(match, 'behavioural-symptom-not-accepted').ja, '徘徊のある患者の受入不可');
    });

    it('excludes wards of an undesired type or function', () => {
      exclusionOf(
        only(rank(aRequest({ desiredWardTypes: ['palliative-care'] }), [aHospital()])),
        'ward-type-not-desired',
      );
      exclusionOf(
        only(rank(aRequest({ desiredWardFunctions: ['chronic'] }), [aHospital()])),
        'ward-function-not-desired',
      );
      assertMatched(
        only(
          rank(aRequest({ desiredWardTypes: ['general'], desiredWardFunctions: ['acute'] }), [aHospital()]),
        ),
      );
    });

    it('excludes a hospital whose cheapest fitting bed costs more than the patient can pay', () => {
      const singlesOnly = aHospital({
        wards: [aWard({ freeBeds: { ...noFreeBeds(), any: { individual: 2, shared: 0 } } })],
      });
      const reason = exclusionOf(
        only(rank(aRequest({ maxExtraChargeYenPerDay: 3_000 }), [singlesOnly])),
        'extra-charge-over-limit',
      );
      assert.equal(reason.ja, '差額室料が上限（3,000円/日）を超える（最も安い空床で5,500円/日）');
      const withSharedBed = only(rank(aRequest({ maxExtraChargeYenPerDay: 0 }), [aHospital()]));
      assertMatched(withSharedBed);
      assert.equal(withSharedBed.ward.bedOffer?.roomType, 'shared');
    });

    it('matches through the ward that fits when another ward of the hospital does not', () => {
      const hospital = aHospital({
        wards: [
          aWard({ id: 'w1', name: '3階東病棟', proceduresAccepted: [] }),
          aWard({ id: 'w2', name: '4階西病棟', proceduresAccepted: ['dialysis'] }),
        ],
      });
      const match = only(rank(aRequest({ proceduresNeeded: ['dialysis'] }), [hospital]));
      assertMatched(match);
      assert.equal(match.ward.id, 'w2');
      assert.match(match.explanation.ja, /^試験総合病院 4階西病棟（一般・急性期）。合う点: 透析に対応/);
    });

    it('explains an excluded hospital through the ward that came closest', () => {
      const hospital = aHospital({
        wards: [
          aWard({ id: 'w1', proceduresAccepted: [], freeBeds: noFreeBeds() }),
          aWard({ id: 'w2', proceduresAccepted: ['dialysis'], freeBeds: noFreeBeds() }),
        ],
      });
      const match = only(rank(aRequest({ proceduresNeeded: ['dialysis'] }), [hospital]));
      assert.equal(match.ward.id, 'w2');
      assert.deepEqual(codes(match.exclusions), ['no-free-bed-for-sex']);
      assert.match(match.explanation.ja, /対象外: 女性の空床がない/);
      assert.match(match.explanation.en, /excluded: no free bed for a female patient/);
    });

    it('orders excluded hospitals by how near they came', () => {
      const oneMiss = aHospital({ id: 'h-z', wards: [aWard({ freeBeds: noFreeBeds() })] });
      const twoMisses = aHospital({
        id: 'h-a',
        wards: [aWard({ freeBeds: noFreeBeds(), proceduresAccepted: [] })],
      });
      const ranking = rank(aRequest({ proceduresNeeded: ['suctioning'] }), [twoMisses, oneMiss]);
      assert.deepEqual(
        ranking.excluded.map((match) => match.hospitalId),
        ['h-z', 'h-a'],
      );
    });
  });

  describe('soft factors order the matches', () => {
    it('puts the preferred municipality first, then its care area, then farther places', () => {
      const ranking = rank(aRequest({ preferredMunicipalityIds: ['setagaya-ku'] }), [
        aHospital({ id: 'h-far', municipalityId: 'hachioji-shi' }),
        aHospital({ id: 'h-area', municipalityId: 'meguro-ku' }),
        aHospital({ id: 'h-home', municipalityId: 'setagaya-ku' }),
      ]);
      assert.deepEqual(matchedIds(ranking), ['h-home', 'h-area', 'h-far']);
      const [home, area, far] = ranking.matches;
      assert.ok(home && area && far);
      assert.ok(home.fits.some((fit) => fit.ja === '希望の区市町村（世田谷区）'));
      assert.ok(area.fits.some((fit) => fit.ja === '希望地と同じ二次医療圏（区西南部）'));
      assert.ok(far.drawbacks.some((drawback) => drawback.ja === '希望地から離れている（八王子市・南多摩）'));
    });

    it('treats every municipality of a preferred area as preferred', () => {
      const ranking = rank(aRequest({ preferredMunicipalityIds: [], preferredAreaIds: ['minamitama'] }), [
        aHospital({ id: 'h-ward', municipalityId: 'chiyoda-ku' }),
        aHospital({ id: 'h-tama', municipalityId: 'machida-shi' }),
      ]);
      assert.deepEqual(matchedIds(ranking), ['h-tama', 'h-ward']);
      assert.ok(ranking.matches[0]?.fits.some((fit) => fit.code === 'in-preferred-area'));
    });

    it('ranks a shorter wait higher and flags a wait that runs past the preferred date', () => {
      const ranking = rank(aRequest({ preferredDate: '2025-04-04' }), [
        aHospital({ id: 'h-slow', wards: [aWard({ typicalWaitDays: 10 })] }),
        aHospital({ id: 'h-quick', wards: [aWard({ typicalWaitDays: 1 })] }),
      ]);
      assert.deepEqual(matchedIds(ranking), ['h-quick', 'h-slow']);
      const slow = ranking.matches[1];
      assert.ok(slow);
      const late = slow.drawbacks.find((drawback) => drawback.code === 'wait-past-preferred-date');
      assert.equal(late?.ja, '待機目安10日で、希望日（4月4日）を7日過ぎる見込み');
      assert.ok(ranking.matches[0]?.fits.some((fit) => fit.code === 'ready-by-preferred-date'));
    });

    it('ranks a lower room charge higher', () => {
      const singles = (id: string, charge: number) =>
        aHospital({
          id,
          wards: [
            aWard({
              freeBeds: { ...noFreeBeds(), any: { individual: 1, shared: 0 } },
              extraRoomChargeYenPerDay: { individual: charge, shared: 0 },
            }),
          ],
        });
      const ranking = rank(aRequest(), [
        singles('h-dear', 16_500),
        singles('h-free', 0),
        singles('h-mid', 5_500),
      ]);
      assert.deepEqual(matchedIds(ranking), ['h-free', 'h-mid', 'h-dear']);
      assert.ok(
        ranking.matches[2]?.drawbacks.some((drawback) => drawback.ja === '差額室料 16,500円/日（個室）'),
      );
    });

    it('marks stale free-bed figures and ranks them below fresh ones', () => {
      const ranking = rank(aRequest(), [
        aHospital({ id: 'h-a-stale', freeBedsUpdatedAt: '2025-03-25T09:00:00+09:00' }),
        aHospital({ id: 'h-b-fresh', freeBedsUpdatedAt: '2025-04-01T06:00:00+09:00' }),
      ]);
      assert.deepEqual(matchedIds(ranking), ['h-b-fresh', 'h-a-stale']);
      const [fresh, stale] = ranking.matches;
      assert.ok(fresh && stale);
      assert.equal(fresh.isStale, false);
      assert.equal(stale.isStale, true);
      assert.equal(stale.freeBedsAgeHours, 168);
      assert.ok(stale.drawbacks.some((drawback) => drawback.ja === '空床情報が古い（7日前の更新）'));
    });

    it('takes the stale threshold from the options', () => {
      const dayAndAHalfOld = aHospital({ freeBedsUpdatedAt: '2025-03-31T03:00:00+09:00' });
      assert.equal(only(rank(aRequest(), [dayAndAHalfOld], { staleAfterHours: 24 })).isStale, true);
      assert.equal(only(rank(aRequest(), [dayAndAHalfOld], { staleAfterHours: 48 })).isStale, false);
      assert.equal(rank(aRequest(), [dayAndAHalfOld], { staleAfterHours: 24 }).staleAfterHours, 24);
    });

    it('marks stale figures on excluded hospitals too, where a phone call may still find a bed', () => {
      const match = only(
        rank(aRequest(), [
          aHospital({
            freeBedsUpdatedAt: '2025-03-20T09:00:00+09:00',
            wards: [aWard({ freeBeds: noFreeBeds() })],
          }),
        ]),
      );
      assert.equal(match.isExcluded, true);
      assert.equal(match.isStale, true);
    });

    it('notes a stay limit shorter than the expected stay', () => {
      const ward = aWard({ wardType: 'community-care', wardFunction: 'recovery', maxStayDays: 60 });
      const match = only(rank(aRequest({ expectedStayDays: 90 }), [aHospital({ wards: [ward] })]));
      assertMatched(match);
      assert.ok(match.drawbacks.some((drawback) => drawback.ja === '最長入院期間60日（見込み90日）'));
    });

    it('notes when the rehabilitation admission window has passed', () => {
      const ward = aWard({
        wardType: 'convalescent-rehabilitation',
        wardFunction: 'recovery',
        maxStayDays: 150,
      });
      const late = only(
        rank(aRequest({ mainDiagnosis: { name: '脳梗塞', icd10: 'I63.9', onsetDate: '2025-01-10' } }), [
          aHospital({ wards: [ward] }),
        ]),
      );
      assert.ok(late.drawbacks.some((drawback) => drawback.code === 'rehabilitation-window-passed'));
      const early = only(rank(aRequest(), [aHospital({ wards: [ward] })]));
      assert.ok(
        early.fits.some((fit) => fit.ja === '発症から22日（回復期リハビリテーション病棟の入棟期間内）'),
      );
    });

    it('notes that long-term care wards mostly take 医療区分 2 and 3', () => {
      const ward = aWard({ wardType: 'medical-long-term-care', wardFunction: 'chronic' });
      const low = only(rank(aRequest(), [aHospital({ wards: [ward] })]));
      assert.ok(low.drawbacks.some((drawback) => drawback.code === 'care-category-low'));
      const high = only(rank(aRequest({ careLevelItems: ['pneumonia'] }), [aHospital({ wards: [ward] })]));
      assert.ok(high.fits.some((fit) => fit.ja === '医療区分2（医療療養病棟の対象）'));
      assert.ok(high.score > low.score);
    });
  });

  describe('ordering', () => {
    it('breaks ties by hospital id and numbers the ranks from 1', () => {
      const ranking = rank(aRequest(), [
        aHospital({ id: 'h-b' }),
        aHospital({ id: 'h-c' }),
        aHospital({ id: 'h-a' }),
      ]);
      assert.deepEqual(matchedIds(ranking), ['h-a', 'h-b', 'h-c']);
      assert.deepEqual(
        ranking.matches.map((match) => match.rank),
        [1, 2, 3],
      );
      assert.equal(new Set(ranking.matches.map((match) => match.score)).size, 1, 'a true tie');
    });

    it('gives the same ranking whatever order the hospitals come in', () => {
      const hospitals = generateSyntheticHospitals({ seed: 11, count: 120 });
      const [request] = generateSyntheticTransferRequests({ seed: 11, count: 1 });
      assert.ok(request);
      const forwards = rank(request, hospitals);
      const backwards = rank(request, [...hospitals].reverse());
      assert.deepEqual(backwards, forwards);
    });

    it('refuses a stale threshold that is not a positive number', () => {
      assert.throws(() => rank(aRequest(), [aHospital()], { staleAfterHours: 0 }), RangeError);
    });
  });

  describe('explanations', () => {
    it('gives every reason in Japanese and English and sums them up in both', () => {
      const hospitals = generateSyntheticHospitals({ seed: 5, count: 80 });
      for (const request of generateSyntheticTransferRequests({ seed: 5, count: 10 })) {
        const ranking = rank(request, hospitals);
        for (const match of [...ranking.matches, ...ranking.excluded]) {
          for (const reason of [...match.fits, ...match.exclusions, ...match.drawbacks]) {
            assert.match(reason.ja, /[\u3040-\u30ff\u4e00-\u9fff]/, reason.code);
            assert.ok(
              reason.en.length > 0 && !/[\u3040-\u30ff]/.test(reason.en),
              `${reason.code}: ${reason.en}`,
            );
          }
          assert.ok(match.explanation.ja.startsWith(match.hospitalName));
          assert.ok(match.explanation.en.startsWith(match.hospitalName));
        }
      }
    });
  });

  it('ranks or excludes each of about 640 hospitals for every request (its speed is benchmarked)', () => {
    const hospitals = generateSyntheticHospitals({ seed: 3 });
    for (const request of generateSyntheticTransferRequests({ seed: 3, count: 20 })) {
      const ranking = rank(request, hospitals);
      assert.equal(ranking.matches.length + ranking.excluded.length, hospitals.length);
    }
  });
});

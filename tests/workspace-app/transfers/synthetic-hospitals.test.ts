import assert from 'node:assert/strict';
import { hospitalSchema, type Hospital } from '#workspace-app/transfers/capacity-profile.js';
import { generateSyntheticHospitals, generateSyntheticTransferRequests } from '#demo/synthetic-hospitals.js';
import { tokyoAreas } from '#workspace-app/transfers/tokyo-areas.js';
import { transferRequestSchema } from '#workspace-app/transfers/transfer-request.js';

const bedsOf = (hospitals: Hospital[]) =>
  hospitals.reduce(
    (sum, hospital) => sum + hospital.wards.reduce((wardSum, ward) => wardSum + ward.totalBeds, 0),
    0,
  );

describe('synthetic hospitals', () => {
  const hospitals = generateSyntheticHospitals({ seed: 2025 });

  it('gives the same hospitals for the same seed and different ones for another', () => {
    assert.deepEqual(generateSyntheticHospitals({ seed: 2025 }), hospitals);
    assert.notDeepEqual(generateSyntheticHospitals({ seed: 2026 }), hospitals);
  });

  it('makes about 640 hospitals, or as many as asked', () => {
    assert.equal(hospitals.length, 640);
    assert.equal(generateSyntheticHospitals({ seed: 1, count: 50 }).length, 50);
  });

  it('has a total bed count close to Tokyo’s 105,000 for several seeds', () => {
    for (const seed of [1, 2, 3, 2025]) {
      const beds = bedsOf(seed === 2025 ? hospitals : generateSyntheticHospitals({ seed }));
      assert.ok(beds >= 90_000 && beds <= 125_000, `seed ${seed}: ${beds} beds`);
    }
  });

  it('makes only hospitals the capacity schema accepts', () => {
    const refused = hospitals
      .map((hospital) => ({ hospital, result: hospitalSchema.safeParse(hospital) }))
      .filter(({ result }) => !result.success);
    assert.deepEqual(
      refused.map(({ hospital, result }) => `${hospital.id}: ${result.error?.issues[0]?.message}`),
      [],
    );
  });

  it('spreads hospitals like reality: most in the wards, a few on the islands, none outside Tokyo', () => {
    const perArea = new Map<string, number>();
    for (const hospital of hospitals) {
      assert.ok(tokyoAreas.isMunicipalityId(hospital.municipalityId));
      const areaId = tokyoAreas.careAreaOf(hospital.municipalityId);
      perArea.set(areaId, (perArea.get(areaId) ?? 0) + 1);
    }
    const inWards = [...perArea]
      .filter(([areaId]) => areaId.startsWith('ku-'))
      .reduce((sum, [, n]) => sum + n, 0);
    const onIslands = perArea.get('tosho') ?? 0;
    assert.equal(perArea.size, 13, 'every care area has hospitals');
    assert.ok(inWards > 400 && inWards < 500, `${inWards} in the 23 wards`);
    assert.ok(onIslands >= 1 && onIslands <= 3, `${onIslands} on the islands`);
    assert.ok((perArea.get('ku-seihokubu') ?? 0) > (perArea.get('ku-nanbu') ?? 0));
  });

  it('mixes small and large hospitals and several kinds of ward', () => {
    const sizes = hospitals.map((hospital) => bedsOf([hospital]));
    assert.ok(sizes.filter((beds) => beds < 100).length > 120, 'many hospitals under 100 beds');
    assert.ok(
      sizes.some((beds) => beds >= 500),
      'some large hospitals',
    );
    const wardTypes = new Set(hospitals.flatMap((hospital) => hospital.wards.map((ward) => ward.wardType)));
    assert.equal(wardTypes.size, 6);
  });

  it('gives unique ids, names and phone numbers that no one can be reached at', () => {
    const unique = (values: string[]) => new Set(values).size === values.length;
    assert.ok(unique(hospitals.map((hospital) => hospital.id)));
    assert.ok(unique(hospitals.map((hospital) => hospital.name)));
    assert.ok(unique(hospitals.map((hospital) => hospital.contactDesk.phone)));
    for (const hospital of hospitals) {
      assert.match(hospital.id, /^syn-/);
      assert.match(hospital.name, /(病院|医療センター)$/);
      // Local exchanges beginning with 0 are never assigned in Japanese numbering.
      assert.match(hospital.contactDesk.phone, /^(03-0\d{3}|042-0\d{2}|0499\d-0)-\d{4}$/, hospital.id);
    }
  });

  it('reports most free-bed figures as recent and some as stale', () => {
    const asOf = Date.parse('2025-04-01T09:00:00+09:00');
    const stale = hospitals.filter(
      (hospital) => asOf - Date.parse(hospital.freeBedsUpdatedAt) > 48 * 3_600_000,
    );
    const share = stale.length / hospitals.length;
    assert.ok(share > 0.03 && share < 0.25, `${(share * 100).toFixed(1)}% stale`);
  });

  describe('synthetic transfer requests', () => {
    const requests = generateSyntheticTransferRequests({ seed: 2025, count: 200 });

    it('gives the same requests for the same seed', () => {
      assert.deepEqual(generateSyntheticTransferRequests({ seed: 2025, count: 200 }), requests);
      assert.notDeepEqual(generateSyntheticTransferRequests({ seed: 7, count: 200 }), requests);
    });

    it('makes only requests the request schema accepts', () => {
      assert.equal(requests.length, 200);
      const refused = requests
        .map((request) => ({ request, result: transferRequestSchema.safeParse(request) }))
        .filter(({ result }) => !result.success);
      assert.deepEqual(
        refused.map(({ request, result }) => `${request.id}: ${result.error?.issues[0]?.message}`),
        [],
      );
    });

    it('varies the patients: several diagnoses, both sexes, some infections', () => {
      assert.ok(new Set(requests.map((request) => request.mainDiagnosis.name)).size >= 6);
      assert.equal(new Set(requests.map((request) => request.patient.sex)).size, 2);
      assert.ok(requests.some((request) => request.infections.length > 0));
    });
  });
});

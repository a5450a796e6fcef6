import assert from 'node:assert/strict';
import { hospitalSchema, wardSchema } from '#workspace-app/transfers/capacity-profile.js';
import { aHospital, aWard, someFreeBeds } from './factories.js';
import { assertAccepted, refusalAt } from './validation-helpers.js';

describe('capacity profile', () => {
  it('accepts a consistent hospital with its wards', () => {
    assertAccepted(
      hospitalSchema,
      aHospital({ wards: [aWard({ id: 'w1' }), aWard({ id: 'w2', name: '3階西病棟' })] }),
    );
  });

  it('survives a JSON round trip unchanged, as it will over HTTP and in PostgreSQL', () => {
    const hospital = aHospital();
    assert.deepEqual(hospitalSchema.parse(JSON.parse(JSON.stringify(hospital))), hospital);
  });

  describe('refuses impossible numbers', () => {
    it('refuses more free beds than the ward has', () => {
      const message = refusalAt(
        wardSchema,
        aWard({ totalBeds: 4, freeBeds: someFreeBeds({ female: { individual: 2, shared: 2 } }) }),
        ['freeBeds'],
      );
      assert.match(message, /空床数の合計（7床）が病床数（4床）を超えています/);
      assert.match(message, /free beds \(7\) exceed the ward's beds \(4\)/);
    });

    it('refuses a negative free-bed count', () => {
      const message = refusalAt(
        wardSchema,
        aWard({ freeBeds: someFreeBeds({ male: { individual: -1, shared: 0 } }) }),
        ['freeBeds', 'male', 'individual'],
      );
      assert.match(message, /負の数/);
      assert.match(message, /must not be negative/);
    });

    it('refuses a fractional bed count', () => {
      assert.match(refusalAt(wardSchema, aWard({ totalBeds: 40.5 }), ['totalBeds']), /整数.*whole number/);
    });

    it('refuses a ward without beds', () => {
      assert.match(refusalAt(wardSchema, aWard({ totalBeds: 0 }), ['totalBeds']), /1以上.*at least 1/);
    });

    it('refuses a negative room charge and a negative wait', () => {
      refusalAt(wardSchema, aWard({ extraRoomChargeYenPerDay: { individual: -100, shared: 0 } }), [
        'extraRoomChargeYenPerDay',
        'individual',
      ]);
      refusalAt(wardSchema, aWard({ typicalWaitDays: -1 }), ['typicalWaitDays']);
    });

    it('refuses more isolation rooms than beds', () => {
      const message = refusalAt(
        wardSchema,
        aWard({ totalBeds: 4, freeBeds: someFreeBeds(), isolationRooms: { total: 5, free: 0 } }),
        ['isolationRooms', 'total'],
      );
      assert.match(message, /隔離室の数（5）が病床数（4床）を超えています/);
    });

    it('refuses more free isolation rooms than isolation rooms', () => {
      const message = refusalAt(
        wardSchema,
        aWard({
          freeBeds: someFreeBeds({ any: { individual: 3, shared: 0 } }),
          isolationRooms: { total: 1, free: 2 },
        }),
        ['isolationRooms', 'free'],
      );
      assert.match(message, /空いている隔離室（2）が隔離室の数（1）を超えています/);
    });

    it('refuses a free isolation room that is not among the free single beds', () => {
      const message = refusalAt(
        wardSchema,
        aWard({
          freeBeds: someFreeBeds({ any: { individual: 0, shared: 0 } }),
          isolationRooms: { total: 2, free: 1 },
        }),
        ['isolationRooms', 'free'],
      );
      assert.match(message, /個室の空床（0床）/);
      assert.match(message, /free single-room beds \(0\)/);
    });
  });

  describe('refuses unknown codes', () => {
    it('refuses an unknown ward function and names the allowed codes', () => {
      const message = refusalAt(wardSchema, { ...aWard(), wardFunction: 'semi-acute' }, ['wardFunction']);
      assert.match(message, /「semi-acute」は使えないコード/);
      assert.match(message, /unknown code "semi-acute" \(allowed: high-acute, acute, recovery, chronic\)/);
    });

    it('refuses an unknown ward type, procedure, infection and behavioural symptom', () => {
      refusalAt(wardSchema, { ...aWard(), wardType: 'icu' }, ['wardType']);
      refusalAt(wardSchema, { ...aWard(), proceduresAccepted: ['suctioning', 'teleportation'] }, [
        'proceduresAccepted',
        1,
      ]);
      refusalAt(
        wardSchema,
        { ...aWard(), infectionsAccepted: [{ code: 'plague', needsIsolationRoom: true }] },
        ['infectionsAccepted', 0, 'code'],
      );
      refusalAt(wardSchema, { ...aWard(), dementia: { maxLevel: 'V', behaviouralSymptomsAccepted: [] } }, [
        'dementia',
        'maxLevel',
      ]);
    });

    it('refuses a municipality outside Tokyo', () => {
      const message = refusalAt(hospitalSchema, { ...aHospital(), municipalityId: 'yokohama-shi' }, [
        'municipalityId',
      ]);
      assert.match(message, /東京都の区市町村ではありません/);
      assert.match(message, /not a Tokyo municipality: "yokohama-shi"/);
    });

    it('refuses a misspelt field instead of dropping it', () => {
      const message = refusalAt(wardSchema, { ...aWard(), freebeds: 3 }, []);
      assert.match(message, /不明な項目.*freebeds/);
    });

    it('refuses a procedure listed twice', () => {
      const message = refusalAt(wardSchema, aWard({ proceduresAccepted: ['dialysis', 'dialysis'] }), [
        'proceduresAccepted',
        1,
      ]);
      assert.match(message, /「透析」が重複/);
    });

    it('refuses an infection listed twice', () => {
      refusalAt(
        wardSchema,
        aWard({
          infectionsAccepted: [
            { code: 'mrsa', needsIsolationRoom: false },
            { code: 'mrsa', needsIsolationRoom: true },
          ],
        }),
        ['infectionsAccepted', 1, 'code'],
      );
    });
  });

  describe('refuses impossible combinations', () => {
    it('refuses 高度急性期 reported by a long-term care ward', () => {
      const message = refusalAt(
        wardSchema,
        aWard({ wardType: 'medical-long-term-care', wardFunction: 'high-acute' }),
        ['wardFunction'],
      );
      assert.match(message, /医療療養病棟は病床機能を「高度急性期」として報告できません/);
      assert.match(message, /long-term medical care ward cannot report its function as highly acute/);
    });

    it('accepts 回復期 for a community-care ward but refuses 慢性期', () => {
      assertAccepted(
        wardSchema,
        aWard({ wardType: 'community-care', wardFunction: 'recovery', maxStayDays: 60 }),
      );
      refusalAt(wardSchema, aWard({ wardType: 'community-care', wardFunction: 'chronic', maxStayDays: 60 }), [
        'wardFunction',
      ]);
    });

    it('refuses a community-care ward that keeps patients longer than 60 days, or without limit', () => {
      const message = refusalAt(
        wardSchema,
        aWard({ wardType: 'community-care', wardFunction: 'acute', maxStayDays: 90 }),
        ['maxStayDays'],
      );
      assert.match(message, /地域包括ケア病棟の最長入院期間は60日以内/);
      refusalAt(wardSchema, aWard({ wardType: 'community-care', wardFunction: 'acute', maxStayDays: null }), [
        'maxStayDays',
      ]);
    });

    it('refuses a rehabilitation ward stay beyond 180 days', () => {
      refusalAt(
        wardSchema,
        aWard({ wardType: 'convalescent-rehabilitation', wardFunction: 'recovery', maxStayDays: 200 }),
        ['maxStayDays'],
      );
    });

    it('refuses an infection taken only into isolation rooms by a ward that has none', () => {
      const message = refusalAt(
        wardSchema,
        aWard({
          isolationRooms: { total: 0, free: 0 },
          infectionsAccepted: [{ code: 'vre', needsIsolationRoom: true }],
        }),
        ['infectionsAccepted', 0, 'needsIsolationRoom'],
      );
      assert.match(message, /VREを隔離室で受け入れるとしていますが、この病棟には隔離室がありません/);
    });
  });

  describe('refuses malformed hospital details', () => {
    it('refuses a hospital without wards', () => {
      assert.match(
        refusalAt(hospitalSchema, aHospital({ wards: [] }), ['wards']),
        /1件以上.*at least 1 entry/,
      );
    });

    it('refuses two wards with the same id', () => {
      const message = refusalAt(
        hospitalSchema,
        aHospital({ wards: [aWard({ id: 'w1' }), aWard({ id: 'w1' })] }),
        ['wards', 1, 'id'],
      );
      assert.match(message, /病棟ID「w1」が重複/);
    });

    it('refuses a phone number without hyphens or with the wrong number of digits', () => {
      const desk = aHospital().contactDesk;
      refusalAt(hospitalSchema, aHospital({ contactDesk: { ...desk, phone: '0312345678' } }), [
        'contactDesk',
        'phone',
      ]);
      refusalAt(hospitalSchema, aHospital({ contactDesk: { ...desk, phone: '03-123-456' } }), [
        'contactDesk',
        'phone',
      ]);
    });

    it('refuses an update time without a time zone', () => {
      const message = refusalAt(hospitalSchema, aHospital({ freeBedsUpdatedAt: '2025-04-01 09:00' }), [
        'freeBedsUpdatedAt',
      ]);
      assert.match(message, /ISO 8601/);
    });

    it('refuses a missing field with a bilingual "required"', () => {
      const { name: _name, ...nameless } = aHospital();
      assert.match(refusalAt(hospitalSchema, nameless, ['name']), /入力が必要.*required/);
    });
  });
});

import { hospitalSchema, type Hospital, type Ward } from '../src/transfers/capacity-profile.js';

// The two hospitals the demo identities belong to: 東京中央病院, whose 地域連携室 MSW (msw.takahashi)
// looks for beds, and 多摩リハビリテーション病院, whose bed manager (beds.ito) keeps its free beds.
// Invented in every detail; the phone numbers' local exchanges start with 0, which is never assigned.

export const tokyoChuoHospitalId = 'tokyo-chuo-hospital';
export const tamaRehabilitationHospitalId = 'tama-rehabilitation-hospital';

function ward(
  overrides: Partial<Ward> & Pick<Ward, 'id' | 'name' | 'wardFunction' | 'wardType' | 'totalBeds'>,
): Ward {
  return {
    freeBeds: {
      male: { individual: 0, shared: 1 },
      female: { individual: 0, shared: 1 },
      any: { individual: 1, shared: 0 },
    },
    isolationRooms: { total: 2, free: 1 },
    proceduresAccepted: [
      'suctioning',
      'oxygen-therapy',
      'tube-feeding',
      'blood-glucose-monitoring',
      'insulin',
      'urinary-catheter',
      'pressure-ulcer-care',
    ],
    infectionsAccepted: [
      { code: 'mrsa', needsIsolationRoom: true },
      { code: 'esbl', needsIsolationRoom: false },
      { code: 'hbv', needsIsolationRoom: false },
      { code: 'hcv', needsIsolationRoom: false },
    ],
    dementia: {
      maxLevel: 'IIIb',
      behaviouralSymptomsAccepted: ['wandering', 'night-delirium', 'care-resistance'],
    },
    extraRoomChargeYenPerDay: { individual: 5_500, shared: 0 },
    maxStayDays: null,
    typicalWaitDays: 3,
    ...overrides,
  };
}

/** Both hospitals, checked against the capacity-profile schema; figures confirmed an hour or two before `now`. */
export function demoHospitals(now: Date): { hospital: Hospital; organisation: string }[] {
  const hoursAgo = (hours: number) => new Date(now.getTime() - hours * 3_600_000).toISOString();
  const tokyoChuo: Hospital = {
    id: tokyoChuoHospitalId,
    name: '東京中央病院',
    municipalityId: 'chuo-ku',
    contactDesk: { name: '地域連携室', phone: '03-0100-0301', hours: '平日 8:30–17:15' },
    freeBedsUpdatedAt: hoursAgo(1),
    wards: [
      ward({
        id: 'tokyo-chuo-icu',
        name: 'ICU',
        wardFunction: 'high-acute',
        wardType: 'general',
        totalBeds: 12,
        freeBeds: {
          male: { individual: 0, shared: 0 },
          female: { individual: 0, shared: 0 },
          any: { individual: 2, shared: 0 },
        },
        isolationRooms: { total: 2, free: 1 },
        proceduresAccepted: [
          'ventilator',
          'dialysis',
          'central-venous-nutrition',
          'oxygen-therapy',
          'tracheostomy',
          'drain',
          'continuous-infusion',
          'suctioning',
        ],
        extraRoomChargeYenPerDay: { individual: 0, shared: 0 },
        typicalWaitDays: 0,
      }),
      ward({
        id: 'tokyo-chuo-5e',
        name: '5階東病棟',
        wardFunction: 'acute',
        wardType: 'general',
        totalBeds: 45,
        typicalWaitDays: 1,
      }),
      ward({
        id: 'tokyo-chuo-6e',
        name: '6階東病棟',
        wardFunction: 'recovery',
        wardType: 'community-care',
        totalBeds: 44,
        maxStayDays: 60,
        typicalWaitDays: 4,
      }),
      ward({
        id: 'tokyo-chuo-7w',
        name: '7階緩和ケア病棟',
        wardFunction: 'chronic',
        wardType: 'palliative-care',
        totalBeds: 20,
        freeBeds: {
          male: { individual: 0, shared: 0 },
          female: { individual: 1, shared: 0 },
          any: { individual: 0, shared: 0 },
        },
        isolationRooms: { total: 1, free: 0 },
        proceduresAccepted: [
          'opioid-pain-control',
          'continuous-infusion',
          'oxygen-therapy',
          'central-venous-nutrition',
          'suctioning',
        ],
        extraRoomChargeYenPerDay: { individual: 11_000, shared: 0 },
        typicalWaitDays: 10,
      }),
    ],
  };
  const tama: Hospital = {
    id: tamaRehabilitationHospitalId,
    name: '多摩リハビリテーション病院',
    municipalityId: 'tama-shi',
    contactDesk: { name: '入退院支援センター', phone: '042-010-0302', hours: '月〜土 9:00–17:00' },
    freeBedsUpdatedAt: hoursAgo(2),
    wards: [
      ward({
        id: 'tama-rehab-2f',
        name: '2階回復期リハビリテーション病棟',
        wardFunction: 'recovery',
        wardType: 'convalescent-rehabilitation',
        totalBeds: 50,
        freeBeds: {
          male: { individual: 0, shared: 1 },
          female: { individual: 0, shared: 2 },
          any: { individual: 1, shared: 0 },
        },
        maxStayDays: 150,
        typicalWaitDays: 5,
        // Rehabilitation needs a patient who can take part: up to C1, adults only.
        patientsAccepted: { maxIndependenceLevel: 'C1', minAge: 40 },
      }),
      ward({
        id: 'tama-rehab-3f',
        name: '3階回復期リハビリテーション病棟',
        wardFunction: 'recovery',
        wardType: 'convalescent-rehabilitation',
        totalBeds: 50,
        freeBeds: {
          male: { individual: 0, shared: 0 },
          female: { individual: 0, shared: 0 },
          any: { individual: 1, shared: 0 },
        },
        isolationRooms: { total: 1, free: 0 },
        maxStayDays: 180,
        typicalWaitDays: 7,
        patientsAccepted: { maxAdlCategory: 2 },
      }),
      ward({
        id: 'tama-rehab-4f',
        name: '4階地域包括ケア病棟',
        wardFunction: 'recovery',
        wardType: 'community-care',
        totalBeds: 40,
        freeBeds: {
          male: { individual: 0, shared: 2 },
          female: { individual: 0, shared: 1 },
          any: { individual: 0, shared: 0 },
        },
        isolationRooms: { total: 1, free: 0 },
        maxStayDays: 60,
        typicalWaitDays: 2,
      }),
    ],
  };
  return [tokyoChuo, tama].map((hospital) => ({
    hospital: hospitalSchema.parse(hospital),
    organisation: hospital.name,
  }));
}

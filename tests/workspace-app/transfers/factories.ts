import type { FreeBeds, Hospital, Ward } from '#workspace-app/transfers/capacity-profile.js';
import type { TransferRequest } from '#workspace-app/transfers/transfer-request.js';

/** The moment every ranking test searches at. */
export const searchTime = new Date('2025-04-01T09:00:00+09:00');

export function someFreeBeds(overrides: Partial<FreeBeds> = {}): FreeBeds {
  return {
    male: { individual: 0, shared: 2 },
    female: { individual: 0, shared: 2 },
    any: { individual: 1, shared: 0 },
    ...overrides,
  };
}

export function noFreeBeds(): FreeBeds {
  return {
    male: { individual: 0, shared: 0 },
    female: { individual: 0, shared: 0 },
    any: { individual: 0, shared: 0 },
  };
}

export function aWard(overrides: Partial<Ward> = {}): Ward {
  return {
    id: 'w1',
    name: '3階東病棟',
    wardFunction: 'acute',
    wardType: 'general',
    totalBeds: 40,
    freeBeds: someFreeBeds(),
    isolationRooms: { total: 2, free: 1 },
    proceduresAccepted: ['suctioning', 'oxygen-therapy', 'tube-feeding', 'blood-glucose-monitoring'],
    infectionsAccepted: [{ code: 'mrsa', needsIsolationRoom: false }],
    dementia: { maxLevel: 'M', behaviouralSymptomsAccepted: ['night-delirium'] },
    extraRoomChargeYenPerDay: { individual: 5_500, shared: 0 },
    maxStayDays: null,
    typicalWaitDays: 2,
    ...overrides,
  };
}

export function aHospital(overrides: Partial<Hospital> = {}): Hospital {
  return {
    id: 'h-001',
    name: '試験総合病院',
    municipalityId: 'setagaya-ku',
    contactDesk: { name: '地域医療連携室', phone: '03-0000-0001', hours: '平日 9:00–17:00' },
    freeBedsUpdatedAt: '2025-04-01T08:00:00+09:00',
    wards: [aWard()],
    ...overrides,
  };
}

export function aRequest(overrides: Partial<TransferRequest> = {}): TransferRequest {
  return {
    id: 'req-001',
    patient: { sex: 'female', ageBand: '85-94' },
    mainDiagnosis: { name: '脳梗塞', icd10: 'I63.9', onsetDate: '2025-03-10' },
    careLevelItems: [],
    adlScores: { bedMobility: 2, transfer: 2, eating: 2, toiletUse: 2 },
    independenceLevel: 'B1',
    dementiaLevel: 'IIa',
    behaviouralSymptoms: [],
    infections: [],
    proceduresNeeded: [],
    preferredMunicipalityIds: ['setagaya-ku'],
    preferredAreaIds: [],
    preferredDate: null,
    desiredWardFunctions: [],
    desiredWardTypes: [],
    expectedStayDays: null,
    maxExtraChargeYenPerDay: null,
    keyPerson: { relationship: '長女', name: null, phone: null },
    planAfterDischarge: null,
    ...overrides,
  };
}

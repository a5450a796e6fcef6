import { type Bilingual } from '@hcw/common';
import type { ContactDesk, Hospital, Ward } from './capacity-profile.js';
import {
  ageBandLabels,
  behaviouralSymptomLabels,
  dementiaLevelLabels,
  dementiaSeverityOf,
  independenceLevelLabels,
  infectionLabels,
  patientSexLabels,
  procedureLabels,
  roomTypeLabels,
  wardFunctionLabels,
  wardTypeLabels,
  type AgeBand,
  type IndependenceLevel,
  type RoomType,
  type WardFunction,
  type WardType,
} from './care-codes.js';
import { careAreaLabels, tokyoAreas, type CareAreaId, type MunicipalityId } from './tokyo-areas.js';
import { adlCategoryOf, medicalCareCategoryOf, type TransferRequest } from './transfer-request.js';

export type MatchReasonCode =
  // hard criteria: met (a fit) or not (an exclusion)
  | 'ward-function-desired'
  | 'ward-function-not-desired'
  | 'ward-type-desired'
  | 'ward-type-not-desired'
  | 'free-bed-for-sex'
  | 'no-free-bed-for-sex'
  | 'isolation-room-free'
  | 'no-free-isolation-room'
  | 'extra-charge-over-limit'
  | 'procedure-accepted'
  | 'procedure-not-accepted'
  | 'infection-accepted'
  | 'infection-not-accepted'
  | 'dementia-accepted'
  | 'dementia-not-accepted'
  | 'behavioural-symptoms-accepted'
  | 'behavioural-symptom-not-accepted'
  | 'adl-accepted'
  | 'adl-not-accepted'
  | 'independence-accepted'
  | 'independence-not-accepted'
  | 'age-accepted'
  | 'age-not-accepted'
  | 'age-to-confirm'
  // soft factors: in favour (a fit) or against (a drawback)
  | 'in-preferred-municipality'
  | 'in-preferred-area'
  | 'same-area-as-preferred'
  | 'near-preferred'
  | 'far-from-preferred'
  | 'ready-by-preferred-date'
  | 'wait-past-preferred-date'
  | 'short-wait'
  | 'long-wait'
  | 'no-extra-charge'
  | 'extra-charge'
  | 'free-beds-fresh'
  | 'free-beds-stale'
  | 'stay-limit-fits'
  | 'stay-limit-short'
  | 'care-category-fits'
  | 'care-category-low'
  | 'rehabilitation-window-open'
  | 'rehabilitation-window-passed';

export interface MatchReason extends Bilingual {
  code: MatchReasonCode;
}

/** The bed the patient would take in a ward: the cheapest that fits. */
export interface BedOffer {
  roomType: RoomType;
  isIsolationRoom: boolean;
  extraChargeYenPerDay: number;
}

export interface WardSummary {
  id: string;
  name: string;
  wardFunction: WardFunction;
  wardType: WardType;
  bedOffer: BedOffer | null;
  typicalWaitDays: number;
  maxStayDays: number | null;
}

export interface HospitalMatch {
  hospitalId: string;
  hospitalName: string;
  municipalityId: MunicipalityId;
  areaId: CareAreaId;
  /** 1 for the best match; null for an excluded hospital. */
  rank: number | null;
  isExcluded: boolean;
  /** 0–100 from the soft factors; for an excluded hospital, the score its closest ward would have. */
  score: number;
  /** The best fitting ward, or for an excluded hospital the ward that came closest. */
  ward: WardSummary;
  fits: MatchReason[];
  /** Hard mismatches: any one of them excludes the hospital. */
  exclusions: MatchReason[];
  /** Soft factors that lower the score. */
  drawbacks: MatchReason[];
  isStale: boolean;
  freeBedsUpdatedAt: string;
  freeBedsAgeHours: number;
  contactDesk: ContactDesk;
  /** One paragraph for the social worker: the ward, then what fits and what does not. */
  explanation: Bilingual;
}

export interface HospitalRanking {
  /** Hospitals with at least one ward that meets every hard criterion, best first. */
  matches: HospitalMatch[];
  /** The others, nearest misses first (fewest exclusions, then score, then id). */
  excluded: HospitalMatch[];
  staleAfterHours: number;
}

export interface RankingOptions {
  /** The moment of the search; passed in so that ranking stays a pure function. */
  now: Date;
  /** Free-bed figures older than this are marked stale and score lower. */
  staleAfterHours?: number;
}

export const defaultStaleAfterHours = 48;

// How many of the 100 points each soft factor can take away. Distance and wait weigh most because
// they decide whether the family can visit and whether the discharge date holds.
const penaltyWeights = {
  distance: 35,
  wait: 25,
  extraCharge: 20,
  staleness: 10,
  stayLimit: 5,
  careCategory: 5,
  rehabilitationWindow: 5,
};
/** Grid units (about 34 km) at which distance costs its full weight. */
const fullDistancePenaltyAt = 40;
/** Within this many grid units (about 10 km) a hospital outside the preferred area still counts as near. */
const nearDistance = 12;
const fullWaitPenaltyAtDays = 30;
const fullChargePenaltyAtYen = 20_000;
const longWaitDays = 14;
const shortWaitDays = 3;
/** 回復期リハビリテーション病棟 admit, for most diagnoses, within two months of onset. */
const rehabilitationWindowDays = 60;
const millisecondsPerHour = 3_600_000;
const millisecondsPerDay = 86_400_000;
const jstOffsetMilliseconds = 9 * millisecondsPerHour;

const reason = (code: MatchReasonCode, ja: string, en: string): MatchReason => ({ code, ja, en });

function yen(amount: number): string {
  return String(amount).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function daysBetween(fromIsoDate: string, toIsoDate: string): number {
  return Math.round((Date.parse(toIsoDate) - Date.parse(fromIsoDate)) / millisecondsPerDay);
}

function japaneseDate(isoDate: string): string {
  const [, month, day] = isoDate.split('-');
  return `${Number(month)}月${Number(day)}日`;
}

function describeAge(hours: number): Bilingual {
  if (hours < 1) return { ja: '1時間以内', en: 'within the hour' };
  if (hours < 48) {
    const whole = Math.floor(hours);
    return { ja: `${whole}時間前`, en: `${whole} hour${whole === 1 ? '' : 's'} ago` };
  }
  const days = Math.floor(hours / 24);
  return { ja: `${days}日前`, en: `${days} days ago` };
}

/** What a request needs, worked out once per search rather than once per ward. */
interface SearchContext {
  request: TransferRequest;
  daysUntilPreferred: number;
  onsetToAdmissionDays: number;
  medicalCareCategory: 1 | 2 | 3;
  dementiaSeverity: number;
  patientNeedsIsolation: boolean;
  hasPlacePreference: boolean;
  preferredMunicipalities: ReadonlySet<MunicipalityId>;
  preferredAreas: ReadonlySet<CareAreaId>;
  areasOfPreferredMunicipalities: ReadonlySet<CareAreaId>;
  placeCandidates: readonly MunicipalityId[];
  distanceByMunicipality: Map<MunicipalityId, number>;
  staleAfterHours: number;
  nowMs: number;
}

function searchContextOf(request: TransferRequest, options: RankingOptions): SearchContext {
  const staleAfterHours = options.staleAfterHours ?? defaultStaleAfterHours;
  if (!Number.isFinite(staleAfterHours) || staleAfterHours <= 0) {
    throw new RangeError(`staleAfterHours must be a positive number, got ${staleAfterHours}`);
  }
  const nowMs = options.now.getTime();
  const todayJst = new Date(nowMs + jstOffsetMilliseconds).toISOString().slice(0, 10);
  const admissionDate = request.preferredDate ?? todayJst;
  const preferredMunicipalities = new Set(request.preferredMunicipalityIds);
  const preferredAreas = new Set(request.preferredAreaIds);
  const placeCandidates = new Set<MunicipalityId>(preferredMunicipalities);
  for (const area of tokyoAreas.careAreas) {
    if (preferredAreas.has(area.id)) area.municipalityIds.forEach((id) => placeCandidates.add(id));
  }
  return {
    request,
    daysUntilPreferred:
      request.preferredDate === null ? 0 : Math.max(0, daysBetween(todayJst, request.preferredDate)),
    onsetToAdmissionDays: daysBetween(request.mainDiagnosis.onsetDate, admissionDate),
    medicalCareCategory: medicalCareCategoryOf(request.careLevelItems),
    dementiaSeverity: dementiaSeverityOf(request.dementiaLevel),
    patientNeedsIsolation: request.infections.some((infection) => infection.needsIsolationRoom),
    hasPlacePreference: placeCandidates.size > 0,
    preferredMunicipalities,
    preferredAreas,
    areasOfPreferredMunicipalities: new Set(request.preferredMunicipalityIds.map(tokyoAreas.careAreaOf)),
    placeCandidates: [...placeCandidates],
    distanceByMunicipality: new Map(),
    staleAfterHours,
    nowMs,
  };
}

function distanceFromPreferred(context: SearchContext, municipalityId: MunicipalityId): number {
  const cached = context.distanceByMunicipality.get(municipalityId);
  if (cached !== undefined) return cached;
  let nearest = Number.POSITIVE_INFINITY;
  for (const candidate of context.placeCandidates) {
    nearest = Math.min(nearest, tokyoAreas.gridDistance(municipalityId, candidate));
  }
  context.distanceByMunicipality.set(municipalityId, nearest);
  return nearest;
}

interface WardEvaluation {
  ward: Ward;
  bedOffer: BedOffer | null;
  fits: MatchReason[];
  exclusions: MatchReason[];
  drawbacks: MatchReason[];
  score: number;
}

/** Hard criteria: each unmet one is an exclusion; also settles which bed the patient would take. */
function checkHardCriteria(context: SearchContext, ward: Ward, evaluation: WardEvaluation): void {
  const { request } = context;
  const { fits, exclusions } = evaluation;
  const wardFunction = wardFunctionLabels[ward.wardFunction];
  const wardType = wardTypeLabels[ward.wardType];

  if (request.desiredWardFunctions.length > 0) {
    if (request.desiredWardFunctions.includes(ward.wardFunction)) {
      fits.push(
        reason(
          'ward-function-desired',
          `希望の病床機能（${wardFunction.ja}）`,
          `desired function (${wardFunction.en})`,
        ),
      );
    } else {
      exclusions.push(
        reason(
          'ward-function-not-desired',
          `病床機能が希望と違う（${wardFunction.ja}）`,
          `not a desired ward function (${wardFunction.en})`,
        ),
      );
    }
  }
  if (request.desiredWardTypes.length > 0) {
    if (request.desiredWardTypes.includes(ward.wardType)) {
      fits.push(
        reason('ward-type-desired', `希望の病棟種別（${wardType.ja}）`, `desired ward type (${wardType.en})`),
      );
    } else {
      exclusions.push(
        reason(
          'ward-type-not-desired',
          `病棟種別が希望と違う（${wardType.ja}）`,
          `not a desired ward type (${wardType.en})`,
        ),
      );
    }
  }

  for (const procedure of request.proceduresNeeded) {
    const label = procedureLabels[procedure];
    if (ward.proceduresAccepted.includes(procedure)) {
      fits.push(reason('procedure-accepted', `${label.ja}に対応`, `handles ${label.en}`));
    } else {
      exclusions.push(
        reason('procedure-not-accepted', `${label.ja}に対応していない`, `does not handle ${label.en}`),
      );
    }
  }

  const isolationCauses: Bilingual[] = [];
  for (const infection of request.infections) {
    const label = infectionLabels[infection.code];
    const acceptance = ward.infectionsAccepted.find((accepted) => accepted.code === infection.code);
    if (!acceptance) {
      exclusions.push(
        reason('infection-not-accepted', `${label.ja}の受入不可`, `does not accept ${label.en}`),
      );
      continue;
    }
    fits.push(reason('infection-accepted', `${label.ja}の受入可`, `accepts ${label.en}`));
    if (infection.needsIsolationRoom || acceptance.needsIsolationRoom) isolationCauses.push(label);
  }

  if (request.dementiaLevel !== 'independent') {
    const level = dementiaLevelLabels[request.dementiaLevel];
    if (context.dementiaSeverity > dementiaSeverityOf(ward.dementia.maxLevel)) {
      const limit = dementiaLevelLabels[ward.dementia.maxLevel];
      exclusions.push(
        ward.dementia.maxLevel === 'independent'
          ? reason(
              'dementia-not-accepted',
              `認知症（${level.ja}）の受入不可`,
              `does not accept dementia (${level.en})`,
            )
          : reason(
              'dementia-not-accepted',
              `認知症（${level.ja}）の受入不可（${limit.ja}まで）`,
              `does not accept dementia at ${level.en} (up to ${limit.en})`,
            ),
      );
    } else {
      fits.push(
        reason('dementia-accepted', `認知症（${level.ja}）の受入可`, `accepts dementia (${level.en})`),
      );
    }
  }
  const unacceptedSymptoms = request.behaviouralSymptoms.filter(
    (symptom) => !ward.dementia.behaviouralSymptomsAccepted.includes(symptom),
  );
  for (const symptom of unacceptedSymptoms) {
    const label = behaviouralSymptomLabels[symptom];
    exclusions.push(
      reason(
        'behavioural-symptom-not-accepted',
        `${label.ja}のある患者の受入不可`,
        `does not accept ${label.en}`,
      ),
    );
  }
  if (request.behaviouralSymptoms.length > 0 && unacceptedSymptoms.length === 0) {
    const labels = request.behaviouralSymptoms.map((symptom) => behaviouralSymptomLabels[symptom]);
    fits.push(
      reason(
        'behavioural-symptoms-accepted',
        `${labels.map((label) => label.ja).join('・')}に対応`,
        `manages ${labels.map((label) => label.en).join(', ')}`,
      ),
    );
  }

  checkPatientsAccepted(context, ward, evaluation);
  evaluation.bedOffer = findBed(context, ward, isolationCauses, evaluation);
}

/** 障害高齢者の日常生活自立度, most independent first. */
const independenceOrder = Object.keys(independenceLevelLabels) as IndependenceLevel[];

/** Youngest and oldest ages of a band; the open ends stop at what a person can be. */
const ageRangeOfBand: Readonly<Record<AgeBand, [number, number]>> = {
  'under-40': [0, 39],
  '40-64': [40, 64],
  '65-74': [65, 74],
  '75-84': [75, 84],
  '85-94': [85, 94],
  '95-plus': [95, 120],
};

/**
 * ADL区分, 障害高齢者の日常生活自立度 and age, where the ward's profile says which patients it takes: a
 * patient outside is excluded, one inside is a fit the explanation names. An age band that only partly
 * overlaps the ward's ages is a drawback to confirm with the hospital, not an exclusion.
 */
function checkPatientsAccepted(context: SearchContext, ward: Ward, evaluation: WardEvaluation): void {
  const accepted = ward.patientsAccepted;
  if (!accepted) return;
  const { request } = context;
  const { fits, exclusions, drawbacks } = evaluation;
  if (accepted.maxAdlCategory !== undefined) {
    const category = adlCategoryOf(request.adlScores);
    if (category > accepted.maxAdlCategory) {
      exclusions.push(
        reason(
          'adl-not-accepted',
          `ADL区分${category}の受入不可（ADL区分${accepted.maxAdlCategory}まで）`,
          `does not take ADL category ${category} (up to ${accepted.maxAdlCategory})`,
        ),
      );
    } else {
      fits.push(
        reason(
          'adl-accepted',
          `ADL区分${category}の受入可（ADL区分${accepted.maxAdlCategory}まで）`,
          `takes ADL category ${category} (up to ${accepted.maxAdlCategory})`,
        ),
      );
    }
  }
  if (accepted.maxIndependenceLevel !== undefined) {
    const level = independenceLevelLabels[request.independenceLevel];
    const limit = independenceLevelLabels[accepted.maxIndependenceLevel];
    if (
      independenceOrder.indexOf(request.independenceLevel) >
      independenceOrder.indexOf(accepted.maxIndependenceLevel)
    ) {
      exclusions.push(
        reason(
          'independence-not-accepted',
          `障害高齢者の日常生活自立度${level.ja}の受入不可（${limit.ja}まで）`,
          `does not take independence level ${request.independenceLevel} (up to ${accepted.maxIndependenceLevel})`,
        ),
      );
    } else {
      fits.push(
        reason(
          'independence-accepted',
          `障害高齢者の日常生活自立度${level.ja}の受入可（${limit.ja}まで）`,
          `takes independence level ${request.independenceLevel} (up to ${accepted.maxIndependenceLevel})`,
        ),
      );
    }
  }
  if (accepted.minAge !== undefined || accepted.maxAge !== undefined) {
    const [youngest, oldest] = ageRangeOfBand[request.patient.ageBand];
    const min = accepted.minAge ?? 0;
    const max = accepted.maxAge ?? 120;
    const band = ageBandLabels[request.patient.ageBand];
    const range = {
      ja: `${accepted.minAge !== undefined ? `${min}歳` : ''}〜${accepted.maxAge !== undefined ? `${max}歳` : ''}`,
      en: `${accepted.minAge !== undefined ? `${min}` : ''}–${accepted.maxAge !== undefined ? `${max}` : ''}`,
    };
    if (oldest < min || youngest > max) {
      exclusions.push(
        reason(
          'age-not-accepted',
          `${band.ja}は受入年齢外（${range.ja}）`,
          `age ${band.en} outside the ages taken (${range.en})`,
        ),
      );
    } else if (youngest >= min && oldest <= max) {
      fits.push(
        reason(
          'age-accepted',
          `${band.ja}は受入年齢内（${range.ja}）`,
          `age ${band.en} within the ages taken (${range.en})`,
        ),
      );
    } else {
      drawbacks.push(
        reason(
          'age-to-confirm',
          `${band.ja}の一部が受入年齢外（${range.ja}）: 年齢を病院に確認`,
          `age ${band.en} partly outside the ages taken (${range.en}): confirm with the hospital`,
        ),
      );
    }
  }
}

function findBed(
  context: SearchContext,
  ward: Ward,
  isolationCauses: readonly Bilingual[],
  evaluation: WardEvaluation,
): BedOffer | null {
  const { fits, exclusions } = evaluation;
  if (context.patientNeedsIsolation || isolationCauses.length > 0) {
    const causes = isolationCauses.length > 0 ? isolationCauses : [{ ja: '感染症', en: 'an infection' }];
    const because = {
      ja: causes.map((cause) => cause.ja).join('・'),
      en: causes.map((cause) => cause.en).join(', '),
    };
    if (ward.isolationRooms.free === 0) {
      exclusions.push(
        reason(
          'no-free-isolation-room',
          `隔離室に空きがない（${because.ja}のため必要）`,
          `no free isolation room (needed for ${because.en})`,
        ),
      );
      return null;
    }
    fits.push(
      reason(
        'isolation-room-free',
        `隔離室に空きあり（${ward.isolationRooms.free}室）`,
        `free isolation room${ward.isolationRooms.free === 1 ? '' : 's'} (${ward.isolationRooms.free})`,
      ),
    );
    // A room used because treatment requires it may not be charged as a chosen private room.
    return { roomType: 'individual', isIsolationRoom: true, extraChargeYenPerDay: 0 };
  }

  const sex = context.request.patient.sex;
  const sexLabel = patientSexLabels[sex];
  const free = ward.freeBeds;
  const individual = free[sex].individual + free.any.individual;
  const shared = free[sex].shared + free.any.shared;
  if (individual + shared === 0) {
    exclusions.push(
      reason('no-free-bed-for-sex', `${sexLabel.ja}の空床がない`, `no free bed for a ${sexLabel.en} patient`),
    );
    return null;
  }
  fits.push(
    reason(
      'free-bed-for-sex',
      `${sexLabel.ja}の空床あり（個室${individual}床・多床室${shared}床）`,
      `free beds for a ${sexLabel.en} patient (${individual} single, ${shared} shared)`,
    ),
  );

  const offers: BedOffer[] = [];
  if (shared > 0) {
    offers.push({
      roomType: 'shared',
      isIsolationRoom: false,
      extraChargeYenPerDay: ward.extraRoomChargeYenPerDay.shared,
    });
  }
  if (individual > 0) {
    offers.push({
      roomType: 'individual',
      isIsolationRoom: false,
      extraChargeYenPerDay: ward.extraRoomChargeYenPerDay.individual,
    });
  }
  // Shared first, so that on equal charges the single rooms stay free for patients who need them.
  const cheapest = offers.reduce((best, offer) =>
    offer.extraChargeYenPerDay < best.extraChargeYenPerDay ? offer : best,
  );
  const limit = context.request.maxExtraChargeYenPerDay;
  if (limit !== null && cheapest.extraChargeYenPerDay > limit) {
    exclusions.push(
      reason(
        'extra-charge-over-limit',
        `差額室料が上限（${yen(limit)}円/日）を超える（最も安い空床で${yen(cheapest.extraChargeYenPerDay)}円/日）`,
        `room charge above the limit of ¥${yen(limit)}/day (cheapest free bed ¥${yen(cheapest.extraChargeYenPerDay)}/day)`,
      ),
    );
  }
  return cheapest;
}

/** Soft factors: each adds a fit or a drawback and takes its share of the score. */
function scoreSoftFactors(
  context: SearchContext,
  hospital: Hospital,
  ward: Ward,
  evaluation: WardEvaluation,
  isStale: boolean,
  ageHours: number,
): void {
  const { request } = context;
  const { fits, drawbacks } = evaluation;
  let penalty = 0;

  if (context.hasPlacePreference) {
    const municipalityId = hospital.municipalityId;
    const municipality = tokyoAreas.municipality(municipalityId);
    const areaId = municipality.areaId;
    const area = careAreaLabels[areaId];
    const distance = distanceFromPreferred(context, municipalityId);
    penalty += (penaltyWeights.distance * Math.min(distance, fullDistancePenaltyAt)) / fullDistancePenaltyAt;
    if (context.preferredMunicipalities.has(municipalityId)) {
      fits.push(
        reason(
          'in-preferred-municipality',
          `希望の区市町村（${municipality.name}）`,
          `in the preferred municipality (${municipality.id})`,
        ),
      );
    } else if (context.preferredAreas.has(areaId)) {
      fits.push(
        reason(
          'in-preferred-area',
          `希望の二次医療圏（${area.ja}）`,
          `in the preferred care area (${area.en})`,
        ),
      );
    } else if (context.areasOfPreferredMunicipalities.has(areaId)) {
      fits.push(
        reason(
          'same-area-as-preferred',
          `希望地と同じ二次医療圏（${area.ja}）`,
          `same care area as the preferred place (${area.en})`,
        ),
      );
    } else if (distance <= nearDistance) {
      fits.push(
        reason(
          'near-preferred',
          `希望地に近い（${municipality.name}）`,
          `near the preferred place (${municipality.id})`,
        ),
      );
    } else {
      drawbacks.push(
        reason(
          'far-from-preferred',
          `希望地から離れている（${municipality.name}・${area.ja}）`,
          `far from the preferred place (${municipality.id}, ${area.en})`,
        ),
      );
    }
  }

  const wait = ward.typicalWaitDays;
  const lateness = Math.max(0, wait - context.daysUntilPreferred);
  penalty += (penaltyWeights.wait * Math.min(lateness, fullWaitPenaltyAtDays)) / fullWaitPenaltyAtDays;
  if (request.preferredDate !== null) {
    const date = request.preferredDate;
    if (lateness === 0) {
      fits.push(
        reason(
          'ready-by-preferred-date',
          `希望日（${japaneseDate(date)}）までに入院できる見込み（待機目安${wait}日）`,
          `likely admission by the preferred date ${date} (typical wait ${wait} days)`,
        ),
      );
    } else {
      drawbacks.push(
        reason(
          'wait-past-preferred-date',
          `待機目安${wait}日で、希望日（${japaneseDate(date)}）を${lateness}日過ぎる見込み`,
          `typical wait ${wait} days: ${lateness} days past the preferred date ${date}`,
        ),
      );
    }
  } else if (wait <= shortWaitDays) {
    fits.push(
      wait === 0
        ? reason('short-wait', 'すぐに入院できる見込み（待機なし）', 'admission likely without waiting')
        : reason('short-wait', `待機目安${wait}日`, `typical wait ${wait} days`),
    );
  } else if (wait >= longWaitDays) {
    drawbacks.push(reason('long-wait', `待機目安${wait}日と長い`, `long typical wait (${wait} days)`));
  }

  const offer = evaluation.bedOffer;
  if (offer) {
    const room = roomTypeLabels[offer.roomType];
    const charge = offer.extraChargeYenPerDay;
    penalty +=
      (penaltyWeights.extraCharge * Math.min(charge, fullChargePenaltyAtYen)) / fullChargePenaltyAtYen;
    if (offer.isIsolationRoom) {
      fits.push(
        reason(
          'no-extra-charge',
          '差額室料なし（治療上必要な隔離室）',
          'no room charge (isolation needed for treatment)',
        ),
      );
    } else if (charge === 0) {
      fits.push(reason('no-extra-charge', `差額室料なし（${room.ja}）`, `no room charge (${room.en})`));
    } else {
      drawbacks.push(
        reason(
          'extra-charge',
          `差額室料 ${yen(charge)}円/日（${room.ja}）`,
          `room charge ¥${yen(charge)}/day (${room.en})`,
        ),
      );
    }
  }

  const age = describeAge(ageHours);
  if (isStale) {
    penalty += penaltyWeights.staleness;
    drawbacks.push(
      reason(
        'free-beds-stale',
        `空床情報が古い（${age.ja}の更新）`,
        `free-bed figures are stale (updated ${age.en})`,
      ),
    );
  } else {
    fits.push(reason('free-beds-fresh', `空床情報は${age.ja}に更新`, `free beds updated ${age.en}`));
  }

  if (request.expectedStayDays !== null) {
    const expected = request.expectedStayDays;
    if (ward.maxStayDays !== null && ward.maxStayDays < expected) {
      penalty += penaltyWeights.stayLimit;
      drawbacks.push(
        reason(
          'stay-limit-short',
          `最長入院期間${ward.maxStayDays}日（見込み${expected}日）`,
          `maximum stay ${ward.maxStayDays} days (expected ${expected})`,
        ),
      );
    } else {
      fits.push(
        ward.maxStayDays === null
          ? reason('stay-limit-fits', '入院期間の上限なし', 'no limit on the length of stay')
          : reason(
              'stay-limit-fits',
              `最長${ward.maxStayDays}日まで入院可（見込み${expected}日）`,
              `stays up to ${ward.maxStayDays} days (expected ${expected})`,
            ),
      );
    }
  }

  if (ward.wardType === 'medical-long-term-care') {
    const category = context.medicalCareCategory;
    if (category === 1) {
      penalty += penaltyWeights.careCategory;
      drawbacks.push(
        reason(
          'care-category-low',
          '医療区分1（医療療養病棟は医療区分2・3の患者が中心）',
          'care category 1 (long-term care wards mostly take categories 2 and 3)',
        ),
      );
    } else {
      fits.push(
        reason(
          'care-category-fits',
          `医療区分${category}（医療療養病棟の対象）`,
          `care category ${category} (suits long-term care)`,
        ),
      );
    }
  }

  if (ward.wardType === 'convalescent-rehabilitation') {
    const days = context.onsetToAdmissionDays;
    if (days > rehabilitationWindowDays) {
      penalty += penaltyWeights.rehabilitationWindow;
      drawbacks.push(
        reason(
          'rehabilitation-window-passed',
          `発症から${days}日（回復期リハビリテーション病棟は原則として発症後2か月以内に入棟）`,
          `${days} days since onset (rehabilitation wards usually admit within two months)`,
        ),
      );
    } else {
      fits.push(
        reason(
          'rehabilitation-window-open',
          `発症から${days}日（回復期リハビリテーション病棟の入棟期間内）`,
          `${days} days since onset (within the rehabilitation admission window)`,
        ),
      );
    }
  }

  evaluation.score = Math.round(Math.max(0, 100 - penalty) * 10) / 10;
}

function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function isBetterFit(candidate: WardEvaluation, best: WardEvaluation): boolean {
  if (candidate.exclusions.length !== best.exclusions.length)
    return candidate.exclusions.length < best.exclusions.length;
  if (candidate.score !== best.score) return candidate.score > best.score;
  return compareIds(candidate.ward.id, best.ward.id) < 0;
}

function explain(hospital: Hospital, evaluation: WardEvaluation): Bilingual {
  const { ward } = evaluation;
  const type = wardTypeLabels[ward.wardType];
  const fn = wardFunctionLabels[ward.wardFunction];
  const ja = [`${hospital.name} ${ward.name}（${type.ja}・${fn.ja}）`];
  const en = [`${hospital.name} ${ward.name} (${type.en}, ${fn.en})`];
  if (evaluation.exclusions.length > 0) {
    ja.push(`対象外: ${evaluation.exclusions.map((item) => item.ja).join('、')}`);
    en.push(`excluded: ${evaluation.exclusions.map((item) => item.en).join('; ')}`);
  }
  if (evaluation.fits.length > 0) {
    ja.push(`合う点: ${evaluation.fits.map((item) => item.ja).join('、')}`);
    en.push(`fits: ${evaluation.fits.map((item) => item.en).join('; ')}`);
  }
  if (evaluation.drawbacks.length > 0) {
    ja.push(`気になる点: ${evaluation.drawbacks.map((item) => item.ja).join('、')}`);
    en.push(`drawbacks: ${evaluation.drawbacks.map((item) => item.en).join('; ')}`);
  }
  return { ja: `${ja.join('。')}。`, en: `${en.join('. ')}.` };
}

function matchHospital(context: SearchContext, hospital: Hospital): HospitalMatch {
  const updatedMs = Date.parse(hospital.freeBedsUpdatedAt);
  // A clock slightly ahead at the hospital must not make the figure look younger than now.
  const ageHours = Math.max(0, (context.nowMs - updatedMs) / millisecondsPerHour);
  const isStale = ageHours > context.staleAfterHours;

  let best: WardEvaluation | null = null;
  for (const ward of hospital.wards) {
    const evaluation: WardEvaluation = {
      ward,
      bedOffer: null,
      fits: [],
      exclusions: [],
      drawbacks: [],
      score: 0,
    };
    checkHardCriteria(context, ward, evaluation);
    scoreSoftFactors(context, hospital, ward, evaluation, isStale, ageHours);
    if (best === null || isBetterFit(evaluation, best)) best = evaluation;
  }
  // The schema requires at least one ward; a hospital without any cannot be matched or explained.
  if (best === null) throw new Error(`hospital ${hospital.id} has no wards`);

  const { ward } = best;
  return {
    hospitalId: hospital.id,
    hospitalName: hospital.name,
    municipalityId: hospital.municipalityId,
    areaId: tokyoAreas.careAreaOf(hospital.municipalityId),
    rank: null,
    isExcluded: best.exclusions.length > 0,
    score: best.score,
    ward: {
      id: ward.id,
      name: ward.name,
      wardFunction: ward.wardFunction,
      wardType: ward.wardType,
      bedOffer: best.bedOffer,
      typicalWaitDays: ward.typicalWaitDays,
      maxStayDays: ward.maxStayDays,
    },
    fits: best.fits,
    exclusions: best.exclusions,
    drawbacks: best.drawbacks,
    isStale,
    freeBedsUpdatedAt: hospital.freeBedsUpdatedAt,
    freeBedsAgeHours: Math.round(ageHours * 10) / 10,
    contactDesk: hospital.contactDesk,
    explanation: explain(hospital, best),
  };
}

/**
 * Ranks hospitals for a transfer request. A hospital matches when one of its wards meets every
 * hard criterion (desired ward function and type, a free bed the patient can take, every needed
 * procedure, every infection — with a free isolation room where needed —, the dementia level and
 * behavioural symptoms, the room-charge limit); matches are ordered by a 0–100 score from distance,
 * wait, room charge, freshness of the free-bed figures and a few ward-specific fits, ties by id.
 */
export function rankHospitals(
  request: TransferRequest,
  hospitals: readonly Hospital[],
  options: RankingOptions,
): HospitalRanking {
  const context = searchContextOf(request, options);
  const matches: HospitalMatch[] = [];
  const excluded: HospitalMatch[] = [];
  for (const hospital of hospitals) {
    const match = matchHospital(context, hospital);
    (match.isExcluded ? excluded : matches).push(match);
  }
  matches.sort((a, b) => b.score - a.score || compareIds(a.hospitalId, b.hospitalId));
  matches.forEach((match, index) => {
    match.rank = index + 1;
  });
  excluded.sort(
    (a, b) =>
      a.exclusions.length - b.exclusions.length ||
      b.score - a.score ||
      compareIds(a.hospitalId, b.hospitalId),
  );
  return { matches, excluded, staleAfterHours: context.staleAfterHours };
}

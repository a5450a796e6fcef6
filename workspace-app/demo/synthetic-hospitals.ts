import { tokyoDate, tokyoIsoString } from '@hcw/common';
import type { FreeBeds, Hospital, InfectionAcceptance, Ward } from '../src/transfers/capacity-profile.js';
import {
  behaviouralSymptomLabels,
  dementiaSeverityOf,
  procedureLabels,
  proceduresImpliedByCareLevelItem,
  type AgeBand,
  type BehaviouralSymptom,
  type CareLevelItem,
  type DementiaLevel,
  type IndependenceLevel,
  type Infection,
  type Procedure,
  type WardFunction,
  type WardType,
} from '../src/transfers/care-codes.js';
import { createSeededRandom, type SeededRandom } from './seeded-random.js';
import { tokyoAreas, type CareAreaId, type MunicipalityId } from '../src/transfers/tokyo-areas.js';
import type { AdlScores, RequestedInfection, TransferRequest } from '../src/transfers/transfer-request.js';

// Synthetic data for demos, tests and benchmarks: plausible in shape, invented in every detail.
// Hospital names are built from word lists, ids start with "syn-", and every phone number has a
// local exchange beginning with 0, which Japanese numbering never assigns, so none can ring anyone.

export interface SyntheticHospitalOptions {
  seed: number;
  /** Tokyo has about 640 hospitals. */
  count?: number;
  /** The moment the free-bed figures are reported against. */
  asOf?: string;
}

export interface SyntheticRequestOptions {
  seed: number;
  count: number;
  asOf?: string;
}

export const defaultSyntheticAsOf = '2025-04-01T09:00:00+09:00';

/**
 * Rough share of Tokyo's hospitals per secondary care area: many in the north-western and
 * north-eastern wards, a few on the islands.
 */
const hospitalsPerArea: Readonly<Record<CareAreaId, number>> = {
  'ku-chuobu': 62,
  'ku-nanbu': 45,
  'ku-seinanbu': 55,
  'ku-seibu': 52,
  'ku-seihokubu': 95,
  'ku-tohokubu': 78,
  'ku-tobu': 50,
  nishitama: 27,
  minamitama: 62,
  'kitatama-seibu': 24,
  'kitatama-nanbu': 40,
  'kitatama-hokubu': 38,
  tosho: 2,
};

/**
 * Relative weight of each municipality within its area, close to its population (in ten
 * thousands); zero where a municipality has no hospital at all.
 */
const weightByMunicipality: Readonly<Record<MunicipalityId, number>> = {
  'chiyoda-ku': 7,
  'chuo-ku': 17,
  'minato-ku': 26,
  'shinjuku-ku': 35,
  'bunkyo-ku': 24,
  'taito-ku': 21,
  'sumida-ku': 27,
  'koto-ku': 52,
  'shinagawa-ku': 42,
  'meguro-ku': 29,
  'ota-ku': 75,
  'setagaya-ku': 94,
  'shibuya-ku': 24,
  'nakano-ku': 34,
  'suginami-ku': 59,
  'toshima-ku': 30,
  'kita-ku': 35,
  'arakawa-ku': 22,
  'itabashi-ku': 58,
  'nerima-ku': 75,
  'adachi-ku': 69,
  'katsushika-ku': 46,
  'edogawa-ku': 70,
  'hachioji-shi': 58,
  'tachikawa-shi': 18,
  'musashino-shi': 15,
  'mitaka-shi': 19,
  'ome-shi': 13,
  'fuchu-shi': 26,
  'akishima-shi': 11,
  'chofu-shi': 24,
  'machida-shi': 43,
  'koganei-shi': 12,
  'kodaira-shi': 19,
  'hino-shi': 19,
  'higashimurayama-shi': 15,
  'kokubunji-shi': 13,
  'kunitachi-shi': 8,
  'fussa-shi': 6,
  'komae-shi': 8,
  'higashiyamato-shi': 8,
  'kiyose-shi': 7,
  'higashikurume-shi': 12,
  'musashimurayama-shi': 7,
  'tama-shi': 15,
  'inagi-shi': 9,
  'hamura-shi': 5,
  'akiruno-shi': 8,
  'nishitokyo-shi': 20,
  'mizuho-machi': 3,
  'hinode-machi': 2,
  'hinohara-mura': 0,
  'okutama-machi': 1,
  'oshima-machi': 1,
  'toshima-mura': 0,
  'niijima-mura': 0,
  'kozushima-mura': 0,
  'miyake-mura': 0,
  'mikurajima-mura': 0,
  'hachijo-machi': 1,
  'aogashima-mura': 0,
  'ogasawara-mura': 0,
};

type Archetype = 'advanced' | 'acute-large' | 'acute-mid' | 'small' | 'rehabilitation' | 'long-term';

/** Where the archetype mix differs: the central wards hold the university hospitals. */
type Region = 'central' | 'wards' | 'tama' | 'islands';

const archetypeMix: Readonly<Record<Region, Readonly<Record<Archetype, number>>>> = {
  central: {
    advanced: 10,
    'acute-large': 16,
    'acute-mid': 26,
    small: 30,
    rehabilitation: 5,
    'long-term': 13,
  },
  wards: { advanced: 2, 'acute-large': 8, 'acute-mid': 24, small: 38, rehabilitation: 9, 'long-term': 19 },
  tama: { advanced: 1, 'acute-large': 7, 'acute-mid': 19, small: 30, rehabilitation: 10, 'long-term': 33 },
  islands: { advanced: 0, 'acute-large': 0, 'acute-mid': 0, small: 1, rehabilitation: 0, 'long-term': 0 },
};

/** The kind of ward for the probability tables: its type, with intensive care set apart. */
type WardKind =
  'intensive' | 'acute' | 'community-care' | 'rehabilitation' | 'long-term' | 'palliative' | 'disability';

interface WardPlanPart {
  kind: WardKind;
  share: number;
  /** Probability that the hospital has this part at all; its share otherwise goes to the first part. */
  presence: number;
  wardSize: readonly [number, number];
}

interface ArchetypeProfile {
  beds: readonly [number, number];
  plan: readonly WardPlanPart[];
  nameSuffixes: readonly string[];
  dialysisUnitChance: number;
}

const archetypes: Readonly<Record<Archetype, ArchetypeProfile>> = {
  advanced: {
    beds: [450, 950],
    plan: [
      { kind: 'acute', share: 0.89, presence: 1, wardSize: [40, 50] },
      { kind: 'intensive', share: 0.06, presence: 1, wardSize: [8, 24] },
      { kind: 'palliative', share: 0.05, presence: 0.5, wardSize: [20, 25] },
    ],
    nameSuffixes: ['総合医療センター', '医療センター', '中央病院'],
    dialysisUnitChance: 1,
  },
  'acute-large': {
    beds: [280, 450],
    plan: [
      { kind: 'acute', share: 0.75, presence: 1, wardSize: [40, 50] },
      { kind: 'intensive', share: 0.05, presence: 1, wardSize: [8, 16] },
      { kind: 'community-care', share: 0.12, presence: 0.5, wardSize: [40, 50] },
      { kind: 'palliative', share: 0.08, presence: 0.3, wardSize: [20, 25] },
    ],
    nameSuffixes: ['総合病院', '医療センター', '記念病院', '中央病院'],
    dialysisUnitChance: 0.9,
  },
  'acute-mid': {
    beds: [90, 230],
    plan: [
      { kind: 'acute', share: 0.6, presence: 1, wardSize: [40, 55] },
      { kind: 'community-care', share: 0.25, presence: 0.7, wardSize: [40, 55] },
      { kind: 'rehabilitation', share: 0.15, presence: 0.4, wardSize: [40, 55] },
    ],
    nameSuffixes: ['病院', '記念病院', '総合病院', '中央病院'],
    dialysisUnitChance: 0.6,
  },
  small: {
    beds: [20, 99],
    plan: [
      { kind: 'acute', share: 0.6, presence: 1, wardSize: [20, 50] },
      { kind: 'community-care', share: 0.4, presence: 0.3, wardSize: [20, 50] },
      { kind: 'long-term', share: 0.4, presence: 0.3, wardSize: [20, 50] },
    ],
    nameSuffixes: ['病院', '記念病院', '第一病院'],
    dialysisUnitChance: 0.2,
  },
  rehabilitation: {
    beds: [90, 200],
    plan: [
      { kind: 'rehabilitation', share: 0.8, presence: 1, wardSize: [40, 60] },
      { kind: 'community-care', share: 0.2, presence: 0.4, wardSize: [40, 60] },
    ],
    nameSuffixes: ['リハビリテーション病院', 'リハビリテーションセンター病院'],
    dialysisUnitChance: 0.1,
  },
  'long-term': {
    beds: [60, 260],
    plan: [
      { kind: 'long-term', share: 0.7, presence: 1, wardSize: [45, 60] },
      { kind: 'disability', share: 0.3, presence: 0.4, wardSize: [45, 60] },
      { kind: 'palliative', share: 0.1, presence: 0.1, wardSize: [20, 25] },
    ],
    nameSuffixes: ['病院', '記念病院', '会病院'],
    dialysisUnitChance: 0.25,
  },
};

const wardTypeByKind: Readonly<Record<WardKind, WardType>> = {
  intensive: 'general',
  acute: 'general',
  'community-care': 'community-care',
  rehabilitation: 'convalescent-rehabilitation',
  'long-term': 'medical-long-term-care',
  palliative: 'palliative-care',
  disability: 'disability',
};

function wardFunctionOf(kind: WardKind, random: SeededRandom): WardFunction {
  switch (kind) {
    case 'intensive':
      return 'high-acute';
    case 'acute':
      return 'acute';
    case 'community-care':
      return random.chance(0.4) ? 'acute' : 'recovery';
    case 'rehabilitation':
      return 'recovery';
    case 'long-term':
      return random.chance(0.9) ? 'chronic' : 'recovery';
    case 'palliative':
      return random.chance(0.6) ? 'chronic' : 'acute';
    case 'disability':
      return 'chronic';
  }
}

// Columns of the table below, in order.
const wardKinds: readonly WardKind[] = [
  'intensive',
  'acute',
  'community-care',
  'rehabilitation',
  'long-term',
  'palliative',
  'disability',
];

/**
 * Probability that a ward of each kind (columns as in wardKinds) handles each procedure; dialysis
 * also needs the hospital to have a dialysis unit.
 */
// prettier-ignore
const procedureChance: Readonly<Record<Procedure, readonly number[]>> = {
  //                         intensive acute community rehab long-term palliative disability
  ventilator:                 [0.98, 0.6,  0.1,  0.02, 0.3,  0.05, 0.5],
  dialysis:                   [0.95, 0.9,  0.7,  0.5,  0.6,  0.5,  0.5],
  'peritoneal-dialysis':      [0.6,  0.5,  0.3,  0.2,  0.3,  0.3,  0.2],
  suctioning:                 [0.98, 0.95, 0.9,  0.7,  0.98, 0.95, 0.98],
  'central-venous-nutrition': [0.98, 0.9,  0.7,  0.3,  0.8,  0.9,  0.7],
  'tube-feeding':             [0.95, 0.9,  0.85, 0.6,  0.98, 0.6,  0.95],
  'oxygen-therapy':           [0.99, 0.98, 0.95, 0.8,  0.95, 0.98, 0.9],
  tracheostomy:               [0.95, 0.7,  0.4,  0.2,  0.7,  0.3,  0.8],
  drain:                      [0.98, 0.85, 0.4,  0.1,  0.2,  0.6,  0.2],
  'pressure-ulcer-care':      [0.95, 0.95, 0.95, 0.9,  0.98, 0.95, 0.95],
  'blood-glucose-monitoring': [0.99, 0.98, 0.95, 0.95, 0.95, 0.9,  0.95],
  insulin:                    [0.99, 0.98, 0.95, 0.9,  0.9,  0.85, 0.9],
  'urinary-catheter':         [0.98, 0.95, 0.9,  0.85, 0.95, 0.95, 0.95],
  stoma:                      [0.9,  0.8,  0.7,  0.6,  0.7,  0.8,  0.6],
  'continuous-infusion':      [0.99, 0.95, 0.8,  0.4,  0.8,  0.9,  0.6],
  'opioid-pain-control':      [0.9,  0.7,  0.5,  0.2,  0.4,  0.99, 0.3],
};

/**
 * Base acceptance of each infection, and whether it calls for contact isolation. Infections not listed here
 * (tuberculosis, influenza, norovirus) are not taken by any synthetic ward: they go to wards set up for them.
 */
const infectionProfile: Readonly<Partial<Record<Infection, { chance: number; isContact: boolean }>>> = {
  mrsa: { chance: 0.9, isContact: true },
  esbl: { chance: 0.85, isContact: true },
  vre: { chance: 0.4, isContact: true },
  mdrp: { chance: 0.35, isContact: true },
  cre: { chance: 0.3, isContact: true },
  'c-difficile': { chance: 0.6, isContact: true },
  hbv: { chance: 0.95, isContact: false },
  hcv: { chance: 0.95, isContact: false },
  hiv: { chance: 0.5, isContact: false },
  syphilis: { chance: 0.9, isContact: false },
  scabies: { chance: 0.5, isContact: true },
  'covid-19': { chance: 0.4, isContact: true },
};

const dementiaLimitChoices: Readonly<Record<WardKind, readonly DementiaLevel[]>> = {
  intensive: ['IIIb', 'IV', 'M'],
  acute: ['IIIa', 'IIIb', 'IV', 'M'],
  'community-care': ['IIIa', 'IIIb', 'IV', 'M'],
  rehabilitation: ['IIb', 'IIIa', 'IIIb', 'IV'],
  'long-term': ['IV', 'M', 'M'],
  palliative: ['IIIb', 'IV', 'M'],
  disability: ['IV', 'M'],
};

const symptomChance: Readonly<Record<BehaviouralSymptom, number>> = {
  wandering: 0.45,
  aggression: 0.2,
  'care-resistance': 0.6,
  'night-delirium': 0.7,
  'line-removal': 0.6,
  shouting: 0.5,
};

const occupancy: Readonly<Record<WardKind, readonly [number, number]>> = {
  intensive: [0.7, 0.9],
  acute: [0.75, 0.93],
  'community-care': [0.8, 0.95],
  rehabilitation: [0.85, 0.97],
  'long-term': [0.9, 0.99],
  palliative: [0.8, 0.95],
  disability: [0.9, 0.99],
};

const waitDays: Readonly<Record<WardKind, readonly [number, number]>> = {
  intensive: [0, 2],
  acute: [0, 5],
  'community-care': [1, 10],
  rehabilitation: [3, 21],
  'long-term': [7, 60],
  palliative: [7, 30],
  disability: [14, 90],
};

const isolationRoomRange: Readonly<Record<WardKind, readonly [number, number]>> = {
  intensive: [1, 3],
  acute: [1, 3],
  'community-care': [0, 2],
  rehabilitation: [0, 1],
  'long-term': [0, 2],
  palliative: [0, 1],
  disability: [0, 2],
};

const singleRoomShare: Readonly<Record<WardKind, number>> = {
  intensive: 1,
  acute: 0.3,
  'community-care': 0.25,
  rehabilitation: 0.2,
  'long-term': 0.2,
  palliative: 0.9,
  disability: 0.2,
};

const placeWords = [
  '若葉',
  '青葉',
  '白樺',
  '楓',
  '欅',
  '朝日',
  '陽光',
  '清水',
  '緑',
  '椿',
  '柏',
  '梢',
  '泉',
  '星',
  '桂',
];
const placeWordsMore = [
  '萩',
  '藤',
  '松風',
  '竹',
  '梅',
  '桃',
  '杉',
  '楠',
  '柳',
  '白鷺',
  '鶴',
  '鷹',
  '雲雀',
  '翠',
  '菖蒲',
];
const placeEndings = ['台', '野', 'ヶ丘', '坂', '原', '谷', '森', '浜', '川', '橋', '平', '沢'];
const deskNames = [
  '地域医療連携室',
  '患者支援センター',
  '医療福祉相談室',
  '入退院支援センター',
  '地域連携室',
];
const deskHours = [
  '平日 9:00–17:00',
  '平日 8:30–17:15',
  '月〜土 9:00–17:00',
  '平日 9:00–17:30、土 9:00–12:00',
];

function regionOf(areaId: CareAreaId): Region {
  if (areaId === 'ku-chuobu') return 'central';
  if (areaId === 'tosho') return 'islands';
  return areaId.startsWith('ku-') ? 'wards' : 'tama';
}

/** Splits a total across areas by their share, handing leftovers to the largest remainders. */
function apportion(total: number, shares: Readonly<Record<CareAreaId, number>>): Map<CareAreaId, number> {
  const areaIds = Object.keys(shares) as CareAreaId[];
  const shareTotal = areaIds.reduce((sum, id) => sum + shares[id], 0);
  const exact = areaIds.map((id) => ({ id, value: (total * shares[id]) / shareTotal }));
  const counts = new Map(exact.map(({ id, value }) => [id, Math.floor(value)]));
  let left = total - [...counts.values()].reduce((sum, count) => sum + count, 0);
  const byRemainder = [...exact].sort(
    (a, b) => b.value - Math.floor(b.value) - (a.value - Math.floor(a.value)) || (a.id < b.id ? -1 : 1),
  );
  for (const { id } of byRemainder) {
    if (left === 0) break;
    counts.set(id, (counts.get(id) ?? 0) + 1);
    left -= 1;
  }
  return counts;
}

function digits(random: SeededRandom, count: number): string {
  let text = '';
  for (let index = 0; index < count; index += 1) text += String(random.integer(0, 9));
  return text;
}

/** Numbers whose local exchange starts with 0: well-formed, never assigned. */
function unassignedPhone(random: SeededRandom, municipalityId: MunicipalityId): string {
  const areaId = tokyoAreas.careAreaOf(municipalityId);
  if (areaId.startsWith('ku-')) return `03-0${digits(random, 3)}-${digits(random, 4)}`;
  if (areaId === 'tosho') {
    const islandCode =
      municipalityId === 'hachijo-machi' || municipalityId === 'aogashima-mura' ? '04996' : '04992';
    return `${islandCode}-0-${digits(random, 4)}`;
  }
  return `042-0${digits(random, 2)}-${digits(random, 4)}`;
}

function splitBeds(beds: number, wardSize: readonly [number, number], random: SeededRandom): number[] {
  const averageSize = (wardSize[0] + wardSize[1]) / 2;
  const wardCount = Math.max(1, Math.round(beds / averageSize));
  const base = Math.floor(beds / wardCount);
  const sizes: number[] = [];
  for (let index = 0; index < wardCount; index += 1) {
    sizes.push(base + (index < beds - base * wardCount ? 1 : 0));
  }
  // Shuffle the odd bed around so that every ward of a hospital does not end up alike.
  if (sizes.length > 1 && random.chance(0.5)) {
    const from = random.integer(0, sizes.length - 1);
    const to = random.integer(0, sizes.length - 1);
    const fromSize = sizes[from];
    const toSize = sizes[to];
    if (fromSize !== undefined && toSize !== undefined && fromSize > 8) {
      sizes[from] = fromSize - 1;
      sizes[to] = toSize + 1;
    }
  }
  return sizes;
}

function freeBedsFor(kind: WardKind, totalBeds: number, random: SeededRandom): FreeBeds {
  const free: FreeBeds = {
    male: { individual: 0, shared: 0 },
    female: { individual: 0, shared: 0 },
    any: { individual: 0, shared: 0 },
  };
  const [low, high] = occupancy[kind];
  const isFull = random.chance(kind === 'long-term' || kind === 'disability' ? 0.3 : 0.15);
  const count = isFull ? 0 : Math.round(totalBeds * (1 - (low + random.next() * (high - low))));
  for (let bed = 0; bed < count; bed += 1) {
    const roomType = random.chance(singleRoomShare[kind]) ? 'individual' : 'shared';
    const roll = random.next();
    const sex = kind === 'intensive' ? 'any' : roll < 0.42 ? 'male' : roll < 0.84 ? 'female' : 'any';
    free[sex][roomType] += 1;
  }
  return free;
}

function extraChargesFor(
  kind: WardKind,
  region: Region,
  random: SeededRandom,
): Ward['extraRoomChargeYenPerDay'] {
  if (kind === 'intensive') return { individual: 0, shared: 0 };
  const singleCharges =
    region === 'central'
      ? [0, 5_500, 11_000, 16_500, 22_000, 33_000, 55_000]
      : region === 'tama' || region === 'islands'
        ? [0, 0, 2_200, 3_300, 5_500, 8_800]
        : [0, 3_300, 5_500, 8_800, 11_000, 16_500];
  return {
    individual: random.pick(singleCharges),
    shared: random.chance(0.85) ? 0 : random.pick([1_100, 2_200, 3_300]),
  };
}

function maxStayFor(kind: WardKind, random: SeededRandom): number | null {
  if (kind === 'community-care') return 60;
  if (kind === 'rehabilitation') return random.pick([60, 90, 150, 180]);
  if (kind === 'palliative') return random.chance(0.5) ? 60 : null;
  return null;
}

function wardFor(
  id: string,
  name: string,
  kind: WardKind,
  totalBeds: number,
  hospital: { hasDialysisUnit: boolean; openness: number; region: Region },
  random: SeededRandom,
): Ward {
  const freeBeds = freeBedsFor(kind, totalBeds, random);
  const freeSingles = freeBeds.male.individual + freeBeds.female.individual + freeBeds.any.individual;
  const [isolationLow, isolationHigh] = isolationRoomRange[kind];
  const isolationTotal = Math.min(totalBeds, random.integer(isolationLow, isolationHigh));
  const isolationFree = random.integer(0, Math.min(isolationTotal, freeSingles));

  const procedures = (Object.keys(procedureLabels) as Procedure[]).filter((procedure) => {
    if ((procedure === 'dialysis' || procedure === 'peritoneal-dialysis') && !hospital.hasDialysisUnit)
      return false;
    const chance = procedureChance[procedure][wardKinds.indexOf(kind)] ?? 0;
    return random.chance(Math.min(1, chance * hospital.openness));
  });

  const infections: InfectionAcceptance[] = [];
  for (const code of Object.keys(infectionProfile) as Infection[]) {
    const profile = infectionProfile[code]!;
    if (code === 'covid-19' && isolationTotal === 0) continue;
    if (!random.chance(Math.min(1, profile.chance * hospital.openness))) continue;
    const needsIsolationRoom =
      isolationTotal > 0 && profile.isContact && (code === 'covid-19' || random.chance(0.5));
    infections.push({ code, needsIsolationRoom });
  }

  const symptoms = (Object.keys(behaviouralSymptomLabels) as BehaviouralSymptom[]).filter((symptom) =>
    random.chance(Math.min(1, symptomChance[symptom] * hospital.openness)),
  );
  const [waitLow, waitHigh] = waitDays[kind];

  return {
    id,
    name,
    wardFunction: wardFunctionOf(kind, random),
    wardType: wardTypeByKind[kind],
    totalBeds,
    freeBeds,
    isolationRooms: { total: isolationTotal, free: isolationFree },
    proceduresAccepted: procedures,
    infectionsAccepted: infections,
    dementia: { maxLevel: random.pick(dementiaLimitChoices[kind]), behaviouralSymptomsAccepted: symptoms },
    extraRoomChargeYenPerDay: extraChargesFor(kind, hospital.region, random),
    maxStayDays: maxStayFor(kind, random),
    typicalWaitDays: random.integer(waitLow, waitHigh),
  };
}

function wardsFor(
  hospitalId: string,
  archetype: ArchetypeProfile,
  region: Region,
  random: SeededRandom,
): Ward[] {
  const targetBeds = random.integer(archetype.beds[0], archetype.beds[1]);
  const parts = archetype.plan.filter((part, index) => index === 0 || random.chance(part.presence));
  const missingShare = archetype.plan
    .filter((part) => !parts.includes(part))
    .reduce((sum, part) => sum + part.share, 0);
  const hospital = {
    hasDialysisUnit: random.chance(archetype.dialysisUnitChance),
    openness: 0.8 + random.next() * 0.3,
    region,
  };
  const intensiveNames = ['ICU', 'HCU', 'SCU', 'CCU', 'NCU', 'ICU2', 'HCU2', 'SCU2'];
  const wards: Ward[] = [];
  let floor = 3;
  let isEastWing = true;
  parts.forEach((part, partIndex) => {
    const share = part.share + (partIndex === 0 ? missingShare : 0);
    const partBeds = Math.max(part.wardSize[0], Math.round(targetBeds * share));
    for (const size of splitBeds(partBeds, part.wardSize, random)) {
      let name: string;
      if (part.kind === 'intensive') {
        name = intensiveNames.shift() ?? `集中治療室${wards.length + 1}`;
      } else {
        name = `${floor}階${isEastWing ? '東' : '西'}病棟`;
        if (!isEastWing) floor += 1;
        isEastWing = !isEastWing;
      }
      wards.push(wardFor(`${hospitalId}-w${wards.length + 1}`, name, part.kind, size, hospital, random));
    }
  });
  return wards;
}

function hospitalName(archetype: ArchetypeProfile, taken: Set<string>, random: SeededRandom): string {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const word = random.pick(random.chance(0.5) ? placeWords : placeWordsMore);
    const name = `${word}${random.pick(placeEndings)}${random.pick(archetype.nameSuffixes)}`;
    if (!taken.has(name)) {
      taken.add(name);
      return name;
    }
  }
  // Word lists are large enough that this needs thousands of hospitals; keep names unique anyway.
  let suffix = 2;
  const base = `${random.pick(placeWords)}${random.pick(placeEndings)}${random.pick(archetype.nameSuffixes)}`;
  while (taken.has(`${base}${suffix}`)) suffix += 1;
  taken.add(`${base}${suffix}`);
  return `${base}${suffix}`;
}

function freeBedsUpdatedAt(asOfMs: number, random: SeededRandom): string {
  const roll = random.next();
  const ageMinutes =
    roll < 0.75
      ? random.integer(0, 20 * 60)
      : roll < 0.9
        ? random.integer(20 * 60, 60 * 60)
        : random.integer(3 * 24 * 60, 30 * 24 * 60);
  return tokyoIsoString(asOfMs - ageMinutes * 60_000);
}

/**
 * About 640 synthetic Tokyo hospitals (≈105,000 beds) spread over the real municipalities much as
 * real hospitals are. The same seed always gives the same hospitals.
 */
export function generateSyntheticHospitals(options: SyntheticHospitalOptions): Hospital[] {
  const count = options.count ?? 640;
  const asOf = options.asOf ?? defaultSyntheticAsOf;
  const asOfMs = Date.parse(asOf);
  if (Number.isNaN(asOfMs)) throw new RangeError(`asOf is not a date-time: ${asOf}`);
  const random = createSeededRandom(options.seed);
  const names = new Set<string>();
  const phones = new Set<string>();
  const hospitals: Hospital[] = [];

  for (const [areaId, areaCount] of apportion(count, hospitalsPerArea)) {
    const region = regionOf(areaId);
    const candidates = tokyoAreas.municipalities.filter(
      (municipality) => municipality.areaId === areaId && weightByMunicipality[municipality.id] > 0,
    );
    const mix = archetypeMix[region];
    const archetypeNames = (Object.keys(mix) as Archetype[]).filter((name) => mix[name] > 0);
    for (let index = 0; index < areaCount; index += 1) {
      const id = `syn-${String(hospitals.length + 1).padStart(4, '0')}`;
      const municipality = random.weightedPick(candidates, (candidate) => weightByMunicipality[candidate.id]);
      const archetype = archetypes[random.weightedPick(archetypeNames, (name) => mix[name])];
      let phone = unassignedPhone(random, municipality.id);
      while (phones.has(phone)) phone = unassignedPhone(random, municipality.id);
      phones.add(phone);
      hospitals.push({
        id,
        name: hospitalName(archetype, names, random),
        municipalityId: municipality.id,
        contactDesk: { name: random.pick(deskNames), phone, hours: random.pick(deskHours) },
        freeBedsUpdatedAt: freeBedsUpdatedAt(asOfMs, random),
        wards: wardsFor(id, archetype, region, random),
      });
    }
  }
  return hospitals;
}

interface RequestScenario {
  weight: number;
  diagnosis: { name: string; icd10: string };
  onsetDaysAgo: readonly [number, number];
  procedures: readonly Procedure[];
  optionalProcedures: readonly Procedure[];
  careLevelItems: readonly CareLevelItem[];
  adlRange: readonly [number, number];
  desiredWardTypes: readonly WardType[];
  expectedStayDays: readonly [number, number] | null;
}

const scenarios: readonly RequestScenario[] = [
  {
    weight: 5,
    diagnosis: { name: '脳梗塞', icd10: 'I63.9' },
    onsetDaysAgo: [14, 50],
    procedures: [],
    optionalProcedures: ['tube-feeding', 'blood-glucose-monitoring', 'insulin', 'urinary-catheter'],
    careLevelItems: [],
    adlRange: [2, 5],
    desiredWardTypes: ['convalescent-rehabilitation'],
    expectedStayDays: [90, 150],
  },
  {
    weight: 4,
    diagnosis: { name: '大腿骨頸部骨折', icd10: 'S72.0' },
    onsetDaysAgo: [10, 40],
    procedures: [],
    optionalProcedures: ['blood-glucose-monitoring', 'pressure-ulcer-care'],
    careLevelItems: [],
    adlRange: [1, 4],
    desiredWardTypes: ['convalescent-rehabilitation', 'community-care'],
    expectedStayDays: [45, 90],
  },
  {
    weight: 4,
    diagnosis: { name: '誤嚥性肺炎', icd10: 'J69.0' },
    onsetDaysAgo: [7, 30],
    procedures: ['suctioning'],
    optionalProcedures: ['tube-feeding', 'oxygen-therapy', 'central-venous-nutrition', 'pressure-ulcer-care'],
    careLevelItems: ['pneumonia'],
    adlRange: [3, 6],
    desiredWardTypes: ['community-care', 'medical-long-term-care'],
    expectedStayDays: [30, 120],
  },
  {
    weight: 3,
    diagnosis: { name: '慢性心不全の急性増悪', icd10: 'I50.9' },
    onsetDaysAgo: [7, 25],
    procedures: ['oxygen-therapy'],
    optionalProcedures: ['blood-glucose-monitoring', 'insulin'],
    careLevelItems: ['oxygen-therapy'],
    adlRange: [1, 4],
    desiredWardTypes: ['community-care'],
    expectedStayDays: [20, 60],
  },
  {
    weight: 2,
    diagnosis: { name: '膵臓癌（終末期）', icd10: 'C25.9' },
    onsetDaysAgo: [60, 400],
    procedures: ['opioid-pain-control'],
    optionalProcedures: ['continuous-infusion', 'central-venous-nutrition', 'oxygen-therapy', 'drain'],
    careLevelItems: ['cancer-pain-control'],
    adlRange: [2, 6],
    desiredWardTypes: ['palliative-care'],
    expectedStayDays: null,
  },
  {
    weight: 2,
    diagnosis: { name: '廃用症候群', icd10: 'M62.3' },
    onsetDaysAgo: [20, 60],
    procedures: [],
    optionalProcedures: ['pressure-ulcer-care', 'urinary-catheter'],
    careLevelItems: [],
    adlRange: [2, 5],
    desiredWardTypes: [],
    expectedStayDays: [30, 60],
  },
  {
    weight: 1,
    diagnosis: { name: '筋萎縮性側索硬化症', icd10: 'G12.2' },
    onsetDaysAgo: [400, 2000],
    procedures: ['ventilator', 'tracheostomy', 'suctioning', 'tube-feeding'],
    optionalProcedures: ['pressure-ulcer-care', 'urinary-catheter'],
    careLevelItems: ['ventilator', 'neuromuscular-disease', 'tracheostomy-care', 'frequent-suctioning'],
    adlRange: [6, 6],
    desiredWardTypes: ['medical-long-term-care', 'disability'],
    expectedStayDays: null,
  },
  {
    weight: 2,
    diagnosis: { name: '慢性腎不全（維持透析中）', icd10: 'N18.5' },
    onsetDaysAgo: [14, 60],
    procedures: ['dialysis'],
    optionalProcedures: ['blood-glucose-monitoring', 'insulin', 'oxygen-therapy'],
    careLevelItems: ['dialysis'],
    adlRange: [1, 5],
    desiredWardTypes: [],
    expectedStayDays: [30, 90],
  },
];

const relationships = ['長女', '長男', '妻', '夫', '次女', '次男', '姪', '甥', '長男の妻'];
const dischargePlans = ['自宅退院を目指す', '施設入所を検討中', '未定', '療養先で看取りを希望'];

function ageBandFor(random: SeededRandom): AgeBand {
  return random.weightedPick<AgeBand>(['under-40', '40-64', '65-74', '75-84', '85-94', '95-plus'], (band) =>
    band === 'under-40'
      ? 1
      : band === '40-64'
        ? 6
        : band === '65-74'
          ? 16
          : band === '75-84'
            ? 35
            : band === '85-94'
              ? 34
              : 8,
  );
}

function dementiaFor(ageBand: AgeBand, random: SeededRandom): DementiaLevel {
  const isOld = ageBand === '85-94' || ageBand === '95-plus';
  const isElderly = isOld || ageBand === '75-84';
  if (!isElderly && random.chance(0.8)) return 'independent';
  return random.weightedPick<DementiaLevel>(
    ['independent', 'I', 'IIa', 'IIb', 'IIIa', 'IIIb', 'IV', 'M'],
    (level) =>
      ({ independent: 20, I: 18, IIa: 14, IIb: 16, IIIa: isOld ? 14 : 9, IIIb: 6, IV: isOld ? 6 : 3, M: 1 })[
        level
      ],
  );
}

function adlFor(range: readonly [number, number], random: SeededRandom): AdlScores {
  const score = () => random.integer(range[0], range[1]);
  return { bedMobility: score(), transfer: score(), eating: score(), toiletUse: score() };
}

function independenceFor(scores: AdlScores, random: SeededRandom): IndependenceLevel {
  const total = scores.bedMobility + scores.transfer + scores.eating + scores.toiletUse;
  if (total >= 20) return random.pick(['C1', 'C2'] as const);
  if (total >= 11) return random.pick(['B1', 'B2'] as const);
  if (total >= 5) return random.pick(['A1', 'A2'] as const);
  return random.pick(['J1', 'J2'] as const);
}

function infectionsFor(random: SeededRandom): RequestedInfection[] {
  const infections: RequestedInfection[] = [];
  if (random.chance(0.12)) infections.push({ code: 'mrsa', needsIsolationRoom: random.chance(0.3) });
  if (random.chance(0.06)) infections.push({ code: 'esbl', needsIsolationRoom: random.chance(0.2) });
  if (random.chance(0.03)) infections.push({ code: 'hbv', needsIsolationRoom: false });
  if (random.chance(0.03)) infections.push({ code: 'hcv', needsIsolationRoom: false });
  if (random.chance(0.02)) infections.push({ code: 'c-difficile', needsIsolationRoom: true });
  if (random.chance(0.01)) infections.push({ code: 'scabies', needsIsolationRoom: true });
  return infections;
}

/** Synthetic transfer requests of the common kinds (stroke, fracture, pneumonia, end of life, …). */
export function generateSyntheticTransferRequests(options: SyntheticRequestOptions): TransferRequest[] {
  const asOfMs = Date.parse(options.asOf ?? defaultSyntheticAsOf);
  if (Number.isNaN(asOfMs)) throw new RangeError(`asOf is not a date-time: ${options.asOf}`);
  // A different stream from the hospitals', so the same seed for both does not correlate them.
  const random = createSeededRandom(options.seed ^ 0x7f4a7c15);
  const dayMs = 86_400_000;
  const residents = tokyoAreas.municipalities.filter(
    (municipality) => weightByMunicipality[municipality.id] > 0,
  );
  const requests: TransferRequest[] = [];

  for (let index = 0; index < options.count; index += 1) {
    const scenario = random.weightedPick(scenarios, (candidate) => candidate.weight);
    const ageBand = ageBandFor(random);
    const dementiaLevel = dementiaFor(ageBand, random);
    const procedures = new Set<Procedure>(scenario.procedures);
    for (const optional of scenario.optionalProcedures) if (random.chance(0.3)) procedures.add(optional);
    const careLevelItems = new Set<CareLevelItem>(scenario.careLevelItems);
    if (procedures.has('tube-feeding') && random.chance(0.2)) careLevelItems.add('tube-feeding-with-fever');
    if (procedures.has('central-venous-nutrition')) careLevelItems.add('central-venous-nutrition');
    if (procedures.has('pressure-ulcer-care') && random.chance(0.5)) careLevelItems.add('pressure-ulcer');
    const infections = infectionsFor(random);
    if (infections.some((infection) => infection.needsIsolationRoom) && random.chance(0.5)) {
      careLevelItems.add('infection-isolation');
    }
    for (const item of careLevelItems) {
      const implied = proceduresImpliedByCareLevelItem[item];
      if (implied?.[0] && !implied.some((procedure) => procedures.has(procedure))) procedures.add(implied[0]);
    }

    const adlScores = adlFor(scenario.adlRange, random);
    const home = random.weightedPick(residents, (municipality) => weightByMunicipality[municipality.id]);
    const preferredMunicipalityIds: MunicipalityId[] = [home.id];
    const neighbours = residents.filter(
      (municipality) => municipality.areaId === home.areaId && municipality.id !== home.id,
    );
    if (neighbours.length > 0 && random.chance(0.3))
      preferredMunicipalityIds.push(random.pick(neighbours).id);

    const onsetMs = asOfMs - random.integer(scenario.onsetDaysAgo[0], scenario.onsetDaysAgo[1]) * dayMs;
    const behaviouralSymptoms =
      dementiaSeverityOf(dementiaLevel) >= dementiaSeverityOf('IIb')
        ? (Object.keys(behaviouralSymptomLabels) as BehaviouralSymptom[]).filter(() => random.chance(0.15))
        : [];
    const desiredWardTypes =
      scenario.desiredWardTypes.length > 0 && random.chance(0.8) ? [...scenario.desiredWardTypes] : [];

    requests.push({
      id: `syn-req-${String(index + 1).padStart(4, '0')}`,
      patient: { sex: random.chance(0.5) ? 'female' : 'male', ageBand },
      mainDiagnosis: { ...scenario.diagnosis, onsetDate: tokyoDate(onsetMs) },
      careLevelItems: [...careLevelItems],
      adlScores,
      independenceLevel: independenceFor(adlScores, random),
      dementiaLevel,
      behaviouralSymptoms,
      infections,
      proceduresNeeded: [...procedures],
      preferredMunicipalityIds,
      preferredAreaIds: random.chance(0.4) ? [home.areaId] : [],
      preferredDate: random.chance(0.7) ? tokyoDate(asOfMs + random.integer(3, 21) * dayMs) : null,
      desiredWardFunctions: [],
      desiredWardTypes,
      expectedStayDays: scenario.expectedStayDays
        ? random.integer(scenario.expectedStayDays[0], scenario.expectedStayDays[1])
        : null,
      maxExtraChargeYenPerDay: random.chance(0.35) ? null : random.pick([0, 0, 3_300, 5_500, 11_000]),
      keyPerson: random.chance(0.9)
        ? { relationship: random.pick(relationships), name: null, phone: null }
        : null,
      planAfterDischarge: random.pick(dischargePlans),
    });
  }
  return requests;
}

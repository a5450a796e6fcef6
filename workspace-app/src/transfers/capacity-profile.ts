import { bilingualMessage } from '@hcw/common';
import { z } from 'zod';
import { field } from '../validation/bilingual-fields.js';
import {
  behaviouralSymptomLabels,
  dementiaLevelLabels,
  independenceLevelLabels,
  infectionLabels,
  maxStayCapDaysByType,
  procedureLabels,
  wardFunctionLabels,
  wardFunctionsByType,
  wardTypeLabels,
} from './care-codes.js';
import { tokyoAreas } from './tokyo-areas.js';

// A hospital's capacity profile as its bed manager keeps it: what each ward is, how many beds are
// free for whom, and what care the ward can take on. Plain JSON, so it can travel over HTTP and sit
// in PostgreSQL (columns for the hospital, jsonb or a child table for wards) unchanged.

const bedCount = () => field.integer({ min: 0, max: 9999 });

const freeBedsByRoomSchema = field.object({
  individual: bedCount(),
  shared: bedCount(),
});

/** Free beds by which patients they can take and by room type. */
export const freeBedsSchema = field.object({
  male: freeBedsByRoomSchema,
  female: freeBedsByRoomSchema,
  any: freeBedsByRoomSchema,
});
export type FreeBeds = z.infer<typeof freeBedsSchema>;

export const infectionAcceptanceSchema = field.object({
  code: field.code(infectionLabels),
  /** The ward takes the infection only into an isolation room. */
  needsIsolationRoom: field.boolean(),
});
export type InfectionAcceptance = z.infer<typeof infectionAcceptanceSchema>;

export const dementiaAcceptanceSchema = field.object({
  /** The most severe 認知症高齢者の日常生活自立度 the ward takes; 'independent' means none. */
  maxLevel: field.code(dementiaLevelLabels),
  behaviouralSymptomsAccepted: field.codeSet(behaviouralSymptomLabels),
});

const yenPerDay = () => field.integer({ min: 0, max: 10_000_000 });

/**
 * Which patients a ward takes by dependence and age, where it says so; a part left out means any. The bed
 * search ranks by these and tells the social worker when they decided.
 */
export const patientsAcceptedSchema = field
  .object({
    /** The highest ADL区分 (1–3) the ward takes. */
    maxAdlCategory: field.integer({ min: 1, max: 3 }).optional(),
    /** The most dependent 障害高齢者の日常生活自立度 the ward takes. */
    maxIndependenceLevel: field.code(independenceLevelLabels).optional(),
    minAge: field.integer({ min: 0, max: 120 }).optional(),
    maxAge: field.integer({ min: 0, max: 120 }).optional(),
  })
  .refine(
    (accepted) =>
      accepted.minAge === undefined || accepted.maxAge === undefined || accepted.minAge <= accepted.maxAge,
    {
      path: ['maxAge'],
      message: bilingualMessage({
        ja: '上限の年齢が下限より低くなっています',
        en: 'the oldest age is below the youngest',
      }),
    },
  );
export type PatientsAccepted = z.infer<typeof patientsAcceptedSchema>;

export const wardSchema = field
  .object({
    id: field.id(),
    name: field.text(60),
    /** 病床機能 */
    wardFunction: field.code(wardFunctionLabels),
    /** 病棟種別 (the inpatient fee the ward bills) */
    wardType: field.code(wardTypeLabels),
    totalBeds: field.integer({ min: 1, max: 9999 }),
    freeBeds: freeBedsSchema,
    /** Isolation rooms are single rooms: a free one is also counted among the free single beds. */
    isolationRooms: field.object({ total: bedCount(), free: bedCount() }),
    proceduresAccepted: field.codeSet(procedureLabels),
    infectionsAccepted: field.array(infectionAcceptanceSchema),
    dementia: dementiaAcceptanceSchema,
    /** 差額室料 (extra room charge) per room type, tax included. */
    extraRoomChargeYenPerDay: field.object({ individual: yenPerDay(), shared: yenPerDay() }),
    /** null when the ward sets no limit. */
    maxStayDays: field.integer({ min: 1, max: 3650 }).nullable(),
    typicalWaitDays: field.integer({ min: 0, max: 365 }),
    patientsAccepted: patientsAcceptedSchema.optional(),
  })
  .superRefine((ward, ctx) => {
    const issue = (path: (string | number)[], ja: string, en: string) =>
      ctx.addIssue({ code: z.ZodIssueCode.custom, path, message: bilingualMessage({ ja, en }) });

    const { male, female, any } = ward.freeBeds;
    const freeTotal =
      male.individual + male.shared + female.individual + female.shared + any.individual + any.shared;
    if (freeTotal > ward.totalBeds) {
      issue(
        ['freeBeds'],
        `空床数の合計（${freeTotal}床）が病床数（${ward.totalBeds}床）を超えています`,
        `free beds (${freeTotal}) exceed the ward's beds (${ward.totalBeds})`,
      );
    }

    const { total: isolationTotal, free: isolationFree } = ward.isolationRooms;
    if (isolationTotal > ward.totalBeds) {
      issue(
        ['isolationRooms', 'total'],
        `隔離室の数（${isolationTotal}）が病床数（${ward.totalBeds}床）を超えています`,
        `isolation rooms (${isolationTotal}) exceed the ward's beds (${ward.totalBeds})`,
      );
    }
    if (isolationFree > isolationTotal) {
      issue(
        ['isolationRooms', 'free'],
        `空いている隔離室（${isolationFree}）が隔離室の数（${isolationTotal}）を超えています`,
        `free isolation rooms (${isolationFree}) exceed isolation rooms (${isolationTotal})`,
      );
    }
    const freeSingles = male.individual + female.individual + any.individual;
    if (isolationFree > freeSingles) {
      issue(
        ['isolationRooms', 'free'],
        `空いている隔離室（${isolationFree}）が個室の空床（${freeSingles}床）を超えています`,
        `free isolation rooms (${isolationFree}) exceed free single-room beds (${freeSingles})`,
      );
    }

    const allowedFunctions = wardFunctionsByType[ward.wardType];
    if (!allowedFunctions.includes(ward.wardFunction)) {
      const type = wardTypeLabels[ward.wardType];
      const fn = wardFunctionLabels[ward.wardFunction];
      issue(
        ['wardFunction'],
        `${type.ja}病棟は病床機能を「${fn.ja}」として報告できません（${allowedFunctions
          .map((code) => wardFunctionLabels[code].ja)
          .join('・')}のいずれか）`,
        `a ${type.en} ward cannot report its function as ${fn.en} (allowed: ${allowedFunctions
          .map((code) => wardFunctionLabels[code].en)
          .join(', ')})`,
      );
    }

    const stayCap = maxStayCapDaysByType[ward.wardType];
    if (stayCap !== undefined && (ward.maxStayDays === null || ward.maxStayDays > stayCap)) {
      const type = wardTypeLabels[ward.wardType];
      issue(
        ['maxStayDays'],
        `${type.ja}病棟の最長入院期間は${stayCap}日以内です`,
        `a ${type.en} ward's maximum stay is at most ${stayCap} days`,
      );
    }

    const seenInfections = new Set<string>();
    ward.infectionsAccepted.forEach((acceptance, index) => {
      const label = infectionLabels[acceptance.code];
      if (seenInfections.has(acceptance.code)) {
        issue(
          ['infectionsAccepted', index, 'code'],
          `「${label.ja}」が重複しています`,
          `"${label.en}" is listed twice`,
        );
      }
      seenInfections.add(acceptance.code);
      if (acceptance.needsIsolationRoom && isolationTotal === 0) {
        issue(
          ['infectionsAccepted', index, 'needsIsolationRoom'],
          `${label.ja}を隔離室で受け入れるとしていますが、この病棟には隔離室がありません`,
          `${label.en} is accepted only into an isolation room, but the ward has none`,
        );
      }
    });
  });
export type Ward = z.infer<typeof wardSchema>;

export const contactDeskSchema = field.object({
  /** e.g. 地域医療連携室, 医療福祉相談室 */
  name: field.text(60),
  phone: field.phone(),
  /** Free text such as 平日 9:00–17:00. */
  hours: field.text(60),
});
export type ContactDesk = z.infer<typeof contactDeskSchema>;

export const hospitalSchema = field
  .object({
    id: field.id(),
    name: field.text(100),
    municipalityId: field.oneOf(tokyoAreas.municipalityIds, (received) => ({
      ja: `東京都の区市町村ではありません: 「${received}」`,
      en: `not a Tokyo municipality: "${received}"`,
    })),
    contactDesk: contactDeskSchema,
    /** When the bed manager last confirmed the free-bed figures of every ward. */
    freeBedsUpdatedAt: field.dateTime(),
    wards: field.array(wardSchema, { min: 1, max: 200 }),
  })
  .superRefine((hospital, ctx) => {
    const seen = new Set<string>();
    hospital.wards.forEach((ward, index) => {
      if (seen.has(ward.id)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['wards', index, 'id'],
          message: bilingualMessage({
            ja: `病棟ID「${ward.id}」が重複しています`,
            en: `ward id "${ward.id}" is used twice`,
          }),
        });
      }
      seen.add(ward.id);
    });
  });
export type Hospital = z.infer<typeof hospitalSchema>;

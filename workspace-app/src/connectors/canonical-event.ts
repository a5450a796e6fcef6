import { z } from 'zod';
import { vitalRanges } from '../clinical/vital-ranges.js';

/**
 * One entry of the multi-professional timeline (多職種連携タイムライン), whatever vendor system it came
 * from. Connectors produce it; ingestion stores it with the unique key (vendor, vendorMessageId), so a
 * notification delivered twice, or fetched again after a retry, is stored once.
 *
 * Instants are ISO 8601 strings in UTC (`2024-05-01T00:30:00.000Z`): they go into `timestamptz` as they
 * are, sort as text and survive JSON on the way to the kiosk.
 */

/** Professions as the timeline shows them; vendors' own labels are kept in `author.roleLabel`. */
export const authorRoles = [
  'doctor', // 医師
  'dentist', // 歯科医師
  'pharmacist', // 薬剤師
  'nurse', // 看護師・保健師・准看護師
  'therapist', // 理学療法士・作業療法士・言語聴覚士
  'dietitian', // 管理栄養士
  'dental-hygienist', // 歯科衛生士
  'care-manager', // ケアマネジャー (介護支援専門員)
  'care-worker', // 介護職・ホームヘルパー
  'social-worker', // 医療ソーシャルワーカー・相談員
  'clerk', // 事務
  'family', // 本人・家族
  'other',
] as const;
export type AuthorRole = (typeof authorRoles)[number];

export const eventKinds = ['message', 'vital-signs', 'notification'] as const;
export type EventKind = (typeof eventKinds)[number];

// What vendors' devices may report: the same limits as a practitioner's form (clinical/vital-ranges.ts).
export const vitalLimits = {
  temperatureCelsius: vitalRanges.bodyTemperature,
  systolicMmHg: vitalRanges.systolic,
  diastolicMmHg: vitalRanges.diastolic,
  pulsePerMinute: vitalRanges.pulse,
  spo2Percent: vitalRanges.oxygenSaturation,
} as const;

const within = (limits: { min: number; max: number }) => z.number().finite().min(limits.min).max(limits.max);

export const vitalSigns = z
  .object({
    temperatureCelsius: within(vitalLimits.temperatureCelsius).optional(),
    systolicMmHg: within(vitalLimits.systolicMmHg).optional(),
    diastolicMmHg: within(vitalLimits.diastolicMmHg).optional(),
    pulsePerMinute: within(vitalLimits.pulsePerMinute).int().optional(),
    spo2Percent: within(vitalLimits.spo2Percent).optional(),
  })
  .strict()
  .refine((v) => Object.values(v).some((value) => value !== undefined), 'at least one measurement')
  .refine((v) => (v.systolicMmHg === undefined) === (v.diastolicMmHg === undefined), {
    message: 'blood pressure needs both systolic and diastolic',
  })
  .refine(
    (v) => v.systolicMmHg === undefined || v.diastolicMmHg === undefined || v.systolicMmHg > v.diastolicMmHg,
    {
      message: 'systolic must be above diastolic',
    },
  );
export type VitalSigns = z.infer<typeof vitalSigns>;

// Control characters have no business on a clinician's screen and can hide text; tab and newline stay
// because message bodies are written with them.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((value) => !CONTROL_CHARACTERS.test(value), 'control characters');
const label = (max: number) =>
  text(max)
    .refine((value) => value.trim().length > 0, 'blank')
    .refine((value) => !/[\r\n\t]/.test(value), 'line breaks');

const utcInstant = z.string().datetime({ precision: 3 });

export const canonicalEvent = z
  .object({
    /** The connector's id, e.g. `mcs`, `kanamic`; a second FHIR server gets an id of its own. */
    vendor: z.string().regex(/^[a-z][a-z0-9-]{1,31}$/),
    /** The vendor's own id of the message or record; with `vendor` the idempotency key. */
    vendorMessageId: label(200),
    /** The account at the vendor through which the portal received the event (user, office or client). */
    vendorAccount: label(200),
    /** The vendor's id of the patient's care-team group (or the FHIR Patient reference). */
    patientGroupRef: label(200),
    patientGroupName: label(200).optional(),
    author: z
      .object({
        role: z.enum(authorRoles),
        /** The vendor's own wording, e.g. 訪問看護師, kept for display. */
        roleLabel: label(100).optional(),
        name: label(100).optional(),
      })
      .strict(),
    occurredAt: utcInstant,
    kind: z.enum(eventKinds),
    title: label(300),
    body: text(20_000).optional(),
    unreadCount: z.number().int().min(0).max(1_000_000).optional(),
    deepLink: z
      .string()
      .max(2_000)
      .url()
      .refine(
        (value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol),
        'http or https only',
      )
      .optional(),
    vitals: vitalSigns.optional(),
    receivedAt: utcInstant,
  })
  .strict()
  .refine((event) => (event.kind === 'vital-signs') === (event.vitals !== undefined), {
    message: 'vital-signs events, and only they, carry vitals',
    path: ['vitals'],
  });
export type CanonicalEvent = z.infer<typeof canonicalEvent>;

/** The key ingestion stores an event under; the same vendor message always yields the same key. */
export function idempotencyKey(event: Pick<CanonicalEvent, 'vendor' | 'vendorMessageId'>): string {
  return `${event.vendor}:${event.vendorMessageId}`;
}

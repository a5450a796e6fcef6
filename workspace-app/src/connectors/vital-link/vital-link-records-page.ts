import { z } from 'zod';

const recordBase = {
  record_id: z.number().int().positive(),
  team: z.object({ team_id: z.string().min(1).max(100), team_name: z.string().min(1).max(200) }),
  author: z.object({ name: z.string().max(100), job_title: z.string().max(100) }),
  recorded_at: z.string().datetime({ offset: true }),
  link: z.string().url().max(2_000),
};

// Plausibility is the canonical model's to judge; here only the shape is checked.
const measurement = z.number().finite().nullable().optional();

export const vitalLinkVitalRecord = z.object({
  ...recordBase,
  record_type: z.literal('vital'),
  vital: z.object({
    body_temperature: measurement,
    blood_pressure: z
      .object({ systolic: z.number().finite(), diastolic: z.number().finite() })
      .nullable()
      .optional(),
    pulse_rate: measurement,
    spo2: measurement,
  }),
  comment: z.string().max(2_000).nullable().optional(),
});

export const vitalLinkMessageRecord = z.object({
  ...recordBase,
  record_type: z.literal('message'),
  message: z.object({ subject: z.string().max(300).nullable().optional(), text: z.string().max(20_000) }),
});

/** One page of バイタルリンク's record API; unknown fields are dropped. */
export const vitalLinkRecordsPage = z.object({
  records: z
    .array(z.discriminatedUnion('record_type', [vitalLinkVitalRecord, vitalLinkMessageRecord]))
    .max(1_000),
  last_id: z.number().int().min(0),
  has_more: z.boolean(),
});
export type VitalLinkRecordsPage = z.infer<typeof vitalLinkRecordsPage>;

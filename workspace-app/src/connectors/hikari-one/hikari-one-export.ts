import { z } from 'zod';

/** The export's columns, in order, as ひかりワン names them. */
export const hikariOneColumns = [
  '記録ID', // record id
  '患者グループID', // patient group id
  '患者グループ名', // patient group name
  '記入者', // author
  '職種', // profession
  '記録日時', // recorded at, JST without zone
  '件名', // subject, may be empty
  '本文', // body
] as const;

export const hikariOneRecord = z.object({
  recordId: z.string().regex(/^[\w-]{1,100}$/),
  groupId: z.string().min(1).max(100),
  groupName: z.string().min(1).max(200),
  authorName: z.string().max(100),
  occupation: z.string().max(100),
  recordedAt: z.string().min(1).max(30),
  subject: z.string().max(300),
  body: z.string().max(20_000),
});
export type HikariOneRecord = z.infer<typeof hikariOneRecord>;

/** The batch index, served as JSON beside the files. */
export const hikariOneBatchIndex = z.object({
  batches: z
    .array(
      z.object({
        sequence: z.number().int().positive(),
        file_name: z.string().max(200),
        created_at: z.string().datetime({ offset: true }),
        record_count: z.number().int().min(0),
      }),
    )
    .max(100_000),
});

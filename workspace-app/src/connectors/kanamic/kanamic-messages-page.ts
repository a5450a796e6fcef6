import { z } from 'zod';

/** One page of Kanamic's message API. Unknown fields are dropped, so a vendor adding one breaks nothing. */
export const kanamicMessage = z.object({
  message_id: z.string().min(1).max(100),
  group: z.object({ group_id: z.string().min(1).max(100), group_name: z.string().min(1).max(200) }),
  sender: z.object({
    staff_name: z.string().min(1).max(100),
    occupation: z.string().min(1).max(100),
    office_name: z.string().max(200).optional(),
  }),
  subject: z.string().max(300).optional(),
  text: z.string().max(20_000),
  created_at: z.string().datetime({ offset: true }),
  web_url: z.string().url().max(2_000),
});

export const kanamicMessagesPage = z.object({
  messages: z.array(kanamicMessage).max(500),
  next_cursor: z.string().min(1).max(1_000),
  has_more: z.boolean(),
});
export type KanamicMessagesPage = z.infer<typeof kanamicMessagesPage>;

import { z } from 'zod';

/**
 * What MCS (Medical Care Station) pushes when a message is posted in a patient's group: metadata only,
 * the same facts as its "you have a message" e-mail. The body stays in MCS behind the deep link.
 */
export const mcsNotification = z.object({
  type: z.literal('message.created'),
  notificationId: z.string().min(1).max(100),
  messageId: z.string().min(1).max(100),
  /** The MCS account the notification was addressed to. */
  accountId: z.string().min(1).max(100),
  group: z.object({ id: z.string().min(1).max(100), name: z.string().min(1).max(200) }),
  author: z.object({ role: z.string().min(1).max(100) }),
  postedAt: z.string().datetime({ offset: true }),
  unreadCount: z.number().int().min(0),
  url: z.string().url().max(2_000),
});
export type McsNotification = z.infer<typeof mcsNotification>;

export const MCS_SIGNATURE_HEADER = 'x-mcs-signature';
export const MCS_TIMESTAMP_HEADER = 'x-mcs-timestamp';

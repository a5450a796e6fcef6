import { z } from 'zod';

/**
 * Portal → broker: how many unread items some practitioners now have, so the broker can alert their devices.
 * Counts and user IDs only; signed like every service-to-service request (signed-request.ts).
 */
export const NEW_ITEMS_ALERTS_PATH = '/internal/alerts';

export const NewItemsAlerts = z
  .object({
    alerts: z
      .array(z.object({ userId: z.string().min(1).max(200), newItems: z.number().int().min(1) }).strict())
      .min(1)
      .max(1000),
  })
  .strict();
export type NewItemsAlerts = z.infer<typeof NewItemsAlerts>;

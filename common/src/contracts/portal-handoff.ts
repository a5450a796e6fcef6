import { z } from 'zod';

/**
 * Single sign-on into the portal: the broker, which has signed the practitioner in, registers a one-time
 * hand-off for them with the portal (signed request) and gives the resulting URL to the desktop's kiosk.
 * The portal exchanges the code for its own session once; the code never reaches the personal device.
 */
export const Practitioner = z.object({
  id: z.string().min(1).max(200),
  displayName: z.string().min(1).max(200),
  displayNameKana: z.string().max(200).optional(),
  organisation: z.string().max(200),
  profession: z.string().max(100),
  roles: z.array(z.string().max(50)).max(20),
});
export type Practitioner = z.infer<typeof Practitioner>;

export const CreateHandoffRequest = z.object({ practitioner: Practitioner });
export type CreateHandoffRequest = z.infer<typeof CreateHandoffRequest>;

export const CreateHandoffResponse = z.object({
  /** Absolute URL for the kiosk to open; contains the one-time code. */
  url: z.string().url(),
  expiresAt: z.string(),
});
export type CreateHandoffResponse = z.infer<typeof CreateHandoffResponse>;

export const HANDOFF_PATH = '/internal/handoffs';

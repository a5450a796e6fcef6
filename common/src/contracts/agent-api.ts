import { z } from 'zod';

/** The desktop agent's HTTP API, called by the broker with signed requests. */

export const StartSessionRequest = z.object({
  userId: z.string().min(1).max(200),
  /** The kiosk's first page: the portal's one-time hand-off URL. */
  startUrl: z.string().url().max(2000),
});
export type StartSessionRequest = z.infer<typeof StartSessionRequest>;

export const StartSessionResponse = z.object({
  vncPassword: z.string().min(6).max(8),
});
export type StartSessionResponse = z.infer<typeof StartSessionResponse>;

export const AgentHealth = z.object({
  desktopId: z.string(),
  status: z.enum(['ready', 'in-session', 'starting', 'unhealthy']),
  imageVersion: z.string(),
  display: z.object({ vncPort: z.number().int(), running: z.boolean() }),
  kioskRunning: z.boolean(),
});
export type AgentHealth = z.infer<typeof AgentHealth>;

import { z } from 'zod';

/** What the benchmark and its tunnel host process say to each other over the IPC channel. */

export const HostRequest = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('start'),
    redisUrl: z.string(),
    /** base64 of the 32-byte key connection tokens are sealed with. */
    tunnelKey: z.string(),
    dataDir: z.string(),
    /** The internal CA (Redis's and guacd's certificates) and the broker's client certificate from it. */
    tls: z.object({ caFile: z.string(), certFile: z.string(), keyFile: z.string() }),
  }),
  /** Signs in this many users, each with a session and a lease on the desktop, as the broker would. */
  z.object({ type: z.literal('sign-in'), count: z.number().int().min(1), desktopId: z.string() }),
  /** Starts a measurement window: a baseline of memory and CPU, and a fresh event-loop delay histogram. */
  z.object({ type: z.literal('mark') }),
  /** Ends the window and reports it. */
  z.object({ type: z.literal('measure') }),
  z.object({ type: z.literal('stop') }),
]);
export type HostRequest = z.infer<typeof HostRequest>;

const Memory = z.object({ rss: z.number(), heapUsed: z.number(), external: z.number() });
export type HostMemory = z.infer<typeof Memory>;

export const HostReply = z.discriminatedUnion('type', [
  z.object({ type: z.literal('started'), port: z.number().int(), origin: z.string() }),
  z.object({
    type: z.literal('signed-in'),
    users: z.array(z.object({ userId: z.string(), cookie: z.string() })),
  }),
  z.object({ type: z.literal('marked'), memory: Memory }),
  z.object({
    type: z.literal('measured'),
    memory: Memory,
    /** Event-loop delay beyond the sampling timer, in milliseconds. */
    eventLoopDelay: z.object({ p50: z.number(), p99: z.number(), max: z.number(), samples: z.number() }),
    /** CPU time of the host over the window, as a share of one core. */
    cpuShare: z.number(),
    /** Share of the window the event loop spent running callbacks rather than waiting. */
    loopUtilization: z.number(),
    /** Garbage collections during the window and their pauses. */
    gc: z.object({ count: z.number(), totalMs: z.number(), maxMs: z.number() }),
    liveTunnels: z.number().int(),
    logs: z.array(z.string()),
  }),
  z.object({ type: z.literal('stopped') }),
  z.object({ type: z.literal('failed'), message: z.string() }),
]);
export type HostReply = z.infer<typeof HostReply>;

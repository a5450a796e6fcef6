import { z } from 'zod';
import { RECORDING_OFF, RecordingPolicy } from '../recording/recording-policy.js';

/**
 * How desktop pools are described in configuration (`POOLS`, a JSON array). Each pool names where its
 * desktops come from (its provider), how many it keeps warm, which guacd instances its leases may use and
 * the policies its sessions run under. The policies here are the starting values: an administrator may
 * change them live from the console, and the changed values are kept in Redis (see pool-policies.ts).
 */

export const GuacdAddress = z.object({
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65535),
});
export type GuacdAddress = z.infer<typeof GuacdAddress>;

export const guacdAddressText = (guacd: GuacdAddress): string => `${guacd.host}:${guacd.port}`;

export const PoolPolicies = z.object({
  /** Whether the browser may paste into the desktop. Copying out of it is never possible. */
  canPaste: z.boolean().default(false),
  /** Minutes without activity after which the sign-in ends (AUTH-4). */
  idleMinutes: z
    .number()
    .int()
    .min(1)
    .max(8 * 60)
    .default(15),
  /** The longest a sign-in lasts, however busy its user. */
  maxSessionHours: z.number().min(0.01).max(24).default(12),
  /** Image versions a desktop must run to be leased; empty means any. */
  imageVersions: z.array(z.string().min(1).max(100)).max(50).default([]),
  /** Whether sessions are recorded: off, for chosen roles, or for everyone (see recording/). */
  recording: RecordingPolicy.default(RECORDING_OFF),
});
export type PoolPolicies = z.infer<typeof PoolPolicies>;

/** An agent's address: HTTPS only, the broker and the agent show each other certificates (mutual TLS). */
export const AgentUrl = z
  .string()
  .url()
  .refine((url) => url.startsWith('https://'), 'must be https: (the agent speaks mutual TLS only)');

/**
 * A desktop host as the broker reaches it: its agent, and the VNC address guacd connects to. `guacd` names a
 * guacd of the desktop's own, beside it on its host, which alone serves it: the desktop's VNC then listens on
 * that host's loopback (`vncHost` 127.0.0.1) and the screen never crosses the network in clear (decision
 * 0022). Without it, the pool's guacd instances serve the desktop.
 */
export const DesktopHost = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9._-]+$/),
  agentUrl: AgentUrl,
  vncHost: z.string().min(1),
  vncPort: z.number().int().min(1).max(65535),
  guacd: GuacdAddress.optional(),
});
export type DesktopHost = z.infer<typeof DesktopHost>;

/** Desktops on this machine: those the local stack started, and more the broker may start itself. */
const LocalProvider = z.object({
  type: z.literal('local'),
  desktops: z.array(DesktopHost).default([]),
  /** When set, the broker starts desktop agents on this machine to keep the pool warm and to replace failed ones. */
  launch: z
    .object({
      /** Where launched desktops keep their state; each gets a folder of its own, removed when it stops. */
      stateDir: z.string().min(1),
      /**
       * A folder with a certificate and key from the internal CA for each desktop the broker may start
       * (`<id>.crt`, `<id>.key`, naming that desktop); a started desktop takes a free id from it. The broker
       * holds no CA key, so it cannot mint desktops of its own.
       */
      certificateDir: z.string().min(1),
      maxDesktops: z.number().int().min(1).max(50).default(4),
      imageVersion: z.string().min(1).max(100).optional(),
    })
    .optional(),
});

/** Desktop hosts listed in configuration, as Ansible provisions them; the broker can neither add nor restart them. */
const StaticProvider = z.object({
  type: z.literal('static'),
  desktops: z.array(DesktopHost).min(1),
});

export const ProviderSettings = z.discriminatedUnion('type', [LocalProvider, StaticProvider]);
export type ProviderSettings = z.infer<typeof ProviderSettings>;

/** Roles that work in a desktop; administrators and auditors use the console instead. */
export const DESKTOP_ROLES = ['practitioner', 'msw', 'bed-manager'];

export const PoolSettings = z.object({
  id: z
    .string()
    .min(1)
    .max(40)
    .regex(/^[a-z0-9][a-z0-9-]*$/),
  provider: ProviderSettings,
  /** How many desktops the pool keeps warm: started, healthy and free for the next user. */
  size: z.number().int().min(0).max(1000),
  /** The guacd instances the pool's desktops share; may be empty when every desktop has one of its own. */
  guacd: z.array(GuacdAddress).default([]),
  /** Who may lease from this pool; the first pool that fits a user's roles is theirs. */
  roles: z.array(z.string().min(1)).min(1).default(DESKTOP_ROLES),
  policies: PoolPolicies.default({}),
});
export type PoolSettings = z.infer<typeof PoolSettings>;

export const PoolsSettings = z
  .array(PoolSettings)
  .min(1)
  .superRefine((pools, ctx) => {
    const seen = new Set<string>();
    for (const desktop of pools.flatMap((p) => p.provider.desktops)) {
      if (seen.has(desktop.id)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `desktop ${desktop.id} is listed twice` });
      }
      seen.add(desktop.id);
    }
    if (new Set(pools.map((p) => p.id)).size !== pools.length) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'pool ids must be unique' });
    }
    for (const pool of pools) {
      const isServed =
        pool.guacd.length > 0 ||
        (pool.provider.desktops.every((d) => d.guacd) &&
          !(pool.provider.type === 'local' && pool.provider.launch));
      if (!isServed) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `pool ${pool.id} needs guacd instances, or a guacd beside each of its desktops`,
        });
      }
    }
  });

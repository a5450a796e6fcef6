import { X509Certificate } from 'node:crypto';
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  AuditArchiveEnv,
  auditArchiveConfig,
  BROKER_IDENTITY,
  databaseUrlProblem,
  redisUrlProblem,
  uriNamesOf,
  type AuditArchiveConfig,
  settingsOf,
  type Setting,
} from '@hcw/common';
import { hostname } from 'node:os';
import { z } from 'zod';
import { AgentUrl, DESKTOP_ROLES, PoolsSettings, type PoolSettings } from './desktops/pool-settings.js';
import { MIN_PRODUCTION_RETENTION_DAYS, RECORDING_OFF } from './recording/recording-policy.js';
import type { ClamdAddress } from './uploads/virus-scanner.js';

/** Every setting the broker has, read once from the environment and validated. Nothing else reads it. */

export const ROLES = ['practitioner', 'msw', 'bed-manager', 'it-admin', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

const Desktop = z.object({
  id: z.string().min(1),
  agentUrl: AgentUrl,
  vncHost: z.string().min(1),
  vncPort: z.number().int().min(1).max(65535),
  guacdHost: z.string().min(1),
  guacdPort: z.number().int().min(1).max(65535),
});
export type DesktopSpec = z.infer<typeof Desktop>;

const json = <T extends z.ZodTypeAny>(schema: T) =>
  z.string().transform((text, ctx) => {
    try {
      return schema.parse(JSON.parse(text)) as z.infer<T>;
    } catch (error) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `not valid JSON for this setting: ${(error as Error).message}`,
      });
      return z.NEVER;
    }
  });

const key32 = () =>
  z.string().refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes encoded as base64');

/**
 * The values a secret had before a rotation, still accepted (never used to sign or encrypt) while the new
 * one rolls out: comma-separated, at most three. Empty when no rotation is under way.
 */
const previousValues = <Item extends z.ZodTypeAny>(item: Item) =>
  z
    .string()
    .default('')
    .transform((text) =>
      text
        .split(',')
        .map((value) => value.trim())
        .filter((value) => value !== ''),
    )
    .pipe(z.array(item).max(3, 'keep at most 3 previous values'));

const EnvObject = z
  .object({
    BROKER_ENV: z.enum(['production', 'development', 'test']).default('production'),
    BROKER_HOST: z.string().default('127.0.0.1'),
    BROKER_PORT: z.coerce.number().int().min(1).max(65535).default(8080),
    /** The address the personal device uses; its origin is the only one the tunnel accepts. */
    BROKER_PUBLIC_URL: z.string().url(),
    /** `rediss:` (TLS) with the broker's own ACL user; production refuses `redis:`. */
    BROKER_REDIS_URL: z.string().url(),
    /** The CA that vouches for Redis's certificate when it is not one of the system's (the internal CA). */
    BROKER_REDIS_CA_FILE: z.string().min(1).optional(),
    /**
     * The broker's own PostgreSQL role, `sslmode=verify-full` (production refuses anything less), with
     * `sslrootcert` naming the internal CA when the server's certificate comes from it.
     */
    BROKER_DATABASE_URL: z.string().url(),
    /** The internal CA: desktop agents and guacd must show certificates it issued. */
    BROKER_INTERNAL_CA_FILE: z.string().min(1),
    /** The broker's client certificate from the internal CA (naming the broker), shown to desktop agents. */
    BROKER_TLS_CERT_FILE: z.string().min(1),
    BROKER_TLS_KEY_FILE: z.string().min(1),
    BROKER_SESSION_SECRET: z.string().min(32, 'must be at least 32 characters'),
    /** Earlier session secrets: cookies they signed stay valid until they expire (see docs/operations.md). */
    BROKER_SESSION_SECRET_PREVIOUS: previousValues(z.string().min(32, 'must be at least 32 characters')),
    /**
     * Which proxies in front of the broker to believe about the client's address and scheme
     * (X-Forwarded-For/-Proto), in Express's terms: empty for none, `loopback` for nginx on the same host,
     * or addresses/subnets separated by commas. Per-address limits and Secure cookies depend on it.
     */
    BROKER_TRUST_PROXY: z
      .string()
      .regex(
        /^[0-9a-fA-F.:/,\s]*$|^(loopback|linklocal|uniquelocal)(,\s*(loopback|linklocal|uniquelocal))*$/,
        {
          message:
            'must be empty, loopback/linklocal/uniquelocal, or addresses and subnets separated by commas',
        },
      )
      .default(''),
    BROKER_SESSION_IDLE_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(15),
    BROKER_SESSION_MAX_HOURS: z.coerce.number().min(0.001).max(24).default(12),
    /** 32 bytes, base64: encrypts connection tokens. */
    BROKER_TUNNEL_KEY: key32(),
    /** Earlier tunnel keys: connection tokens they encrypted are still read. */
    BROKER_TUNNEL_KEY_PREVIOUS: previousValues(key32()),
    BROKER_TOKEN_TTL_SECONDS: z.coerce.number().int().min(5).max(300).default(30),
    SAML_SP_ENTITY_ID: z.string().min(1).optional(),
    SAML_IDP_SSO_URL: z.string().url(),
    SAML_IDP_ENTITY_ID: z.string().min(1),
    SAML_IDP_CERT_FILE: z.string().min(1),
    SAML_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
    /** The IdP's single logout service (HTTP-Redirect binding); without it, signing out ends only our session. */
    SAML_IDP_SLO_URL: z.string().url().optional(),
    /** The broker's own SAML signing key and certificate: sign logout messages (and requests); in metadata. */
    SAML_SP_KEY_FILE: z.string().min(1).optional(),
    SAML_SP_CERT_FILE: z.string().min(1).optional(),
    DEV_IDP_ENABLED: z.enum(['0', '1']).default('0'),
    DEV_IDP_KEY_FILE: z.string().optional(),
    DEV_IDP_CERT_FILE: z.string().optional(),
    DEMO_PASSWORD: z.string().min(8).optional(),
    /** The desktops of one pool, each with its own guacd: the older form of POOLS, still accepted. */
    DESKTOPS: json(z.array(Desktop).min(1)).optional(),
    /** Desktop pools with their providers, sizes, guacd instances and policies (see desktops/pool-settings.ts). */
    POOLS: json(PoolsSettings).optional(),
    /** A lease lives this long without a heartbeat from a live tunnel, then its desktop is wiped and freed. */
    LEASE_TTL_SECONDS: z.coerce.number().int().min(2).max(86400).default(300),
    LEASE_HEARTBEAT_SECONDS: z.coerce.number().min(0.5).max(3600).default(30),
    /** How often desktops are health-checked, and after how many failed checks in a row one is taken out. */
    POOL_CHECK_SECONDS: z.coerce.number().min(0.1).max(600).default(5),
    DESKTOP_UNHEALTHY_AFTER: z.coerce.number().int().min(1).max(100).default(3),
    /** How often the broker probes Redis, PostgreSQL and each guacd for /readyz, in the background. */
    HEALTH_PROBE_SECONDS: z.coerce.number().min(0.1).max(600).default(5),
    /** A bearer token for GET /metrics; without one, only unproxied requests from loopback may read it. */
    METRICS_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
    /** Names this broker instance in the console's live view; the host name and process id by default. */
    BROKER_INSTANCE_ID: z.string().min(1).max(100).optional(),
    PORTAL_INTERNAL_URL: z.string().url(),
    PORTAL_HANDOFF_SECRET: z.string().min(32, 'must be at least 32 characters'),
    GUACD_DISABLE_PASTE: z.enum(['0', '1']).default('1'),
    /**
     * Test runs only: let the desktop's clipboard through guacd and the egress filter to the device. Only the
     * egress test's control run sets it, to prove its check finds copied text; production refuses it.
     */
    TUNNEL_COPY_TO_DEVICE: z.enum(['0', '1']).default('0'),
    /** 32 bytes, base64: encrypts second-factor secrets at rest. */
    BROKER_SECRETS_KEY: key32(),
    /** Earlier secrets keys: what they sealed is still opened, and sealed again with the current key. */
    BROKER_SECRETS_KEY_PREVIOUS: previousValues(key32()),
    /** AuthnContextClassRef values that mean the IdP itself did multi-factor authentication. */
    SAML_MFA_CONTEXTS: z
      .string()
      .default('https://refeds.org/profile/mfa,urn:oasis:names:tc:SAML:2.0:ac:classes:MultiFactor')
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    SAML_ROLE_ATTRIBUTE: z.string().default('roles'),
    /** IdP role values mapped to the broker's roles, e.g. {"nurse":"practitioner"}; unmapped values are dropped. */
    SAML_ROLE_MAP: json(z.record(z.enum(ROLES))).optional(),
    SAML_ORGANISATION_ATTRIBUTE: z.string().default('organisation'),
    SAML_PROFESSION_ATTRIBUTE: z.string().default('profession'),
    SAML_DISPLAY_NAME_ATTRIBUTE: z.string().default('displayName'),
    /**
     * The attribute that identifies a user, when the IdP names users by one rather than by a persistent NameID
     * (e.g. `uid`). Unset: the NameID is the user ID, and only a persistent one is accepted.
     */
    SAML_USER_ID_ATTRIBUTE: z.string().min(1).max(200).optional(),
    /** What a second sign-in elsewhere does to the first: take it over, or be refused. */
    SINGLE_DESKTOP_POLICY: z.enum(['takeover', 'refuse']).default('takeover'),
    SIGN_IN_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).default(20),
    SECOND_FACTOR_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(5),
    /** How long an enrolment code an administrator issues stays valid (docs/decisions/0013-first-enrolment.md). */
    ENROLMENT_CODE_LIFETIME_HOURS: z.coerce
      .number()
      .int()
      .min(1)
      .max(30 * 24)
      .default(72),
    RATE_LIMIT_WINDOW_MINUTES: z.coerce.number().int().min(1).default(15),
    /**
     * Refused single-logout messages from one address in that window that are recorded one by one; beyond it,
     * refusals are answered without a record each (a genuine, signed message is always handled).
     */
    LOGOUT_REFUSALS_PER_ADDRESS: z.coerce.number().int().min(1).default(50),
    /**
     * Where session recordings are written, encrypted: one folder every broker reads and writes (shared
     * storage in production, see docs/operations.md). Without it and the key, no pool may record.
     */
    RECORDING_DIR: z.string().min(1).optional(),
    /** A file holding the recording key: 32 bytes, base64. Outside the database and its backups. */
    RECORDING_KEY_FILE: z.string().min(1).optional(),
    /** Files of earlier recording keys, comma-separated: what they sealed can still be played back. */
    RECORDING_PREVIOUS_KEY_FILES: previousValues(z.string().min(1)),
    /** How often expired recordings are looked for. */
    RECORDING_SWEEP_SECONDS: z.coerce.number().min(0.1).max(86400).default(600),
    /**
     * Read-only access to the portal's audit trail (a role that may only read `audit_events`), so the console
     * can find the recordings during which a patient's data was shown. Without it, only by user and time.
     */
    RECORDING_PORTAL_AUDIT_DATABASE_URL: z.string().url().optional(),
    /**
     * Alerts on the practitioner's device (Web Push, opt-in, a count and nothing else): the VAPID key pair the
     * push services know this workspace by (`npx web-push generate-vapid-keys`), base64url. Without them the
     * client page does not offer alerts.
     */
    PUSH_VAPID_PUBLIC_KEY: z
      .string()
      .refine((v) => Buffer.from(v, 'base64url').length === 65, 'must be a P-256 public key, base64url')
      .optional(),
    PUSH_VAPID_PRIVATE_KEY: z
      .string()
      .refine((v) => Buffer.from(v, 'base64url').length === 32, 'must be 32 bytes, base64url')
      .optional(),
    /** How the push services reach the operator: `mailto:` or `https:`. */
    PUSH_VAPID_SUBJECT: z
      .string()
      .regex(/^(mailto:|https:\/\/)\S+$/, 'must be a mailto: or https: address')
      .optional(),
    /**
     * The push services the broker may post to, comma-separated (`*.domain` for any host under it): a device's
     * subscription elsewhere is refused, so no user can make the broker call another host.
     */
    PUSH_SERVICE_HOSTS: z
      .string()
      .default('fcm.googleapis.com,*.push.services.mozilla.com,web.push.apple.com,*.notify.windows.com')
      .transform((text) =>
        text
          .split(',')
          .map((host) => host.trim())
          .filter((host) => host !== ''),
      ),
    /** At most one alert per practitioner in this many seconds; what comes meanwhile is told in the next. */
    ALERTS_MIN_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86400).default(120),
    /**
     * ClamAV's daemon beside the broker, which scans what devices send (「写真を送る」): a Unix socket path, or
     * `host:port` on loopback. Unset: the client page does not offer sending photos.
     */
    UPLOAD_SCANNER: z
      .string()
      .regex(/^(\/\S+|[A-Za-z0-9.-]+:\d{1,5})$/, 'must be a socket path or host:port')
      .optional(),
    /** The largest photo or document a device may send, in bytes (a phone's photo is 2–6 MB). */
    UPLOAD_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(50 * 1024 * 1024)
      .default(15 * 1024 * 1024),
  })
  .merge(AuditArchiveEnv);

/** Every setting the broker reads; the deployment tests hold Ansible's and Terraform's settings to it. */
export const BROKER_SETTINGS: readonly Setting[] = settingsOf(EnvObject);

const Env = EnvObject.superRefine((e, ctx) => {
  if (e.DEV_IDP_ENABLED === '1' && e.BROKER_ENV === 'production') {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['DEV_IDP_ENABLED'],
      message: 'the development identity provider cannot be switched on in production',
    });
  }
  if (e.DEV_IDP_ENABLED === '1' && (!e.DEV_IDP_KEY_FILE || !e.DEV_IDP_CERT_FILE)) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['DEV_IDP_KEY_FILE'],
      message: 'the development identity provider needs DEV_IDP_KEY_FILE and DEV_IDP_CERT_FILE',
    });
  }
  if (e.TUNNEL_COPY_TO_DEVICE === '1' && e.BROKER_ENV === 'production') {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['TUNNEL_COPY_TO_DEVICE'],
      message: 'copying from the desktop to the device cannot be switched on in production',
    });
  }
  if (e.SAML_IDP_SLO_URL && (!e.SAML_SP_KEY_FILE || !e.SAML_SP_CERT_FILE)) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['SAML_IDP_SLO_URL'],
      message: 'single logout needs SAML_SP_KEY_FILE and SAML_SP_CERT_FILE: logout messages must be signed',
    });
  }
  if (Boolean(e.SAML_SP_KEY_FILE) !== Boolean(e.SAML_SP_CERT_FILE)) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['SAML_SP_KEY_FILE'],
      message: 'SAML_SP_KEY_FILE and SAML_SP_CERT_FILE go together',
    });
  }
  if (!e.DESKTOPS && !e.POOLS) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['POOLS'],
      message: 'POOLS or DESKTOPS is required',
    });
  }
  if (e.DESKTOPS && e.POOLS) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['POOLS'],
      message: 'set POOLS or DESKTOPS, not both',
    });
  }
  // A POOLS value that failed to parse is reported already; only a parsed one is checked further.
  for (const pool of Array.isArray(e.POOLS) ? e.POOLS : []) {
    const unknown = pool.roles.filter((r) => !(ROLES as readonly string[]).includes(r));
    if (unknown.length > 0) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['POOLS'],
        message: `pool ${pool.id} names unknown roles: ${unknown.join(', ')}`,
      });
    }
    const unknownRecorded = pool.policies.recording.roles.filter(
      (r) => !(ROLES as readonly string[]).includes(r),
    );
    if (unknownRecorded.length > 0) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['POOLS'],
        message: `pool ${pool.id} records unknown roles: ${unknownRecorded.join(', ')}`,
      });
    }
    if (
      e.BROKER_ENV === 'production' &&
      pool.policies.recording.retentionDays < MIN_PRODUCTION_RETENTION_DAYS
    ) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['POOLS'],
        message: `pool ${pool.id}: recordings are kept at least ${MIN_PRODUCTION_RETENTION_DAYS} day in production`,
      });
    }
    if (pool.policies.recording.mode !== 'off' && (!e.RECORDING_DIR || !e.RECORDING_KEY_FILE)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['POOLS'],
        message: `pool ${pool.id} records sessions: RECORDING_DIR and RECORDING_KEY_FILE are required`,
      });
    }
    if (pool.provider.type === 'local' && pool.provider.launch && e.BROKER_ENV === 'production') {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['POOLS'],
        message: `pool ${pool.id}: a production broker does not start desktops on its own machine`,
      });
    }
  }
  const insideHosts = e.PUSH_SERVICE_HOSTS.filter(
    (host) => host === 'localhost' || /^[\d.:[\]]+$/.test(host),
  );
  if (e.BROKER_ENV === 'production' && insideHosts.length > 0) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['PUSH_SERVICE_HOSTS'],
      message: `push services are on the internet, not ${insideHosts.join(', ')}`,
    });
  }
  const vapid = [e.PUSH_VAPID_PUBLIC_KEY, e.PUSH_VAPID_PRIVATE_KEY, e.PUSH_VAPID_SUBJECT];
  if (vapid.some(Boolean) && !vapid.every(Boolean)) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['PUSH_VAPID_PUBLIC_KEY'],
      message: 'PUSH_VAPID_PUBLIC_KEY, PUSH_VAPID_PRIVATE_KEY and PUSH_VAPID_SUBJECT go together',
    });
  }
  if (Boolean(e.RECORDING_DIR) !== Boolean(e.RECORDING_KEY_FILE)) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['RECORDING_DIR'],
      message: 'RECORDING_DIR and RECORDING_KEY_FILE go together',
    });
  }
  if (e.BROKER_ENV === 'production' && !e.BROKER_PUBLIC_URL.startsWith('https:')) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['BROKER_PUBLIC_URL'],
      message: 'must be https in production',
    });
  }
  // Nothing secret crosses the data centre in clear: sessions, leases and the audit trail included.
  const redisProblem = redisUrlProblem(e.BROKER_REDIS_URL);
  if (e.BROKER_ENV === 'production' && redisProblem) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['BROKER_REDIS_URL'], message: redisProblem });
  }
  const databaseProblem = databaseUrlProblem(e.BROKER_DATABASE_URL);
  if (e.BROKER_ENV === 'production' && databaseProblem) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['BROKER_DATABASE_URL'], message: databaseProblem });
  }
});

export interface BrokerConfig {
  env: 'production' | 'development' | 'test';
  /** Signed checkpoints of the audit trail, outside the database; unset only outside production. */
  auditArchive?: AuditArchiveConfig;
  host: string;
  port: number;
  publicUrl: string;
  publicOrigin: string;
  /** Express's `trust proxy` value; false when no proxy is trusted. */
  trustProxy: string | false;
  redisUrl: string;
  /** PEM: the CA for Redis's certificate, when not a system one. */
  redisCa: string | undefined;
  databaseUrl: string;
  /** PEM: the internal CA (agents, guacd) and the broker's client certificate and key (for the agents). */
  internalTls: { ca: string; cert: string; key: string };
  /** The internal CA's file, handed to the desktop agents this broker starts itself (demo and tests). */
  internalCaFile: string;
  session: {
    secret: string;
    /** Accepted on cookies, never used to sign: a rotation in progress. */
    previousSecrets: string[];
    idleMinutes: number;
    maxHours: number;
    secureCookie: boolean;
  };
  tunnel: {
    key: Buffer;
    /** Accepted on connection tokens, never used to encrypt. */
    previousKeys: Buffer[];
    tokenTtlSeconds: number;
    disablePaste: boolean;
    copyToDevice: boolean;
  };
  secretsKey: Buffer;
  /** Opens what an earlier key sealed, so it can be sealed again with `secretsKey`. */
  previousSecretsKeys: Buffer[];
  signIn: {
    mfaContexts: string[];
    roleAttribute: string;
    roleMap: Record<string, Role>;
    organisationAttribute: string;
    professionAttribute: string;
    displayNameAttribute: string;
    /** Set: the user ID comes from this attribute. Unset: from a persistent NameID. */
    userIdAttribute: string | undefined;
    singleDesktopPolicy: 'takeover' | 'refuse';
    failuresPerAddress: number;
    secondFactorFailuresPerAccount: number;
    rateLimitWindowSeconds: number;
    logoutRefusalsPerAddress: number;
    enrolmentCodeLifetimeHours: number;
  };
  saml: {
    spEntityId: string;
    acsUrl: string;
    idpSsoUrl: string;
    idpEntityId: string;
    idpCert: string;
    clockSkewMs: number;
    /** Where the IdP sends logout requests and responses to us. */
    sloUrl: string;
    /** Set when single logout is on: the IdP's single logout service. */
    idpSloUrl: string | undefined;
    /** The broker's signing key pair, when configured. */
    spSigning: { key: string; cert: string } | undefined;
  };
  devIdp: { key: string; cert: string; demoPassword: string } | undefined;
  /** Every configured desktop with a guacd of its pool (the older single-pool shape). */
  desktops: DesktopSpec[];
  pools: PoolSettings[];
  leases: { ttlSeconds: number; heartbeatSeconds: number };
  poolChecks: { intervalMs: number; unhealthyAfter: number };
  health: { probeIntervalMs: number };
  metrics: { token: string | undefined };
  instanceId: string;
  portal: { internalUrl: string; handoffSecret: string };
  /** Session recording; unset when this broker has no recording folder and key (then no pool may record). */
  recording: RecordingConfig | undefined;
  /** Photos and documents from devices; unset when no virus scanner is configured (then none are taken). */
  uploads: { scanner: ClamdAddress; maxBytes: number } | undefined;
  alerts: {
    /** Unset: alerts to devices are not offered. */
    vapid: { publicKey: string; privateKey: string; subject: string } | undefined;
    pushServiceHosts: string[];
    minIntervalSeconds: number;
  };
}

export interface RecordingConfig {
  dir: string;
  /** Seals every new recording. */
  key: Buffer;
  /** Open what earlier keys sealed, never used to seal. */
  previousKeys: Buffer[];
  sweepIntervalMs: number;
  /** The portal's audit trail, read-only, for finding recordings by patient. */
  portalAuditDatabaseUrl: string | undefined;
}

export const DEFAULT_DEMO_PASSWORD = 'Zaitaku-Demo-2026';

export function loadConfig(env: Record<string, string | undefined> = process.env): BrokerConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`broker configuration is invalid: ${problems}`);
  }
  const e = parsed.data;
  const publicUrl = e.BROKER_PUBLIC_URL.replace(/\/$/, '');
  const readPem = (file: string, what: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(
        `broker configuration is invalid: cannot read ${what} (${(error as NodeJS.ErrnoException).code})`,
      );
    }
  };
  const pools = e.POOLS ?? [poolFromDesktops(e.DESKTOPS ?? [], e)];
  const internalTls = {
    ca: readPem(e.BROKER_INTERNAL_CA_FILE, 'BROKER_INTERNAL_CA_FILE'),
    cert: readPem(e.BROKER_TLS_CERT_FILE, 'BROKER_TLS_CERT_FILE'),
    key: readPem(e.BROKER_TLS_KEY_FILE, 'BROKER_TLS_KEY_FILE'),
  };
  // The agents answer only a certificate naming the broker; another would fail at every call.
  if (!uriNamesOf(certificateDer(internalTls.cert)).includes(BROKER_IDENTITY)) {
    throw new Error(`broker configuration is invalid: BROKER_TLS_CERT_FILE does not name ${BROKER_IDENTITY}`);
  }
  const archive = auditArchiveConfig(e, e.BROKER_ENV === 'production');
  if (archive.problem) throw new Error(`broker configuration is invalid: ${archive.problem}`);
  return {
    env: e.BROKER_ENV,
    auditArchive: archive.config,
    host: e.BROKER_HOST,
    port: e.BROKER_PORT,
    publicUrl,
    publicOrigin: new URL(publicUrl).origin,
    trustProxy: e.BROKER_TRUST_PROXY.trim() === '' ? false : e.BROKER_TRUST_PROXY.trim(),
    redisUrl: e.BROKER_REDIS_URL,
    redisCa: e.BROKER_REDIS_CA_FILE ? readPem(e.BROKER_REDIS_CA_FILE, 'BROKER_REDIS_CA_FILE') : undefined,
    databaseUrl: e.BROKER_DATABASE_URL,
    internalTls,
    internalCaFile: e.BROKER_INTERNAL_CA_FILE,
    session: {
      secret: e.BROKER_SESSION_SECRET,
      previousSecrets: e.BROKER_SESSION_SECRET_PREVIOUS,
      idleMinutes: e.BROKER_SESSION_IDLE_MINUTES,
      maxHours: e.BROKER_SESSION_MAX_HOURS,
      // Plain HTTP is tolerated only on a loopback address, for local runs.
      secureCookie: publicUrl.startsWith('https:'),
    },
    tunnel: {
      key: Buffer.from(e.BROKER_TUNNEL_KEY, 'base64'),
      previousKeys: e.BROKER_TUNNEL_KEY_PREVIOUS.map((key) => Buffer.from(key, 'base64')),
      tokenTtlSeconds: e.BROKER_TOKEN_TTL_SECONDS,
      disablePaste: e.GUACD_DISABLE_PASTE === '1',
      copyToDevice: e.TUNNEL_COPY_TO_DEVICE === '1',
    },
    secretsKey: Buffer.from(e.BROKER_SECRETS_KEY, 'base64'),
    previousSecretsKeys: e.BROKER_SECRETS_KEY_PREVIOUS.map((key) => Buffer.from(key, 'base64')),
    signIn: {
      mfaContexts: e.SAML_MFA_CONTEXTS,
      roleAttribute: e.SAML_ROLE_ATTRIBUTE,
      roleMap: e.SAML_ROLE_MAP ?? Object.fromEntries(ROLES.map((r) => [r, r])),
      organisationAttribute: e.SAML_ORGANISATION_ATTRIBUTE,
      professionAttribute: e.SAML_PROFESSION_ATTRIBUTE,
      displayNameAttribute: e.SAML_DISPLAY_NAME_ATTRIBUTE,
      userIdAttribute: e.SAML_USER_ID_ATTRIBUTE,
      singleDesktopPolicy: e.SINGLE_DESKTOP_POLICY,
      failuresPerAddress: e.SIGN_IN_FAILURES_PER_ADDRESS,
      secondFactorFailuresPerAccount: e.SECOND_FACTOR_FAILURES_PER_ACCOUNT,
      rateLimitWindowSeconds: e.RATE_LIMIT_WINDOW_MINUTES * 60,
      logoutRefusalsPerAddress: e.LOGOUT_REFUSALS_PER_ADDRESS,
      enrolmentCodeLifetimeHours: e.ENROLMENT_CODE_LIFETIME_HOURS,
    },
    saml: {
      spEntityId: e.SAML_SP_ENTITY_ID ?? `${publicUrl}/auth/saml/metadata`,
      acsUrl: `${publicUrl}/auth/saml/acs`,
      idpSsoUrl: e.SAML_IDP_SSO_URL,
      idpEntityId: e.SAML_IDP_ENTITY_ID,
      idpCert: readPem(e.SAML_IDP_CERT_FILE, 'SAML_IDP_CERT_FILE'),
      clockSkewMs: e.SAML_CLOCK_SKEW_SECONDS * 1000,
      sloUrl: `${publicUrl}/auth/saml/slo`,
      idpSloUrl: e.SAML_IDP_SLO_URL,
      spSigning:
        e.SAML_SP_KEY_FILE && e.SAML_SP_CERT_FILE
          ? {
              key: readPem(e.SAML_SP_KEY_FILE, 'SAML_SP_KEY_FILE'),
              cert: readPem(e.SAML_SP_CERT_FILE, 'SAML_SP_CERT_FILE'),
            }
          : undefined,
    },
    devIdp:
      e.DEV_IDP_ENABLED === '1' && e.DEV_IDP_KEY_FILE && e.DEV_IDP_CERT_FILE
        ? {
            key: readPem(e.DEV_IDP_KEY_FILE, 'DEV_IDP_KEY_FILE'),
            cert: readPem(e.DEV_IDP_CERT_FILE, 'DEV_IDP_CERT_FILE'),
            demoPassword: e.DEMO_PASSWORD ?? DEFAULT_DEMO_PASSWORD,
          }
        : undefined,
    desktops: pools.flatMap((pool) =>
      pool.provider.desktops.map(({ guacd, ...d }) => ({
        ...d,
        guacdHost: (guacd ?? pool.guacd[0]!).host,
        guacdPort: (guacd ?? pool.guacd[0]!).port,
      })),
    ),
    pools,
    leases: { ttlSeconds: e.LEASE_TTL_SECONDS, heartbeatSeconds: e.LEASE_HEARTBEAT_SECONDS },
    poolChecks: { intervalMs: e.POOL_CHECK_SECONDS * 1000, unhealthyAfter: e.DESKTOP_UNHEALTHY_AFTER },
    health: { probeIntervalMs: e.HEALTH_PROBE_SECONDS * 1000 },
    metrics: { token: e.METRICS_TOKEN },
    instanceId: e.BROKER_INSTANCE_ID ?? `${hostname()}:${process.pid}`,
    portal: { internalUrl: e.PORTAL_INTERNAL_URL.replace(/\/$/, ''), handoffSecret: e.PORTAL_HANDOFF_SECRET },
    recording:
      e.RECORDING_DIR && e.RECORDING_KEY_FILE
        ? {
            dir: recordingDir(e.RECORDING_DIR),
            key: readRecordingKey(e.RECORDING_KEY_FILE, 'RECORDING_KEY_FILE'),
            previousKeys: e.RECORDING_PREVIOUS_KEY_FILES.map((file) =>
              readRecordingKey(file, 'RECORDING_PREVIOUS_KEY_FILES'),
            ),
            sweepIntervalMs: e.RECORDING_SWEEP_SECONDS * 1000,
            portalAuditDatabaseUrl: e.RECORDING_PORTAL_AUDIT_DATABASE_URL,
          }
        : undefined,
    uploads: e.UPLOAD_SCANNER
      ? { scanner: clamdAddress(e.UPLOAD_SCANNER), maxBytes: e.UPLOAD_MAX_BYTES }
      : undefined,
    alerts: {
      vapid:
        e.PUSH_VAPID_PUBLIC_KEY && e.PUSH_VAPID_PRIVATE_KEY && e.PUSH_VAPID_SUBJECT
          ? {
              publicKey: e.PUSH_VAPID_PUBLIC_KEY,
              privateKey: e.PUSH_VAPID_PRIVATE_KEY,
              subject: e.PUSH_VAPID_SUBJECT,
            }
          : undefined,
      pushServiceHosts: e.PUSH_SERVICE_HOSTS,
      minIntervalSeconds: e.ALERTS_MIN_INTERVAL_SECONDS,
    },
  };
}

function readRecordingKey(file: string, setting: string): Buffer {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new Error(
      `broker configuration is invalid: cannot read ${setting} (${(error as NodeJS.ErrnoException).code})`,
    );
  }
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32 || key.toString('base64') !== text) {
    throw new Error(`broker configuration is invalid: ${setting} must hold 32 bytes encoded as base64`);
  }
  return key;
}

function clamdAddress(setting: string): ClamdAddress {
  if (setting.startsWith('/')) return { socket: setting };
  const [host, port] = setting.split(':') as [string, string];
  return { host, port: Number(port) };
}

function recordingDir(dir: string): string {
  try {
    accessSync(dir, constants.W_OK | constants.R_OK | constants.X_OK);
  } catch (error) {
    throw new Error(
      `broker configuration is invalid: RECORDING_DIR is not a folder this broker can write (${(error as NodeJS.ErrnoException).code})`,
    );
  }
  return path.resolve(dir);
}

/**
 * The older DESKTOPS form as one pool: its hosts are fixed (the broker cannot start more), each guacd named
 * by a desktop serves the whole pool, and the pool's policies come from the global settings.
 */
export function poolFromDesktops(
  desktops: DesktopSpec[],
  e: {
    GUACD_DISABLE_PASTE: '0' | '1';
    BROKER_SESSION_IDLE_MINUTES: number;
    BROKER_SESSION_MAX_HOURS: number;
  } = { GUACD_DISABLE_PASTE: '1', BROKER_SESSION_IDLE_MINUTES: 15, BROKER_SESSION_MAX_HOURS: 12 },
): PoolSettings {
  const guacd = [...new Map(desktops.map((d) => [`${d.guacdHost}:${d.guacdPort}`, d])).values()];
  return {
    id: 'default',
    provider: {
      type: 'static',
      desktops: desktops.map(({ id, agentUrl, vncHost, vncPort }) => ({ id, agentUrl, vncHost, vncPort })),
    },
    size: desktops.length,
    guacd: guacd.map((d) => ({ host: d.guacdHost, port: d.guacdPort })),
    roles: DESKTOP_ROLES,
    policies: {
      canPaste: e.GUACD_DISABLE_PASTE === '0',
      idleMinutes: Math.min(e.BROKER_SESSION_IDLE_MINUTES, 8 * 60),
      maxSessionHours: e.BROKER_SESSION_MAX_HOURS,
      imageVersions: [],
      recording: RECORDING_OFF,
    },
  };
}

function certificateDer(pem: string): Buffer | undefined {
  try {
    return new X509Certificate(pem).raw;
  } catch {
    return undefined;
  }
}

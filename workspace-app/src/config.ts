import { readFileSync } from 'node:fs';
import {
  AuditArchiveEnv,
  auditArchiveConfig,
  databaseUrlProblem,
  redisUrlProblem,
  settingsOf,
  type AuditArchiveConfig,
  type Setting,
} from '@hcw/common';
import { z } from 'zod';
import { connectorSettings, type ConnectorSettings } from './connectors/create-connectors.js';

const Env = z
  .object({
    PORTAL_ENV: z.enum(['production', 'development', 'test']).default('production'),
    PORTAL_HOST: z.string().default('127.0.0.1'),
    PORTAL_PORT: z.coerce.number().int().min(1).max(65535),
    /** The portal's address as the kiosk browser inside the desktop reaches it. */
    PORTAL_PUBLIC_URL: z.string().url(),
    /** The portal's own PostgreSQL role, `sslmode=verify-full` (production refuses anything less). */
    PORTAL_DATABASE_URL: z.string().url(),
    /** `rediss:` (TLS) with the portal's own ACL user; production refuses `redis:`. */
    PORTAL_REDIS_URL: z.string().url(),
    /** The CA that vouches for Redis's certificate when it is not one of the system's (the internal CA). */
    PORTAL_REDIS_CA_FILE: z.string().min(1).optional(),
    PORTAL_SESSION_SECRET: z.string().min(32, 'PORTAL_SESSION_SECRET must be at least 32 characters'),
    /** Shared with the broker, which signs hand-off requests with it (and the portal its alerts to the broker). */
    PORTAL_HANDOFF_SECRET: z.string().min(32, 'PORTAL_HANDOFF_SECRET must be at least 32 characters'),
    /**
     * The broker's address inside the data centre: the portal tells it how many unread items practitioners
     * have, for the alerts on their devices. Unset: no alerts.
     */
    PORTAL_BROKER_INTERNAL_URL: z.string().url().optional(),
    PORTAL_SESSION_IDLE_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(15),
    /** The vendor systems the timeline ingests from, as JSON in the shape of `connectorSettings`; none if unset. */
    PORTAL_CONNECTORS: z.string().optional(),
    /** Pause between two polls of a pull vendor that has nothing new. */
    PORTAL_TIMELINE_POLL_MS: z.coerce.number().int().min(100).max(3_600_000).default(5_000),
    /** Fill the database with the invented demo patients, hospitals and requests (demo and tests only). */
    PORTAL_DEMO_DATA: z.enum(['0', '1']).default('0'),
    /** After how many hours a hospital's free-bed figures are marked stale. */
    PORTAL_BEDS_STALE_AFTER_HOURS: z.coerce
      .number()
      .min(1)
      .max(24 * 14)
      .default(48),
  })
  .merge(AuditArchiveEnv);

/** Every setting the portal reads; the deployment tests hold Ansible's and Terraform's settings to it. */
export const PORTAL_SETTINGS: readonly Setting[] = settingsOf(Env);

export interface PortalConfig {
  env: 'production' | 'development' | 'test';
  /** Signed checkpoints of the audit trail, outside the database; unset only outside production. */
  auditArchive?: AuditArchiveConfig;
  host: string;
  port: number;
  publicUrl: string;
  databaseUrl: string;
  redisUrl: string;
  /** PEM: the CA for Redis's certificate, when not a system one. */
  redisCa: string | undefined;
  sessionSecret: string;
  handoffSecret: string;
  /** The broker inside the data centre, told of unread counts for device alerts; unset: no alerts. */
  brokerInternalUrl?: string;
  sessionIdleMinutes: number;
  connectors: ConnectorSettings;
  timelinePollMs: number;
  demoData: boolean;
  bedsStaleAfterHours: number;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): PortalConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`portal configuration is invalid: ${problems}`);
  }
  const e = parsed.data;
  if (e.PORTAL_DEMO_DATA === '1' && e.PORTAL_ENV === 'production') {
    throw new Error('portal configuration is invalid: PORTAL_DEMO_DATA cannot be switched on in production');
  }
  if (e.PORTAL_ENV === 'production') {
    // Nothing secret crosses the data centre in clear: patient data least of all.
    for (const [name, problem] of [
      ['PORTAL_REDIS_URL', redisUrlProblem(e.PORTAL_REDIS_URL)],
      ['PORTAL_DATABASE_URL', databaseUrlProblem(e.PORTAL_DATABASE_URL)],
    ] as const) {
      if (problem) throw new Error(`portal configuration is invalid: ${name}: ${problem}`);
    }
  }
  let redisCa: string | undefined;
  if (e.PORTAL_REDIS_CA_FILE) {
    try {
      redisCa = readFileSync(e.PORTAL_REDIS_CA_FILE, 'utf8');
    } catch (error) {
      throw new Error(
        `portal configuration is invalid: cannot read PORTAL_REDIS_CA_FILE (${(error as NodeJS.ErrnoException).code})`,
      );
    }
  }
  const archive = auditArchiveConfig(e, e.PORTAL_ENV === 'production');
  if (archive.problem) throw new Error(`portal configuration is invalid: ${archive.problem}`);
  return {
    env: e.PORTAL_ENV,
    auditArchive: archive.config,
    host: e.PORTAL_HOST,
    port: e.PORTAL_PORT,
    publicUrl: e.PORTAL_PUBLIC_URL.replace(/\/$/, ''),
    databaseUrl: e.PORTAL_DATABASE_URL,
    redisUrl: e.PORTAL_REDIS_URL,
    redisCa,
    sessionSecret: e.PORTAL_SESSION_SECRET,
    handoffSecret: e.PORTAL_HANDOFF_SECRET,
    brokerInternalUrl: e.PORTAL_BROKER_INTERNAL_URL?.replace(/\/$/, ''),
    sessionIdleMinutes: e.PORTAL_SESSION_IDLE_MINUTES,
    connectors: parseConnectors(e.PORTAL_CONNECTORS),
    timelinePollMs: e.PORTAL_TIMELINE_POLL_MS,
    demoData: e.PORTAL_DEMO_DATA === '1',
    bedsStaleAfterHours: e.PORTAL_BEDS_STALE_AFTER_HOURS,
  };
}

function parseConnectors(json: string | undefined): ConnectorSettings {
  if (json === undefined || json.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error('portal configuration is invalid: PORTAL_CONNECTORS is not JSON');
  }
  const parsed = connectorSettings.safeParse(value);
  if (!parsed.success) {
    // Paths only: the values are credentials.
    const where = parsed.error.issues.map((i) => i.path.join('.')).join('; ');
    throw new Error(`portal configuration is invalid: PORTAL_CONNECTORS at ${where}`);
  }
  return parsed.data;
}

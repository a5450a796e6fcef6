import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BROKER_IDENTITY, desktopIdentity } from '@hcw/common';
import { internalCa, type InternalCa, type IssuedCertificate } from './internal-ca.js';
import { freePort, startProcess, waitForHttp, waitForPort } from './managed-process.js';
import { supervise, type SupervisedProcess, type SuperviseOptions } from './supervised-process.js';
import { startClamd, startGuacd, startPostgres, startRedis } from './services.js';
import { lockDataDir } from './data-dir-lock.js';
import { killProcessesMentioning, signalProcessesMentioning } from './process-sweep.js';
import { clearDeadDisplay, freeDisplay } from './x-display.js';

/**
 * The whole workspace on one machine: Redis, PostgreSQL, guacd, one desktop (Xvnc, openbox, kiosk
 * Chromium, through its agent), the portal and the broker, each on its own loopback port with its own
 * data directory. Used by `npm run demo` and by the end-to-end tests. Every internal link is what a
 * deployment has: TLS verified against the stack's own internal CA (agents with mutual TLS), Redis and
 * PostgreSQL users of each service's own (docs/decisions/0021-internal-tls-and-service-credentials.md).
 */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface StackOptions {
  dataDir: string;
  brokerPort?: number;
  demoPassword?: string;
  /** Echo the broker's and portal's logs to this terminal. */
  echo?: boolean;
  /** Extra environment for the broker, e.g. shorter timeouts in tests. */
  brokerEnv?: Record<string, string>;
  /** Origins besides the portal's that the kiosk may open (the vendor systems' deep links). */
  kioskAllowedUrls?: string[];
  /** Extra environment for the portal, e.g. the vendor systems the timeline ingests from. */
  portalEnv?: Record<string, string>;
  /** How many desktops the local pool has (one by default). */
  desktops?: number;
  /** Expose the kiosk's debugging port on loopback, with its pages open to a debugger (tests only). */
  kioskDebugPort?: number;
  /**
   * Let the desktop's clipboard reach the device through every layer (Xvnc, guacd, the egress filter): only
   * for the egress test's control run, which must see copied text arrive to prove its check can fail.
   */
  copyToDevice?: boolean;
  /**
   * Let the broker start desktops itself, on this machine, to keep `warm` of them ready (0: every sign-in
   * waits for a cold start), up to `max` in all. The desktops the stack starts are in the pool too.
   */
  launchDesktops?: { warm: number; max?: number };
}

export interface WorkspaceStack {
  brokerUrl: string;
  portalUrl: string;
  /** Redis as the stack's own user, allowed every command: for tests that inspect or empty it. */
  redisUrl: string;
  /** Redis as the broker's and the portal's ACL users, as those services connect. */
  serviceRedisUrls: { broker: string; portal: string };
  /** The broker's and the portal's own PostgreSQL roles, over TLS verified against the internal CA. */
  brokerDatabaseUrl: string;
  portalDatabaseUrl: string;
  /** The superuser, on the `postgres` database: for tests that make databases of their own. */
  adminDatabaseUrl: string;
  guacd: { host: string; port: number };
  /** clamd on loopback (host:port), which the broker has scan what devices send. */
  virusScanner: string;
  desktops: { id: string; display: number; vncPort: number; agentUrl: string }[];
  secrets: { handoff: string };
  /** The internal CA every link is verified against, and the broker's client certificate from it. */
  internalCa: InternalCa;
  brokerCertificate: IssuedCertificate;
  /** The development IdP's signing key and certificate files. */
  devIdp: { keyFile: string; certFile: string; entityId: string };
  /** The broker's own SAML signing key pair (logout messages are signed with it). */
  brokerSaml: { keyFile: string; certFile: string };
  /** Each service's audit archive and the public key its checkpoints verify with. */
  auditArchives: Record<'broker' | 'portal', { dir: string; publicKeyFile: string }>;
  /** Where the broker writes session recordings, and the file holding the key that seals them. */
  recordings: { dir: string; keyFile: string };
  /** Each service, started again by the stack when it dies (as systemd would), until `stop()`. */
  processes: SupervisedProcess[];
  stop(): Promise<void>;
}

const secret = (): string => randomBytes(32).toString('base64url');

/** What the supervisor does (a service died, it is started again) goes into that service's log. */
const stackLog = (logFile: string): SuperviseOptions => ({
  log: (line) => appendFileSync(logFile, `[stack] ${line}\n`),
});

/**
 * A service's audit archive: a folder only this process's user may write (the database runs as another
 * user and cannot), and the Ed25519 key that signs its checkpoints, kept beside the archive, not in it.
 */
function auditArchive(
  dataDir: string,
  service: string,
): { dir: string; keyFile: string; publicKeyFile: string } {
  const keys = path.join(dataDir, 'audit-keys');
  mkdirSync(keys, { recursive: true, mode: 0o700 });
  const dir = path.join(dataDir, 'audit-archive', service);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(path.join(dataDir, 'audit-archive'), 0o700);
  const keyFile = path.join(keys, `${service}-checkpoint.key`);
  const publicKeyFile = path.join(keys, `${service}-checkpoint.pub`);
  if (!existsSync(keyFile) || !existsSync(publicKeyFile)) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
  }
  return { dir, keyFile, publicKeyFile };
}

/**
 * The broker's session recordings: a folder only this process's user may enter, and the key that seals
 * them in a file beside it, never in the database.
 */
function recordingStore(dataDir: string): { dir: string; keyFile: string } {
  const dir = path.join(dataDir, 'recordings');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keys = path.join(dataDir, 'recording-keys');
  mkdirSync(keys, { recursive: true, mode: 0o700 });
  const keyFile = path.join(keys, 'recording.key');
  if (!existsSync(keyFile))
    writeFileSync(keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  return { dir, keyFile };
}

/** The VAPID key pair the stack's broker signs its alerts to devices with, kept with the stack's data. */
function vapidKeys(dataDir: string): { publicKey: string; privateKey: string } {
  const file = path.join(dataDir, 'push-keys', 'vapid.json');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const jwk = privateKey.export({ format: 'jwk' });
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-65);
    const keys = { publicKey: raw.toString('base64url'), privateKey: String(jwk.d) };
    writeFileSync(file, JSON.stringify(keys), { mode: 0o600 });
  }
  return JSON.parse(readFileSync(file, 'utf8')) as { publicKey: string; privateKey: string };
}

/** A self-signed SAML signing key pair for the stack's development IdP or the broker itself. */
function makeSigningCertificate(dir: string, name: string): { key: string; cert: string } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.crt`);
  if (!existsSync(key) || !existsSync(cert)) {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-sha256',
        '-days',
        '365',
        '-subj',
        `/CN=${name}`,
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
  }
  return { key, cert };
}

export async function startWorkspaceStack(options: StackOptions): Promise<WorkspaceStack> {
  const dataDir = path.resolve(options.dataDir);
  // Traversable but not listable: PostgreSQL runs as its own user and must reach its folder inside.
  mkdirSync(dataDir, { recursive: true, mode: 0o711 });
  chmodSync(dataDir, 0o711);
  // Before anything that could touch another stack's processes: one stack per data folder.
  const unlock = lockDataDir(dataDir);
  const processes: SupervisedProcess[] = [];
  // If this process ends without stopping the stack, the desktops' X servers and kiosks (in process groups
  // of their own, out of reach of the exit handler that takes the direct children down) are asked to go.
  const endDesktops = (): void => signalProcessesMentioning(dataDir + path.sep, 'SIGTERM');
  process.on('exit', endDesktops);
  const stop = async (): Promise<void> => {
    // Front to back: the broker first, the stores last.
    for (const proc of [...processes].reverse()) await proc.stop();
    process.off('exit', endDesktops);
    // What an agent that had to be killed left running of its desktop.
    signalProcessesMentioning(dataDir + path.sep, 'SIGKILL');
    unlock();
  };
  try {
    const [redisPort, postgresPort, guacdPort, portalPort, clamdPort] = await Promise.all(
      Array.from({ length: 5 }, () => freePort()),
    );
    const brokerPort = options.brokerPort ?? (await freePort());
    const ca = internalCa(path.join(dataDir, 'internal-ca'));
    const loopback = { dns: ['localhost'], ips: ['127.0.0.1'] };
    const guacdCertificate = ca.issue('guacd', { commonName: 'guacd', usage: 'server', ...loopback });
    const brokerCertificate = ca.issue('broker', {
      commonName: 'broker',
      usage: 'client',
      uris: [BROKER_IDENTITY],
    });
    const [redis, postgres, guacd, clamd] = await Promise.all([
      startRedis(dataDir, redisPort!, ca),
      startPostgres(dataDir, postgresPort!, ca, ['broker', { name: 'portal', extensions: ['btree_gist'] }]),
      startGuacd(dataDir, guacdPort!, guacdCertificate),
      startClamd(dataDir, clamdPort!),
    ]);
    processes.push(redis.process, postgres.process, guacd.process, clamd.process);

    const secrets = { handoff: secret() };
    // Each desktop's agent shows a certificate naming that desktop, and answers only the broker's.
    const agentCertificate = (id: string, into?: string): IssuedCertificate =>
      ca.issue(id, { commonName: id, usage: 'server', ...loopback, uris: [desktopIdentity(id)] }, into);
    const tsx = ['--import', 'tsx'];
    const desktops = [];
    for (let i = 1; i <= (options.desktops ?? 1); i++) {
      const [vncPort, agentPort] = [await freePort(), await freePort()];
      const display = freeDisplay(20, 80);
      const id = `desktop-${i}`;
      const certificate = agentCertificate(id);
      const agentLog = path.join(dataDir, `${id}.log`);
      const agentOptions = {
        cwd: repoRoot,
        logFile: agentLog,
        env: {
          AGENT_PORT: String(agentPort),
          AGENT_TLS_CERT_FILE: certificate.certFile,
          AGENT_TLS_KEY_FILE: certificate.keyFile,
          AGENT_TLS_CA_FILE: ca.certFile,
          DESKTOP_ID: id,
          DESKTOP_DISPLAY: String(display),
          DESKTOP_VNC_PORT: String(vncPort),
          DESKTOP_STATE_DIR: path.join(dataDir, id),
          KIOSK_DEBUG_PORT: options.kioskDebugPort ? String(options.kioskDebugPort + i - 1) : undefined,
          KIOSK_DEBUG_PAGES: options.kioskDebugPort ? '1' : undefined,
          DESKTOP_CLIPBOARD_TO_VIEWER: options.copyToDevice ? '1' : undefined,
          KIOSK_ALLOWED_URLS: (options.kioskAllowedUrls ?? []).join(' '),
        },
      };
      const agent = supervise(
        () => startProcess(id, process.execPath, [...tsx, 'vdi-images/agent/src/main.ts'], agentOptions),
        {
          ...stackLog(agentLog),
          // What the dead agent started of its desktop (its X server, the kiosk) goes with it, and the display
          // its X server held is free for the next one.
          beforeRestart: async () => {
            await killProcessesMentioning(agentOptions.env.DESKTOP_STATE_DIR + path.sep);
            clearDeadDisplay(display);
          },
        },
      );
      processes.push(agent);
      await waitForPort(agentPort, { process: agent, timeoutMs: 30000 });
      desktops.push({ id, display, vncPort, agentUrl: `https://127.0.0.1:${agentPort}` });
    }
    // Desktops the broker may start itself take their ids, and certificates naming them, from this folder.
    const maxDesktops = (options.launchDesktops?.max ?? desktops.length + 4) - desktops.length;
    const launchCertificates = path.join(dataDir, 'launch-certificates');
    if (options.launchDesktops) {
      for (let n = 1; n <= maxDesktops; n++) agentCertificate(`local-launched-${n}`, launchCertificates);
    }

    const archives = { broker: auditArchive(dataDir, 'broker'), portal: auditArchive(dataDir, 'portal') };
    const portalUrl = `http://127.0.0.1:${portalPort}`;
    const portalOptions = {
      cwd: repoRoot,
      echo: options.echo,
      logFile: path.join(dataDir, 'portal.log'),
      env: {
        PORTAL_ENV: 'development',
        PORTAL_PORT: String(portalPort),
        PORTAL_PUBLIC_URL: portalUrl,
        PORTAL_DATABASE_URL: postgres.urlFor('portal'),
        PORTAL_REDIS_URL: redis.serviceUrls.portal,
        PORTAL_REDIS_CA_FILE: ca.certFile,
        PORTAL_SESSION_SECRET: secret(),
        PORTAL_HANDOFF_SECRET: secrets.handoff,
        PORTAL_BROKER_INTERNAL_URL: `http://127.0.0.1:${brokerPort}`,
        // The stack is for the demo and tests: invented patients, hospitals and requests to work with.
        PORTAL_DEMO_DATA: '1',
        AUDIT_ARCHIVE_DIR: archives.portal.dir,
        AUDIT_CHECKPOINT_KEY_FILE: archives.portal.keyFile,
        AUDIT_CHECKPOINT_SECONDS: '5',
        ...options.portalEnv,
      },
    };
    const portal = supervise(
      () => startProcess('portal', process.execPath, [...tsx, 'workspace-app/src/main.ts'], portalOptions),
      stackLog(portalOptions.logFile),
    );
    processes.push(portal);
    await waitForHttp(`${portalUrl}/healthz`, { process: portal });

    const recordings = recordingStore(dataDir);
    const vapid = vapidKeys(dataDir);
    const brokerUrl = `http://localhost:${brokerPort}`;
    const idp = makeSigningCertificate(path.join(dataDir, 'dev-idp'), 'dev-idp');
    const sp = makeSigningCertificate(path.join(dataDir, 'broker-saml'), 'broker-saml');
    const brokerOptions = {
      cwd: repoRoot,
      echo: options.echo,
      logFile: path.join(dataDir, 'broker.log'),
      env: {
        BROKER_ENV: 'development',
        BROKER_PORT: String(brokerPort),
        BROKER_PUBLIC_URL: brokerUrl,
        BROKER_REDIS_URL: redis.serviceUrls.broker,
        BROKER_REDIS_CA_FILE: ca.certFile,
        BROKER_DATABASE_URL: postgres.urlFor('broker'),
        BROKER_INTERNAL_CA_FILE: ca.certFile,
        BROKER_TLS_CERT_FILE: brokerCertificate.certFile,
        BROKER_TLS_KEY_FILE: brokerCertificate.keyFile,
        BROKER_SESSION_SECRET: secret(),
        BROKER_TUNNEL_KEY: randomBytes(32).toString('base64'),
        BROKER_SECRETS_KEY: randomBytes(32).toString('base64'),
        SAML_IDP_SSO_URL: `${brokerUrl}/dev-idp/sso`,
        SAML_IDP_ENTITY_ID: `${brokerUrl}/dev-idp`,
        SAML_IDP_CERT_FILE: idp.cert,
        SAML_IDP_SLO_URL: `${brokerUrl}/dev-idp/slo`,
        SAML_SP_KEY_FILE: sp.key,
        SAML_SP_CERT_FILE: sp.cert,
        DEV_IDP_ENABLED: '1',
        DEV_IDP_KEY_FILE: idp.key,
        DEV_IDP_CERT_FILE: idp.cert,
        DEMO_PASSWORD: options.demoPassword,
        TUNNEL_COPY_TO_DEVICE: options.copyToDevice ? '1' : undefined,
        POOLS: JSON.stringify([
          {
            id: 'local',
            provider: {
              type: 'local',
              desktops: desktops.map((d) => ({
                id: d.id,
                agentUrl: d.agentUrl,
                vncHost: '127.0.0.1',
                vncPort: d.vncPort,
              })),
              ...(options.launchDesktops
                ? {
                    launch: {
                      // Short: the kiosk's socket path inside it must stay under the kernel's 108 bytes.
                      stateDir: path.join(dataDir, 'launched'),
                      certificateDir: launchCertificates,
                      maxDesktops: options.launchDesktops.max ?? desktops.length + 4,
                    },
                  }
                : {}),
            },
            size: options.launchDesktops?.warm ?? desktops.length,
            guacd: [{ host: guacd.host, port: guacd.port }],
          },
        ]),
        // Readiness is probed in the background; on loopback a probe each second costs nothing.
        HEALTH_PROBE_SECONDS: '1',
        PORTAL_INTERNAL_URL: portalUrl,
        PORTAL_HANDOFF_SECRET: secrets.handoff,
        AUDIT_ARCHIVE_DIR: archives.broker.dir,
        AUDIT_CHECKPOINT_KEY_FILE: archives.broker.keyFile,
        AUDIT_CHECKPOINT_SECONDS: '5',
        RECORDING_DIR: recordings.dir,
        RECORDING_KEY_FILE: recordings.keyFile,
        // The portal's audit trail, read-only in production; on one machine the same database server.
        RECORDING_PORTAL_AUDIT_DATABASE_URL: postgres.urlFor('portal'),
        // Alerts to devices: the stack's own VAPID keys; besides the real push services, a stand-in on this
        // machine with a certificate from the internal CA (the tests' push service).
        PUSH_VAPID_PUBLIC_KEY: vapid.publicKey,
        PUSH_VAPID_PRIVATE_KEY: vapid.privateKey,
        PUSH_VAPID_SUBJECT: 'mailto:it-admin@workspace.example',
        PUSH_SERVICE_HOSTS:
          'fcm.googleapis.com,*.push.services.mozilla.com,web.push.apple.com,*.notify.windows.com,localhost',
        NODE_EXTRA_CA_CERTS: ca.certFile,
        // Photos from devices: scanned by the stack's clamd before they go into the workspace.
        UPLOAD_SCANNER: clamd.address,
        ...options.brokerEnv,
      },
    };
    // Started again with the same settings and secrets when it dies: sessions and leases live in Redis, so a
    // practitioner's client reconnects to the same desktop without signing in again.
    const broker = supervise(
      () => startProcess('broker', process.execPath, [...tsx, 'broker/src/main.ts'], brokerOptions),
      stackLog(brokerOptions.logFile),
    );
    processes.push(broker);
    // Ready, not merely alive: Redis, PostgreSQL and guacd answer and the pool keeper has seen a desktop to
    // give (asked from loopback, the readiness report says which).
    await waitForHttp(`${brokerUrl}/readyz`, {
      process: broker,
      timeoutMs: 60000,
      isReady: async (response) =>
        response.ok && ((await response.json()) as { status?: string }).status === 'ready',
    });

    return {
      brokerUrl,
      portalUrl,
      redisUrl: redis.url,
      serviceRedisUrls: redis.serviceUrls,
      brokerDatabaseUrl: postgres.urlFor('broker'),
      portalDatabaseUrl: postgres.urlFor('portal'),
      adminDatabaseUrl: postgres.adminUrl,
      guacd: { host: guacd.host, port: guacd.port },
      virusScanner: clamd.address,
      desktops,
      secrets,
      internalCa: ca,
      brokerCertificate,
      devIdp: { keyFile: idp.key, certFile: idp.cert, entityId: `${brokerUrl}/dev-idp` },
      brokerSaml: { keyFile: sp.key, certFile: sp.cert },
      auditArchives: {
        broker: { dir: archives.broker.dir, publicKeyFile: archives.broker.publicKeyFile },
        portal: { dir: archives.portal.dir, publicKeyFile: archives.portal.publicKeyFile },
      },
      recordings,
      processes,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

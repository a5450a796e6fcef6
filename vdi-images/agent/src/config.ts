import { readFileSync, type PathLike } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { desktopIdentity, settingsOf, uriNamesOf, type Setting } from '@hcw/common';
import { hasKioskCapabilities, type Privilege } from './privilege.js';

const Env = z.object({
  AGENT_HOST: z.string().default('127.0.0.1'),
  AGENT_PORT: z.coerce.number().int().min(1).max(65535),
  /**
   * This desktop's own certificate from the internal CA (it must name DESKTOP_ID) and its key: the broker
   * checks it is talking to the desktop it means. Mutual TLS replaces the shared secret all agents had.
   */
  AGENT_TLS_CERT_FILE: z.string().min(1),
  AGENT_TLS_KEY_FILE: z.string().min(1),
  /** The internal CA: only a client certificate it issued to the broker is answered. */
  AGENT_TLS_CA_FILE: z.string().min(1),
  DESKTOP_ID: z.string().min(1).default('desktop-1'),
  DESKTOP_DISPLAY: z.coerce.number().int().min(1).max(999),
  DESKTOP_VNC_PORT: z.coerce.number().int().min(1).max(65535),
  DESKTOP_GEOMETRY: z
    .string()
    .regex(/^\d{3,4}x\d{3,4}$/)
    .default('1280x800'),
  DESKTOP_STATE_DIR: z.string().min(1),
  VNC_LOCALHOST_ONLY: z.enum(['0', '1']).default('1'),
  // An empty label (an unset variable in an environment file) means none.
  IMAGE_VERSION: z
    .string()
    .optional()
    .transform((v) => v || undefined),
  /** Where the image build left its record (version, package versions). */
  IMAGE_INFO_DIR: z.string().min(1).default('/etc/hcw-image'),
  /** Test runs only: the kiosk's debugging port, on loopback. */
  KIOSK_DEBUG_PORT: z.coerce.number().int().optional(),
  /**
   * Test runs only: let a debugger attach to the kiosk's pages. The policy's "developer tools off" also
   * refuses debuggers, so this relaxes that one setting; lock-down tests of the developer tools run
   * without it.
   */
  KIOSK_DEBUG_PAGES: z.enum(['0', '1']).default('0'),
  /**
   * Test runs only: Xvnc offers the desktop's clipboard and selection to the VNC client. Only the egress
   * test's control run sets it, to prove its check would find copied text.
   */
  DESKTOP_CLIPBOARD_TO_VIEWER: z.enum(['0', '1']).default('0'),
  /**
   * system:  the managed policy is installed in /etc/chromium/policies (desktop hosts);
   * private: the agent renders it per session and the kiosk sees it only inside its own mount namespace
   *          (developer and CI machines, whose test tools use the same Chromium without a policy);
   * none:    no policy (only for a machine where neither is possible, e.g. not root).
   */
  KIOSK_POLICY_MODE: z.enum(['system', 'private', 'none']).optional(),
  /** Space-separated origins the kiosk may open besides the portal the session starts on. */
  KIOSK_ALLOWED_URLS: z.string().default(''),
  /** Unprivileged user the kiosk browser runs as when the agent runs as root. */
  KIOSK_USER: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]*$/)
    .optional(),
  PATH: z.string().default('/usr/local/bin:/usr/bin:/bin'),
});

/** Every setting the agent reads; the deployment tests hold Ansible's and Terraform's settings to it. */
export const AGENT_SETTINGS: readonly Setting[] = settingsOf(Env);

export type KioskPolicyMode = 'system' | 'private' | 'none';

export interface AgentConfig {
  host: string;
  port: number;
  /** PEM: this desktop's certificate and key, and the CA whose broker certificates it accepts. */
  tls: { cert: string; key: string; ca: string };
  desktopId: string;
  display: number;
  vncPort: number;
  width: number;
  height: number;
  stateDir: string;
  vncLocalhostOnly: boolean;
  /** The label the deployment gave the image; falls back to the build record, then to "dev". */
  imageVersion: string | undefined;
  imageInfoDir: string;
  kioskDebugPort: number | undefined;
  kioskDebugPages: boolean;
  clipboardToViewer: boolean;
  kioskPolicyMode: KioskPolicyMode;
  kioskAllowedUrls: string[];
  kioskUser: string | undefined;
  /** Root, or its own user with the capabilities the kiosk's launcher needs (see privilege.ts). */
  privilege: Privilege;
  /** The command search path handed to the session scripts. */
  searchPath: string;
}

export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  isRoot: boolean = process.getuid?.() === 0,
  hasCapabilities: boolean = !isRoot && hasKioskCapabilities(),
): AgentConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`desktop agent configuration is invalid: ${problems}`);
  }
  const e = parsed.data;
  const [width, height] = e.DESKTOP_GEOMETRY.split('x').map(Number) as [number, number];
  const privilege: Privilege = isRoot ? 'root' : hasCapabilities ? 'capabilities' : 'none';
  // Only root (or its launcher started as root) can give the kiosk a mount namespace of its own.
  const canIsolate = privilege !== 'none';
  const policyMode = e.KIOSK_POLICY_MODE ?? (canIsolate ? 'private' : 'none');
  if (e.KIOSK_DEBUG_PAGES === '1' && (!e.KIOSK_DEBUG_PORT || policyMode !== 'private')) {
    throw new Error(
      'desktop agent configuration is invalid: KIOSK_DEBUG_PAGES needs KIOSK_DEBUG_PORT and private mode',
    );
  }
  if (policyMode === 'private' && !canIsolate) {
    throw new Error(
      'desktop agent configuration is invalid: KIOSK_POLICY_MODE=private needs root or the kiosk capabilities',
    );
  }
  const read = (file: PathLike, name: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(
        `desktop agent configuration is invalid: cannot read ${name} (${(error as NodeJS.ErrnoException).code})`,
      );
    }
  };
  const tls = {
    cert: read(e.AGENT_TLS_CERT_FILE, 'AGENT_TLS_CERT_FILE'),
    key: read(e.AGENT_TLS_KEY_FILE, 'AGENT_TLS_KEY_FILE'),
    ca: read(e.AGENT_TLS_CA_FILE, 'AGENT_TLS_CA_FILE'),
  };
  // A certificate for another desktop would be refused by every broker; say so at start, not at each call.
  const names = uriNamesOf(certificateDer(tls.cert));
  if (!names.includes(desktopIdentity(e.DESKTOP_ID))) {
    throw new Error(
      `desktop agent configuration is invalid: AGENT_TLS_CERT_FILE does not name desktop ${e.DESKTOP_ID}`,
    );
  }
  return {
    host: e.AGENT_HOST,
    port: e.AGENT_PORT,
    tls,
    desktopId: e.DESKTOP_ID,
    display: e.DESKTOP_DISPLAY,
    vncPort: e.DESKTOP_VNC_PORT,
    width,
    height,
    stateDir: e.DESKTOP_STATE_DIR,
    vncLocalhostOnly: e.VNC_LOCALHOST_ONLY === '1',
    imageVersion: e.IMAGE_VERSION,
    imageInfoDir: e.IMAGE_INFO_DIR,
    kioskDebugPort: e.KIOSK_DEBUG_PORT,
    kioskDebugPages: e.KIOSK_DEBUG_PAGES === '1',
    clipboardToViewer: e.DESKTOP_CLIPBOARD_TO_VIEWER === '1',
    kioskPolicyMode: policyMode,
    kioskAllowedUrls: e.KIOSK_ALLOWED_URLS.split(/\s+/).filter(Boolean),
    kioskUser: e.KIOSK_USER,
    privilege,
    searchPath: e.PATH,
  };
}

function certificateDer(pem: string): Buffer | undefined {
  try {
    return new X509Certificate(pem).raw;
  } catch {
    return undefined;
  }
}

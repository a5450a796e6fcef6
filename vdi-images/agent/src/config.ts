import { z } from 'zod';

const Env = z.object({
  AGENT_HOST: z.string().default('127.0.0.1'),
  AGENT_PORT: z.coerce.number().int().min(1).max(65535),
  AGENT_SECRET: z.string().min(32, 'AGENT_SECRET must be at least 32 characters'),
  DESKTOP_ID: z.string().min(1).default('desktop-1'),
  DESKTOP_DISPLAY: z.coerce.number().int().min(1).max(999),
  DESKTOP_VNC_PORT: z.coerce.number().int().min(1).max(65535),
  DESKTOP_GEOMETRY: z
    .string()
    .regex(/^\d{3,4}x\d{3,4}$/)
    .default('1280x800'),
  DESKTOP_STATE_DIR: z.string().min(1),
  VNC_LOCALHOST_ONLY: z.enum(['0', '1']).default('1'),
  IMAGE_VERSION: z.string().default('dev'),
  KIOSK_DEBUG_PORT: z.coerce.number().int().optional(),
  PATH: z.string().default('/usr/local/bin:/usr/bin:/bin'),
});

export interface AgentConfig {
  host: string;
  port: number;
  secret: string;
  desktopId: string;
  display: number;
  vncPort: number;
  width: number;
  height: number;
  stateDir: string;
  vncLocalhostOnly: boolean;
  imageVersion: string;
  kioskDebugPort: number | undefined;
  /** The command search path handed to the session scripts. */
  searchPath: string;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): AgentConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`desktop agent configuration is invalid: ${problems}`);
  }
  const e = parsed.data;
  const [width, height] = e.DESKTOP_GEOMETRY.split('x').map(Number) as [number, number];
  return {
    host: e.AGENT_HOST,
    port: e.AGENT_PORT,
    secret: e.AGENT_SECRET,
    desktopId: e.DESKTOP_ID,
    display: e.DESKTOP_DISPLAY,
    vncPort: e.DESKTOP_VNC_PORT,
    width,
    height,
    stateDir: e.DESKTOP_STATE_DIR,
    vncLocalhostOnly: e.VNC_LOCALHOST_ONLY === '1',
    imageVersion: e.IMAGE_VERSION,
    kioskDebugPort: e.KIOSK_DEBUG_PORT,
    searchPath: e.PATH,
  };
}

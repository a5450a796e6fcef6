import type { DesktopPool, DesktopState, DesktopStatus, GuacdStatus } from '../desktops/desktop-pool.js';
import type { LivePoolSettings } from '../desktops/pool-policies.js';
import type { SessionFact, SessionFacts } from './session-facts.js';

export interface PoolView {
  poolId: string;
  provider: string;
  canLaunch: boolean;
  checkedAt: string;
  counts: Record<DesktopState, number>;
  imageVersions: string[];
  desktops: DesktopStatus[];
  guacd: GuacdStatus[];
  settings: LivePoolSettings;
  /** Who may lease from the pool: the roles its recording policy may choose from. */
  roles: string[];
}

/** Everything the console's live view shows, as one picture. */
export interface ConsoleSnapshot {
  at: string;
  sessions: SessionFact[];
  pools: PoolView[];
}

const STATES: DesktopState[] = [
  'warm',
  'leased',
  'wiping',
  'starting',
  'unhealthy',
  'wipe-failed',
  'excluded',
  'unknown',
];

export async function consoleSnapshot(facts: SessionFacts, desktops: DesktopPool): Promise<ConsoleSnapshot> {
  const [sessions, pools] = await Promise.all([facts.list(), desktops.status()]);
  return {
    at: new Date().toISOString(),
    sessions,
    pools: pools.map((pool) => {
      const counts = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<DesktopState, number>;
      for (const desktop of pool.desktops) counts[desktop.state]++;
      const imageVersions = [
        ...new Set(pool.desktops.map((d) => d.imageVersion).filter((v): v is string => !!v)),
      ];
      return {
        poolId: pool.poolId,
        provider: pool.provider,
        canLaunch: pool.canLaunch,
        checkedAt: pool.checkedAt,
        counts,
        imageVersions: imageVersions.sort(),
        desktops: pool.desktops,
        guacd: pool.guacd,
        settings: pool.settings,
        roles: desktops.poolSettings.find((p) => p.id === pool.poolId)?.roles ?? [],
      };
    }),
  };
}

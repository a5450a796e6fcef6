import type pg from 'pg';
import type { RedisClientType } from 'redis';
import { canConnect } from './net.js';
import type { DesktopPool } from './desktops/desktop-pool.js';
import type { AgentClient } from './desktops/agent-client.js';

type State = 'up' | 'down';

export interface HealthReport {
  status: 'ok' | 'unavailable';
  dependencies: {
    redis: { state: State };
    postgres: { state: State };
    guacd: { state: State; instances: { address: string; state: State }[] };
    desktopPool: { state: State; desktops: { id: string; state: State; status?: string }[] };
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref()),
  ]);
}

/** Asks every dependency at once, each with a short time limit; one down makes the whole answer 503. */
export async function checkHealth(deps: {
  redis: RedisClientType;
  pool: pg.Pool;
  desktops: DesktopPool;
  agents: AgentClient;
}): Promise<HealthReport> {
  const guacds = [...new Set(deps.desktops.desktops.map((d) => `${d.guacdHost}:${d.guacdPort}`))];
  const [redis, postgres, guacdStates, desktopStates] = await Promise.all([
    withTimeout(deps.redis.ping(), 2000).then(
      () => 'up' as const,
      () => 'down' as const,
    ),
    withTimeout(deps.pool.query('SELECT 1'), 2000).then(
      () => 'up' as const,
      () => 'down' as const,
    ),
    Promise.all(
      guacds.map(async (address) => {
        const [host, port] = address.split(':') as [string, string];
        return {
          address,
          state: (await canConnect(host, Number(port))) ? ('up' as const) : ('down' as const),
        };
      }),
    ),
    Promise.all(
      deps.desktops.desktops.map(async (desktop) => {
        try {
          const health = await withTimeout(deps.agents.health(desktop.agentUrl), 2000);
          return {
            id: desktop.id,
            state: health.status === 'unhealthy' ? ('down' as const) : ('up' as const),
            status: health.status,
          };
        } catch {
          return { id: desktop.id, state: 'down' as const };
        }
      }),
    ),
  ]);
  const guacdState: State =
    guacdStates.length > 0 && guacdStates.every((g) => g.state === 'up') ? 'up' : 'down';
  const poolState: State = desktopStates.some((d) => d.state === 'up') ? 'up' : 'down';
  const all = [redis, postgres, guacdState, poolState];
  return {
    status: all.every((s) => s === 'up') ? 'ok' : 'unavailable',
    dependencies: {
      redis: { state: redis },
      postgres: { state: postgres },
      guacd: { state: guacdState, instances: guacdStates },
      desktopPool: { state: poolState, desktops: desktopStates },
    },
  };
}

import { z } from 'zod';

/** How much the tunnel benchmark does; `BENCH_QUICK=1` gives a smaller run for a quick look. */
export interface TunnelBenchConfig {
  isQuick: boolean;
  /** Connections per path (broker, direct) for time to first image, after the warm-up ones. */
  latencyTrials: number;
  warmUpTrials: number;
  /** Key presses timed on each connection. */
  keysPerTrial: number;
  /** How long the idle and the busy desktop are watched for bytes per second. */
  throughputSeconds: number;
  /** How much of a real guacd session is recorded for the replay. */
  recordSeconds: number;
  /** Tunnels fed at once by the replaying guacd stand-in. */
  concurrentTunnels: number;
  /** How long the concurrent tunnels stream while the event loop is watched. */
  concurrentSeconds: number;
}

const Env = z.object({ BENCH_QUICK: z.enum(['0', '1', '']).default('') });

export function loadTunnelBenchConfig(
  env: Record<string, string | undefined> = process.env,
): TunnelBenchConfig {
  const isQuick = Env.parse(env).BENCH_QUICK === '1';
  return isQuick
    ? {
        isQuick,
        latencyTrials: 4,
        warmUpTrials: 1,
        keysPerTrial: 6,
        throughputSeconds: 4,
        recordSeconds: 3,
        concurrentTunnels: 50,
        concurrentSeconds: 6,
      }
    : {
        isQuick,
        latencyTrials: 16,
        warmUpTrials: 2,
        keysPerTrial: 12,
        throughputSeconds: 10,
        recordSeconds: 5,
        concurrentTunnels: 200,
        concurrentSeconds: 15,
      };
}

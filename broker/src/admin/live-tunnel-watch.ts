import type { LiveTunnel } from '../tunnel/tunnel-server.js';
import type { EgressCounters } from '../tunnel/egress-filter.js';
import type { DesktopPool } from '../desktops/desktop-pool.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { SessionFacts, TunnelSample } from './session-facts.js';

export interface LiveTunnelWatchDeps {
  tunnels(): Iterable<LiveTunnel>;
  facts: SessionFacts;
  desktops: DesktopPool;
  metrics?: BrokerMetrics;
  instanceId: string;
  /** How often the live view's figures are refreshed. */
  sampleMs?: number;
  /** How often the leases of live tunnels are extended. */
  heartbeatMs: number;
  log(message: string): void;
}

interface Seen {
  sample: TunnelSample;
  heartbeatAt: number;
}

/**
 * Watches this instance's live tunnels: keeps their leases alive with a heartbeat (and, when a tunnel
 * closes, for as long as its session could still return), brings the console's
 * figures (bytes, dropped instructions) up to date and feeds the metrics. When a pool's paste policy no
 * longer matches the one a tunnel was opened with, the tunnel is closed without an error, and the client
 * reconnects at once with a token under the new policy.
 */
export class LiveTunnelWatch {
  private readonly seen = new WeakMap<LiveTunnel, Seen>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: LiveTunnelWatchDeps) {}

  opened(tunnel: LiveTunnel): void {
    this.deps.metrics?.tunnelsOpen.inc();
    this.seen.set(tunnel, { sample: sampleOf(tunnel, undefined), heartbeatAt: Date.now() });
    void this.deps.facts
      .tunnel(tunnel.sessionId, 'open', this.deps.instanceId)
      .catch((error: Error) => this.deps.log(`console: ${error.message}`));
  }

  closed(tunnel: LiveTunnel, counters: EgressCounters): void {
    this.deps.metrics?.tunnelsOpen.dec();
    const sample = this.count(tunnel, counters);
    this.seen.delete(tunnel);
    // The device may only have gone quiet for a while; its desktop waits for it while the session allows.
    const { claims } = tunnel.connection;
    void this.deps.desktops
      .holdForReturn(claims.userId, claims.desktopId, tunnel.sessionId)
      .catch((error: Error) => this.deps.log(`lease hold: ${error.message}`));
    void this.deps.facts
      .tunnel(tunnel.sessionId, 'closed', this.deps.instanceId, sample)
      .catch((error: Error) => this.deps.log(`console: ${error.message}`));
  }

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.tick().finally(() => (this.running = undefined));
    }, this.deps.sampleMs ?? 2000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One round over the live tunnels; exposed for tests. */
  async tick(): Promise<void> {
    for (const tunnel of [...this.deps.tunnels()]) {
      try {
        await this.watch(tunnel);
      } catch (error) {
        this.deps.log(`tunnel watch: ${(error as Error).message}`);
      }
    }
  }

  private async watch(tunnel: LiveTunnel): Promise<void> {
    const seen = this.seen.get(tunnel);
    if (!seen) return;
    const sample = this.count(tunnel, tunnel.connection.counters());
    await this.deps.facts.sample(tunnel.sessionId, sample);
    const { claims } = tunnel.connection;
    if (Date.now() - seen.heartbeatAt >= this.deps.heartbeatMs) {
      seen.heartbeatAt = Date.now();
      await this.deps.desktops.heartbeat(claims.userId, claims.desktopId);
    }
    const lease = await this.deps.desktops.currentLease(claims.userId);
    if (lease?.desktopId !== claims.desktopId) return;
    const { policies } = await this.deps.desktops.policies.get(lease.poolId);
    const isPasteDisabled = claims.connection.settings['disable-paste'] !== 'false';
    if (isPasteDisabled === policies.canPaste) {
      this.deps.log(`tunnel of ${claims.userId} reconnects under the pool's changed paste policy`);
      tunnel.connection.close();
    }
  }

  /** Brings the figures of one tunnel up to date and adds what changed since the last look to the metrics. */
  private count(tunnel: LiveTunnel, counters: EgressCounters): TunnelSample {
    const sample = sampleOf(tunnel, counters);
    const seen = this.seen.get(tunnel);
    const metrics = this.deps.metrics;
    if (seen && metrics) {
      const delta = (key: keyof TunnelSample): number => Math.max(0, sample[key] - seen.sample[key]);
      metrics.tunnelBytes.inc({ direction: 'from-desktop' }, delta('bytesFromDesktop'));
      metrics.tunnelBytes.inc({ direction: 'to-desktop' }, delta('bytesToDesktop'));
      metrics.droppedInstructions.inc({ direction: 'from-desktop' }, delta('droppedFromDesktop'));
      metrics.droppedInstructions.inc({ direction: 'from-browser' }, delta('droppedFromBrowser'));
    }
    if (seen) seen.sample = sample;
    return sample;
  }
}

const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

function sampleOf(tunnel: LiveTunnel, counters: EgressCounters | undefined): TunnelSample {
  // Measured on guacd's socket: what the desktop sent before the filter, and what reached the desktop.
  const socket = tunnel.connection.guacdClient?.guacdConnection;
  return {
    bytesFromDesktop: socket?.bytesRead ?? 0,
    bytesToDesktop: socket?.bytesWritten ?? 0,
    droppedFromDesktop: counters ? total(counters.fromGuacd.dropped) : 0,
    droppedFromBrowser: counters ? total(counters.fromClient.dropped) : 0,
  };
}

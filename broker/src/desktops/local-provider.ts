import type { DesktopProvider } from './desktop-provider.js';
import type { DesktopHost } from './pool-settings.js';

/** A desktop started by a launcher, and how to stop it again. */
export interface LaunchedDesktop {
  host: DesktopHost;
  stop(): Promise<void>;
}

/** Starts desktops; the local one runs desktop agents as processes of this machine. */
export interface DesktopLauncher {
  launch(): Promise<LaunchedDesktop>;
}

/**
 * Desktops on this machine: the ones the local stack started (fixed, like static hosts), plus, when a
 * launcher is given, desktops the broker starts itself to keep the pool warm or to stand in for a failed one.
 */
export class LocalProvider implements DesktopProvider {
  readonly type = 'local';
  private readonly launched = new Map<string, LaunchedDesktop>();
  private launching = 0;

  constructor(
    private readonly fixed: readonly DesktopHost[],
    private readonly launcher: DesktopLauncher | undefined,
    private readonly maxDesktops = 4,
  ) {}

  get canLaunch(): boolean {
    return this.launcher !== undefined;
  }

  desktops(): readonly DesktopHost[] {
    return [...this.fixed, ...[...this.launched.values()].map((l) => l.host)];
  }

  async launch(): Promise<DesktopHost | undefined> {
    if (!this.launcher) return undefined;
    if (this.fixed.length + this.launched.size + this.launching >= this.maxDesktops) return undefined;
    this.launching++;
    try {
      const desktop = await this.launcher.launch();
      this.launched.set(desktop.host.id, desktop);
      return desktop.host;
    } finally {
      this.launching--;
    }
  }

  /** A launched desktop is stopped and another started; a fixed one cannot be restarted, so one is added. */
  async replace(desktopId: string): Promise<boolean> {
    if (!this.launcher) return false;
    await this.retire(desktopId);
    return (await this.launch()) !== undefined;
  }

  owns(desktopId: string): boolean {
    return this.launched.has(desktopId);
  }

  async retire(desktopId: string): Promise<boolean> {
    const desktop = this.launched.get(desktopId);
    if (!desktop) return false;
    this.launched.delete(desktopId);
    await desktop.stop();
    return true;
  }

  async close(): Promise<void> {
    const all = [...this.launched.values()];
    this.launched.clear();
    await Promise.allSettled(all.map((d) => d.stop()));
  }
}

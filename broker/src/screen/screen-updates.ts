import type { DesktopScreen } from '@hcw/common';
import type { AgentAddress, AgentClient } from '../desktops/agent-client.js';

interface Queued {
  desktop: AgentAddress;
  screen: DesktopScreen;
  done: Promise<DesktopScreen>;
  resolve(screen: DesktopScreen): void;
  reject(error: unknown): void;
}

/**
 * Sends screen changes to desktop agents, one at a time per user, latest first: while a change is on its
 * way, a newer one waits, and a newer one still takes its place (a phone turned twice needs only its last
 * shape). Whoever asked for a change that was overtaken gets the answer of the one that replaced it.
 */
export class ScreenUpdates {
  private readonly running = new Map<string, { next: Queued | undefined }>();

  constructor(private readonly agents: Pick<AgentClient, 'setScreen'>) {}

  apply(userId: string, desktop: AgentAddress, screen: DesktopScreen): Promise<DesktopScreen> {
    const slot = this.running.get(userId);
    if (slot) {
      if (slot.next) {
        slot.next.desktop = desktop;
        slot.next.screen = screen;
        return slot.next.done;
      }
      slot.next = queued(desktop, screen);
      return slot.next.done;
    }
    const first = queued(desktop, screen);
    this.running.set(userId, { next: undefined });
    void this.drain(userId, first);
    return first.done;
  }

  private async drain(userId: string, first: Queued): Promise<void> {
    let current: Queued | undefined = first;
    while (current) {
      try {
        current.resolve(await this.agents.setScreen(current.desktop, current.screen));
      } catch (error) {
        current.reject(error);
      }
      const slot = this.running.get(userId);
      current = slot?.next;
      if (slot) slot.next = undefined;
    }
    this.running.delete(userId);
  }
}

function queued(desktop: AgentAddress, screen: DesktopScreen): Queued {
  let resolve!: (screen: DesktopScreen) => void;
  let reject!: (error: unknown) => void;
  const done = new Promise<DesktopScreen>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  // Nobody may be waiting on an overtaken change any more; its failure is reported where it is awaited.
  done.catch(() => undefined);
  return { desktop, screen, done, resolve, reject };
}

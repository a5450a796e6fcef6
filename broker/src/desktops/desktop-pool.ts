import type { RedisClientType } from 'redis';
import { z } from 'zod';
import type { DesktopSpec } from '../config.js';
import type { SignedInUser } from '../auth/signed-in-user.js';
import type { AgentClient } from './agent-client.js';
import type { PortalHandoffClient } from '../portal/handoff-client.js';

/** A user's hold on one desktop. One user per desktop, one desktop per user. */
export const Lease = z.object({
  userId: z.string(),
  desktopId: z.string(),
  vncPassword: z.string(),
  leasedAt: z.string(),
});
export type Lease = z.infer<typeof Lease>;

export class NoDesktopAvailableError extends Error {
  constructor() {
    super('no desktop is free');
  }
}

const userKey = (userId: string) => `lease:user:${userId}`;
const desktopKey = (desktopId: string) => `lease:desktop:${desktopId}`;

export interface DesktopPoolDeps {
  redis: RedisClientType;
  desktops: DesktopSpec[];
  agents: AgentClient;
  portal: PortalHandoffClient;
  leaseSeconds: number;
}

export class DesktopPool {
  constructor(private readonly deps: DesktopPoolDeps) {}

  desktop(desktopId: string): DesktopSpec | undefined {
    return this.deps.desktops.find((d) => d.id === desktopId);
  }

  get desktops(): readonly DesktopSpec[] {
    return this.deps.desktops;
  }

  async currentLease(userId: string): Promise<Lease | undefined> {
    const stored = await this.deps.redis.get(userKey(userId));
    if (!stored) return undefined;
    const lease = Lease.safeParse(JSON.parse(stored));
    return lease.success ? lease.data : undefined;
  }

  /**
   * The user's desktop: the one they already hold (closing and reopening the tab gets it back), or a free
   * one claimed atomically, so two users signing in at once can never get the same desktop.
   */
  async leaseFor(user: SignedInUser): Promise<{ lease: Lease; desktop: DesktopSpec; isNew: boolean }> {
    const existing = await this.currentLease(user.id);
    const held = existing && this.desktop(existing.desktopId);
    if (existing && held) {
      await this.refresh(existing);
      return { lease: existing, desktop: held, isNew: false };
    }
    for (const desktop of this.deps.desktops) {
      const claimed = await this.deps.redis.set(desktopKey(desktop.id), user.id, {
        NX: true,
        EX: this.deps.leaseSeconds,
      });
      if (claimed !== 'OK') continue;
      try {
        const handoff = await this.deps.portal.createHandoff({
          id: user.id,
          displayName: user.displayName,
          displayNameKana: user.displayNameKana,
          organisation: user.organisation,
          profession: user.profession,
          roles: user.roles,
        });
        const { vncPassword } = await this.deps.agents.startSession(desktop.agentUrl, {
          userId: user.id,
          startUrl: handoff.url,
        });
        const lease: Lease = {
          userId: user.id,
          desktopId: desktop.id,
          vncPassword,
          leasedAt: new Date().toISOString(),
        };
        await this.deps.redis.set(userKey(user.id), JSON.stringify(lease), { EX: this.deps.leaseSeconds });
        return { lease, desktop, isNew: true };
      } catch (error) {
        await this.deps.redis.del(desktopKey(desktop.id));
        throw error;
      }
    }
    throw new NoDesktopAvailableError();
  }

  async release(userId: string): Promise<void> {
    const lease = await this.currentLease(userId);
    if (!lease) return;
    const desktop = this.desktop(lease.desktopId);
    if (desktop) await this.deps.agents.endSession(desktop.agentUrl).catch(() => undefined);
    await this.deps.redis.del([userKey(userId), desktopKey(lease.desktopId)]);
  }

  private async refresh(lease: Lease): Promise<void> {
    await this.deps.redis.expire(userKey(lease.userId), this.deps.leaseSeconds);
    await this.deps.redis.expire(desktopKey(lease.desktopId), this.deps.leaseSeconds);
  }
}

import type { DesktopHost } from './pool-settings.js';

/**
 * Where a pool's desktops come from. The pool asks its provider which desktops exist, and asks it to add
 * one (to keep the pool warm, or for a user who found it empty) or to replace one that stopped answering.
 * A provider that cannot do either says so and the pool lives with what it has.
 *
 * A cloud provider fits the same shape: `launch` raises the autoscaling group's desired capacity by one and
 * waits for the new instance's agent, `replace` terminates the instance so the group starts another.
 */
export interface DesktopProvider {
  readonly type: string;
  /** Whether `launch` and `replace` can do anything. */
  readonly canLaunch: boolean;
  /** The desktops this provider has now. */
  desktops(): readonly DesktopHost[];
  /** Starts one more desktop and resolves once its agent answers; undefined if none can be started. */
  launch(): Promise<DesktopHost | undefined>;
  /** Takes a failed desktop away and starts another in its place; false if the provider cannot. */
  replace(desktopId: string): Promise<boolean>;
  /** Whether this provider started the desktop and can stop it. */
  owns(desktopId: string): boolean;
  /** Stops a desktop this provider started, when the pool has more warm desktops than it needs. */
  retire(desktopId: string): Promise<boolean>;
  /** Stops everything this provider started. */
  close(): Promise<void>;
}

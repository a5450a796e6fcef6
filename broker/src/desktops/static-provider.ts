import type { DesktopProvider } from './desktop-provider.js';
import type { DesktopHost } from './pool-settings.js';

/**
 * Desktop hosts named in configuration, as Ansible provisions them. The broker can neither add nor restart
 * one: a failed host is taken out of service until its agent answers healthy again.
 */
export class StaticProvider implements DesktopProvider {
  readonly type = 'static';
  readonly canLaunch = false;

  constructor(private readonly hosts: readonly DesktopHost[]) {}

  desktops(): readonly DesktopHost[] {
    return this.hosts;
  }

  async launch(): Promise<undefined> {
    return undefined;
  }

  async replace(): Promise<boolean> {
    return false;
  }

  owns(): boolean {
    return false;
  }

  async retire(): Promise<boolean> {
    return false;
  }

  async close(): Promise<void> {}
}

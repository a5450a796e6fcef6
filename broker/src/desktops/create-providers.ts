import type { AgentClient } from './agent-client.js';
import { AgentProcessLauncher } from './agent-process-launcher.js';
import type { DesktopProvider } from './desktop-provider.js';
import { LocalProvider } from './local-provider.js';
import type { PoolSettings } from './pool-settings.js';
import { StaticProvider } from './static-provider.js';

/** The provider each configured pool names, keyed by pool id. */
export function createProviders(
  pools: readonly PoolSettings[],
  deps: { agents: AgentClient; internalCaFile: string },
): Map<string, DesktopProvider> {
  return new Map(
    pools.map((pool): [string, DesktopProvider] => {
      const settings = pool.provider;
      if (settings.type === 'static') return [pool.id, new StaticProvider(settings.desktops)];
      const launcher = settings.launch
        ? new AgentProcessLauncher({
            stateDir: settings.launch.stateDir,
            certificateDir: settings.launch.certificateDir,
            internalCaFile: deps.internalCaFile,
            agents: deps.agents,
            idPrefix: pool.id,
            imageVersion: settings.launch.imageVersion,
          })
        : undefined;
      return [pool.id, new LocalProvider(settings.desktops, launcher, settings.launch?.maxDesktops)];
    }),
  );
}

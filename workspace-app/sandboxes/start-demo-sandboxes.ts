import type { ConnectorSettings } from '../src/connectors/create-connectors.js';
import { createFhirSandbox, type FhirSandbox } from './fhir/fhir-sandbox.js';
import { createHikariOneSandbox, type HikariOneSandbox } from './hikari-one/hikari-one-sandbox.js';
import { createKanamicSandbox, type KanamicSandbox } from './kanamic/kanamic-sandbox.js';
import { createMcsSandbox, type McsSandbox } from './mcs/mcs-sandbox.js';
import { startSandbox, type RunningSandbox } from './start-sandbox.js';
import { createVitalLinkSandbox, type VitalLinkSandbox } from './vital-link/vital-link-sandbox.js';

// Credentials of the simulated vendors, known to anyone who reads this file; demo and tests only.
const demoCredentials = {
  mcsSecret: 'demo-mcs-webhook-secret-0001',
  kanamicClientId: 'demo-office-13112',
  kanamicClientSecret: 'demo-kanamic-client-secret-0001',
  hikariOneApiKey: 'demo-hikari-one-api-key-0001',
  vitalLinkToken: 'demo-vital-link-api-token-0001',
};

export interface DemoSandboxes {
  mcs: McsSandbox;
  kanamic: KanamicSandbox;
  hikariOne: HikariOneSandbox;
  vitalLink: VitalLinkSandbox;
  fhir: FhirSandbox;
  /** Where each vendor listens; the kiosk's URL allow-list needs these origins for deep links. */
  urls: { mcs: string; kanamic: string; hikariOne: string; vitalLink: string; fhir: string };
  /** Ready for `createConnectors`. */
  connectorSettings: ConnectorSettings;
  close(): Promise<void>;
}

/**
 * Every vendor sandbox, seeded with demo data, on loopback. MCS's seeded notifications wait until the
 * portal's webhook is known: `mcs.setWebhookUrl(url)` then `mcs.flushQueue()`.
 */
export async function startDemoSandboxes(
  options: { host?: string; ports?: Partial<Record<keyof DemoSandboxes['urls'], number>> } = {},
): Promise<DemoSandboxes> {
  const mcs = createMcsSandbox({ secret: demoCredentials.mcsSecret, seed: true });
  const kanamic = createKanamicSandbox({
    clientId: demoCredentials.kanamicClientId,
    clientSecret: demoCredentials.kanamicClientSecret,
    seed: true,
  });
  const hikariOne = createHikariOneSandbox({ apiKey: demoCredentials.hikariOneApiKey, seed: true });
  const vitalLink = createVitalLinkSandbox({ apiToken: demoCredentials.vitalLinkToken, seed: true });
  const fhir = createFhirSandbox({ seed: true });

  const running: RunningSandbox[] = [];
  const start = async (sandbox: Parameters<typeof startSandbox>[0], port: number | undefined) => {
    const started = await startSandbox(sandbox, {
      ...(options.host ? { host: options.host } : {}),
      port: port ?? 0,
    });
    running.push(started);
    return started.url;
  };
  const close = async () => {
    hikariOne.stop();
    await Promise.all(running.map((sandbox) => sandbox.close()));
  };

  try {
    const urls = {
      mcs: await start(mcs, options.ports?.mcs),
      kanamic: await start(kanamic, options.ports?.kanamic),
      hikariOne: await start(hikariOne, options.ports?.hikariOne),
      vitalLink: await start(vitalLink, options.ports?.vitalLink),
      fhir: await start(fhir, options.ports?.fhir),
    };
    return {
      mcs,
      kanamic,
      hikariOne,
      vitalLink,
      fhir,
      urls,
      connectorSettings: {
        mcs: { baseUrl: urls.mcs, secret: demoCredentials.mcsSecret },
        kanamic: {
          baseUrl: urls.kanamic,
          clientId: demoCredentials.kanamicClientId,
          clientSecret: demoCredentials.kanamicClientSecret,
        },
        hikariOne: {
          baseUrl: urls.hikariOne,
          apiKey: demoCredentials.hikariOneApiKey,
          account: 'demo-facility-0001',
        },
        vitalLink: {
          baseUrl: urls.vitalLink,
          apiToken: demoCredentials.vitalLinkToken,
          account: 'demo-station-0001',
        },
        fhir: [
          {
            id: 'fhir',
            nameJa: '地域連携FHIRサーバー',
            nameEn: 'Regional FHIR server',
            baseUrl: `${urls.fhir}/fhir`,
            webAppUrl: `${urls.fhir}/app`,
            account: 'demo-portal',
          },
        ],
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

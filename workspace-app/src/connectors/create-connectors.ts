import { z } from 'zod';
import { ConnectorRegistry } from './connector-registry.js';
import type { Connector } from './connector.js';
import { createFhirConnector } from './fhir/fhir-connector.js';
import { createHikariOneConnector } from './hikari-one/hikari-one-connector.js';
import { createKanamicConnector } from './kanamic/kanamic-connector.js';
import { createMcsConnector } from './mcs/mcs-connector.js';
import { createVitalLinkConnector } from './vital-link/vital-link-connector.js';

const httpUrl = z
  .string()
  .url()
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), 'http or https');
const secret = z.string().min(16);

const pullPolicySettings = z
  .object({
    timeoutMs: z.number().int().positive(),
    retries: z.number().int().min(0).max(10),
    baseDelayMs: z.number().int().positive(),
    maxDelayMs: z.number().int().positive(),
    budgetMs: z.number().int().positive(),
    maxPages: z.number().int().positive(),
  })
  .partial();

/**
 * Which vendors this portal connects to and with which credentials. The portal's `config.ts` reads these
 * from its environment and validates them with this schema; a vendor left out is not connected.
 */
export const connectorSettings = z.object({
  policy: pullPolicySettings.optional(),
  mcs: z.object({ baseUrl: httpUrl, secret }).optional(),
  kanamic: z.object({ baseUrl: httpUrl, clientId: z.string().min(1), clientSecret: secret }).optional(),
  hikariOne: z.object({ baseUrl: httpUrl, apiKey: secret, account: z.string().min(1) }).optional(),
  vitalLink: z.object({ baseUrl: httpUrl, apiToken: secret, account: z.string().min(1) }).optional(),
  fhir: z
    .array(
      z.object({
        id: z.string().regex(/^fhir(-[a-z0-9]+)*$/),
        nameJa: z.string().min(1),
        nameEn: z.string().min(1),
        baseUrl: httpUrl,
        webAppUrl: httpUrl.optional(),
        account: z.string().min(1),
        bearerToken: z.string().min(1).optional(),
      }),
    )
    .default([]),
});
export type ConnectorSettings = z.input<typeof connectorSettings>;

/** The one place that knows every vendor: a new vendor is a folder of its own and a line here. */
export function createConnectors(settings: ConnectorSettings, now?: () => Date): ConnectorRegistry {
  const parsed = connectorSettings.parse(settings);
  const shared = { ...(parsed.policy ? { policy: parsed.policy } : {}), ...(now ? { now } : {}) };
  const connectors: Connector[] = [];
  if (parsed.mcs) connectors.push(createMcsConnector({ ...parsed.mcs, ...(now ? { now } : {}) }));
  if (parsed.kanamic) connectors.push(createKanamicConnector({ ...parsed.kanamic, ...shared }));
  if (parsed.hikariOne) connectors.push(createHikariOneConnector({ ...parsed.hikariOne, ...shared }));
  if (parsed.vitalLink) connectors.push(createVitalLinkConnector({ ...parsed.vitalLink, ...shared }));
  for (const server of parsed.fhir) {
    const { nameJa, nameEn, ...rest } = server;
    connectors.push(createFhirConnector({ ...rest, displayName: { ja: nameJa, en: nameEn }, ...shared }));
  }
  return new ConnectorRegistry(connectors);
}

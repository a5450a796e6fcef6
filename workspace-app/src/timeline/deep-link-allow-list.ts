import { connectorSettings, type ConnectorSettings } from '../connectors/create-connectors.js';

/**
 * The web applications each vendor's deep links may open, by connector id: the origins configured for
 * that vendor, nothing else. Connectors already refuse foreign links when they map a payload; this is
 * checked again when a link is followed, so a stored row that was altered, or a vendor since moved to
 * another address, cannot send the kiosk elsewhere.
 */
export type DeepLinkAllowList = ReadonlyMap<string, ReadonlySet<string>>;

export function deepLinkAllowList(settings: ConnectorSettings): DeepLinkAllowList {
  const parsed = connectorSettings.parse(settings);
  const allow = new Map<string, Set<string>>();
  const add = (vendor: string, ...urls: Array<string | undefined>) => {
    const origins = allow.get(vendor) ?? new Set<string>();
    for (const url of urls) if (url !== undefined) origins.add(new URL(url).origin);
    allow.set(vendor, origins);
  };
  if (parsed.mcs) add('mcs', parsed.mcs.baseUrl);
  if (parsed.kanamic) add('kanamic', parsed.kanamic.baseUrl);
  if (parsed.hikariOne) add('hikari-one', parsed.hikariOne.baseUrl);
  if (parsed.vitalLink) add('vital-link', parsed.vitalLink.baseUrl);
  for (const server of parsed.fhir) add(server.id, server.webAppUrl ?? server.baseUrl);
  return allow;
}

/** The link to open, or undefined when it is not an http(s) URL on one of the vendor's own origins. */
export function allowedDeepLink(
  allow: DeepLinkAllowList,
  vendor: string,
  link: string | null,
): string | undefined {
  if (link === null || !URL.canParse(link)) return undefined;
  const url = new URL(link);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  return allow.get(vendor)?.has(url.origin) ? url.href : undefined;
}

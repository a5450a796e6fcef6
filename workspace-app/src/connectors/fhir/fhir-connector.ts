import { z } from 'zod';
import type { CanonicalEvent } from '../canonical-event.js';
import { authorRoleFromLabel } from '../author-role.js';
import { checkCanonicalEvents } from '../check-canonical-events.js';
import type { LocalisedName, PullConnector } from '../connector.js';
import { parseVendorJson, parseVendorValue } from '../parse-vendor-json.js';
import { probeVendorHealth } from '../probe-vendor-health.js';
import { pullPages } from '../pull-pages.js';
import { budgetSignal, pullPolicy, type PullPolicy } from '../pull-policy.js';
import { retryWithBackoff } from '../retry-with-backoff.js';
import { titleFromText } from '../title-from-text.js';
import { VendorAuthError } from '../vendor-auth-error.js';
import { requestVendor } from '../request-vendor.js';
import { vendorUrl } from '../vendor-url.js';
import { VendorPayloadError } from '../vendor-payload-error.js';
import {
  fhirSearchBundle,
  type FhirCommunication,
  type FhirPractitionerRole,
  type FhirSearchBundle,
} from './fhir-search-bundle.js';

export interface FhirConnectorOptions {
  /** Each FHIR server is a vendor of its own: resource ids are only unique within one server. */
  id?: string;
  displayName?: LocalisedName;
  /** The FHIR base, e.g. `https://fhir.example.jp/fhir`. */
  baseUrl: string;
  account: string;
  /** The server's web app, if it has one; deep links go to `<webAppUrl>/communications/<id>`. */
  webAppUrl?: string;
  bearerToken?: string;
  pageSize?: number;
  maxPageBytes?: number;
  policy?: Partial<PullPolicy>;
  now?: () => Date;
}

/**
 * A FHIR R4 server's Communications, searched by `_lastUpdated=gt<cursor>` and paged through `next` links.
 * The cursor is the newest `meta.lastUpdated` taken, as the server wrote it.
 */
export function createFhirConnector(options: FhirConnectorOptions): PullConnector {
  const id = options.id ?? 'fhir';
  const now = options.now ?? (() => new Date());
  const policy = pullPolicy(options.policy);
  const pageSize = options.pageSize ?? 50;
  const maxPageBytes = options.maxPageBytes ?? 2 * 1024 * 1024;
  const base = vendorUrl(options.baseUrl, '');
  const headers: Record<string, string> = {
    accept: 'application/fhir+json',
    ...(options.bearerToken ? { authorization: `Bearer ${options.bearerToken}` } : {}),
  };

  const getBundle = async (url: URL, signal: AbortSignal): Promise<unknown> => {
    const response = await retryWithBackoff(
      () =>
        requestVendor(
          url,
          { headers },
          { vendor: id, timeoutMs: policy.timeoutMs, maxBytes: maxPageBytes, signal },
        ),
      policy,
      { signal },
    );
    if (response.status === 401 || response.status === 403) {
      throw new VendorAuthError(id, `FHIR server answered HTTP ${response.status}`);
    }
    if (response.status !== 200) {
      throw new VendorPayloadError(id, 'malformed', `FHIR server answered HTTP ${response.status}`);
    }
    // Still raw: `map` takes a payload as the vendor sent it, the shape is checked there.
    return parseVendorJson(id, response.body, z.unknown());
  };

  // A `next` link carries the bearer token with it, so it must stay on this server.
  const nextLink = (bundle: FhirSearchBundle): URL | undefined => {
    const link = bundle.link?.find((candidate) => candidate.relation === 'next');
    if (!link) return undefined;
    const url = new URL(link.url);
    if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname)) {
      throw new VendorPayloadError(id, 'malformed', 'next link leads off the FHIR server');
    }
    return url;
  };

  const map = (vendorPayload: unknown): CanonicalEvent[] => {
    const bundle = parseVendorValue(id, vendorPayload, fhirSearchBundle);
    const roles = new Map<string, FhirPractitionerRole>();
    const matches: FhirCommunication[] = [];
    for (const entry of bundle.entry ?? []) {
      const tagged = entry.resource;
      if (tagged.kind === 'practitioner-role') {
        roles.set(`PractitionerRole/${tagged.resource.id}`, tagged.resource);
      } else if (tagged.kind === 'communication' && entry.search?.mode !== 'include') {
        matches.push(tagged.resource);
      }
    }
    const receivedAt = now().toISOString();
    return checkCanonicalEvents(
      id,
      // A Communication entered in error was never meant to be read; it is not a timeline event.
      matches
        .filter((communication) => communication.status !== 'entered-in-error')
        .map((communication) => {
          const body = (communication.payload ?? [])
            .map((part) => part.contentString)
            .filter((text): text is string => text !== undefined)
            .join('\n\n');
          return {
            vendor: id,
            vendorMessageId: `Communication/${communication.id}`,
            vendorAccount: options.account,
            patientGroupRef: communication.subject.reference,
            ...(communication.subject.display ? { patientGroupName: communication.subject.display } : {}),
            author: author(communication, roles),
            occurredAt: new Date(communication.sent ?? communication.meta.lastUpdated).toISOString(),
            kind: 'message',
            title: communication.topic?.text?.trim() || titleFromText(body, '（本文なし）'),
            ...(body ? { body } : {}),
            ...(options.webAppUrl
              ? { deepLink: vendorUrl(options.webAppUrl, `communications/${communication.id}`).href }
              : {}),
            receivedAt,
          };
        }),
    );
  };

  return {
    id,
    displayName: options.displayName ?? { ja: 'FHIRサーバー', en: 'FHIR server' },
    style: 'fhir-rest',
    mode: 'pull',
    map,
    fetch(since, fetchOptions = {}) {
      if (since !== undefined && Number.isNaN(Date.parse(since)))
        throw new TypeError(`not a ${id} cursor: ${since}`);
      const deadline = budgetSignal(policy, fetchOptions.signal);
      let next: URL | undefined = vendorUrl(options.baseUrl, 'Communication', {
        _lastUpdated: since === undefined ? undefined : `gt${since}`,
        _sort: '_lastUpdated',
        _count: String(pageSize),
        _include: 'Communication:sender',
      });
      return pullPages(since, policy.maxPages, async (cursor) => {
        if (!next) return { events: [], cursor, hasMore: false };
        const raw = await getBundle(next, deadline);
        const events = map(raw);
        const bundle = parseVendorValue(id, raw, fhirSearchBundle);
        next = nextLink(bundle);
        return { events, cursor: newestLastUpdated(bundle, cursor), hasMore: next !== undefined };
      });
    },
    health() {
      return probeVendorHealth(
        id,
        vendorUrl(options.baseUrl, 'metadata'),
        { headers },
        {
          timeoutMs: Math.min(policy.timeoutMs, 2_000),
          now,
        },
      );
    },
  };
}

function author(
  communication: FhirCommunication,
  roles: Map<string, FhirPractitionerRole>,
): CanonicalEvent['author'] {
  const senderReference = communication.sender?.reference;
  const role = senderReference === undefined ? undefined : roles.get(senderReference);
  const roleLabel = role?.code?.[0]?.text ?? role?.code?.[0]?.coding?.[0]?.display;
  const name = role?.practitioner?.display ?? communication.sender?.display;
  // A patient or a relative writing through a patient app is a sender without a profession.
  const isFamily = /^(Patient|RelatedPerson)\//.test(senderReference ?? '');
  return {
    role: isFamily ? 'family' : authorRoleFromLabel(roleLabel),
    ...(roleLabel ? { roleLabel } : {}),
    ...(name ? { name } : {}),
  };
}

/** Every matched Communication counts, entered-in-error ones too, or the search would return them forever. */
function newestLastUpdated(bundle: FhirSearchBundle, cursor: string | undefined): string | undefined {
  let newest = cursor;
  for (const entry of bundle.entry ?? []) {
    if (entry.resource.kind !== 'communication') continue;
    const lastUpdated = entry.resource.resource.meta.lastUpdated;
    if (newest === undefined || Date.parse(lastUpdated) > Date.parse(newest)) newest = lastUpdated;
  }
  return newest;
}

import type { CanonicalEvent } from '../canonical-event.js';
import { authorRoleFromLabel } from '../author-role.js';
import { checkCanonicalEvents } from '../check-canonical-events.js';
import { checkDeepLink } from '../check-deep-link.js';
import type { PullConnector } from '../connector.js';
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
import { createKanamicTokenClient } from './kanamic-token-client.js';
import { kanamicMessagesPage } from './kanamic-messages-page.js';

export interface KanamicConnectorOptions {
  id?: string;
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  webAppOrigin?: string;
  pageSize?: number;
  maxPageBytes?: number;
  policy?: Partial<PullPolicy>;
  now?: () => Date;
}

/** Kanamic: the portal pages through the message API with a client-credentials token. */
export function createKanamicConnector(options: KanamicConnectorOptions): PullConnector {
  const id = options.id ?? 'kanamic';
  const now = options.now ?? (() => new Date());
  const policy = pullPolicy(options.policy);
  const pageSize = options.pageSize ?? 50;
  const maxPageBytes = options.maxPageBytes ?? 1024 * 1024;
  const webAppOrigin = options.webAppOrigin ?? options.baseUrl;
  const tokens = createKanamicTokenClient({
    vendor: id,
    tokenUrl: vendorUrl(options.baseUrl, 'oauth/token'),
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    timeoutMs: policy.timeoutMs,
    now,
  });

  const getPage = async (cursor: string | undefined, signal: AbortSignal): Promise<Uint8Array> => {
    const url = vendorUrl(options.baseUrl, 'api/v2/messages', { cursor, limit: String(pageSize) });
    const attempt = async () =>
      requestVendor(
        url,
        { headers: { authorization: `Bearer ${await tokens.token(signal)}`, accept: 'application/json' } },
        { vendor: id, timeoutMs: policy.timeoutMs, maxBytes: maxPageBytes, signal },
      );
    let response = await attempt();
    if (response.status === 401) {
      // Tokens can die before their announced lifetime (revoked, server restarted): one fresh token, once.
      tokens.invalidate();
      response = await attempt();
    }
    if (response.status === 401 || response.status === 403) {
      throw new VendorAuthError(id, `message API answered HTTP ${response.status} to a fresh token`);
    }
    if (response.status !== 200) {
      throw new VendorPayloadError(id, 'malformed', `message API answered HTTP ${response.status}`);
    }
    return response.body;
  };

  const map = (vendorPayload: unknown): CanonicalEvent[] => {
    const page = parseVendorValue(id, vendorPayload, kanamicMessagesPage);
    const receivedAt = now().toISOString();
    return checkCanonicalEvents(
      id,
      page.messages.map((message) => ({
        vendor: id,
        vendorMessageId: message.message_id,
        vendorAccount: options.clientId,
        patientGroupRef: message.group.group_id,
        patientGroupName: message.group.group_name,
        author: {
          role: authorRoleFromLabel(message.sender.occupation),
          roleLabel: message.sender.occupation,
          name: message.sender.staff_name,
        },
        occurredAt: new Date(message.created_at).toISOString(),
        kind: 'message',
        title: message.subject?.trim() || titleFromText(message.text, '（本文なし）'),
        body: message.text,
        deepLink: checkDeepLink(id, message.web_url, webAppOrigin),
        receivedAt,
      })),
    );
  };

  return {
    id,
    displayName: { ja: 'カナミック', en: 'Kanamic' },
    style: 'rest-polling',
    mode: 'pull',
    map,
    fetch(since, fetchOptions = {}) {
      const deadline = budgetSignal(policy, fetchOptions.signal);
      return pullPages(since, policy.maxPages, async (cursor) => {
        const body = await retryWithBackoff(() => getPage(cursor, deadline), policy, { signal: deadline });
        const page = parseVendorJson(id, body, kanamicMessagesPage);
        return { events: map(page), cursor: page.next_cursor, hasMore: page.has_more };
      });
    },
    health() {
      return probeVendorHealth(
        id,
        vendorUrl(options.baseUrl, 'api/v2/status'),
        {},
        {
          timeoutMs: Math.min(policy.timeoutMs, 2_000),
          now,
        },
      );
    },
  };
}

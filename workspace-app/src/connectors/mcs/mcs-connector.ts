import type { CanonicalEvent } from '../canonical-event.js';
import { authorRoleFromLabel } from '../author-role.js';
import { checkCanonicalEvents } from '../check-canonical-events.js';
import { checkDeepLink } from '../check-deep-link.js';
import type { PushConnector } from '../connector.js';
import { parseVendorJson, parseVendorValue } from '../parse-vendor-json.js';
import { probeVendorHealth } from '../probe-vendor-health.js';
import { vendorUrl } from '../vendor-url.js';
import { VendorPayloadError } from '../vendor-payload-error.js';
import { verifyMcsSignature } from './verify-mcs-signature.js';
import { mcsNotification } from './mcs-notification.js';

export interface McsConnectorOptions {
  id?: string;
  /** Where MCS answers its status endpoint; also the origin deep links must stay on unless told otherwise. */
  baseUrl: string;
  /** The webhook's shared secret. */
  secret: string;
  webAppOrigin?: string;
  replayWindowMs?: number;
  maxPayloadBytes?: number;
  healthTimeoutMs?: number;
  now?: () => Date;
}

/** MCS pushes metadata-only notifications to the portal's webhook; nothing is polled. */
export function createMcsConnector(options: McsConnectorOptions): PushConnector {
  const id = options.id ?? 'mcs';
  const now = options.now ?? (() => new Date());
  const replayWindowMs = options.replayWindowMs ?? 5 * 60_000;
  const maxPayloadBytes = options.maxPayloadBytes ?? 16 * 1024;
  const webAppOrigin = options.webAppOrigin ?? options.baseUrl;

  const map = (vendorPayload: unknown): CanonicalEvent[] => {
    const notification = parseVendorValue(id, vendorPayload, mcsNotification);
    return checkCanonicalEvents(id, [
      {
        vendor: id,
        vendorMessageId: notification.messageId,
        vendorAccount: notification.accountId,
        patientGroupRef: notification.group.id,
        patientGroupName: notification.group.name,
        author: { role: authorRoleFromLabel(notification.author.role), roleLabel: notification.author.role },
        occurredAt: new Date(notification.postedAt).toISOString(),
        kind: 'notification',
        title: `${notification.group.name}に新しい投稿があります`,
        unreadCount: notification.unreadCount,
        deepLink: checkDeepLink(id, notification.url, webAppOrigin),
        receivedAt: now().toISOString(),
      },
    ]);
  };

  return {
    id,
    displayName: { ja: 'MCS（メディカルケアステーション）', en: 'MCS (Medical Care Station)' },
    style: 'webhook',
    mode: 'push',
    maxPayloadBytes,
    map,
    async receive(request) {
      if (request.body.byteLength > maxPayloadBytes) {
        throw new VendorPayloadError(id, 'oversized', `body above ${maxPayloadBytes} bytes`);
      }
      verifyMcsSignature(id, options.secret, request, now(), replayWindowMs);
      return map(parseVendorJson(id, request.body, mcsNotification));
    },
    health() {
      return probeVendorHealth(
        id,
        vendorUrl(options.baseUrl, 'api/v1/status'),
        {},
        {
          timeoutMs: options.healthTimeoutMs ?? 2_000,
          now,
        },
      );
    },
  };
}

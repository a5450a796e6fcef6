import type { z } from 'zod';
import type { CanonicalEvent, VitalSigns } from '../canonical-event.js';
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
import { vitalLinkRecordsPage, type vitalLinkVitalRecord } from './vital-link-records-page.js';

export interface VitalLinkConnectorOptions {
  id?: string;
  baseUrl: string;
  apiToken: string;
  account: string;
  webAppOrigin?: string;
  pageSize?: number;
  maxPageBytes?: number;
  policy?: Partial<PullPolicy>;
  now?: () => Date;
}

/** バイタルリンク: vital signs and messages paged by record id; the cursor is the last record id taken. */
export function createVitalLinkConnector(options: VitalLinkConnectorOptions): PullConnector {
  const id = options.id ?? 'vital-link';
  const now = options.now ?? (() => new Date());
  const policy = pullPolicy(options.policy);
  const pageSize = options.pageSize ?? 100;
  const maxPageBytes = options.maxPageBytes ?? 1024 * 1024;
  const webAppOrigin = options.webAppOrigin ?? options.baseUrl;

  const getPage = async (sinceId: string, signal: AbortSignal): Promise<Uint8Array> => {
    const response = await requestVendor(
      vendorUrl(options.baseUrl, 'api/v1/records', { since_id: sinceId, limit: String(pageSize) }),
      { headers: { authorization: `Bearer ${options.apiToken}`, accept: 'application/json' } },
      { vendor: id, timeoutMs: policy.timeoutMs, maxBytes: maxPageBytes, signal },
    );
    if (response.status === 401 || response.status === 403) {
      throw new VendorAuthError(id, `record API answered HTTP ${response.status}`);
    }
    if (response.status !== 200) {
      throw new VendorPayloadError(id, 'malformed', `record API answered HTTP ${response.status}`);
    }
    return response.body;
  };

  const map = (vendorPayload: unknown): CanonicalEvent[] => {
    const page = parseVendorValue(id, vendorPayload, vitalLinkRecordsPage);
    const receivedAt = now().toISOString();
    return checkCanonicalEvents(
      id,
      page.records.map((record) => {
        const common = {
          vendor: id,
          vendorMessageId: String(record.record_id),
          vendorAccount: options.account,
          patientGroupRef: record.team.team_id,
          patientGroupName: record.team.team_name,
          author: {
            role: authorRoleFromLabel(record.author.job_title || undefined),
            ...(record.author.job_title ? { roleLabel: record.author.job_title } : {}),
            ...(record.author.name ? { name: record.author.name } : {}),
          },
          occurredAt: new Date(record.recorded_at).toISOString(),
          deepLink: checkDeepLink(id, record.link, webAppOrigin),
          receivedAt,
        };
        if (record.record_type === 'message') {
          const subject = record.message.subject?.trim();
          return {
            ...common,
            kind: 'message',
            title: subject || titleFromText(record.message.text, '（本文なし）'),
            body: record.message.text,
          };
        }
        const vitals = vitalSigns(record);
        return {
          ...common,
          kind: 'vital-signs',
          title: vitalsTitle(vitals),
          vitals,
          ...(record.comment ? { body: record.comment } : {}),
        };
      }),
    );
  };

  return {
    id,
    displayName: { ja: 'バイタルリンク', en: 'Vital Link' },
    style: 'rest-polling',
    mode: 'pull',
    map,
    fetch(since, fetchOptions = {}) {
      if (since !== undefined && !/^\d{1,15}$/.test(since))
        throw new TypeError(`not a ${id} cursor: ${since}`);
      const deadline = budgetSignal(policy, fetchOptions.signal);
      return pullPages(since, policy.maxPages, async (cursor) => {
        const body = await retryWithBackoff(() => getPage(cursor ?? '0', deadline), policy, {
          signal: deadline,
        });
        const page = parseVendorJson(id, body, vitalLinkRecordsPage);
        return { events: map(page), cursor: String(page.last_id), hasMore: page.has_more };
      });
    },
    health() {
      return probeVendorHealth(
        id,
        vendorUrl(options.baseUrl, 'api/v1/ping'),
        {},
        {
          timeoutMs: Math.min(policy.timeoutMs, 2_000),
          now,
        },
      );
    },
  };
}

function vitalSigns(record: z.infer<typeof vitalLinkVitalRecord>): VitalSigns {
  const { body_temperature, blood_pressure, pulse_rate, spo2 } = record.vital;
  return {
    ...(body_temperature != null ? { temperatureCelsius: body_temperature } : {}),
    ...(blood_pressure
      ? { systolicMmHg: blood_pressure.systolic, diastolicMmHg: blood_pressure.diastolic }
      : {}),
    ...(pulse_rate != null ? { pulsePerMinute: pulse_rate } : {}),
    ...(spo2 != null ? { spo2Percent: spo2 } : {}),
  };
}

function vitalsTitle(vitals: VitalSigns): string {
  const parts = [
    vitals.temperatureCelsius !== undefined ? `体温 ${vitals.temperatureCelsius}℃` : undefined,
    vitals.systolicMmHg !== undefined ? `血圧 ${vitals.systolicMmHg}/${vitals.diastolicMmHg}` : undefined,
    vitals.pulsePerMinute !== undefined ? `脈拍 ${vitals.pulsePerMinute}` : undefined,
    vitals.spo2Percent !== undefined ? `SpO2 ${vitals.spo2Percent}%` : undefined,
  ].filter((part) => part !== undefined);
  return `バイタル ${parts.join(' / ')}`;
}

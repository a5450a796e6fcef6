import type { CanonicalEvent } from '../canonical-event.js';
import { authorRoleFromLabel } from '../author-role.js';
import { checkCanonicalEvents } from '../check-canonical-events.js';
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
import { decodeShiftJis, looksLikeMojibake } from './decode-shift-jis.js';
import { hikariOneBatchIndex, hikariOneColumns, hikariOneRecord } from './hikari-one-export.js';
import { CsvSyntaxError, parseCsv } from './parse-csv.js';
import { parseTokyoLocalTime } from './parse-tokyo-local-time.js';

export interface HikariOneConnectorOptions {
  id?: string;
  baseUrl: string;
  apiKey: string;
  /** The facility account the export belongs to. */
  account: string;
  /** Where record pages live; deep links are built below it. */
  webAppUrl?: string;
  maxBatchBytes?: number;
  policy?: Partial<PullPolicy>;
  now?: () => Date;
}

/**
 * ひかりワン: the portal downloads the numbered export batches it has not seen; the cursor is the last batch
 * sequence taken. A batch is taken whole or not at all: one bad record, a wrong encoding or a record count
 * that disagrees with the index refuses it, and the cursor stays before it until the vendor fixes it.
 */
export function createHikariOneConnector(options: HikariOneConnectorOptions): PullConnector {
  const id = options.id ?? 'hikari-one';
  const now = options.now ?? (() => new Date());
  const policy = pullPolicy(options.policy);
  const maxBatchBytes = options.maxBatchBytes ?? 5 * 1024 * 1024;
  const webAppUrl = options.webAppUrl ?? vendorUrl(options.baseUrl, 'app/').href;
  const headers = { 'x-api-key': options.apiKey };

  const get = async (url: URL, accept: string, maxBytes: number, signal: AbortSignal) => {
    const response = await retryWithBackoff(
      () =>
        requestVendor(
          url,
          { headers: { ...headers, accept } },
          { vendor: id, timeoutMs: policy.timeoutMs, maxBytes, signal },
        ),
      policy,
      { signal },
    );
    if (response.status === 401 || response.status === 403) {
      throw new VendorAuthError(id, `export answered HTTP ${response.status}`);
    }
    if (response.status !== 200) {
      throw new VendorPayloadError(id, 'malformed', `export answered HTTP ${response.status}`);
    }
    return response;
  };

  const map = (vendorPayload: unknown): CanonicalEvent[] => {
    if (!(vendorPayload instanceof Uint8Array)) {
      throw new VendorPayloadError(id, 'malformed', 'expected the bytes of an export file');
    }
    if (vendorPayload.byteLength > maxBatchBytes) {
      throw new VendorPayloadError(id, 'oversized', `batch above ${maxBatchBytes} bytes`);
    }
    const rows = csvRows(decodeShiftJis(id, vendorPayload));
    const [header, ...records] = rows;
    if (!header || header.join(',') !== hikariOneColumns.join(',')) {
      // The header is known text; mojibake in it means the whole file was read with the wrong encoding.
      const reason = header && looksLikeMojibake(header.join(',')) ? 'bad-encoding' : 'malformed';
      throw new VendorPayloadError(id, reason, 'unexpected header row');
    }
    const receivedAt = now().toISOString();
    return checkCanonicalEvents(
      id,
      records.map((row, index) => {
        if (row.length !== hikariOneColumns.length) {
          throw new VendorPayloadError(id, 'malformed', `row ${index + 2}: ${row.length} fields`);
        }
        const [recordId, groupId, groupName, authorName, occupation, recordedAt, subject, body] = row;
        const record = parseVendorValue(
          id,
          { recordId, groupId, groupName, authorName, occupation, recordedAt, subject, body },
          hikariOneRecord,
        );
        const occurredAt = parseTokyoLocalTime(record.recordedAt);
        if (!occurredAt) {
          throw new VendorPayloadError(id, 'malformed', `row ${index + 2}: 記録日時 is not a date`);
        }
        return {
          vendor: id,
          vendorMessageId: record.recordId,
          vendorAccount: options.account,
          patientGroupRef: record.groupId,
          patientGroupName: record.groupName,
          author: {
            role: authorRoleFromLabel(record.occupation || undefined),
            ...(record.occupation ? { roleLabel: record.occupation } : {}),
            ...(record.authorName ? { name: record.authorName } : {}),
          },
          occurredAt: occurredAt.toISOString(),
          kind: 'message',
          title: record.subject.trim() || titleFromText(record.body, '（本文なし）'),
          body: record.body,
          deepLink: vendorUrl(webAppUrl, `records/${encodeURIComponent(record.recordId)}`).href,
          receivedAt,
        };
      }),
    );
  };

  const csvRows = (text: string): string[][] => {
    try {
      return parseCsv(text);
    } catch (error) {
      if (error instanceof CsvSyntaxError)
        throw new VendorPayloadError(id, 'malformed', error.message, { cause: error });
      throw error;
    }
  };

  return {
    id,
    displayName: { ja: 'ひかりワン', en: 'Hikari One' },
    style: 'batch-export',
    mode: 'pull',
    map,
    async fetch(since, fetchOptions = {}) {
      if (since !== undefined && !/^\d{1,12}$/.test(since))
        throw new TypeError(`not a ${id} cursor: ${since}`);
      const deadline = budgetSignal(policy, fetchOptions.signal);
      const after = since ?? '0';
      const indexResponse = await get(
        vendorUrl(options.baseUrl, 'export/v1/batches', { after }),
        'application/json',
        1024 * 1024,
        deadline,
      );
      const waiting = parseVendorJson(id, indexResponse.body, hikariOneBatchIndex)
        .batches.filter((batch) => batch.sequence > Number(after))
        .sort((a, b) => a.sequence - b.sequence);
      let next = 0;
      return pullPages(since, policy.maxPages, async () => {
        const batch = waiting[next++];
        if (!batch) return { events: [], cursor: since, hasMore: false };
        const file = await get(
          vendorUrl(options.baseUrl, `export/v1/batches/${batch.sequence}/file`),
          'text/csv',
          maxBatchBytes,
          deadline,
        );
        if (file.headers.get('x-batch-sequence') !== String(batch.sequence)) {
          throw new VendorPayloadError(
            id,
            'malformed',
            `batch ${batch.sequence}: served under another sequence number`,
          );
        }
        const events = map(file.body);
        if (events.length !== batch.record_count) {
          throw new VendorPayloadError(
            id,
            'malformed',
            `batch ${batch.sequence}: ${events.length} records, the index announces ${batch.record_count}`,
          );
        }
        return { events, cursor: String(batch.sequence), hasMore: next < waiting.length };
      });
    },
    health() {
      return probeVendorHealth(
        id,
        vendorUrl(options.baseUrl, 'export/v1/status'),
        { headers },
        {
          timeoutMs: Math.min(policy.timeoutMs, 2_000),
          now,
        },
      );
    },
  };
}

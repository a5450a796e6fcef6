import { tokyoIsoString, tokyoDateTimeSeconds } from '@hcw/common';
import express, { type Request } from 'express';
import iconv from 'iconv-lite';
import { cycle, demoCareTeams, demoMessages, demoStaff } from '../demo-care-teams.js';
import type { Sandbox } from '../start-sandbox.js';
import { createVendorOutage, type OutageMode } from '../vendor-outage.js';
import { renderVendorPage } from '../vendor-web-page.js';
import { writeCsv } from './write-csv.js';

/**
 * A stand-in for ひかりワン: no live API, but a periodic export. Each export is a numbered batch file, CSV
 * with Japanese column names, encoded Shift_JIS (Windows-31J) as Japanese office software writes it; an
 * index lists the batches after a given sequence number.
 */
export const hikariOneColumns = [
  '記録ID',
  '患者グループID',
  '患者グループ名',
  '記入者',
  '職種',
  '記録日時',
  '件名',
  '本文',
];

export interface HikariOneSandboxOptions {
  apiKey: string;
  now?: () => Date;
  /** Export whatever was recorded every so often, as the real system's nightly or hourly job does. */
  exportIntervalMs?: number;
  seed?: boolean;
}

export interface HikariOneRecordInput {
  groupId: string;
  groupName: string;
  authorName: string;
  occupation: string;
  recordedAt?: Date;
  subject?: string;
  body: string;
}

export interface HikariOneSandbox extends Sandbox {
  /** Recorded now, exported with the next batch. */
  addRecord(input: HikariOneRecordInput): string;
  /** Closes a batch with every record not yet exported; returns its sequence number. */
  exportBatch(options?: { encoding?: string }): number;
  /** Publishes `bytes` as the next batch, announcing `recordCount` records. */
  publishRawBatch(bytes: Uint8Array, recordCount: number): number;
  takeDown(mode?: OutageMode): void;
  bringUp(): void;
  failNext(count: number, status?: number): void;
  /** Stops the periodic export. */
  stop(): void;
}

interface Batch {
  sequence: number;
  createdAt: Date;
  recordCount: number;
  bytes: Buffer;
}

interface StoredRecord extends HikariOneRecordInput {
  id: string;
  recordedAt: Date;
}

export function createHikariOneSandbox(options: HikariOneSandboxOptions): HikariOneSandbox {
  const now = options.now ?? (() => new Date());
  const outage = createVendorOutage();
  const records = new Map<string, StoredRecord>();
  let staged: StoredRecord[] = [];
  const batches: Batch[] = [];

  const publish = (bytes: Buffer, recordCount: number): number => {
    const sequence = batches.length + 1;
    batches.push({ sequence, createdAt: now(), recordCount, bytes });
    return sequence;
  };

  const addRecord = (input: HikariOneRecordInput): string => {
    const id = `H1-${String(records.size + 1).padStart(7, '0')}`;
    const record: StoredRecord = { ...input, id, recordedAt: input.recordedAt ?? now() };
    records.set(id, record);
    staged.push(record);
    return id;
  };

  const exportBatch = (exportOptions: { encoding?: string } = {}): number => {
    const rows = staged.map((record) => [
      record.id,
      record.groupId,
      record.groupName,
      record.authorName,
      record.occupation,
      tokyoDateTimeSeconds(record.recordedAt).replaceAll('-', '/'),
      record.subject ?? '',
      record.body,
    ]);
    const csv = writeCsv([hikariOneColumns, ...rows]);
    const sequence = publish(iconv.encode(csv, exportOptions.encoding ?? 'Shift_JIS'), rows.length);
    staged = [];
    return sequence;
  };

  const isAuthorised = (request: Request) => request.get('x-api-key') === options.apiKey;

  const app = express();
  app.disable('x-powered-by');
  app.use(outage.middleware);
  app.use('/export', (request, response, next) => {
    if (isAuthorised(request)) return next();
    response.status(401).json({ error: 'APIキーが正しくありません' });
  });

  app.get('/export/v1/status', (_request, response) => {
    response.json({ status: 'ok', latestSequence: batches.length });
  });

  app.get('/export/v1/batches', (request, response) => {
    const after = Number(request.query.after ?? 0);
    if (!Number.isInteger(after) || after < 0) {
      response.status(400).json({ error: 'after は0以上の整数で指定してください' });
      return;
    }
    response.json({
      batches: batches
        .filter((batch) => batch.sequence > after)
        .map((batch) => ({
          sequence: batch.sequence,
          file_name: `hikari_export_${String(batch.sequence).padStart(6, '0')}.csv`,
          created_at: tokyoIsoString(batch.createdAt),
          record_count: batch.recordCount,
        })),
    });
  });

  app.get('/export/v1/batches/:sequence/file', (request, response) => {
    const batch = batches[Number(request.params.sequence) - 1];
    if (!batch) {
      response.status(404).json({ error: 'バッチが見つかりません' });
      return;
    }
    response
      .set({
        'content-type': 'text/csv; charset=Shift_JIS',
        'content-disposition': `attachment; filename="hikari_export_${String(batch.sequence).padStart(6, '0')}.csv"`,
        'x-batch-sequence': String(batch.sequence),
      })
      .send(batch.bytes);
  });

  app.get('/app/records/:recordId', (request, response) => {
    const record = records.get(request.params.recordId);
    if (!record) {
      response
        .status(404)
        .type('html')
        .send(renderVendorPage({ vendorName: 'ひかりワン', title: '記録が見つかりません' }));
      return;
    }
    response.type('html').send(
      renderVendorPage({
        vendorName: 'ひかりワン',
        title: record.subject || record.groupName,
        facts: [
          ['患者グループ', record.groupName],
          ['記入者', `${record.authorName}（${record.occupation}）`],
          ['記録日時', tokyoDateTimeSeconds(record.recordedAt).replaceAll('-', '/')],
        ],
        body: record.body,
      }),
    );
  });

  if (options.seed) {
    demoMessages.forEach((body, index) => {
      const team = cycle(demoCareTeams, index + 2);
      const staff = cycle(demoStaff, index + 1);
      addRecord({
        groupId: team.groupId,
        groupName: team.groupName,
        authorName: staff.name,
        occupation: staff.role,
        body,
      });
    });
    exportBatch();
  }

  const timer =
    options.exportIntervalMs === undefined
      ? undefined
      : setInterval(() => {
          if (staged.length > 0) exportBatch();
        }, options.exportIntervalMs).unref();

  return {
    app,
    // The export carries no links; the portal builds them from the web app's address.
    useBaseUrl() {},
    addRecord,
    exportBatch,
    publishRawBatch: (bytes, recordCount) => publish(Buffer.from(bytes), recordCount),
    takeDown: (mode) => outage.takeDown(mode),
    bringUp: () => outage.bringUp(),
    failNext: (count, status) => outage.failNext(count, status),
    stop() {
      clearInterval(timer);
    },
  };
}

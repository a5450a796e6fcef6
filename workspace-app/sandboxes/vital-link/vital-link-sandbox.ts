import { tokyoIsoString } from '@hcw/common';
import express from 'express';
import { cycle, demoCareTeams, demoStaff } from '../demo-care-teams.js';
import type { Sandbox } from '../start-sandbox.js';
import { createVendorOutage, type OutageMode } from '../vendor-outage.js';
import { renderVendorPage } from '../vendor-web-page.js';

/**
 * A stand-in for バイタルリンク: care-team records of two types, vital signs taken at a visit (temperature,
 * blood pressure, pulse, SpO2) and messages, served as JSON and paged by record id.
 */
export interface VitalLinkSandboxOptions {
  apiToken: string;
  now?: () => Date;
  seed?: boolean;
}

interface RecordBase {
  teamId: string;
  teamName: string;
  authorName: string;
  jobTitle: string;
  recordedAt?: Date;
}

export interface VitalLinkVitalsInput extends RecordBase {
  temperature?: number;
  systolic?: number;
  diastolic?: number;
  pulse?: number;
  spo2?: number;
  comment?: string;
}

export interface VitalLinkMessageInput extends RecordBase {
  subject?: string;
  text: string;
}

export interface VitalLinkSandbox extends Sandbox {
  addVitals(input: VitalLinkVitalsInput): number;
  addMessage(input: VitalLinkMessageInput): number;
  /** Serves `raw` as the next record, exactly as given. */
  addRawRecord(raw: unknown): number;
  takeDown(mode?: OutageMode): void;
  bringUp(): void;
  failNext(count: number, status?: number): void;
}

type StoredRecord =
  | { id: number; type: 'vital'; input: VitalLinkVitalsInput; recordedAt: Date }
  | { id: number; type: 'message'; input: VitalLinkMessageInput; recordedAt: Date }
  | { id: number; type: 'raw'; raw: unknown };

const LIMIT_MAX = 200;

export function createVitalLinkSandbox(options: VitalLinkSandboxOptions): VitalLinkSandbox {
  const now = options.now ?? (() => new Date());
  const outage = createVendorOutage();
  const records: StoredRecord[] = [];
  let baseUrl = 'http://127.0.0.1';

  const link = (record: { id: number; input: RecordBase }) =>
    `${baseUrl}/web/teams/${encodeURIComponent(record.input.teamId)}/records/${record.id}`;

  const serve = (record: StoredRecord): unknown => {
    if (record.type === 'raw') return record.raw;
    const common = {
      record_id: record.id,
      record_type: record.type,
      team: { team_id: record.input.teamId, team_name: record.input.teamName },
      author: { name: record.input.authorName, job_title: record.input.jobTitle },
      recorded_at: tokyoIsoString(record.recordedAt),
      link: link(record),
    };
    if (record.type === 'message') {
      return { ...common, message: { subject: record.input.subject ?? null, text: record.input.text } };
    }
    const { temperature, systolic, diastolic, pulse, spo2, comment } = record.input;
    return {
      ...common,
      vital: {
        body_temperature: temperature ?? null,
        blood_pressure: systolic !== undefined && diastolic !== undefined ? { systolic, diastolic } : null,
        pulse_rate: pulse ?? null,
        spo2: spo2 ?? null,
      },
      comment: comment ?? null,
    };
  };

  const add = (record: StoredRecord): number => {
    records.push(record);
    return record.id;
  };

  const app = express();
  app.disable('x-powered-by');
  app.use(outage.middleware);

  app.get('/api/v1/ping', (_request, response) => {
    response.json({ ok: true });
  });

  app.get('/api/v1/records', (request, response) => {
    if (request.get('authorization') !== `Bearer ${options.apiToken}`) {
      response.status(401).json({ error: 'unauthorized', message: 'トークンが無効です' });
      return;
    }
    const sinceId = Number(request.query.since_id ?? 0);
    const limit = Number(request.query.limit ?? 100);
    if (
      !Number.isInteger(sinceId) ||
      sinceId < 0 ||
      !Number.isInteger(limit) ||
      limit < 1 ||
      limit > LIMIT_MAX
    ) {
      response.status(400).json({ error: 'bad_request', message: 'since_id または limit が不正です' });
      return;
    }
    const page = records.filter((record) => record.id > sinceId).slice(0, limit);
    const lastId = page.at(-1)?.id ?? sinceId;
    response.json({
      records: page.map(serve),
      last_id: lastId,
      has_more: records.some((record) => record.id > lastId),
    });
  });

  app.get('/web/teams/:teamId/records/:recordId', (request, response) => {
    const record = records.find((candidate) => String(candidate.id) === request.params.recordId);
    if (!record || record.type === 'raw' || record.input.teamId !== request.params.teamId) {
      response
        .status(404)
        .type('html')
        .send(renderVendorPage({ vendorName: 'バイタルリンク', title: '記録が見つかりません' }));
      return;
    }
    const facts: Array<readonly [string, string]> = [
      ['チーム', record.input.teamName],
      ['記録者', `${record.input.authorName}（${record.input.jobTitle}）`],
      ['記録日時', tokyoIsoString(record.recordedAt)],
    ];
    if (record.type === 'vital') {
      const { temperature, systolic, diastolic, pulse, spo2 } = record.input;
      if (temperature !== undefined) facts.push(['体温', `${temperature} ℃`]);
      if (systolic !== undefined && diastolic !== undefined)
        facts.push(['血圧', `${systolic}/${diastolic} mmHg`]);
      if (pulse !== undefined) facts.push(['脈拍', `${pulse} 回/分`]);
      if (spo2 !== undefined) facts.push(['SpO2', `${spo2} %`]);
    }
    response.type('html').send(
      renderVendorPage({
        vendorName: 'バイタルリンク',
        title: record.type === 'vital' ? 'バイタル記録' : (record.input.subject ?? 'メッセージ'),
        facts,
        ...(record.type === 'vital'
          ? record.input.comment === undefined
            ? {}
            : { body: record.input.comment }
          : { body: record.input.text }),
      }),
    );
  });

  const api: VitalLinkSandbox = {
    app,
    useBaseUrl(url) {
      baseUrl = url;
    },
    addVitals: (input) =>
      add({ id: records.length + 1, type: 'vital', input, recordedAt: input.recordedAt ?? now() }),
    addMessage: (input) =>
      add({ id: records.length + 1, type: 'message', input, recordedAt: input.recordedAt ?? now() }),
    addRawRecord: (raw) => add({ id: records.length + 1, type: 'raw', raw }),
    takeDown: (mode) => outage.takeDown(mode),
    bringUp: () => outage.bringUp(),
    failNext: (count, status) => outage.failNext(count, status),
  };

  if (options.seed) {
    demoCareTeams.forEach((team, index) => {
      const nurse = cycle(demoStaff, 1);
      const base = {
        teamId: team.groupId,
        teamName: team.groupName,
        authorName: nurse.name,
        jobTitle: nurse.role,
      };
      api.addVitals({
        ...base,
        temperature: Math.round((36.4 + index * 0.4) * 10) / 10,
        systolic: 124 + index * 6,
        diastolic: 72,
        pulse: 70 + index * 4,
        spo2: 97 - index,
      });
      api.addMessage({ ...base, text: `${team.patientName}様、本日の訪問で変わりありません。` });
    });
  }

  return api;
}

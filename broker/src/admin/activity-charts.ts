import { type Html, html, tokyoTime } from '@hcw/common';
import type pg from 'pg';
import type { RedisClientType } from 'redis';

/**
 * The console's charts, drawn on the server as SVG (the page's strict CSP allows no inline script or style,
 * and a picture needs neither). Concurrent sessions are sampled into Redis once a minute; sign-ins and their
 * failures come from the audit trail, which every broker instance writes.
 */

const SESSIONS_SERIES = 'console:series:sessions';
const KEEP_MS = 48 * 3600 * 1000;

export interface Point {
  at: number;
  value: number;
}

export async function sampleSessions(redis: RedisClientType, count: number, now = Date.now()): Promise<void> {
  const minute = Math.floor(now / 60000) * 60000;
  await redis
    .multi()
    .zRemRangeByScore(SESSIONS_SERIES, minute, minute)
    .zAdd(SESSIONS_SERIES, { score: minute, value: `${minute}:${count}` })
    .zRemRangeByScore(SESSIONS_SERIES, 0, now - KEEP_MS)
    .exec();
}

export async function sessionSeries(
  redis: RedisClientType,
  hours: number,
  now = Date.now(),
): Promise<Point[]> {
  const members = await redis.zRangeByScore(SESSIONS_SERIES, now - hours * 3600 * 1000, now);
  return members.map((member) => {
    const [at, value] = member.split(':');
    return { at: Number(at), value: Number(value) };
  });
}

/** Sign-ins and failures (of the sign-in or of the second factor) per hour. */
export async function signInSeries(
  pool: pg.Pool,
  hours: number,
): Promise<{ signIns: Point[]; failures: Point[] }> {
  const { rows } = await pool.query<{ bucket: Date; failed: boolean; count: string }>(
    `SELECT date_trunc('hour', occurred_at) AS bucket, outcome = 'failure' AS failed, count(*) AS count
       FROM audit_events
      WHERE occurred_at >= now() - make_interval(hours => $1::int)
        AND (type = 'sign-in' OR (type = 'second-factor' AND outcome = 'failure'))
      GROUP BY 1, 2`,
    [hours],
  );
  const signIns: Point[] = [];
  const failures: Point[] = [];
  for (const row of rows) {
    (row.failed ? failures : signIns).push({ at: row.bucket.getTime(), value: Number(row.count) });
  }
  return { signIns, failures };
}

export interface ChartSeries {
  label: string;
  colour: string;
  points: Point[];
  kind: 'line' | 'bars';
}

const WIDTH = 720;
const HEIGHT = 240;
const LEFT = 44;
const RIGHT = 12;
const TOP = 28;
const BOTTOM = 28;

/**
 * The `html` tag under another name, for the chart's SVG: it escapes the same, and the formatter, which
 * reflows only templates tagged `html`, leaves each element on one line as it was written.
 */
const svg = html;

/** A time chart over the last `hours`, one line or set of bars per series, with a legend and axis labels. */
export function timeChart(title: string, series: ChartSeries[], hours: number, now = Date.now()): string {
  const start = now - hours * 3600 * 1000;
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const max = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.value)));
  const top = niceCeiling(max);
  const x = (at: number): number => LEFT + ((at - start) / (now - start)) * plotWidth;
  const y = (value: number): number => TOP + plotHeight - (value / top) * plotHeight;
  const parts: Html[] = [];
  parts.push(
    svg`<text x="${LEFT}" y="16" font-size="14" font-family="sans-serif" fill="#1b1f23">${title}</text>`,
  );
  for (const tick of [0, top / 2, top]) {
    parts.push(
      svg`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y(tick)}" y2="${y(tick)}" stroke="#d0d7de" stroke-width="1"/>`,
      svg`<text x="${LEFT - 6}" y="${y(tick) + 4}" font-size="11" text-anchor="end" font-family="sans-serif" fill="#57606a">${formatNumber(tick)}</text>`,
    );
  }
  for (let h = 0; h <= hours; h += Math.max(1, Math.round(hours / 6))) {
    const at = start + h * 3600 * 1000;
    const anchor = h === 0 ? 'start' : h + Math.max(1, Math.round(hours / 6)) > hours ? 'end' : 'middle';
    parts.push(
      svg`<text x="${x(at)}" y="${HEIGHT - 8}" font-size="11" text-anchor="${anchor}" font-family="sans-serif" fill="#57606a">${tokyoTime(at)}</text>`,
    );
  }
  const barSeries = series.filter((s) => s.kind === 'bars');
  const slot = (plotWidth / hours) * 0.8;
  for (const [index, s] of series.entries()) {
    const points = s.points
      .filter((p) => p.at >= start - 3600 * 1000 && p.at <= now)
      .sort((a, b) => a.at - b.at);
    if (s.kind === 'line' && points.length > 0) {
      const path = points.map(
        (p, i) => `${i === 0 ? 'M' : 'L'}${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`,
      );
      parts.push(svg`<path d="${path.join(' ')}" fill="none" stroke="${s.colour}" stroke-width="2"/>`);
      // Each sample as a dot too, so a series of one sample still shows.
      for (const p of points) {
        parts.push(
          svg`<circle cx="${x(p.at).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="2.5" fill="${s.colour}"><title>${tokyoTime(p.at)} ${p.value}</title></circle>`,
        );
      }
    }
    if (s.kind === 'bars') {
      const width = slot / barSeries.length;
      const offset = barSeries.indexOf(s) * width;
      for (const p of points) {
        const left = Math.max(LEFT, x(p.at) + offset);
        parts.push(
          svg`<rect x="${left.toFixed(1)}" y="${y(p.value).toFixed(1)}" width="${width.toFixed(1)}" height="${(TOP + plotHeight - y(p.value)).toFixed(1)}" fill="${s.colour}"><title>${tokyoTime(p.at)} ${s.label} ${p.value}</title></rect>`,
        );
      }
    }
    const legendX = WIDTH - RIGHT - 150 * (series.length - index);
    parts.push(
      svg`<rect x="${legendX}" y="6" width="12" height="12" fill="${s.colour}"/>`,
      svg`<text x="${legendX + 18}" y="16" font-size="12" font-family="sans-serif" fill="#1b1f23">${s.label}</text>`,
    );
  }
  return svg`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${title}">${parts}</svg>`.toString();
}

function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/**
 * Each benchmark run leaves its figures as JSON in `benchmarks/results/<benchmark>/<time>.json`, beside the
 * machine and load they were taken on. `npm run bench` compares a run with the newest earlier file of the same
 * benchmark; the files committed are the recorded runs that docs/benchmarks.md quotes.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const RESULTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** Changes smaller than this share of the earlier figure are reported as the same: runs on a shared machine vary. */
export const NOISE_SHARE = 0.05;

const figureSchema = z.object({
  name: z.string().min(1),
  value: z.number().finite(),
  unit: z.string(),
  /** Whether a smaller or a larger figure is the better one (a latency, a rate). */
  better: z.enum(['lower', 'higher']),
});
export type Figure = z.infer<typeof figureSchema>;

const runSchema = z.object({
  benchmark: z.string().min(1),
  date: z.string().datetime(),
  machine: z.object({ cpu: z.string(), cores: z.number(), memoryGiB: z.number(), node: z.string() }),
  /** os.loadavg() when the figures were written: 1, 5 and 15 minutes. */
  loadAverage: z.array(z.number()).length(3),
  figures: z.array(figureSchema),
});
export type BenchmarkRun = z.infer<typeof runSchema>;

export interface Change {
  name: string;
  unit: string;
  before: number | null;
  now: number;
  /** now / before; null for a figure the earlier run did not have. */
  ratio: number | null;
  verdict: 'better' | 'worse' | 'same' | 'new';
}

function thisMachine(): BenchmarkRun['machine'] {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown CPU',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
}

/** Writes one run's figures; returns the file written. */
export function writeRun(
  benchmark: string,
  figures: Figure[],
  options: { dir?: string; now?: Date } = {},
): string {
  const now = options.now ?? new Date();
  const run: BenchmarkRun = runSchema.parse({
    benchmark,
    date: now.toISOString(),
    machine: thisMachine(),
    loadAverage: os.loadavg(),
    figures,
  });
  const folder = path.join(options.dir ?? RESULTS_DIR, benchmark);
  mkdirSync(folder, { recursive: true });
  // ISO time without colons: a name every file system takes, and sorting the names sorts the runs.
  const file = path.join(folder, `${run.date.replace(/:/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
  return file;
}

/** The runs of one benchmark on record, oldest first; a file that is not a run is named in the error. */
export function runsOf(benchmark: string, dir = RESULTS_DIR): { file: string; run: BenchmarkRun }[] {
  const folder = path.join(dir, benchmark);
  let names: string[];
  try {
    names = readdirSync(folder).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  return names.sort().map((name) => {
    const file = path.join(folder, name);
    const parsed = runSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success)
      throw new Error(`${file} is not a benchmark run: ${parsed.error.issues[0]?.message}`);
    return { file, run: parsed.data };
  });
}

/** Each figure of `now` against the same figure of `before`. */
export function compareRuns(before: BenchmarkRun | undefined, now: BenchmarkRun): Change[] {
  return now.figures.map((figure) => {
    const earlier = before?.figures.find((candidate) => candidate.name === figure.name);
    if (!earlier || earlier.unit !== figure.unit) {
      return {
        name: figure.name,
        unit: figure.unit,
        before: null,
        now: figure.value,
        ratio: null,
        verdict: 'new',
      };
    }
    const ratio = earlier.value === 0 ? (figure.value === 0 ? 1 : Infinity) : figure.value / earlier.value;
    const improved = figure.better === 'lower' ? ratio < 1 : ratio > 1;
    const verdict = Math.abs(ratio - 1) <= NOISE_SHARE ? 'same' : improved ? 'better' : 'worse';
    return { name: figure.name, unit: figure.unit, before: earlier.value, now: figure.value, ratio, verdict };
  });
}

const number = (value: number) => (Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3));

/** The changes as a Markdown table, with the earlier run's date and load so a reader can weigh them. */
export function formatChanges(
  before: BenchmarkRun | undefined,
  now: BenchmarkRun,
  changes: Change[],
): string {
  const load = (run: BenchmarkRun) => run.loadAverage[0]!.toFixed(1);
  const heading = before
    ? `change against the run of ${before.date} (load ${load(before)}; now ${load(now)}):`
    : 'no earlier run on record: every figure is new';
  const rows = changes.map((change) => {
    const was = change.before === null ? '–' : `${number(change.before)} ${change.unit}`;
    const ratio = change.ratio === null ? '–' : `${change.ratio.toFixed(2)}×`;
    return `| ${change.name} | ${was} | ${number(change.now)} ${change.unit} | ${ratio} | ${change.verdict} |`;
  });
  return [heading, '| figure | before | now | ratio | |', '|---|---:|---:|---:|---|', ...rows].join('\n');
}

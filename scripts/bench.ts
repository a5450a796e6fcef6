/**
 * `npm run bench [name…]`: runs the benchmarks in `benchmarks/` one after another (all of them, or the ones
 * named, e.g. `npm run bench tunnel timeline`), each in its own process, and prints their figures. Each run
 * leaves its figures in benchmarks/results/<name>/ and is compared here with the newest earlier run of the same
 * benchmark. Record the figures with the machine and date in docs/benchmarks.md, and commit the run's file.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareRuns, formatChanges, runsOf } from '../benchmarks/support/results.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'benchmarks');
const available = readdirSync(dir)
  .filter((file) => file.endsWith('.bench.ts'))
  .map((file) => file.replace(/\.bench\.ts$/, ''))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; available: ${available.join(', ')}\n`);
  process.exit(2);
}
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
process.stdout.write(
  `machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString()}\n`,
);
let failed = 0;
for (const name of wanted.length > 0 ? wanted : available) {
  process.stdout.write(`\n=== ${name} ===\n`);
  const startedAt = Date.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, `${name}.bench.ts`)], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) failed++;
  const runs = runsOf(name);
  const now = runs.at(-1);
  if (now && Date.parse(now.run.date) >= startedAt) {
    const before = runs.at(-2)?.run;
    process.stdout.write(`\n${formatChanges(before, now.run, compareRuns(before, now.run))}\n`);
    process.stdout.write(`(figures in ${path.relative(root, now.file)})\n`);
  } else {
    process.stdout.write(`\n(${name} wrote no figures to benchmarks/results/${name}/)\n`);
  }
}
process.exit(failed > 0 ? 1 : 0);

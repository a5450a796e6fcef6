import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compareRuns, formatChanges, runsOf, writeRun, type Figure } from '#benchmarks/support/results.js';
import { scratchDir } from '../support/scratch-dir.js';

const latency = (value: number): Figure => ({ name: 'page p99', value, unit: 'ms', better: 'lower' });
const rate = (value: number): Figure => ({ name: 'ingestion', value, unit: 'events/s', better: 'higher' });

describe('benchmark results on record', () => {
  it('keeps each run as a file, oldest first, with the machine and load it was taken on', () => {
    const dir = scratchDir('hcw-bench-results');
    writeRun('timeline', [latency(40)], { dir, now: new Date('2026-12-01T10:00:00Z') });
    writeRun('timeline', [latency(30)], { dir, now: new Date('2026-12-07T09:30:00Z') });
    writeRun('tunnel', [latency(5)], { dir, now: new Date('2026-12-05T00:00:00Z') });
    const runs = runsOf('timeline', dir);
    assert.deepEqual(
      runs.map(({ run }) => run.date),
      ['2026-12-01T10:00:00.000Z', '2026-12-07T09:30:00.000Z'],
    );
    assert.equal(
      path.basename(runs[1]!.file),
      '2026-12-07T09-30-00.000Z.json',
      'a name every file system takes',
    );
    assert.ok(runs[1]!.run.machine.cores > 0 && runs[1]!.run.machine.node.startsWith('v'));
    assert.equal(runs[1]!.run.loadAverage.length, 3);
    assert.deepEqual(runsOf('device-shape', dir), [], 'a benchmark never run has no runs');
  });

  it('says which way each figure moved, by whether lower or higher is better, and calls small moves the same', () => {
    const dir = scratchDir('hcw-bench-results');
    writeRun('timeline', [latency(40), rate(5000)], { dir, now: new Date('2026-12-01T00:00:00Z') });
    writeRun('timeline', [latency(30), rate(4000), { ...latency(1), name: 'new figure' }], { dir });
    const [before, now] = runsOf('timeline', dir).map(({ run }) => run);
    const changes = compareRuns(before, now!);
    assert.deepEqual(
      changes.map((change) => [change.name, change.verdict]),
      [
        ['page p99', 'better'],
        ['ingestion', 'worse'],
        ['new figure', 'new'],
      ],
    );
    assert.equal(changes[0]!.ratio, 0.75);
    // Control: a move inside the noise is neither better nor worse.
    const [same] = compareRuns(before, { ...now!, figures: [latency(41)] });
    assert.equal(same!.verdict, 'same');
    const table = formatChanges(before, now!, changes);
    assert.match(table, /change against the run of 2026-12-01T00:00:00.000Z/);
    assert.match(table, /\| page p99 \| 40\.0 ms \| 30\.0 ms \| 0\.75× \| better \|/);
    assert.match(formatChanges(undefined, now!, compareRuns(undefined, now!)), /no earlier run on record/);
  });

  it('refuses figures that are not numbers, and names a file on record that is not a run', () => {
    const dir = scratchDir('hcw-bench-results');
    assert.throws(() => writeRun('timeline', [latency(Number.NaN)], { dir }));
    mkdirSync(path.join(dir, 'timeline'), { recursive: true });
    writeFileSync(path.join(dir, 'timeline', 'broken.json'), JSON.stringify({ benchmark: 'timeline' }));
    assert.throws(() => runsOf('timeline', dir), /broken\.json is not a benchmark run/);
  });
});

import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { promisify } from 'node:util';
import { DataDirInUseError, lockDataDir } from '#scripts/stack/data-dir-lock.js';
import { repoRoot } from '#scripts/stack/workspace-stack.js';
import { scratchDir } from '../support/scratch-dir.js';

const run = promisify(execFile);

/** `tsx scripts/demo.ts` with these settings, as `npm run demo` starts it after the set-up. */
async function demo(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      timeout: 60000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('npm run demo, before it starts anything', function () {
  this.timeout(90000);

  it('names a port another program holds, and how to choose another, instead of failing later', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const result = await demo({ DEMO_PORT: String(port) });
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`Port ${port} \\(DEMO_PORT\\) is in use by another program`));
      assert.match(result.stderr, new RegExp(`DEMO_PORT=${port + 1} npm run demo`));
      assert.doesNotMatch(result.stdout, /Starting/, 'nothing was started');
    } finally {
      taken.close();
    }
  });

  it('refuses a desktop count it cannot run, saying which setting is wrong', async () => {
    const result = await demo({ DEMO_DESKTOPS: '0' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /The demo's settings are not valid: DEMO_DESKTOPS:/);
  });
});

describe('a second npm run demo', function () {
  this.timeout(90000);

  it('says a demo is already running and touches nothing of it', async () => {
    const dataDir = scratchDir('hcw-demo-data');
    // The first demo: a live process holding the folder, with something of its own running there.
    const first = spawn('sleep', ['120'], { stdio: 'ignore' });
    const lock = path.join(dataDir, 'stack.lock');
    writeFileSync(lock, `${first.pid}\n`);
    try {
      const result = await demo({ DEMO_DATA_DIR: dataDir });
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`A demo is already running \\(process ${first.pid}\\)`));
      assert.match(result.stderr, /stop it with Ctrl\+C in its terminal first/);
      assert.doesNotMatch(result.stdout, /Starting/, 'nothing was started');
      assert.equal(first.exitCode, null, 'the first demo was touched');
      assert.equal(readFileSync(lock, 'utf8'), `${first.pid}\n`);
    } finally {
      first.kill();
    }
  });
});

describe('the stack’s data folder lock', () => {
  it('is refused while its holder lives, taken back when the holder is gone, and released on stop', () => {
    const dataDir = scratchDir('hcw-lock');
    const holder = spawn('sleep', ['120'], { stdio: 'ignore' });
    try {
      writeFileSync(path.join(dataDir, 'stack.lock'), `${holder.pid}\n`);
      assert.throws(() => lockDataDir(dataDir), DataDirInUseError);
    } finally {
      holder.kill('SIGKILL');
    }
    // Control: a lock whose process is gone (killed, a restart) is stale.
    const dead = spawnSync('true').pid;
    writeFileSync(path.join(dataDir, 'stack.lock'), `${dead}\n`);
    const release = lockDataDir(dataDir);
    assert.equal(readFileSync(path.join(dataDir, 'stack.lock'), 'utf8'), `${process.pid}\n`);
    release();
    assert.equal(existsSync(path.join(dataDir, 'stack.lock')), false);
  });
});

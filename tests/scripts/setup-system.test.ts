import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '#scripts/stack/workspace-stack.js';
import { debianMirror } from '../support/debian-root/debian-mirror.js';
import { ensurePackages } from '../support/debian-root/ensure-packages.js';
import { ThrowawayRoot, type CommandResult } from '../support/debian-root/throwaway-root.js';
import { onProcessEnd } from '../support/on-process-end.js';

/**
 * The first command on a machine that has never seen the project: the set-up runs inside throw-away
 * Debian 12 roots made by debootstrap, each shaped like one kind of machine a newcomer or a CI runner has.
 */

const INSTALL_TIMEOUT_MS = 20 * 60 * 1000;
const POLICY = '/usr/sbin/policy-rc.d';
const CONTAINER_POLICY = '#!/bin/sh\n# As container images ship it.\nexit 101\n';

/** Every Debian package the set-up promises, read the way the script reads its lists. */
function promisedPackages(): string[] {
  const desktop = readFileSync(path.join(repoRoot, 'vdi-images/provision/desktop-packages.txt'), 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean);
  return [
    'redis-server',
    'postgresql',
    'postgresql-contrib',
    'openssl',
    ...desktop,
    'guacd',
    'libguac-client-vnc0',
  ];
}

function installedIn(root: ThrowawayRoot, packages: string[]): Promise<string[]> {
  return Promise.all(
    packages.map(async (pkg) => {
      const { stdout } = await root.run('dpkg-query', ['-W', '-f=${Status}', pkg]);
      return stdout.includes('install ok installed') ? pkg : '';
    }),
  ).then((found) => found.filter(Boolean));
}

/** The set-up script and what it reads, where a checkout would have them. */
function copySetUp(root: ThrowawayRoot, transform: (script: string) => string = (s) => s): void {
  for (const file of ['scripts/setup-steps.sh', 'vdi-images/provision/desktop-packages.txt']) {
    root.copyIn(path.join(repoRoot, file), `/srv/hcw/${file}`);
  }
  const script = transform(readFileSync(path.join(repoRoot, 'scripts/setup-system.sh'), 'utf8'));
  writeFileSync(root.path('/srv/hcw/scripts/setup-system.sh'), script, { mode: 0o755 });
}

function runSetUp(root: ThrowawayRoot): Promise<CommandResult> {
  return root.run('bash', ['/srv/hcw/scripts/setup-system.sh'], undefined, { timeoutMs: INSTALL_TIMEOUT_MS });
}

const transcript = (result: CommandResult): string =>
  `exit ${result.code}\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`;

/** Waits until a probe's output matches (a daemon just started takes a moment to listen). */
async function answered(probe: () => string, expected: RegExp, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (expected.test(probe())) return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`no answer matching ${expected}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The trap as it was written before: an `&&` list whose false test became the script's exit status. */
function withTheOldTrap(script: string): string {
  const fixed =
    /cleanup\(\) \{\n\s+if \[ "\$added_policy" = 1 \]; then \$SUDO rm -f \/usr\/sbin\/policy-rc.d; fi\n\}/;
  assert.match(script, fixed, 'the cleanup trap is not written as this test expects');
  return script.replace(fixed, 'cleanup() { [ "$added_policy" = 1 ] && $SUDO rm -f /usr/sbin/policy-rc.d; }');
}

describe('set-up on a machine that has never seen the project (scripts/setup-system.sh)', function () {
  this.timeout(INSTALL_TIMEOUT_MS + 5 * 60 * 1000);
  const packages = promisedPackages();
  let mirror: string;

  before(function () {
    // debootstrap, mount and chroot need root.
    if (process.getuid?.() !== 0) this.skip();
    ensurePackages(['debootstrap']);
    mirror = debianMirror();
  });

  describe('(a) a fresh Debian 12 with no policy-rc.d', () => {
    let root: ThrowawayRoot;
    let missingBefore: string[];
    let first: CommandResult;

    before(async () => {
      root = await ThrowawayRoot.create({ mirror });
      rmSync(root.path(POLICY), { force: true });
      copySetUp(root);
      const present = await installedIn(root, packages);
      missingBefore = packages.filter((pkg) => !present.includes(pkg));
      first = await runSetUp(root);
    });
    after(() => root?.destroy());

    it('succeeds on the first run, saying each step and how long it took', () => {
      assert.equal(first.code, 0, transcript(first));
      for (const line of [
        /\[setup\] Debian packages to install \(\d+\):/,
        /\[setup\] +the desktop \(Xvnc, openbox, kiosk Chromium, Japanese fonts\): .*chromium/,
        /\[setup\] installing \d+ Debian packages .*…\n/,
        /\[setup\] +done in \d+(m\d\d)?s\n/,
        /\[setup\] Debian packages: \d+ installed\n/,
      ]) {
        assert.ok(line.test(first.stdout), `no line like ${line} in:\n${transcript(first)}`);
      }
    });

    it('installs every package the workspace needs (control: they were missing before)', async () => {
      for (const pkg of ['redis-server', 'postgresql', 'chromium', 'tigervnc-standalone-server', 'guacd']) {
        assert.ok(missingBefore.includes(pkg), `${pkg} was there before the set-up ran`);
      }
      assert.deepEqual(await installedIn(root, packages), packages);
      const guacd = await root.run('dpkg-query', ['-W', '-f=${Version}', 'guacd']);
      assert.match(guacd.stdout, /^1\.3\.0/);
    });

    it('takes away the policy-rc.d it added for the install', () => {
      assert.throws(() => readFileSync(root.path(POLICY)), /ENOENT/);
    });

    it('does nothing on a second run', async () => {
      const second = await runSetUp(root);
      assert.equal(second.code, 0, transcript(second));
      assert.match(second.stdout, /Debian packages: all present/);
    });
  });

  describe('(b) a container-style root whose policy-rc.d answers 101', () => {
    let root: ThrowawayRoot;
    let first: CommandResult;

    before(async () => {
      root = await ThrowawayRoot.create({ mirror });
      writeFileSync(root.path(POLICY), CONTAINER_POLICY, { mode: 0o755 });
      copySetUp(root);
      first = await runSetUp(root);
    });
    after(() => root?.destroy());

    it('succeeds on the first run', () => {
      assert.equal(first.code, 0, transcript(first));
    });

    it('installs every package the workspace needs', async () => {
      assert.deepEqual(await installedIn(root, packages), packages);
    });

    it("leaves the machine's own policy-rc.d as it was", () => {
      assert.equal(readFileSync(root.path(POLICY), 'utf8'), CONTAINER_POLICY);
    });

    it('control: with the trap written as an && list, the same install reports failure although it worked', async () => {
      const removed = await root.run('dpkg', ['--remove', 'xclip']);
      assert.equal(removed.code, 0, transcript(removed));
      copySetUp(root, withTheOldTrap);
      const defective = await runSetUp(root);
      assert.notEqual(defective.code, 0, 'the old trap no longer fails: this control proves nothing');
      assert.deepEqual(await installedIn(root, ['xclip']), ['xclip']);
    });

    describe('a failure names the step, the command and the way out', () => {
      before(async () => {
        copySetUp(root);
        const removed = await root.run('dpkg', ['--remove', 'xclip']);
        assert.equal(removed.code, 0, transcript(removed));
      });

      it('without root and without sudo', async () => {
        const added = await root.run('useradd', ['--create-home', 'newcomer']);
        assert.equal(added.code, 0, transcript(added));
        const result = await root.run('bash', ['/srv/hcw/scripts/setup-system.sh'], 'newcomer');
        assert.notEqual(result.code, 0);
        assert.match(result.stdout, /\[setup\] FAILED: installing Debian packages needs root\n/);
        assert.match(result.stdout, /what to do: run the command as root, or install sudo/);
      });

      it('when the Debian mirror cannot be reached', async () => {
        const sources = root.path('/etc/apt/sources.list');
        const reachable = readFileSync(sources, 'utf8');
        try {
          // Nothing listens on the discard port: the mirror is "down".
          writeFileSync(sources, reachable.replace(/https?:\/\/[^ ]+/g, 'http://127.0.0.1:9/debian'));
          const result = await runSetUp(root);
          assert.notEqual(result.code, 0);
          assert.match(
            result.stdout,
            /\[setup\] FAILED: refreshing the package lists .*\(exit status \d+\)\n/,
          );
          assert.match(result.stdout, /\[setup\] +command: apt-get .* update\n/);
          assert.match(result.stdout, /what to do: check that this machine reaches the mirror/);
        } finally {
          writeFileSync(sources, reachable);
        }
      });
    });
  });

  describe('(c) Redis and PostgreSQL installed and running system-wide on their default ports', () => {
    let root: ThrowawayRoot;
    let network: ChildProcess;
    let forgetNetwork: () => void;
    let first: CommandResult;
    /** Runs a command inside the root, in the network namespace where its services listen. */
    const inNetwork = (command: string, args: string[]): string =>
      execFileSync('nsenter', [`--net=/proc/${network.pid}/ns/net`, 'chroot', root.dir, command, ...args], {
        encoding: 'utf8',
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' },
        timeout: 60000,
      });

    before(async () => {
      root = await ThrowawayRoot.create({ mirror });
      // Installed the usual way first, as on a machine that already runs them.
      const preinstalled = await root.run(
        'apt-get',
        ['-o', 'DPkg::Lock::Timeout=300', 'update', '-qq'],
        undefined,
        { timeoutMs: INSTALL_TIMEOUT_MS },
      );
      assert.equal(preinstalled.code, 0, transcript(preinstalled));
      const installed = await root.run(
        'apt-get',
        ['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', '-qq', 'redis-server', 'postgresql'],
        undefined,
        { timeoutMs: INSTALL_TIMEOUT_MS },
      );
      assert.equal(installed.code, 0, transcript(installed));
      rmSync(root.path(POLICY), { force: true });
      // Their default ports live in a network of their own, so that this machine's ports do not matter.
      network = spawn('unshare', ['--net', '--', 'sleep', 'infinity'], { stdio: 'ignore' });
      forgetNetwork = onProcessEnd(() => network.kill('SIGKILL'));
      await new Promise((resolve) => setTimeout(resolve, 200));
      execFileSync('nsenter', [`--net=/proc/${network.pid}/ns/net`, 'ip', 'link', 'set', 'lo', 'up']);
      inNetwork('install', ['-d', '-o', 'postgres', '-g', 'postgres', '/var/run/postgresql']);
      inNetwork('pg_ctlcluster', ['15', 'main', 'start']);
      inNetwork('runuser', [
        '-u',
        'redis',
        '--',
        'redis-server',
        '--port',
        '6379',
        '--bind',
        '127.0.0.1',
        '--daemonize',
        'yes',
        '--dir',
        '/var/lib/redis',
      ]);
      await answered(() => inNetwork('redis-cli', ['-p', '6379', 'ping']), /PONG/);
      copySetUp(root);
      first = await runSetUp(root);
    });
    after(() => {
      forgetNetwork?.();
      network?.kill('SIGKILL');
      root?.destroy();
    });

    it('succeeds on the first run, installing only what is missing', async () => {
      assert.equal(first.code, 0, transcript(first));
      assert.doesNotMatch(first.stdout, /Redis and PostgreSQL: .*redis-server/);
      assert.deepEqual(await installedIn(root, packages), packages);
    });

    it('leaves the running services alone: both still answer on their default ports', () => {
      assert.match(inNetwork('redis-cli', ['-p', '6379', 'ping']), /PONG/);
      assert.match(
        inNetwork('runuser', ['-u', 'postgres', '--', 'psql', '-p', '5432', '-tAc', 'SELECT 1']),
        /^1$/m,
      );
    });
  });
});

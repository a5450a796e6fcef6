import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { onProcessEnd } from '../on-process-end.js';

const run = promisify(execFile);

/** Where the bootstrapped bases and downloaded packages are kept between runs, for every suite. */
export const DEBIAN_ROOT_CACHE = path.join(os.tmpdir(), 'hcw-debian-root-cache');
/** What the suites add to the minimal base (Ansible's targets need Python): one cached base serves all. */
export const BASE_PACKAGES = ['python3', 'python3-apt'];

/** A clean environment for commands inside the root: nothing of the test's own leaks in. */
const ROOT_ENV = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
  HOME: '/root',
};

export interface ThrowawayRootOptions {
  /** Kept between runs: the bootstrapped base, the downloaded packages (DEBIAN_ROOT_CACHE by default). */
  cacheDir?: string;
  /** Debian archive to bootstrap from. */
  mirror: string;
  /** Packages added to the minimal base (BASE_PACKAGES by default). */
  include?: string[];
  suite?: string;
}

type ResolvedOptions = Required<Pick<ThrowawayRootOptions, 'cacheDir' | 'include'>> & ThrowawayRootOptions;

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Mount points at or below `dir`, deepest first, from the kernel's own table. */
function mountsUnder(dir: string): string[] {
  const unescape = (field: string) =>
    field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => point !== undefined)
    .map(unescape)
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

function unmountAll(dir: string): void {
  for (const point of mountsUnder(dir)) {
    try {
      execFileSync('umount', [point], { stdio: 'ignore' });
    } catch {
      // Busy after its processes were killed: detach it now, the kernel finishes when the last user goes.
      execFileSync('umount', ['--lazy', point], { stdio: 'ignore' });
    }
  }
  const left = mountsUnder(dir);
  if (left.length > 0) throw new Error(`still mounted, not removing ${dir}: ${left.join(', ')}`);
}

/** Processes whose root directory is `dir`: whatever a test started inside it and left running. */
function processesRootedIn(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/root`) === dir) pids.push(Number(entry));
    } catch {
      // Gone already, or not ours to inspect.
    }
  }
  return pids;
}

function stopProcessesRootedIn(dir: string): void {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    const pids = processesRootedIn(dir);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // Already gone.
      }
    }
    for (let waited = 0; waited < 3000 && processesRootedIn(dir).length > 0; waited += 100) sleepSync(100);
  }
}

/**
 * A minimal Debian root made once by debootstrap and cached under `cacheDir`, keyed by a hash of everything
 * that went into it. Only a complete base is ever renamed into place.
 */
async function cachedBase(options: ResolvedOptions): Promise<string> {
  const suite = options.suite ?? 'bookworm';
  const key = createHash('sha256')
    .update(
      JSON.stringify({
        layout: 1,
        suite,
        variant: 'minbase',
        include: options.include,
        mirror: options.mirror,
        arch: process.arch,
      }),
    )
    .digest('hex')
    .slice(0, 16);
  const base = path.join(options.cacheDir, `base-${key}`);
  if (existsSync(path.join(base, 'ready'))) return path.join(base, 'root');

  mkdirSync(options.cacheDir, { recursive: true });
  const building = `${base}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building);
  try {
    await run(
      'debootstrap',
      [
        `--variant=minbase`,
        `--include=${options.include.join(',')}`,
        suite,
        path.join(building, 'root'),
        options.mirror,
      ],
      { timeout: 10 * 60 * 1000, maxBuffer: 64 * 1024 * 1024 },
    );
    const root = path.join(building, 'root');
    for (const deb of readdirSync(path.join(root, 'var/cache/apt/archives')).filter((f) =>
      f.endsWith('.deb'),
    )) {
      rmSync(path.join(root, 'var/cache/apt/archives', deb));
    }
    // As in any image build: package scripts must not start services in a root that has no init.
    writeFileSync(path.join(root, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o755 });
    rmSync(base, { recursive: true, force: true });
    renameSync(building, base);
    writeFileSync(path.join(base, 'ready'), `${new Date().toISOString()}\n`);
  } catch (error) {
    unmountAll(building);
    rmSync(building, { recursive: true, force: true });
    throw error;
  }
  // Bases made from other inputs are of no further use.
  for (const entry of readdirSync(options.cacheDir)) {
    if (/^base-[0-9a-f]{16}$/.test(entry) && entry !== path.basename(base)) {
      const stale = path.join(options.cacheDir, entry);
      if (mountsUnder(stale).length === 0) rmSync(stale, { recursive: true, force: true });
    }
  }
  return path.join(base, 'root');
}

/**
 * A copy of the cached Debian 12 base in a temporary folder, with /proc, a /dev/shm and the shared package
 * cache mounted, for Ansible's chroot connection. `destroy()` stops whatever still runs inside, unmounts
 * everything and removes the copy; it is synchronous so that it also runs when the process exits or is
 * interrupted.
 */
export class ThrowawayRoot {
  private destroyed = false;
  private forget: () => void = () => undefined;

  private constructor(
    readonly workDir: string,
    readonly dir: string,
  ) {}

  static async create(given: ThrowawayRootOptions): Promise<ThrowawayRoot> {
    const options = {
      ...given,
      cacheDir: given.cacheDir ?? DEBIAN_ROOT_CACHE,
      include: given.include ?? BASE_PACKAGES,
    };
    const base = await cachedBase(options);
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'hcw-ansible-run-'));
    const root = new ThrowawayRoot(workDir, path.join(workDir, 'root'));
    root.forget = onProcessEnd(() => root.destroy());
    try {
      await run('cp', ['-a', '--reflink=auto', base, root.dir]);
      const packages = path.join(options.cacheDir, 'apt-archives');
      mkdirSync(path.join(packages, 'partial'), { recursive: true });
      execFileSync('mount', ['-t', 'proc', 'proc', root.path('/proc')]);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'mode=1777,size=256m', 'tmpfs', root.path('/dev/shm')]);
      execFileSync('mount', ['--bind', packages, root.path('/var/cache/apt/archives')]);
      if (existsSync('/etc/resolv.conf')) copyFileSync('/etc/resolv.conf', root.path('/etc/resolv.conf'));
    } catch (error) {
      root.destroy();
      throw error;
    }
    return root;
  }

  /** The host path of a path inside the root. */
  path(inside: string): string {
    return path.join(this.dir, inside);
  }

  /** Copies a file of this machine into the root, making its folders. */
  copyIn(hostFile: string, inside: string, mode = 0o644): void {
    mkdirSync(path.dirname(this.path(inside)), { recursive: true });
    copyFileSync(hostFile, this.path(inside));
    chmodSync(this.path(inside), mode);
  }

  /** Runs a command inside the root, as root or as `user` (setpriv changes user without a PAM session). */
  async run(
    command: string,
    args: string[] = [],
    user?: string,
    options: { timeoutMs?: number } = {},
  ): Promise<CommandResult> {
    try {
      const { stdout, stderr } = await run('chroot', [this.dir, ...this.asUser(user), command, ...args], {
        env: ROOT_ENV,
        maxBuffer: 64 * 1024 * 1024,
        timeout: options.timeoutMs ?? 2 * 60 * 1000,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: unknown; stdout?: string; stderr?: string };
      if (typeof failed.code !== 'number') throw error;
      return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
    }
  }

  /** Starts a long-running command inside the root; stop it with `kill()`, or it goes with `destroy()`. */
  start(command: string, args: string[], user?: string): ChildProcess {
    return spawn('chroot', [this.dir, ...this.asUser(user), command, ...args], {
      env: ROOT_ENV,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.forget();
    stopProcessesRootedIn(this.dir);
    unmountAll(this.workDir);
    rmSync(this.workDir, { recursive: true, force: true });
  }

  private asUser(user: string | undefined): string[] {
    return user ? ['setpriv', `--reuid=${user}`, `--regid=${user}`, '--init-groups', '--'] : [];
  }
}

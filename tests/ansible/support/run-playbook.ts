import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { onProcessEnd } from '#test-support/on-process-end.js';

export interface PlaybookRecap {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
}

export interface PlaybookRun {
  exitCode: number | null;
  /** The PLAY RECAP line of the one host, when the run got that far. */
  recap: PlaybookRecap | undefined;
  output: string;
}

export interface PlaybookOptions {
  ansibleDir: string;
  args: string[];
  env: Record<string, string>;
  logFile: string;
  timeoutMs: number;
}

export function parseRecap(output: string): PlaybookRecap | undefined {
  const match = /^\S+\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/m.exec(
    output.slice(output.lastIndexOf('PLAY RECAP')),
  );
  if (!match) return undefined;
  const [ok, changed, unreachable, failed] = match.slice(1).map(Number) as [number, number, number, number];
  return { ok, changed, unreachable, failed };
}

/** The last lines of a run's output, for a failure message. */
export function tailOf(run: PlaybookRun, lines = 60): string {
  return run.output.split('\n').slice(-lines).join('\n');
}

/**
 * Runs ansible-playbook in its own process group, writing its output to `logFile` as it comes. When the time
 * is up the whole group is killed, so no module or connection process outlives the run.
 */
export function runPlaybook(options: PlaybookOptions): Promise<PlaybookRun> {
  return new Promise((resolve, reject) => {
    const log = createWriteStream(options.logFile);
    const chunks: Buffer[] = [];
    const child = spawn('ansible-playbook', options.args, {
      cwd: options.ansibleDir,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const collect = (chunk: Buffer) => {
      chunks.push(chunk);
      log.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(killGroup, options.timeoutMs);
    // Should the test process end first (Ctrl+C, a timeout of the whole run), the run goes with it.
    const forget = onProcessEnd(killGroup);
    const done = () => {
      clearTimeout(timer);
      forget();
      log.end();
    };
    child.on('error', (error) => {
      done();
      reject(error);
    });
    child.on('close', (exitCode) => {
      done();
      const output = Buffer.concat(chunks).toString('utf8');
      resolve({ exitCode, recap: parseRecap(output), output });
    });
  });
}

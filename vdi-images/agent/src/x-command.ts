import { spawn } from 'node:child_process';
import { withPrivilege } from './privilege.js';
import type { XEnvironment } from './x-selection.js';

/**
 * Runs an X client (xdotool, xrandr, xmodmap) on the desktop's display, without the agent's capabilities;
 * resolves with what it printed.
 */
export function runXCommand(env: XEnvironment, command: string, args: string[]): Promise<string> {
  const [program, programArgs] = withPrivilege(env.privilege ?? 'none', command, args);
  return new Promise((resolve, reject) => {
    const child = spawn(program, programArgs, {
      env: { PATH: env.searchPath, DISPLAY: `:${env.display}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0
        ? resolve(stdout)
        : reject(new Error(`${command} ${args[0] ?? ''} failed (${code}): ${stderr.trim().slice(0, 300)}`)),
    );
  });
}

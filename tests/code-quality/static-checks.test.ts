import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = (name: string) => path.join(root, 'node_modules/.bin', name);

/** Runs a checker over the whole tree; its own report becomes the failure message. */
async function check(command: string, args: string[]): Promise<void> {
  try {
    await run(bin(command), args, { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} found problems:\n${failure.stdout ?? ''}${failure.stderr ?? ''}`);
  }
}

describe('the code base', function () {
  this.timeout(10 * 60 * 1000);

  it('passes the linter', () => check('eslint', ['.']));
  it('is formatted', () => check('prettier', ['--check', '.']));
  it('type-checks in strict mode', () => check('tsc', ['-p', 'tsconfig.json']));
});

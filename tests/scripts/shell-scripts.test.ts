import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '#scripts/stack/workspace-stack.js';

/**
 * A test-and-act list as a statement, `[ cond ] && command`: when the test is false the list fails, and
 * as the last command of a function or an EXIT trap under `set -e` that failure becomes the script's exit
 * status. The set-up once exited 1 after a successful install this way. Such tests are written as `if`.
 */
function testAndActStatements(script: string): string[] {
  return script
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .map((line) => line.replace(/^[A-Za-z_][A-Za-z0-9_]*\(\)\s*\{\s*/, ''))
    .filter((line) => /^(\[\[?|test)\s/.test(line) && /&&/.test(line) && !/&&[^|]*\|\|/.test(line));
}

/** Every shell script the repository ships or runs: by name, by template name, or by its first line. */
function shellScripts(): string[] {
  const tracked = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
    maxBuffer: 64 * 1024 * 1024,
  })
    .toString('utf8')
    .split('\0')
    .filter(Boolean)
    .filter((file) => !file.startsWith('node_modules/'));
  return tracked.filter((file) => {
    if (/\.sh(\.j2)?$/.test(file)) return true;
    try {
      return /^#!.*\b(ba)?sh\b/.test(readFileSync(path.join(repoRoot, file), 'utf8').slice(0, 100));
    } catch {
      return false;
    }
  });
}

describe('shell scripts', () => {
  it('finds the scripts it checks (control: the set-up and the desktop session are among them)', () => {
    const scripts = shellScripts();
    for (const expected of [
      'scripts/setup-system.sh',
      'scripts/setup.sh',
      'vdi-images/session/start-xvnc.sh',
    ]) {
      assert.ok(scripts.includes(expected), expected);
    }
  });

  it('write no `[ test ] && command` statement, which fails a `set -e` script when the test is false', () => {
    const found = shellScripts().flatMap((file) =>
      testAndActStatements(readFileSync(path.join(repoRoot, file), 'utf8')).map((line) => `${file}: ${line}`),
    );
    assert.deepEqual(found, []);
  });

  it('control: the check finds the trap that made the set-up exit 1, and passes its `if` form', () => {
    assert.deepEqual(
      testAndActStatements('cleanup() { [ "$added_policy" = 1 ] && $SUDO rm -f /usr/sbin/policy-rc.d; }'),
      ['[ "$added_policy" = 1 ] && $SUDO rm -f /usr/sbin/policy-rc.d; }'],
    );
    assert.deepEqual(testAndActStatements('[[ -f x ]] && rm x'), ['[[ -f x ]] && rm x']);
    assert.deepEqual(
      testAndActStatements('if [ "$added_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi'),
      [],
    );
    assert.deepEqual(testAndActStatements('[ -n "$x" ] && echo yes || true'), []);
  });
});

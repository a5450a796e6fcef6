import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from '@cdktf/hcl2json';
import { repoRoot } from '#scripts/stack/workspace-stack.js';

const run = promisify(execFile);
const packerDir = path.join(repoRoot, 'vdi-images/packer');
const template = path.join(packerDir, 'desktop.pkr.hcl');

/** Debian's packer (1.6.6 on Debian 12), installed when missing, as the set-up script would. */
function ensurePacker(): void {
  try {
    execFileSync('packer', ['version'], { stdio: 'ignore' });
    return;
  } catch {
    // not installed yet
  }
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const apt = (...args: string[]): void => {
    const [command, ...rest] = [...sudo, 'apt-get', ...args];
    execFileSync(command!, rest, {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      timeout: 300000,
    });
  };
  apt('update', '-qq');
  apt('install', '-y', '-qq', '--no-install-recommends', 'packer');
}

/**
 * `packer validate` with the variables a build would get. The checksum is given literally: by default
 * it is a file:URL of Debian's checksum list, which Packer fetches even to validate, and this machine
 * has no internet.
 */
function validate(
  file: string,
  vars: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string }> {
  const allVars = {
    image_version: '2026.11.1',
    portal_url: 'https://portal.hcw.example.jp',
    debian_image_checksum: `sha512:${'0'.repeat(128)}`,
    ...vars,
  };
  const args = ['validate', ...Object.entries(allVars).flatMap(([k, v]) => ['-var', `${k}=${v}`]), file];
  return run('packer', args, {
    cwd: path.dirname(file),
    env: { ...process.env, CHECKPOINT_DISABLE: '1' },
    timeout: 60000,
  });
}

interface PackerTemplate {
  variable: Record<string, unknown>;
  source: Record<string, Record<string, unknown>>;
  build: {
    sources: string[];
    provisioner: { shell: { environment_vars?: string[]; inline?: string[] }[] };
  }[];
}

describe('desktop image template (Packer)', function () {
  this.timeout(360000);
  let dir: string | undefined;

  before(() => ensurePacker());
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('passes packer validate with both sources', async () => {
    const { stdout, stderr } = await validate(template);
    assert.doesNotMatch(`${stdout}${stderr}`, /error/i);
  });

  it('fails packer validate when the template is broken (control)', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hcw-packer-'));
    cpSync(packerDir, dir, { recursive: true });
    const broken = path.join(dir, 'desktop.pkr.hcl');
    writeFileSync(
      broken,
      readFileSync(broken, 'utf8').replace('disk_image       = true', 'disk_imaje = true'),
    );
    await assert.rejects(validate(broken), (error: { stdout: string; stderr: string }) =>
      /disk_imaje/.test(`${error.stdout}${error.stderr}`),
    );
    const noVersion = run('packer', ['validate', '-var', 'portal_url=https://p.example.jp', template], {
      env: { ...process.env, CHECKPOINT_DISABLE: '1' },
    });
    await assert.rejects(noVersion, (error: { stdout: string; stderr: string }) =>
      /image_version/.test(`${error.stdout}${error.stderr}`),
    );
  });

  it('builds a qemu image from Debian 12 and an AMI, with a version variable', async () => {
    const parsed = (await parse('desktop.pkr.hcl', readFileSync(template, 'utf8'))) as PackerTemplate;
    assert.ok('image_version' in parsed.variable);
    assert.ok('debian_image_url' in parsed.variable && 'debian_image_checksum' in parsed.variable);
    assert.ok(parsed.source.qemu?.debian12);
    assert.ok(parsed.source['amazon-ebs']?.debian12);
    assert.deepEqual(parsed.build[0]?.sources, ['source.qemu.debian12', 'source.amazon-ebs.debian12']);
  });

  it('provisions with provision-desktop.sh and its environment contract, services left to first boot', async () => {
    const parsed = (await parse('desktop.pkr.hcl', readFileSync(template, 'utf8'))) as PackerTemplate;
    const shell = parsed.build[0]?.provisioner.shell ?? [];
    const provisioning = shell.find((p) => p.inline?.some((line) => line.includes('provision-desktop.sh')));
    assert.ok(provisioning, 'a provisioner runs provision-desktop.sh');
    const names = (provisioning.environment_vars ?? []).map((v) => v.split('=')[0]);
    for (const name of ['HCW_REPO_DIR', 'HCW_PORTAL_URL', 'HCW_ALLOWED_URLS', 'HCW_IMAGE_VERSION']) {
      assert.ok(names.includes(name), name);
    }
    assert.ok(provisioning.environment_vars?.includes('HCW_MANAGE_SERVICES=false'));
  });
});

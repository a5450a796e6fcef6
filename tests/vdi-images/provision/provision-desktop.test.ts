import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AgentHealth, desktopIdentity } from '@hcw/common';
import { freePort, startProcess, waitForPort, type ManagedProcess } from '#scripts/stack/managed-process.js';
import { repoRoot } from '#scripts/stack/workspace-stack.js';
import { testInternalCa } from '#test-support/test-internal-ca.js';
import { overlayWorkDir, type OverlayWorkDir } from '../support/overlay-work-dir.js';
import { callAgent } from '../support/test-desktop.js';
import { startTestSite, type TestSite } from '../support/test-site.js';

const provisionDir = path.join(repoRoot, 'vdi-images/provision');

function sharedPackageList(): string[] {
  return readFileSync(path.join(provisionDir, 'desktop-packages.txt'), 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean);
}

function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** A capability set of a process, as the hexadecimal mask /proc shows (`Eff`, `Amb`, `Bnd`). */
function capabilitiesOf(pid: number, set: 'Eff' | 'Amb' | 'Bnd'): bigint {
  const match = new RegExp(`^Cap${set}:\\s+([0-9a-f]+)$`, 'm').exec(
    readFileSync(`/proc/${pid}/status`, 'utf8'),
  );
  return BigInt(`0x${match?.[1] ?? '0'}`);
}

/** Bits of linux/capability.h. */
const CAP = { KILL: 5, SETGID: 6, SETUID: 7 };
const mask = (...bits: number[]): bigint => bits.reduce((m, bit) => m | (1n << BigInt(bit)), 0n);

function uidOf(pid: number): number | undefined {
  try {
    const match = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('provisioning a desktop host', function () {
  // The first run installs the agent's npm packages.
  this.timeout(240000);

  it('shares one package list with the developer machine set-up', () => {
    const packages = sharedPackageList();
    for (const needed of [
      'tigervnc-standalone-server',
      'openbox',
      'chromium',
      'fonts-noto-cjk',
      'xdotool',
      'xclip',
      // The screen follows the device (xrandr, xmodmap, xsettingsd); the watermark (Python, GTK 3).
      'x11-xserver-utils',
      'xsettingsd',
      'python3-gi',
      'python3-gi-cairo',
      'gir1.2-gtk-3.0',
    ]) {
      assert.ok(packages.includes(needed), needed);
    }
    const setup = readFileSync(path.join(repoRoot, 'scripts/setup-system.sh'), 'utf8');
    assert.match(setup, /vdi-images\/provision\/desktop-packages\.txt/);
    assert.doesNotMatch(setup, /\bchromium\b.*\bfonts-noto-cjk\b/, 'no second copy of the desktop list');
    assert.doesNotMatch(
      setup,
      /policies\/managed/,
      'a developer machine never gets the kiosk policy in /etc',
    );
  });

  it('has shell scripts that parse', () => {
    const scripts = [
      ...readdirSync(provisionDir)
        .filter((f) => f.endsWith('.sh'))
        .map((f) => path.join(provisionDir, f)),
      ...['start-kiosk.sh', 'start-xvnc.sh', 'start-window-manager.sh'].map((f) =>
        path.join(repoRoot, 'vdi-images/session', f),
      ),
      path.join(repoRoot, 'vdi-images/packer/finish-image.sh'),
      path.join(repoRoot, 'scripts/setup-system.sh'),
    ];
    for (const script of scripts) execFileSync('bash', ['-n', script]);
    // The watermark is Python: compiled without writing anything, so a syntax error fails here.
    const watermark = readFileSync(path.join(repoRoot, 'vdi-images/session/watermark.py'), 'utf8');
    execFileSync(
      '/usr/bin/python3',
      ['-c', 'import sys; compile(sys.stdin.read(), "watermark.py", "exec")'],
      {
        input: watermark,
      },
    );
  });

  describe('on a machine that looks fresh (overlays over /etc, /opt and /var, thrown away afterwards)', () => {
    let work: string;
    let workDir: OverlayWorkDir | undefined;
    let site: TestSite;
    let offSite: TestSite;
    let driver: ManagedProcess | undefined;
    let agentUrl: string;

    const call = (method: string, urlPath: string, body?: unknown) =>
      callAgent(agentUrl, method, urlPath, body);

    before(async () => {
      workDir = overlayWorkDir('hcw-provision-');
      work = workDir.dir;
      // The kiosk user must reach its session folder inside.
      chmodSync(work, 0o711);
      [site, offSite] = await Promise.all([startTestSite('ポータル'), startTestSite('許可外')]);
      const [agentPort, vncPort] = [await freePort(), await freePort()];
      agentUrl = `https://127.0.0.1:${agentPort}`;
      // The desktop's certificate, which the runner installs readable by the agent's user only.
      const ca = testInternalCa().ca;
      ca.issue(
        'provisioned-desktop',
        {
          commonName: 'provisioned-desktop',
          usage: 'server',
          ips: ['127.0.0.1'],
          uris: [desktopIdentity('provisioned-desktop')],
        },
        path.join(work, 'tls'),
      );
      writeFileSync(path.join(work, 'tls', 'internal-ca.crt'), ca.pem);
      const display = 600 + Math.floor(Math.random() * 300);
      writeFileSync(
        path.join(work, 'agent.env'),
        [
          `AGENT_PORT=${agentPort}`,
          'AGENT_TLS_CERT_FILE=/etc/hcw-desktop/provisioned-desktop.crt',
          'AGENT_TLS_KEY_FILE=/etc/hcw-desktop/provisioned-desktop.key',
          'AGENT_TLS_CA_FILE=/etc/hcw-desktop/internal-ca.crt',
          'DESKTOP_ID=provisioned-desktop',
          `DESKTOP_DISPLAY=${display}`,
          `DESKTOP_VNC_PORT=${vncPort}`,
          `DESKTOP_STATE_DIR=${path.join(work, 'state')}`,
          'IMAGE_VERSION=',
          '',
        ].join('\n'),
      );
      driver = startProcess(
        'provisioned-agent',
        path.join(repoRoot, 'tests/vdi-images/support/provision-in-overlay.sh'),
        [work],
        {
          cwd: repoRoot,
          logFile: path.join(work, 'agent.log'),
          env: {
            HCW_REPO_DIR: repoRoot,
            HCW_PORTAL_URL: site.url,
            HCW_ALLOWED_URLS: 'https://mcs.example.jp https://kanamic.example.jp/care',
            HCW_IMAGE_VERSION: '2026.11-test',
            HCW_MANAGE_SERVICES: 'false',
          },
        },
      );
      try {
        await waitForPort(agentPort, { process: driver, timeoutMs: 200000 });
      } catch (error) {
        const logs = ['first-run.log', 'second-run.log', 'agent.log']
          .map((f) => path.join(work, f))
          .filter(existsSync)
          .map((f) => readFileSync(f, 'utf8').slice(-1500));
        throw new Error(`${(error as Error).message}\n${logs.join('\n')}`);
      }
    });
    after(async () => {
      await driver?.stop();
      for (const pid of processesMentioning(work)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await Promise.all([site?.close(), offSite?.close()]);
      workDir?.remove();
    });

    it('installs the policy, the user, the unit and the image record, and a second run changes nothing', () => {
      const first = readFileSync(path.join(work, 'first-run.log'), 'utf8');
      assert.match(first, /updated \/etc\/chromium\/policies\/managed\/hcw-kiosk\.json/);
      assert.match(first, /updated \/etc\/systemd\/system\/hcw-desktop-agent\.service/);
      assert.match(readFileSync(path.join(work, 'second-run.log'), 'utf8'), /nothing to change/);

      const policy = JSON.parse(
        readFileSync(path.join(work, 'etc-changes/chromium/policies/managed/hcw-kiosk.json'), 'utf8'),
      ) as Record<string, unknown>;
      assert.deepEqual(policy.URLAllowlist, [
        site.url,
        'https://mcs.example.jp',
        'https://kanamic.example.jp/care',
      ]);
      assert.match(
        readFileSync(path.join(work, 'etc-changes/passwd'), 'utf8'),
        /^hcw-kiosk:x:\d+:\d+:.*:\/usr\/sbin\/nologin$/m,
      );
      assert.equal(readFileSync(path.join(work, 'etc-changes/hcw-image/version'), 'utf8'), '2026.11-test\n');
    });

    it('leaves this machine itself untouched (control: the overlay received the changes)', () => {
      assert.ok(existsSync(path.join(work, 'etc-changes/chromium/policies/managed/hcw-kiosk.json')));
      assert.equal(existsSync('/etc/chromium/policies/managed/hcw-kiosk.json'), false);
      assert.equal(existsSync('/etc/systemd/system/hcw-desktop-agent.service'), false);
      assert.doesNotMatch(readFileSync('/etc/passwd', 'utf8'), /^hcw-kiosk:/m);
    });

    it('runs the agent, which reports the image record in its health answer', async () => {
      const { status, body } = await call('GET', '/v1/health');
      assert.equal(status, 200);
      const health = AgentHealth.parse(body);
      assert.equal(health.status, 'ready');
      assert.equal(health.imageVersion, '2026.11-test');
      assert.equal(health.image?.version, '2026.11-test');
      const names = health.image?.packages.map((p) => p.name) ?? [];
      for (const name of [...sharedPackageList(), 'node']) assert.ok(names.includes(name), name);
    });

    it('runs the agent as its own user with three capabilities, and Xvnc with none', async () => {
      const passwd = readFileSync(path.join(work, 'etc-changes/passwd'), 'utf8');
      const agentUid = Number(/^hcw-agent:x:(\d+):/m.exec(passwd)?.[1]);
      assert.ok(agentUid > 0, 'the provisioning made the agent a user of its own');
      const [agent] = processesMentioning('vdi-images/agent/src/main.ts').filter((pid) => uidOf(pid) !== 0);
      assert.ok(agent, 'the agent runs, not as root');
      assert.equal(uidOf(agent), agentUid);
      const three = mask(CAP.KILL, CAP.SETGID, CAP.SETUID);
      assert.equal(capabilitiesOf(agent, 'Eff'), three);
      assert.equal(capabilitiesOf(agent, 'Amb'), three);
      const display = /^DESKTOP_DISPLAY=(\d+)$/m.exec(
        readFileSync(path.join(work, 'agent.env'), 'utf8'),
      )?.[1];
      const xvnc = await until('Xvnc to run', () =>
        processesMentioning(`Xvnc\u0000:${display}`).find((pid) => uidOf(pid) === agentUid),
      );
      assert.equal(capabilitiesOf(xvnc, 'Eff'), 0n, 'Xvnc holds no capability');
      assert.equal(capabilitiesOf(xvnc, 'Amb'), 0n);
      // Control: the same reading finds the capabilities of a process that has them.
      assert.notEqual(capabilitiesOf(process.pid, 'Eff'), 0n);
    });

    it('starts the kiosk as the unprivileged kiosk user, sandboxed, under the installed policy', async () => {
      assert.equal(
        (await call('POST', '/v1/sessions', { userId: 'nurse.host', startUrl: `${site.url}/` })).status,
        201,
      );
      await until('the portal to be asked for', () => site.hits.includes('/'));
      const kioskUid = Number(
        /^hcw-kiosk:x:(\d+):/m.exec(readFileSync(path.join(work, 'etc-changes/passwd'), 'utf8'))?.[1],
      );
      const browsers = processesMentioning(`--user-data-dir=${path.join(work, 'state/session/profile')}`);
      assert.ok(browsers.length > 0);
      for (const pid of browsers) {
        assert.equal(uidOf(pid), kioskUid, `process ${pid} runs as the kiosk user`);
        // The browser itself (its sandboxed helpers live in namespaces of their own, with their own view).
        if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=')) {
          assert.equal(capabilitiesOf(pid, 'Eff'), 0n, `the browser ${pid} holds no capability`);
        }
        assert.doesNotMatch(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /--no-sandbox/);
      }

      // A session whose first page is off the allow-list never reaches that server.
      assert.equal(
        (await call('POST', '/v1/sessions', { userId: 'nurse.other', startUrl: `${offSite.url}/` })).status,
        201,
      );
      await until('the kiosk to start', () =>
        processesMentioning(`--app=${offSite.url}/`).some((pid) => uidOf(pid) === kioskUid),
      );
      await new Promise((resolve) => setTimeout(resolve, 3000));
      assert.deepEqual(offSite.hits, []);
      assert.equal((await call('DELETE', '/v1/sessions/current')).status, 204);
    });
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AgentHealth, desktopIdentity } from '@hcw/common';
import { createAgentServer } from '#agent/agent-server.js';
import { loadConfig } from '#agent/config.js';
import { Desktop } from '#agent/desktop.js';
import { readImageInfo } from '#agent/image-info.js';
import { freePort } from '#scripts/stack/managed-process.js';
import { internalCa } from '#scripts/stack/internal-ca.js';
import { repoRoot } from '#scripts/stack/workspace-stack.js';
import { scratchDir } from '#test-support/scratch-dir.js';
import { testInternalCa } from '#test-support/test-internal-ca.js';
import { callAgent } from '../support/test-desktop.js';

/** The certificate of desktop-1 (the agent's default id) from the tests' internal CA, as files. */
function desktopOneTls(): Record<string, string> {
  const ca = testInternalCa().ca;
  const issued = ca.issue('desktop-1', {
    commonName: 'desktop-1',
    usage: 'server',
    ips: ['127.0.0.1'],
    uris: [desktopIdentity('desktop-1')],
  });
  return {
    AGENT_TLS_CERT_FILE: issued.certFile,
    AGENT_TLS_KEY_FILE: issued.keyFile,
    AGENT_TLS_CA_FILE: ca.certFile,
  };
}

const anEnv = (overrides: Record<string, string> = {}): Record<string, string> => ({
  AGENT_PORT: '18999',
  ...desktopOneTls(),
  DESKTOP_DISPLAY: '99',
  DESKTOP_VNC_PORT: '15999',
  DESKTOP_STATE_DIR: '/nonexistent/state',
  ...overrides,
});

function anImageRecord(dir: string, version = '2026.11.3'): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'version'), `${version}\n`);
  writeFileSync(
    path.join(dir, 'packages.txt'),
    'chromium\t156.0.8078.79-1~deb12u1\ntigervnc-standalone-server\t1.12.0+dfsg-8\nnode\tv20.19.5\n',
  );
}

const urlOf = (server: http.Server): string => `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

async function health(server: http.Server): Promise<AgentHealth> {
  const answer = await callAgent(urlOf(server), 'GET', '/v1/health');
  assert.equal(answer.status, 200);
  return AgentHealth.parse(answer.body);
}

describe('desktop agent', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'hcw-agent-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('health answer', () => {
    async function serve(env: Record<string, string>): Promise<http.Server> {
      const config = loadConfig(anEnv(env), true);
      const server = createAgentServer(config, new Desktop(config), readImageInfo(config.imageInfoDir));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return server;
    }

    it('reports the image version and package versions the build recorded', async () => {
      anImageRecord(dir);
      const server = await serve({ IMAGE_INFO_DIR: dir });
      try {
        const answer = await health(server);
        assert.equal(answer.imageVersion, '2026.11.3');
        assert.equal(answer.image?.version, '2026.11.3');
        assert.deepEqual(answer.image?.packages[0], { name: 'chromium', version: '156.0.8078.79-1~deb12u1' });
        assert.equal(answer.image?.packages.length, 3);
      } finally {
        server.close();
      }
    });

    it('names the run of the agent that answers, the same on every answer of one process', async () => {
      const server = await serve({});
      try {
        const first = await health(server);
        assert.match(first.run ?? '', /^[0-9a-f-]{36}$/);
        assert.equal((await health(server)).run, first.run);
      } finally {
        server.close();
      }
    });

    it('prefers the label the deployment gives the image, and keeps the build record beside it', async () => {
      anImageRecord(dir);
      const server = await serve({ IMAGE_INFO_DIR: dir, IMAGE_VERSION: 'desktop-2026-11' });
      try {
        const answer = await health(server);
        assert.equal(answer.imageVersion, 'desktop-2026-11');
        assert.equal(answer.image?.version, '2026.11.3');
      } finally {
        server.close();
      }
    });

    it('has no image record on a machine that was not built as an image', async () => {
      const server = await serve({ IMAGE_INFO_DIR: path.join(dir, 'missing') });
      try {
        const answer = await health(server);
        assert.equal(answer.imageVersion, 'dev');
        assert.equal(answer.image, undefined);
      } finally {
        server.close();
      }
    });
  });

  describe('mutual TLS: the broker only', () => {
    let server: http.Server;
    beforeEach(async () => {
      const config = loadConfig(anEnv({ IMAGE_INFO_DIR: path.join(dir, 'none') }), true);
      server = createAgentServer(config, new Desktop(config));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterEach(() => server.close());

    it('answers the broker’s certificate (control)', async () => {
      assert.equal((await callAgent(urlOf(server), 'GET', '/v1/health')).status, 200);
    });

    it('refuses a client without a certificate, in the handshake', async () => {
      await assert.rejects(callAgent(urlOf(server), 'GET', '/v1/health', undefined, null));
    });

    it('refuses a broker certificate from another CA, in the handshake', async () => {
      const other = internalCa(scratchDir('hcw-other-ca'), 'Another CA');
      const impostor = other.issue('broker', {
        commonName: 'broker',
        usage: 'client',
        uris: ['urn:hcw:service:broker'],
      });
      const client = {
        cert: readFileSync(impostor.certFile, 'utf8'),
        key: readFileSync(impostor.keyFile, 'utf8'),
      };
      await assert.rejects(callAgent(urlOf(server), 'GET', '/v1/health', undefined, client));
    });

    it('refuses, with 403, a client certificate of the same CA that does not name the broker', async () => {
      const portal = testInternalCa().ca.issue('portal-client', {
        commonName: 'portal',
        usage: 'client',
        uris: ['urn:hcw:service:portal'],
      });
      const client = {
        cert: readFileSync(portal.certFile, 'utf8'),
        key: readFileSync(portal.keyFile, 'utf8'),
      };
      const answer = await callAgent(
        urlOf(server),
        'POST',
        '/v1/sessions',
        { userId: 'x', startUrl: 'https://x.example' },
        client,
      );
      assert.equal(answer.status, 403);
    });

    it('refuses another desktop’s certificate as a client (it is a server certificate)', async () => {
      const client = testInternalCa().agentPem('desktop-2');
      await assert.rejects(callAgent(urlOf(server), 'GET', '/v1/health', undefined, client));
    });

    it('does not speak plain HTTP', async () => {
      const plain = urlOf(server).replace('https:', 'http:');
      await assert.rejects(fetch(`${plain}/v1/health`, { signal: AbortSignal.timeout(5000) }));
    });
  });

  describe('configuration', () => {
    it('refuses a certificate that names another desktop (control: its own is taken)', () => {
      assert.throws(
        () => loadConfig(anEnv({ DESKTOP_ID: 'desktop-2' }), true),
        /does not name desktop desktop-2/,
      );
      assert.equal(loadConfig(anEnv({ DESKTOP_ID: 'desktop-1' }), true).desktopId, 'desktop-1');
    });

    it('keeps the kiosk policy private to the kiosk when it runs as root, and has none otherwise', () => {
      assert.equal(loadConfig(anEnv(), true).kioskPolicyMode, 'private');
      assert.equal(loadConfig(anEnv(), false).kioskPolicyMode, 'none');
      assert.equal(loadConfig(anEnv({ KIOSK_POLICY_MODE: 'system' }), true).kioskPolicyMode, 'system');
    });

    it('refuses settings that cannot work or that only test runs may use', () => {
      assert.throws(() => loadConfig(anEnv({ KIOSK_POLICY_MODE: 'private' }), false), /needs root/);
      assert.throws(() => loadConfig(anEnv({ KIOSK_DEBUG_PAGES: '1' }), true), /KIOSK_DEBUG_PAGES needs/);
      assert.throws(
        () =>
          loadConfig(
            anEnv({ KIOSK_DEBUG_PAGES: '1', KIOSK_DEBUG_PORT: '9222', KIOSK_POLICY_MODE: 'system' }),
            true,
          ),
        /KIOSK_DEBUG_PAGES needs/,
      );
      assert.throws(() => loadConfig(anEnv({ KIOSK_USER: 'root; rm -rf /' }), true), /KIOSK_USER/);
      assert.equal(
        loadConfig(anEnv({ KIOSK_DEBUG_PAGES: '1', KIOSK_DEBUG_PORT: '9222' }), true).kioskDebugPages,
        true,
      );
    });

    it('splits the extra allowed URLs', () => {
      const config = loadConfig(
        anEnv({ KIOSK_ALLOWED_URLS: ' https://a.example.jp  https://b.example.jp ' }),
        true,
      );
      assert.deepEqual(config.kioskAllowedUrls, ['https://a.example.jp', 'https://b.example.jp']);
    });
  });

  describe('on a built image', () => {
    /** Starts the agent and gives it a second: either it refuses to start, or it is still running. */
    function startAgent(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
      return new Promise((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'vdi-images/agent/src/main.ts'], {
          cwd: repoRoot,
          env: { PATH: process.env.PATH, ...env },
          stdio: ['ignore', 'ignore', 'pipe'],
          detached: true,
        });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
        const timer = setTimeout(() => {
          process.kill(-child.pid!, 'SIGTERM');
        }, 4000);
        child.once('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, stderr });
        });
      });
    }

    it('refuses to open the kiosk debugging port', async () => {
      anImageRecord(path.join(dir, 'image'));
      const refused = await startAgent(
        anEnv({ IMAGE_INFO_DIR: path.join(dir, 'image'), KIOSK_DEBUG_PORT: '9222', DESKTOP_STATE_DIR: dir }),
      );
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /refused on a built image/);
      // Control: the same image without the test-only setting starts.
      const started = await startAgent(
        anEnv({
          IMAGE_INFO_DIR: path.join(dir, 'image'),
          DESKTOP_STATE_DIR: path.join(dir, 'state'),
          DESKTOP_DISPLAY: String(600 + Math.floor(Math.random() * 300)),
          AGENT_PORT: String(await freePort()),
          DESKTOP_VNC_PORT: String(await freePort()),
        }),
      );
      assert.doesNotMatch(started.stderr, /refused on a built image/);
      assert.equal(started.code, 0, 'it ran until it was stopped');
    });

    it("refuses to offer the desktop's clipboard to the viewer", async () => {
      anImageRecord(path.join(dir, 'image'));
      const refused = await startAgent(
        anEnv({
          IMAGE_INFO_DIR: path.join(dir, 'image'),
          DESKTOP_CLIPBOARD_TO_VIEWER: '1',
          DESKTOP_STATE_DIR: dir,
        }),
      );
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /DESKTOP_CLIPBOARD_TO_VIEWER is for test runs only/);
    });
  });
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  allowListEntry,
  KioskPolicyError,
  readKioskPolicyTemplate,
  renderKioskPolicy,
  type KioskPolicyValues,
} from '#agent/kiosk-policy.js';
import { repoRoot } from '#scripts/stack/workspace-stack.js';

const run = promisify(execFile);

const someValues = (overrides: Partial<KioskPolicyValues> = {}): KioskPolicyValues => ({
  portalUrl: 'https://portal.hcw.example.jp',
  allowedUrls: [],
  ...overrides,
});

describe('kiosk managed policy', () => {
  const policy = renderKioskPolicy(readKioskPolicyTemplate(), someValues());

  it('blocks every URL but the allow-list', () => {
    assert.ok((policy.URLBlocklist as string[]).includes('*'));
    assert.ok((policy.URLBlocklist as string[]).includes('file://*'));
    assert.deepEqual(policy.URLAllowlist, ['https://portal.hcw.example.jp']);
  });

  it('turns off downloads, printing, developer tools, incognito, extensions and remote debugging', () => {
    assert.equal(policy.DownloadRestrictions, 3);
    assert.equal(policy.PrintingEnabled, false);
    assert.equal(policy.DeveloperToolsAvailability, 2);
    assert.equal(policy.RemoteDebuggingAllowed, false);
    assert.equal(policy.IncognitoModeAvailability, 1);
    assert.deepEqual(policy.ExtensionInstallBlocklist, ['*']);
    assert.equal(policy.AllowFileSelectionDialogs, false);
  });

  it('keeps nothing of the user: no passwords, no autofill, no history, no translation service', () => {
    assert.equal(policy.PasswordManagerEnabled, false);
    assert.equal(policy.AutofillAddressEnabled, false);
    assert.equal(policy.AutofillCreditCardEnabled, false);
    assert.equal(policy.SavingBrowserHistoryDisabled, true);
    assert.equal(policy.TranslateEnabled, false);
    assert.equal(policy.DefaultPopupsSetting, 2);
  });

  it('sends home and new tabs to the portal', () => {
    assert.equal(policy.HomepageLocation, 'https://portal.hcw.example.jp/');
    assert.equal(policy.NewTabPageLocation, 'https://portal.hcw.example.jp/');
    assert.ok(!JSON.stringify(policy).includes('{{'), 'no placeholder is left');
  });

  it('adds further allowed URLs once each, as origins with an optional path', () => {
    const rendered = renderKioskPolicy(
      readKioskPolicyTemplate(),
      someValues({
        allowedUrls: [
          'https://mcs.example.jp/',
          'https://kanamic.example.jp/care',
          'https://portal.hcw.example.jp',
        ],
      }),
    );
    assert.deepEqual(rendered.URLAllowlist, [
      'https://portal.hcw.example.jp',
      'https://mcs.example.jp',
      'https://kanamic.example.jp/care',
    ]);
  });

  it('refuses allow-list entries that would open the kiosk to the web or to local files', () => {
    for (const entry of [
      '*',
      'https://*.example.jp',
      'file:///etc',
      'chrome://settings',
      'https://u:p@x.jp',
      'x',
    ]) {
      assert.throws(() => allowListEntry(entry), KioskPolicyError, entry);
    }
    assert.equal(
      allowListEntry('http://127.0.0.1:8080/'),
      'http://127.0.0.1:8080',
      'control: an origin passes',
    );
  });

  it('refuses a template without the allow-list placeholder', () => {
    assert.throws(() => renderKioskPolicy('{"URLBlocklist": ["*"]}', someValues()), /allowed-urls/);
  });

  describe('render-kiosk-policy (the provisioning step)', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'hcw-policy-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const cli = (...args: string[]) =>
      run(process.execPath, ['--import', 'tsx', 'vdi-images/agent/src/render-kiosk-policy.ts', ...args], {
        cwd: repoRoot,
      });

    it('writes the policy, readable by the browser, with the allow-list', async () => {
      const out = path.join(dir, 'managed', 'hcw-kiosk.json');
      await cli(
        '--portal-url',
        'https://portal.hcw.example.jp',
        '--out',
        out,
        'https://mcs.example.jp https://a.example.jp',
      );
      const written = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
      assert.deepEqual(written.URLAllowlist, [
        'https://portal.hcw.example.jp',
        'https://mcs.example.jp',
        'https://a.example.jp',
      ]);
      assert.equal(statSync(out).mode & 0o777, 0o644);
    });

    it('fails, writing nothing, on a bad allow-list entry', async () => {
      const out = path.join(dir, 'managed', 'hcw-kiosk.json');
      await assert.rejects(
        cli('--portal-url', 'https://portal.hcw.example.jp', '--out', out, '*'),
        /only http and https URLs|not a URL|nothing more/,
      );
      assert.throws(() => statSync(out));
    });
  });
});

import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { KioskPolicyError, readKioskPolicyTemplate, renderKioskPolicy } from './kiosk-policy.js';

/**
 * Writes the kiosk's managed policy for a desktop host; called by the provisioning script:
 *
 *   node --import tsx vdi-images/agent/src/render-kiosk-policy.ts --portal-url URL --out FILE [URL...]
 */
function renderKioskPolicyFile(argv: string[]): void {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      'portal-url': { type: 'string' },
      out: { type: 'string' },
      template: { type: 'string' },
    },
    allowPositionals: true,
  });
  const portalUrl = values['portal-url'];
  const out = values.out;
  if (!portalUrl || !out) throw new KioskPolicyError('--portal-url and --out are required');
  const policy = renderKioskPolicy(readKioskPolicyTemplate(values.template), {
    portalUrl,
    allowedUrls: positionals.flatMap((p) => p.split(/\s+/)).filter(Boolean),
  });
  mkdirSync(path.dirname(out), { recursive: true, mode: 0o755 });
  // Written beside and renamed, so Chromium never reads half a policy.
  const partial = `${out}.partial`;
  writeFileSync(partial, `${JSON.stringify(policy, null, 2)}\n`, { mode: 0o644 });
  renameSync(partial, out);
}

try {
  renderKioskPolicyFile(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`render-kiosk-policy: ${(error as Error).message}\n`);
  process.exitCode = 1;
}

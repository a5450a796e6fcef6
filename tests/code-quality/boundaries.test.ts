import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The lint messages for `source` as if it were the file at `file` (relative to the repository). */
async function lintAs(file: string, source: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(source, { filePath: path.join(root, file) });
  return (result?.messages ?? [])
    .filter((message) => message.ruleId === 'no-restricted-imports')
    .map((message) => message.message);
}

describe('the boundaries between the parts of the product', function () {
  this.timeout(60000);

  const crossings: [string, string, RegExp][] = [
    [
      'broker/src/x.ts',
      "import { loadConfig } from '../../workspace-app/src/config.js';",
      /broker may not import workspace-app/,
    ],
    [
      'broker/src/auth/x.ts',
      "import '../../../vdi-images/agent/src/config.js';",
      /broker may not import vdi-images/,
    ],
    [
      'workspace-app/src/x.ts',
      "import { loadConfig } from '../../broker/src/config.js';",
      /workspace-app may not import broker/,
    ],
    ['workspace-app/src/x.ts', "import '@hcw/broker';", /workspace-app may not import broker/],
    [
      'vdi-images/agent/src/x.ts',
      "import '../../../workspace-app/src/app.js';",
      /vdi-images may not import workspace-app/,
    ],
    ['common/src/x.ts', "import '../../broker/src/config.js';", /common may not import broker/],
    [
      'broker/src/x.ts',
      "import { startWorkspaceStack } from '../../scripts/stack/workspace-stack.js';",
      /broker may not import scripts/,
    ],
    [
      'workspace-app/src/x.ts',
      "import '../../tests/support/browser.js';",
      /workspace-app may not import tests/,
    ],
    [
      'workspace-app/src/main.ts',
      "import { seedDemo } from '../demo/seed-demo.js';",
      /workspace-app may not import demo/,
    ],
    [
      'workspace-app/src/timeline/x.ts',
      "import { demoCareTeams } from '../../sandboxes/demo-care-teams.js';",
      /workspace-app may not import sandboxes/,
    ],
    [
      'broker/src/x.ts',
      "import { loadConfig } from '#workspace-app/config.js';",
      /may not use the import aliases/,
    ],
    ['workspace-app/src/x.ts', "import '#test-support/browser.js';", /may not use the import aliases/],
    [
      'workspace-app/src/connectors/x.ts',
      "import { readTimeline } from '../timeline/read-timeline.js';",
      /workspace-app may not import timeline/,
    ],
    [
      'workspace-app/src/connectors/kanamic/x.ts',
      "import '../../../sandboxes/kanamic/kanamic-sandbox.js';",
      /workspace-app may not import sandboxes/,
    ],
    [
      'workspace-app/src/patients/x.ts',
      "import { escapeHtml } from '@hcw/common';",
      /html tag of @hcw\/common/,
    ],
    ['broker/src/admin/x.ts', "import { escapeHtml, html } from '@hcw/common';", /escapes by default/],
  ];

  for (const [file, source, refusal] of crossings) {
    it(`refuses ${source.replace(/^import (.* from )?/, '').replace(/;$/, '')} in ${file}`, async () => {
      const messages = await lintAs(file, `${source}\n`);
      assert.equal(messages.length, 1, `lint let it through: ${messages.join('; ')}`);
      assert.match(messages[0]!, refusal);
    });
  }

  it('lets each part import common/ and its own files (control)', async () => {
    assert.deepEqual(await lintAs('broker/src/x.ts', "import '@hcw/common';\nimport './config.js';\n"), []);
    assert.deepEqual(
      await lintAs('workspace-app/src/x.ts', "import { html, joinHtml } from '@hcw/common';\n"),
      [],
    );
    assert.deepEqual(
      await lintAs('workspace-app/src/patients/x.ts', "import '../timeline/read-timeline.js';\n"),
      [],
    );
    assert.deepEqual(
      await lintAs('workspace-app/src/timeline/x.ts', "import '../connectors/canonical-event.js';\n"),
      [],
      'the timeline builds on the connectors’ event contract',
    );
    assert.deepEqual(
      await lintAs(
        'tests/x.test.ts',
        "import '../broker/src/config.js';\nimport '#workspace-app/config.js';\n",
      ),
      [],
      'the tests may import everything',
    );
    assert.deepEqual(
      await lintAs(
        'workspace-app/demo/x.ts',
        "import '../src/patients/record-items.js';\nimport '../sandboxes/demo-care-teams.js';\n",
      ),
      [],
      'the demo’s wing builds on the product and the sandboxes',
    );
  });
});

import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const OUTSIDE_THE_PRODUCT = ['tests', 'scripts', 'benchmarks'];

/** For each part of the product, the folders it may not import from, by relative path or package name. */
function boundaries(forbidden) {
  return Object.entries(forbidden).map(([files, folders]) => ({
    files: [files],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              // Markup is written with the html tag, which escapes every value unless it is markup itself.
              name: '@hcw/common',
              importNames: ['escapeHtml'],
              message:
                'Write markup with the html tag of @hcw/common, which escapes by default, not by hand.',
            },
          ],
          patterns: [
            ...[...folders, ...OUTSIDE_THE_PRODUCT].map((folder) => ({
              regex: `^(\\.\\./)+${folder}/|^@hcw/${folder}(/|$)`,
              message: `${files.split('/')[0]} may not import ${folder}/ (ARCHITECTURE.md: code flows one way).`,
            })),
            {
              // The import aliases of package.json are for tests, scripts and benchmarks; product code names
              // its own files by relative path and the other parts only through @hcw/common.
              regex: '^#',
              message: `${files.split('/')[0]} may not use the import aliases (#…), which are for tests, scripts and benchmarks.`,
            },
          ],
        },
      ],
    },
  }));
}

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.data/**', 'terraform/**', 'ansible/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration in config.ts only.' },
      ],
    },
  },
  // Code flows one way (ARCHITECTURE.md): the broker, the portal and the desktop image meet only through HTTP
  // contracts whose types live in common/; common/ knows none of them; no product code reaches into the
  // tests, the scripts that run the local stack, or the benchmarks.
  ...boundaries({
    'broker/**': ['workspace-app', 'vdi-images'],
    'workspace-app/**': ['broker', 'vdi-images'],
    // The product knows nothing of the demo's wing or the vendors' simulations beside it.
    'workspace-app/src/**': ['broker', 'vdi-images', 'demo', 'sandboxes'],
    // Connectors speak to vendors and produce the event contract; the timeline and the rest build on them.
    'workspace-app/src/connectors/**': [
      'broker',
      'vdi-images',
      'demo',
      'sandboxes',
      'timeline',
      'patients',
      'transfers',
    ],
    'vdi-images/**': ['broker', 'workspace-app'],
    'common/**': ['broker', 'workspace-app', 'vdi-images'],
  }),
  {
    // Configuration is read at the edge; scripts and tests set up environments.
    files: ['**/config.ts', 'scripts/**', 'tests/**', '**/sandboxes/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['broker/src/client/**/*.js'],
    languageOptions: { globals: { ...globals.browser }, sourceType: 'module' },
  },
);

// Mocha runs TypeScript through tsx; the reporter ends with "N passed, N failed".
module.exports = {
  require: ['tests/support/global-fixtures.ts'],
  'node-option': ['import=tsx'],
  timeout: 30000,
  reporter: './tests/support/summary-reporter.cjs',
  exit: true,
};

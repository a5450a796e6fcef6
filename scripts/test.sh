#!/usr/bin/env bash
# `npm test`: set up, then run every suite against real services. Lint, formatting and types are
# checked by tests/code-quality, so a style slip is counted as a failure beside the others.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
echo "[test] mocha"
if [ $# -eq 0 ]; then set -- "tests/**/*.test.ts"; fi
exec node_modules/.bin/mocha "$@"

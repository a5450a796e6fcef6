#!/usr/bin/env bash
# `npm test`: set up, check style and types, then run every suite against real services.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
echo "[test] lint"
npx eslint .
npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }
echo "[test] typecheck"
npx tsc -p tsconfig.json
echo "[test] mocha"
if [ $# -eq 0 ]; then set -- "tests/**/*.test.ts"; fi
npx mocha "$@"

#!/usr/bin/env bash
# The one set-up step behind both `npm run demo` and `npm test`.
# Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-system.sh

# npm packages: install when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] installing npm packages"
  npm ci --no-audit --no-fund
fi
echo "[setup] ready"

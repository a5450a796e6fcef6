#!/usr/bin/env bash
# The one set-up step behind both `npm run demo` and `npm test`.
# Idempotent: installs only what is missing, and says what it did and how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/setup-steps.sh
. scripts/setup-steps.sh
started=$SECONDS

setup_log "checking the Debian packages (Redis, PostgreSQL, the desktop, Chromium, guacd)"
bash scripts/setup-system.sh

# npm packages: install when node_modules is missing or older than the lock file.
npm_done="npm packages: present"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  setup_step "installing the npm packages (npm ci)" \
    "check that this machine reaches the npm registry (npm config get registry), then run the command again" \
    npm ci --no-audit --no-fund
  npm_done="npm packages: installed"
fi
setup_log "ready in $(setup_elapsed "$started") (${npm_done})"

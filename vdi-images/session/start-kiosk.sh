#!/usr/bin/env bash
# Starts Chromium in kiosk mode on the given URL with a fresh profile directory.
#
#   DISPLAY=:N start-kiosk.sh URL PROFILE_DIR [WIDTH HEIGHT]
#
# The profile directory is deleted by the desktop agent when the session ends.
set -euo pipefail
url=$1
profile_dir=$2
width=${3:-1280}
height=${4:-800}

flags=(
  --kiosk "--app=$url"
  "--user-data-dir=$profile_dir"
  --no-first-run --no-default-browser-check
  --disable-background-networking --disable-component-update --disable-sync
  --disable-translate --disable-features=Translate,MediaRouter
  --noerrdialogs --disable-infobars --disable-session-crashed-bubble
  --password-store=basic
  --disable-dev-shm-usage
  --lang=ja --accept-lang=ja,en
  --window-position=0,0 "--window-size=${width},${height}"
)
# Chromium's sandbox cannot run as root; desktop images run the kiosk as an unprivileged user.
if [ "$(id -u)" = 0 ]; then flags+=(--no-sandbox --test-type); fi
# Test builds only: the kiosk's debugging port on loopback, so lock-down tests can drive it.
if [ -n "${KIOSK_DEBUG_PORT:-}" ]; then flags+=("--remote-debugging-port=$KIOSK_DEBUG_PORT" --remote-debugging-address=127.0.0.1); fi

exec chromium "${flags[@]}"

#!/usr/bin/env bash
# Installs the Debian packages the local workspace and its tests need.
# Idempotent: does nothing when every package is already installed.
#
# guacd is not packaged for Debian 12, so it comes from Debian 11 (bullseye)
# through an extra source and an apt pin that lets only guacd and the few
# libraries it needs from there. The archive address is taken from the
# machine's own apt sources, so this works behind any mirror.
set -euo pipefail

# Bookworm packages for the services, the desktop and the browser tests. The desktop's packages come
# from the list the desktop image is built with, so a developer machine runs the same desktop. (The
# kiosk's managed policy is not installed here: the test tools use the same Chromium without it.)
desktop_list="$(cd "$(dirname "$0")/.." && pwd)/vdi-images/provision/desktop-packages.txt"
mapfile -t DESKTOP_PACKAGES < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$desktop_list")
BOOKWORM_PACKAGES=(
  redis-server postgresql postgresql-contrib
  "${DESKTOP_PACKAGES[@]}"
  openssl
)
# Taken from bullseye through the pin below.
GUACD_PACKAGES=(${GUACD_PACKAGES:-guacd libguac-client-vnc0})
GUACD_SUITE=${GUACD_SUITE:-bullseye}
PINNED_FROM_BULLSEYE="guacd libguac19 libguac-client-vnc0 libguac-client-rdp0 libssl1.1 libwebp6"

log() { printf '[setup] %s\n' "$*"; }

missing=()
for pkg in "${BOOKWORM_PACKAGES[@]}" "${GUACD_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  log "system packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    log "missing packages (${missing[*]}) and not root: install them or run as root"; exit 1
  fi
else
  SUDO=
fi

# The mirror that serves bookworm serves bullseye too; read its address from
# whichever form of apt sources the machine uses.
mirror_for() { # $1 = path suffix: debian or debian-security
  local found=""
  if compgen -G "/etc/apt/sources.list.d/*.sources" >/dev/null; then
    found=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -E "/$1/?\$" | head -n1 || true)
  fi
  if [ -z "$found" ] && [ -f /etc/apt/sources.list ]; then
    found=$(grep -hE '^deb ' /etc/apt/sources.list | awk '{for(i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; break}}' | grep -E "/$1/?\$" | head -n1 || true)
  fi
  printf '%s' "${found%/}"
}

if [ ! -f /etc/apt/sources.list.d/guacd-bullseye.list ]; then
  main_mirror=$(mirror_for debian)
  security_mirror=$(mirror_for debian-security)
  if [ -z "$main_mirror" ]; then log "cannot find the Debian mirror in the apt sources"; exit 1; fi
  [ -n "$security_mirror" ] || security_mirror="${main_mirror}-security"
  log "adding $GUACD_SUITE source for guacd from the machine's own mirror"
  {
    echo "deb $main_mirror $GUACD_SUITE main"
    echo "deb $security_mirror $GUACD_SUITE-security main"
  } | $SUDO tee /etc/apt/sources.list.d/guacd-bullseye.list >/dev/null
  $SUDO tee /etc/apt/preferences.d/guacd-bullseye >/dev/null <<PIN
Package: *
Pin: release n=$GUACD_SUITE
Pin-Priority: -1

Package: *
Pin: release n=$GUACD_SUITE-security
Pin-Priority: -1

Package: $PINNED_FROM_BULLSEYE
Pin: release n=$GUACD_SUITE
Pin-Priority: 500

Package: $PINNED_FROM_BULLSEYE
Pin: release n=$GUACD_SUITE-security
Pin-Priority: 500
PIN
fi

# Keep package scripts from starting system-wide copies of the services:
# the workspace runs its own on private ports.
added_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  added_policy=1
fi
# An `&&` list as a function's last command makes the function fail when its test is false, and under
# `set -e` that failure would become the script's exit status: write such tests as `if`.
cleanup() {
  if [ "$added_policy" = 1 ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
}
trap cleanup EXIT

log "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
log "system packages installed"

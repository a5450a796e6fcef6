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
  clamav-daemon poppler-utils
)
# Taken from bullseye through the pin below.
GUACD_PACKAGES=(${GUACD_PACKAGES:-guacd libguac-client-vnc0})
GUACD_SUITE=${GUACD_SUITE:-bullseye}
PINNED_FROM_BULLSEYE="guacd libguac19 libguac-client-vnc0 libguac-client-rdp0 libssl1.1 libwebp6"

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/setup-steps.sh
. "$here/setup-steps.sh"
log() { setup_log "$@"; }

describe() { # the packages of one group that are missing, with what they are for
  local label=$1
  shift
  local group=() pkg
  for pkg in "$@"; do
    if ! is_installed "$pkg"; then group+=("$pkg"); fi
  done
  if [ ${#group[@]} -gt 0 ]; then log "  $label: ${group[*]}"; fi
}
is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
for pkg in "${BOOKWORM_PACKAGES[@]}" "${GUACD_PACKAGES[@]}"; do
  if ! is_installed "$pkg"; then missing+=("$pkg"); fi
done
if [ ${#missing[@]} -eq 0 ]; then
  log "Debian packages: all present"
  exit 0
fi
log "Debian packages to install (${#missing[@]}):"
describe "Redis and PostgreSQL" redis-server postgresql postgresql-contrib openssl
describe "the virus scanner for photos from devices, and PDF pages as pictures" clamav-daemon poppler-utils
describe "the desktop (Xvnc, openbox, kiosk Chromium, Japanese fonts)" "${DESKTOP_PACKAGES[@]}"
describe "guacd ${GUACD_SUITE} (Debian 12 has none)" "${GUACD_PACKAGES[@]}"

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    setup_fail "installing Debian packages needs root" "" \
      "run the command as root, or install sudo and give this user the right to use it"
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
main_mirror=$(mirror_for debian)

if [ ! -f /etc/apt/sources.list.d/guacd-bullseye.list ]; then
  security_mirror=$(mirror_for debian-security)
  if [ -z "$main_mirror" ]; then
    setup_fail "finding the Debian mirror" "" \
      "add a Debian 12 source to /etc/apt/sources.list (or a .sources file in /etc/apt/sources.list.d); guacd's $GUACD_SUITE source reuses its address"
  fi
  [ -n "$security_mirror" ] || security_mirror="${main_mirror}-security"
  log "adding a $GUACD_SUITE source for guacd from the machine's own mirror ($main_mirror), pinned to guacd and its libraries"
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

# Keep package scripts from starting system-wide copies of the services: the workspace runs its own on
# private ports. A policy already there (container images ship one) is left as it is.
added_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  added_policy=1
fi
cleanup() {
  if [ "$added_policy" = 1 ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
# Another apt (unattended upgrades, a package manager window) holds the lock: wait for it a while.
APT_OPTIONS=(-o DPkg::Lock::Timeout=300 -o APT::Get::Assume-Yes=true)
setup_step "refreshing the package lists from ${main_mirror:-the Debian mirror}" \
  "check that this machine reaches the mirror (network, proxy in /etc/apt/apt.conf.d), or wait for the other apt to finish, then run the command again" \
  $SUDO apt-get "${APT_OPTIONS[@]}" -q --error-on=any update
setup_step "installing ${#missing[@]} Debian packages (this takes a few minutes on a fresh machine)" \
  "read apt's message above; 'dpkg was interrupted' is mended by 'dpkg --configure -a', a full disk by freeing space under /var; then run the command again" \
  $SUDO apt-get "${APT_OPTIONS[@]}" -q install --no-install-recommends "${missing[@]}"

still_missing=()
for pkg in "${missing[@]}"; do
  if ! is_installed "$pkg"; then still_missing+=("$pkg"); fi
done
if [ ${#still_missing[@]} -gt 0 ]; then
  setup_fail "apt finished but these packages are not installed: ${still_missing[*]}" "" \
    "run 'apt-get install ${still_missing[*]}' to see why"
fi
log "Debian packages: ${#missing[@]} installed"

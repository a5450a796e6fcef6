#!/usr/bin/env bash
# Makes a Debian 12 machine a desktop host: the desktop packages, Node.js, the agent's and the kiosk's own
# users, the kiosk browser's managed policy, the session scripts and the desktop agent as a systemd unit, and
# the image record (/etc/hcw-image) the agent reports. Run as root. Idempotent: a second run changes
# nothing and restarts nothing. Used by the Packer template, by the Ansible role and by hand.
#
# Environment (the Ansible role sets the same names):
#   HCW_REPO_DIR         the repository checkout to install from (default: the one this script is in)
#   HCW_PORTAL_URL       the portal's address; the kiosk may always open it (required)
#   HCW_ALLOWED_URLS     further addresses the kiosk may open, space-separated (optional)
#   HCW_IMAGE_VERSION    version label of the image, written to /etc/hcw-image/version (required)
#   HCW_MANAGE_SERVICES  false: do not enable or start units (chroots, image builds); default true
# Optional:
#   HCW_INSTALL_DIR      where the agent is installed (default /opt/hcw-workspace)
#   HCW_KIOSK_USER       the unprivileged user of the kiosk browser (default hcw-kiosk)
#   HCW_AGENT_USER       the user the desktop agent runs as (default hcw-agent)
#   HCW_EXTRA_PACKAGES   more Debian packages, space-separated (e.g. awscli for cloud images)
#   HCW_NODE_ARCHIVE     an official Node.js binary tarball to install instead of NodeSource's package
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
HCW_REPO_DIR=${HCW_REPO_DIR:-$(cd "$here/../.." && pwd)}
HCW_PORTAL_URL=${HCW_PORTAL_URL:?HCW_PORTAL_URL is required (the portal the kiosk opens)}
HCW_ALLOWED_URLS=${HCW_ALLOWED_URLS:-}
HCW_IMAGE_VERSION=${HCW_IMAGE_VERSION:?HCW_IMAGE_VERSION is required}
HCW_MANAGE_SERVICES=${HCW_MANAGE_SERVICES:-true}
HCW_INSTALL_DIR=${HCW_INSTALL_DIR:-/opt/hcw-workspace}
HCW_KIOSK_USER=${HCW_KIOSK_USER:-hcw-kiosk}
HCW_AGENT_USER=${HCW_AGENT_USER:-hcw-agent}
HCW_EXTRA_PACKAGES=${HCW_EXTRA_PACKAGES:-}
export HCW_NODE_ARCHIVE=${HCW_NODE_ARCHIVE:-}

IMAGE_RECORD_DIR=/etc/hcw-image
POLICY_FILE=/etc/chromium/policies/managed/hcw-kiosk.json
UNIT_FILE=/etc/systemd/system/hcw-desktop-agent.service

log() { printf '[provision-desktop] %s\n' "$*"; }
changed=0

if [ "$(id -u)" -ne 0 ]; then
  log "run as root"
  exit 1
fi
case "$HCW_MANAGE_SERVICES" in true | false) ;; *)
  log "HCW_MANAGE_SERVICES must be true or false"
  exit 1
  ;;
esac
if [ ! -f "$HCW_REPO_DIR/vdi-images/agent/src/main.ts" ]; then
  log "HCW_REPO_DIR ($HCW_REPO_DIR) is not a checkout of the workspace repository"
  exit 1
fi

# Replaces DEST with SRC only when they differ, so that a second run changes nothing.
install_if_changed() { # SRC DEST MODE
  if [ -f "$2" ] && cmp -s "$1" "$2"; then return 0; fi
  install -D -o root -g root -m "$3" "$1" "$2"
  log "updated $2"
  changed=1
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. Packages: the shared list, plus any extras. apt runs only when something is missing.
mapfile -t packages < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$here/desktop-packages.txt")
read -r -a extra_packages <<<"$HCW_EXTRA_PACKAGES"
packages+=("${extra_packages[@]}")
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
  changed=1
fi

# 2. Node.js for the agent.
node_bin=$(bash "$here/install-nodejs.sh")

# 3. The kiosk browser's user and the agent's: no login, no home, no password.
for user in "$HCW_KIOSK_USER:kiosk browser of the desktop" "$HCW_AGENT_USER:desktop agent"; do
  if ! id -u "${user%%:*}" >/dev/null 2>&1; then
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
      --comment "${user#*:}" "${user%%:*}"
    log "created user ${user%%:*}"
    changed=1
  fi
done

# 4. The agent and the session scripts, with the npm packages the agent needs.
if bash "$here/install-workspace.sh" "$HCW_REPO_DIR" "$HCW_INSTALL_DIR" "$node_bin"; then :; else
  status=$?
  [ "$status" = 10 ] || exit "$status"
  changed=1
fi

# 5. The managed policy, rendered with the allow-list. Every Chromium of this host obeys it.
read -r -a allowed <<<"$HCW_ALLOWED_URLS"
(cd "$HCW_INSTALL_DIR" && "$node_bin" --import tsx vdi-images/agent/src/render-kiosk-policy.ts \
  --portal-url "$HCW_PORTAL_URL" --out "$work/policy.json" "${allowed[@]}")
install -d -o root -g root -m 0755 /etc/chromium/policies /etc/chromium/policies/managed
install_if_changed "$work/policy.json" "$POLICY_FILE" 0644

# 6. The systemd unit.
sed -e "s|@INSTALL_DIR@|$HCW_INSTALL_DIR|g" -e "s|@NODE@|$node_bin|g" -e "s|@KIOSK_USER@|$HCW_KIOSK_USER|g" \
  -e "s|@AGENT_USER@|$HCW_AGENT_USER|g" "$here/hcw-desktop-agent.service" >"$work/unit"
install_if_changed "$work/unit" "$UNIT_FILE" 0644
install -d -o root -g root -m 0750 /etc/hcw

# 7. The image record the agent reports in its health answer: version, and the versions of the
#    packages this image was built with.
printf '%s\n' "$HCW_IMAGE_VERSION" >"$work/version"
{
  dpkg-query -W -f='${Package}\t${Version}\n' "${packages[@]}" | sort
  printf 'node\t%s\n' "$("$node_bin" --version)"
} >"$work/packages.txt"
install -d -o root -g root -m 0755 "$IMAGE_RECORD_DIR"
install_if_changed "$work/version" "$IMAGE_RECORD_DIR/version" 0644
install_if_changed "$work/packages.txt" "$IMAGE_RECORD_DIR/packages.txt" 0644

# 8. Services: not in chroots and image builds, where first boot enables the agent.
if [ "$HCW_MANAGE_SERVICES" = true ]; then
  systemctl daemon-reload
  systemctl enable --quiet hcw-desktop-agent.service
  if [ ! -f /etc/hcw/hcw-desktop-agent.env ]; then
    log "no /etc/hcw/hcw-desktop-agent.env yet: the agent starts once its settings are written"
  elif [ "$changed" = 1 ] || ! systemctl is-active --quiet hcw-desktop-agent.service; then
    # A restart ends a session that runs on this desktop; it happens only when something changed.
    systemctl restart hcw-desktop-agent.service
    log "agent (re)started"
  fi
fi

if [ "$changed" = 1 ]; then log "desktop host provisioned (image $HCW_IMAGE_VERSION)"; else log "nothing to change"; fi

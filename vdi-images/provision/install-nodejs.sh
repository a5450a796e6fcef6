#!/usr/bin/env bash
# Makes sure Node.js (20.19 or later, the agent's engine) is installed, and prints the node executable.
# Called by provision-desktop.sh. Debian 12's own nodejs is too old, so it comes from an official binary
# tarball (HCW_NODE_ARCHIVE, e.g. from the organisation's artefact store) or NodeSource's apt repository.
set -euo pipefail
MIN_VERSION=20.19.0
NODE_MAJOR=${HCW_NODE_MAJOR:-20}
log() { printf '[install-nodejs] %s\n' "$*" >&2; }

is_recent_enough() { # NODE_EXECUTABLE
  local version
  version=$("$1" --version 2>/dev/null) || return 1
  version=${version#v}
  [ "$(printf '%s\n%s\n' "$MIN_VERSION" "$version" | sort -V | head -n1)" = "$MIN_VERSION" ]
}

for candidate in /usr/local/bin/node /usr/bin/node; do
  if [ -x "$candidate" ] && is_recent_enough "$candidate"; then
    echo "$candidate"
    exit 0
  fi
done

if [ -n "${HCW_NODE_ARCHIVE:-}" ]; then
  name=$(basename "$HCW_NODE_ARCHIVE")
  home=/opt/nodejs/${name%.tar.*}
  log "unpacking $name into $home"
  install -d -m 0755 "$home"
  tar -xf "$HCW_NODE_ARCHIVE" -C "$home" --strip-components=1 --no-same-owner
  for tool in node npm npx; do ln -sfn "$home/bin/$tool" "/usr/local/bin/$tool"; done
  node=/usr/local/bin/node
else
  log "installing Node.js $NODE_MAJOR from NodeSource"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends curl gnupg ca-certificates >&2
  install -d -m 0755 /etc/apt/keyrings
  curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key |
    gpg --dearmor --yes -o /etc/apt/keyrings/nodesource.gpg
  echo "deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_${NODE_MAJOR}.x nodistro main" \
    >/etc/apt/sources.list.d/nodesource.list
  apt-get update -qq
  apt-get install -y -qq nodejs >&2
  node=/usr/bin/node
fi

if ! is_recent_enough "$node"; then
  log "$node is $("$node" --version), older than $MIN_VERSION"
  exit 1
fi
echo "$node"

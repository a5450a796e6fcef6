#!/usr/bin/env bash
# Installs the desktop agent and the session scripts from a repository checkout, with the npm packages
# the agent runs with (tsx included: TypeScript runs through tsx, nothing is built).
#
#   install-workspace.sh REPO_DIR INSTALL_DIR NODE_EXECUTABLE
#
# Exits 0 when the installed copy was already current, 10 when it was (re)installed. Only what the agent
# needs is copied; the other workspaces' package.json files come along because npm ci checks them.
set -euo pipefail
repo=$1
install_dir=$2
node=$3
log() { printf '[install-workspace] %s\n' "$*" >&2; }

files=(package.json package-lock.json common vdi-images broker/package.json workspace-app/package.json)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

tar -C "$repo" --exclude=node_modules --exclude='*.log' -cf - "${files[@]}" | tar -C "$stage" -xf -
# The same files give the same fingerprint, whatever their dates or owners.
fingerprint=$(tar -C "$stage" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - . | sha256sum | cut -d' ' -f1)
if [ -f "$install_dir/.installed-from" ] && [ "$(cat "$install_dir/.installed-from")" = "$fingerprint" ] &&
  [ -d "$install_dir/node_modules/tsx" ]; then
  exit 0
fi

log "installing the agent into $install_dir"
npm=$(dirname "$node")/npm
[ -x "$npm" ] || npm=npm
(cd "$stage" && PATH="$(dirname "$node"):$PATH" "$npm" ci --workspace=vdi-images --include-workspace-root \
  --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
chmod 0755 "$stage"
chmod -R go-w "$stage"
echo "$fingerprint" >"$stage/.installed-from"
# Swapped in whole, so the agent never runs from a half-copied tree.
rm -rf "$install_dir.previous"
if [ -d "$install_dir" ]; then mv "$install_dir" "$install_dir.previous"; fi
mkdir -p "$(dirname "$install_dir")"
mv "$stage" "$install_dir"
rm -rf "$install_dir.previous"
trap - EXIT
exit 10

#!/usr/bin/env bash
# Builds the desktop image from the commit that is checked out; uncommitted changes are not included.
#
#   build.sh -var image_version=2026.11.1 -var portal_url=https://portal.example.jp [-only=qemu.debian12]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(git -C "$here" rev-parse --show-toplevel)
mkdir -p "$here/output"
git -C "$repo" archive --format=tar.gz -o "$here/output/hcw-source.tar.gz" HEAD
cd "$here"
export CHECKPOINT_DISABLE=1
exec packer build "$@" desktop.pkr.hcl

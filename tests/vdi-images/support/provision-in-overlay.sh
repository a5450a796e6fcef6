#!/usr/bin/env bash
# Provisions this machine as if it were a fresh desktop host, without changing it: /etc, /opt and /var
# become overlays in a private mount namespace, whose changes land in WORK_DIR and vanish with the
# namespace. Runs provision-desktop.sh twice (the second run must change nothing), then starts the
# installed agent the way its systemd unit does, with the settings in WORK_DIR/agent.env, until killed.
#
#   provision-in-overlay.sh WORK_DIR      (HCW_* as for provision-desktop.sh)
set -euo pipefail
work=$1
repo=$(cd "$(dirname "$0")/../../.." && pwd)

if [ "${HCW_IN_OVERLAY:-}" != 1 ]; then
  exec unshare --mount --propagation private -- env HCW_IN_OVERLAY=1 "$0" "$@"
fi
for dir in etc opt var; do
  mkdir -p "$work/$dir-changes" "$work/$dir-work"
  mount -t overlay overlay -o "lowerdir=/$dir,upperdir=$work/$dir-changes,workdir=$work/$dir-work" "/$dir"
done

bash "$repo/vdi-images/provision/provision-desktop.sh" >"$work/first-run.log" 2>&1
bash "$repo/vdi-images/provision/provision-desktop.sh" >"$work/second-run.log" 2>&1
install -D -m 0600 "$work/agent.env" /etc/hcw/hcw-desktop-agent.env

# What systemd would do with the installed unit: its environment, then the environment file, then run.
unit=/etc/systemd/system/hcw-desktop-agent.service
while IFS= read -r line; do
  case $line in
    Environment=*) export "${line#Environment=}" ;;
    WorkingDirectory=*) cd "${line#*=}" ;;
    ExecStart=*) exec_start=${line#*=} ;;
  esac
done <"$unit"
set -a
# shellcheck disable=SC1091
. /etc/hcw/hcw-desktop-agent.env
set +a
echo "agent starting" >"$work/agent-starting"
read -r -a command <<<"$exec_start"
exec "${command[@]}"

#!/usr/bin/env bash
# Provisions this machine as if it were a fresh desktop host, without changing it: /etc, /opt and /var
# become overlays in a private mount namespace, whose changes land in WORK_DIR and vanish with the
# namespace. Runs provision-desktop.sh twice (the second run must change nothing), then starts the
# installed agent the way its systemd unit does (its user, its capabilities, its state folder), with the
# settings in WORK_DIR/agent.env and the desktop's certificate from WORK_DIR/tls, until killed.
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

# What systemd would do with the installed unit: its environment, then the environment file, then run as
# its user with its capabilities.
unit=/etc/systemd/system/hcw-desktop-agent.service
caps() { # "CAP_A CAP_B" -> "+a,+b"
  local out=() cap
  for cap in $1; do out+=("+$(printf '%s' "${cap#CAP_}" | tr '[:upper:]' '[:lower:]')"); done
  (IFS=,; printf '%s' "${out[*]}")
}
while IFS= read -r line; do
  case $line in
    Environment=*) export "${line#Environment=}" ;;
    WorkingDirectory=*) cd "${line#*=}" ;;
    ExecStart=*) exec_start=${line#*=} ;;
    User=*) user=${line#*=} ;;
    Group=*) group=${line#*=} ;;
    AmbientCapabilities=*) ambient=$(caps "${line#*=}") ;;
    CapabilityBoundingSet=*) bounding=$(caps "${line#*=}") ;;
  esac
done <"$unit"
set -a
# shellcheck disable=SC1091
. /etc/hcw/hcw-desktop-agent.env
set +a
# The desktop's certificate, readable by the agent's user only, as the deployment installs it.
install -d -o root -g "$group" -m 0750 /etc/hcw-desktop
for file in "$work"/tls/*; do install -o root -g "$group" -m 0640 "$file" /etc/hcw-desktop/; done
# StateDirectory=: the agent's own.
install -d -o "$user" -g "$group" -m 0711 "$DESKTOP_STATE_DIR"
echo "agent starting" >"$work/agent-starting"
read -r -a command <<<"$exec_start"
exec setpriv --reuid="$user" --regid="$group" --init-groups --inh-caps="-all,$ambient" \
  --ambient-caps="$ambient" --bounding-set="-all,$bounding" -- "${command[@]}"

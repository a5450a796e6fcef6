#!/usr/bin/env bash
# Starts Chromium in kiosk mode on the given URL for one session.
#
#   DISPLAY=:N start-kiosk.sh URL SESSION_DIR [WIDTH HEIGHT]
#
# SESSION_DIR receives everything the browser writes (profile, home, temporary files); the desktop agent
# deletes it when the session ends.
#
# Environment:
#   KIOSK_POLICY_DIR  a policies folder (with managed/) shown to this browser only, over
#                     /etc/chromium/policies; for machines whose other Chromium users must not get the
#                     kiosk's policy (developer and CI machines). Desktop hosts install it in /etc instead.
#   KIOSK_USER        run the browser as this unprivileged user (when started as root).
#   KIOSK_DEBUG_PORT  test runs only: the debugging port, on loopback.
#
# Started as root, the browser gets a mount and a PID namespace of its own: SESSION_DIR and /dev/shm (which
# holds its temporary files) are fresh tmpfs mounts that vanish with it, and when this process is killed the kernel kills every process
# of the browser, including the crash handlers that leave its process group.
set -euo pipefail
url=$1
session_dir=$2
width=${3:-1280}
height=${4:-800}

is_root=0
if [ "$(id -u)" = 0 ]; then is_root=1; fi

# Root and not yet inside the namespaces (there, this script is process 1): enter them.
if [ "$is_root" = 1 ] && [ "$$" != 1 ]; then
  exec unshare --mount --propagation private --pid --fork --kill-child --mount-proc -- "$0" "$@"
fi

run_as=()
owner=$(id -u):$(id -g)
if [ "$is_root" = 1 ]; then
  if [ -n "${KIOSK_USER:-}" ]; then
    owner=$(id -u "$KIOSK_USER"):$(id -g "$KIOSK_USER")
    run_as=(setpriv "--reuid=$KIOSK_USER" "--regid=$KIOSK_USER" --init-groups --inh-caps=-all
      --bounding-set=-all --no-new-privs)
  fi
  mount -t tmpfs -o "mode=0700,uid=${owner%:*},gid=${owner#*:},size=${KIOSK_SESSION_SIZE:-1g},nosuid,nodev" \
    kiosk-session "$session_dir"
  # The namespace's own /dev/shm also takes the temporary files: its paths are short enough for
  # Chromium's sockets (the kernel allows 108 bytes), and it vanishes with the namespace.
  mount -t tmpfs -o "mode=1777,size=${KIOSK_SESSION_SIZE:-1g},nosuid,nodev" kiosk-shm /dev/shm
  if [ -n "${KIOSK_POLICY_DIR:-}" ]; then
    # An empty folder is no policy; it only gives the bind mount somewhere to go.
    mkdir -p /etc/chromium/policies
    mount --bind -o ro "$KIOSK_POLICY_DIR" /etc/chromium/policies
  fi
fi

# Outside the namespaces (not root), temporary files go to the session folder, which the agent deletes.
tmp_dir=/dev/shm
if [ "$is_root" = 0 ]; then tmp_dir="$session_dir/tmp"; fi
mkdir -p "$session_dir/profile" "$session_dir/home" "$tmp_dir"
chmod 0700 "$session_dir/profile" "$session_dir/home"
if [ "$is_root" = 1 ]; then chown "$owner" "$session_dir/profile" "$session_dir/home"; else chmod 0700 "$tmp_dir"; fi
export HOME="$session_dir/home" TMPDIR="$tmp_dir"
export XDG_CONFIG_HOME="$HOME/.config" XDG_CACHE_HOME="$HOME/.cache" XDG_DATA_HOME="$HOME/.local/share"

flags=(
  --kiosk "--app=$url"
  "--user-data-dir=$session_dir/profile"
  --no-first-run --no-default-browser-check
  --disable-background-networking --disable-component-update --disable-sync
  --disable-translate --disable-features=Translate,MediaRouter
  # Thin scrollbars drawn over the page while it scrolls, as on a phone: a page laid out at a phone's width
  # keeps all of it.
  --enable-features=OverlayScrollbar
  --noerrdialogs --disable-infobars --disable-session-crashed-bubble
  --password-store=basic
  --disable-dev-shm-usage
  --lang=ja --accept-lang=ja,en
  --window-position=0,0 "--window-size=${width},${height}"
)
# Chromium's sandbox cannot run as root; desktop hosts run the kiosk as an unprivileged user.
if [ "$is_root" = 1 ] && [ ${#run_as[@]} -eq 0 ]; then flags+=(--no-sandbox --test-type); fi
# Test runs only: the kiosk's debugging port on loopback, so lock-down tests can drive it.
if [ -n "${KIOSK_DEBUG_PORT:-}" ]; then
  flags+=("--remote-debugging-port=$KIOSK_DEBUG_PORT" --remote-debugging-address=127.0.0.1)
fi

exec "${run_as[@]}" chromium "${flags[@]}"

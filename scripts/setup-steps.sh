# Shared by the set-up scripts (sourced, not run): each step says what it does and how long it took, and a
# failure names the step, the command and what to do about it.
#
# Write conditions as `if`, never as a last `[ ... ] && command`: under `set -e` a false test there fails
# the function or the trap it ends, and becomes the script's exit status (tests/scripts checks this).

setup_log() { printf '[setup] %s\n' "$*"; }

# Seconds since $1 (a value of $SECONDS), as "12s" or "2m05s".
setup_elapsed() {
  local seconds=$((SECONDS - $1))
  if [ "$seconds" -ge 60 ]; then
    printf '%dm%02ds' $((seconds / 60)) $((seconds % 60))
  else
    printf '%ds' "$seconds"
  fi
}

# setup_fail WHAT COMMAND WAY-OUT [STATUS]: stops the set-up with the three things a person needs.
setup_fail() {
  setup_log "FAILED: $1"
  if [ -n "$2" ]; then setup_log "  command: $2"; fi
  setup_log "  what to do: $3"
  exit "${4:-1}"
}

# setup_step WHAT WAY-OUT COMMAND [ARGS...]: runs one step, timed; on failure stops with its way out.
setup_step() {
  local what=$1 way_out=$2 started=$SECONDS status=0
  shift 2
  setup_log "$what…"
  "$@" || status=$?
  if [ "$status" -ne 0 ]; then
    setup_fail "$what (exit status $status)" "$*" "$way_out" "$status"
  fi
  setup_log "  done in $(setup_elapsed "$started")"
}

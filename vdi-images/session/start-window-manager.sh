#!/usr/bin/env bash
# Starts openbox with a configuration that has no menus, no key bindings and no window decorations,
# so the only thing on the screen is the kiosk browser.
#
#   DISPLAY=:N start-window-manager.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec openbox --config-file "$here/openbox/rc.xml"

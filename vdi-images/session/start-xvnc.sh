#!/usr/bin/env bash
# Starts the desktop's X server: TigerVNC's Xvnc, password-protected, with clipboard transfer off in
# both directions. Used as it is by the desktop image and by local runs.
#
#   start-xvnc.sh DISPLAY_NUMBER RFB_PORT PASSWORD_FILE [GEOMETRY]
#
# VNC_LOCALHOST_ONLY=1 (the default) binds VNC to loopback, where the guacd beside the desktop reaches it:
# no screen crosses the network (docs/decisions/0022). 0 listens on every address.
#
# VNC_SEND_CLIPBOARD=1 is for the egress test's control run only (the agent refuses it on a built image):
# the desktop then offers its clipboard and selection to the VNC client, so that run can prove its check
# finds copied text when every layer lets it through.
set -euo pipefail
display_number=$1
rfb_port=$2
password_file=$3
geometry=${4:-1280x800}

send_clipboard=0
if [ "${VNC_SEND_CLIPBOARD:-0}" = 1 ]; then send_clipboard=1; fi

localhost_flag=()
if [ "${VNC_LOCALHOST_ONLY:-1}" = 1 ]; then localhost_flag=(-localhost); fi

exec Xvnc ":${display_number}" \
  -rfbport "$rfb_port" "${localhost_flag[@]}" \
  -SecurityTypes VncAuth -PasswordFile "$password_file" \
  -SendCutText="$send_clipboard" -AcceptCutText=0 -SendPrimary="$send_clipboard" -SetPrimary=0 \
  -geometry "$geometry" -depth 24 \
  -nolisten tcp -NeverShared -DisconnectClients=1 \
  -desktop "workspace"

#!/usr/bin/env bash
# A real SMTP server for the email tests (issue 22): aiosmtpd (PyPI, pinned) in
# .tools/venv, on a free loopback port, storing every message it accepts in a
# Maildir the tests read. The sender reaches it through lettre with CRM_SMTP_URL.
#
#   bash .ci/smtp-server.sh install           # only installs it (.ci/tools.sh)
#   eval "$(bash .ci/smtp-server.sh start)"   # prints the env to export
#   bash .ci/smtp-server.sh stop
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=$ROOT/.tools/venv
PIDFILE=$ROOT/.tools/smtp-server.pid
MAILDIR=$ROOT/.tools/smtp-maildir
AIOSMTPD="aiosmtpd==1.4.6"

install() {
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/python" -c 'import aiosmtpd' 2>/dev/null \
    || "$VENV/bin/pip" install -q --disable-pip-version-check "$AIOSMTPD" >&2
}

start() {
  install
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  rm -rf "$MAILDIR"
  "$VENV/bin/python" -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox "$MAILDIR" \
    >"$ROOT/.tools/smtp-server.log" 2>&1 &
  echo $! >"$PIDFILE"
  for _ in $(seq 1 60); do
    if python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null; then
      echo "export CRM_TEST_SMTP_URL=smtp://127.0.0.1:$port CRM_TEST_SMTP_MAILDIR=$MAILDIR"
      return 0
    fi
    sleep 0.5
  done
  echo "the SMTP server did not start; see .tools/smtp-server.log" >&2
  exit 1
}

stop() {
  [ -f "$PIDFILE" ] && kill "$(cat "$PIDFILE")" 2>/dev/null || true
  rm -f "$PIDFILE"
}

"${1:-start}"

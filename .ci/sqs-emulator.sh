#!/usr/bin/env bash
# An SQS emulator for the tests: moto's server mode (PyPI moto[server], pinned),
# in .tools/venv, on a free loopback port. The tests reach it through the real
# aws-sdk-sqs with AWS_ENDPOINT_URL_SQS.
#
#   bash .ci/sqs-emulator.sh install           # only installs it (.ci/tools.sh)
#   eval "$(bash .ci/sqs-emulator.sh start)"   # prints the env to export
#   bash .ci/sqs-emulator.sh stop
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=$ROOT/.tools/venv
PIDFILE=$ROOT/.tools/sqs-emulator.pid
MOTO="moto[server]==5.2.5"

install() {
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  [ -x "$VENV/bin/moto_server" ] || "$VENV/bin/pip" install -q --disable-pip-version-check "$MOTO" >&2
}

start() {
  install
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$ROOT/.tools/sqs-emulator.log" 2>&1 &
  echo $! >"$PIDFILE"
  for _ in $(seq 1 120); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/moto-api/"; then
      echo "export AWS_ENDPOINT_URL_SQS=http://127.0.0.1:$port"
      return 0
    fi
    sleep 0.5
  done
  echo "the SQS emulator did not start; see .tools/sqs-emulator.log" >&2
  exit 1
}

stop() {
  [ -f "$PIDFILE" ] && kill "$(cat "$PIDFILE")" 2>/dev/null || true
  rm -f "$PIDFILE"
}

"${1:-start}"

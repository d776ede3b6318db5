#!/usr/bin/env bash
# DynamoDB Local (the emulator AWS ships) for the tests, from the npm package
# amplify-dynamodb-simulator@2.9.30 (folder emulator/, DynamoDB Local 1.25.1),
# run on the machine's Java 17. Nothing is downloaded from anywhere else.
#
#   bash .ci/dynamodb-local.sh fetch          # once, into .tools/dynamodb-local
#   eval "$(bash .ci/dynamodb-local.sh start)" # starts on a free port, prints the env to export
#   bash .ci/dynamodb-local.sh stop
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=$ROOT/.tools/dynamodb-local
PIDFILE=$ROOT/.tools/dynamodb-local.pid
PACKAGE=amplify-dynamodb-simulator@2.9.30

fetch() {
  [ -f "$DIR/DynamoDBLocal.jar" ] && return 0
  command -v java >/dev/null || { echo "java is needed for DynamoDB Local (apt-get install openjdk-17-jre-headless)" >&2; exit 1; }
  command -v npm >/dev/null || { echo "npm is needed to fetch DynamoDB Local" >&2; exit 1; }
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$PACKAGE" >/dev/null && tar xzf ./*.tgz package/emulator)
  mkdir -p "$(dirname "$DIR")"
  rm -rf "$DIR" && mv "$tmp/package/emulator" "$DIR" && rm -rf "$tmp"
  echo "DynamoDB Local fetched into $DIR" >&2
}

start() {
  fetch
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  (cd "$DIR" && exec java -Xmx1g -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar \
      -inMemory -sharedDb -port "$port" -disableTelemetry >"$ROOT/.tools/dynamodb-local.log" 2>&1) &
  echo $! >"$PIDFILE"
  for _ in $(seq 600); do  # up to a minute on a busy machine
    if curl -s -o /dev/null "http://127.0.0.1:$port"; then
      echo "export AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$port AWS_ACCESS_KEY_ID=dummy AWS_SECRET_ACCESS_KEY=dummy AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true"
      return 0
    fi
    sleep 0.1
  done
  echo "DynamoDB Local did not start; see .tools/dynamodb-local.log" >&2
  exit 1
}

stop() {
  [ -f "$PIDFILE" ] && kill "$(cat "$PIDFILE")" 2>/dev/null || true
  rm -f "$PIDFILE"
}

"${1:-start}"

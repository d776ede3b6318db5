#!/usr/bin/env bash
# The contract run of the test command: schemathesis (pinned, in .tools/venv)
# against local-api on the embedded store, every check, the settings of
# schemathesis.toml (fixed seed, bounded examples, links-only stateful phase).
# 0 failures or the test command fails. Usage: bash .ci/schemathesis.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS=4.32.5
HYPOTHESIS=6.170.17
if ! .tools/venv/bin/schemathesis --version 2>/dev/null | grep -q "$SCHEMATHESIS"; then
  [ -x .tools/venv/bin/pip ] || python3 -m venv .tools/venv
  .tools/venv/bin/pip install -q --disable-pip-version-check \
    "schemathesis==$SCHEMATHESIS" "hypothesis==$HYPOTHESIS"
fi
# `bash .ci/schemathesis.sh install`: only the install above (.ci/tools.sh).
[ "${1:-}" = install ] && exit 0

# The local-api binary the test build made (target/debug/local-api, for the
# e2e tests): `cargo test --workspace --no-run` is a no-op after the test
# step. `cargo build -p local-api` would resolve features for local-api
# alone and rebuild part of the graph (≈3 minutes of the test command).
cargo test -q --workspace --no-run
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
key="schemathesis-$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')"
# A delivery signing key, so a connection may take a `delivery_url` (issue 22).
CRM_DATA_DIR="$data" CRM_API_KEYS="$key" RUST_LOG=warn \
  CRM_DELIVERY_SIGNING_KEY="schemathesis-signing-key-$(python3 -c 'import secrets; print(secrets.token_hex(16))')" \
  target/debug/local-api --addr "127.0.0.1:$port" >"$data/local-api.log" 2>&1 &
server=$!
cleanup() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/health" >/dev/null && break
  sleep 0.1
done

# Run from the data folder: schemathesis keeps its cache (.schemathesis/) in the working directory.
root=$PWD
(cd "$data" && SCHEMATHESIS_HOOKS="$root/.ci/schemathesis_hooks.py" "$root/.tools/venv/bin/schemathesis" --config-file "$root/schemathesis.toml" \
  run "$root/docs/openapi.json" --url "http://127.0.0.1:$port" -H "x-api-key: $key" \
  --checks all --no-color)

#!/usr/bin/env bash
# Load benchmark of local-api (`make bench`): wrk at 32 connections against
# GET /customers/{id}, GET /context/{phone}?by=phone_normalized and POST /log,
# beside a bare axum handler, in one run. Prints req/s, p50 and p99. Then seed
# 002's ingest of 500 messages (cold and replayed) on the embedded store and
# on DynamoDB Local, the guide workflows' DynamoDB capacity, and cold starts.
set -euo pipefail
cd "$(dirname "$0")/../../.."
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNECTIONS:-32}
if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)…" >&2
  (apt-get update -qq && apt-get install -y -qq wrk) >/dev/null
fi
cargo build --release -q -p local-api --bin local-api --example bare_axum
DATA=$(mktemp -d)
KEY=bench-key-$$
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$DATA"' EXIT
CRM_DATA_DIR=$DATA CRM_API_KEYS=$KEY RUST_LOG=warn target/release/local-api --addr 127.0.0.1:3900 >/dev/null 2>&1 &
target/release/examples/bare_axum 127.0.0.1:3901 &
for _ in $(seq 100); do curl -sf http://127.0.0.1:3900/health >/dev/null && curl -sf http://127.0.0.1:3901/customers/1 >/dev/null && break; sleep 0.1; done
curl -sf -X POST http://127.0.0.1:3900/customers -H "x-api-key: $KEY" -H 'content-type: application/json' \
  -d '{"name":"Bench","email":"bench@example.com","phone":"+14165550000"}' >/dev/null
curl -sf -X POST http://127.0.0.1:3900/log -H "x-api-key: $KEY" -H 'content-type: application/json' \
  -d '{"customer_id":1,"channel":"sms","channel_identifier":"+14165550000","direction":"inbound","message_body":"warm up"}' >/dev/null

run() { # name, url, extra wrk args…
  local name=$1 url=$2; shift 2
  local out
  out=$(BENCH_KEY=$KEY wrk -t2 -c"$CONNS" -d"$DURATION" --latency -H "x-api-key: $KEY" "$@" "$url")
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  printf '| %-45s | %10s | %8s | %8s | %s |\n' "$name" "$rps" "$p50" "$p99" "${errors:-0}"
}
echo "wrk -t2 -c$CONNS -d$DURATION on $(nproc) cores, $(date -u +%F)"
printf '| %-45s | %10s | %8s | %8s | %s |\n' endpoint req/s p50 p99 non-2xx
printf '|%s|%s|%s|%s|%s|\n' -----------------------------------------------  ------------ ---------- ---------- -----
run "bare axum GET /customers/{id} (baseline)" http://127.0.0.1:3901/customers/1
run "local-api GET /customers/{id}" http://127.0.0.1:3900/customers/1
run "local-api GET /context/{phone}?by=phone_normalized" "http://127.0.0.1:3900/context/%2B14165550000?by=phone_normalized"
run "local-api POST /log" http://127.0.0.1:3900/log -s functions/local-api/bench/log.lua

echo
echo "Seed 002 ingest: one request of 500 messages over 5 conversations, cold and replayed:"
cargo run --release -q -p local-api --example ingest_bench

echo
echo "Reply worker overhead per job (issue 9):"
cargo run --release -q -p local-api --example reply_bench

echo
echo "Sender overhead per message (issue 22):"
cargo run --release -q -p local-api --example send_bench

echo
echo "DynamoDB consumed capacity per request, guide workflows (DynamoDB Local, ReturnConsumedCapacity=TOTAL):"
eval "$(bash .ci/dynamodb-local.sh start)"
trap 'bash .ci/dynamodb-local.sh stop; kill $(jobs -p) 2>/dev/null || true; rm -rf "$DATA"' EXIT
cargo run --release -q -p local-api --example capacity
cargo run --release -q -p local-api --example ingest_bench
cargo run --release -q -p local-api --example send_bench

echo
bash functions/local-api/bench/cold_start.sh

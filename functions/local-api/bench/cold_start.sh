#!/usr/bin/env bash
# Lambda cold start of every bootstrap beside a hello-world lambda_http binary
# built in the same run (`make bench` runs it last; also usable alone).
# A fake Lambda Runtime API on loopback (examples/cold_start.rs) measures
# init = exec → first GET /2018-06-01/runtime/invocation/next, then hands over
# one API Gateway event and measures the first invoke:
#   1. GET /health             — no store call;
#   2. a route of each function that reads the table on DynamoDB Local (its first
#      store call builds the SDK client: see DynamoStore's docs).
set -euo pipefail
cd "$(dirname "$0")/../../.."
RUNS=${BENCH_COLD_RUNS:-30}
FUNCTIONS="crm-customers crm-context crm-log crm-messages crm-conversations crm-ingest"
# Profile deploy: what `make build` deploys (release without cross-crate LTO).
cargo build --profile deploy -q $(for f in $FUNCTIONS; do printf -- '-p %s --bin %s ' "$f" "$f"; done) \
  -p crm-reply-worker --bin crm-reply-worker -p local-api --example hello_lambda --example cold_start
# The reply worker answers SQS batches, not API Gateway events: its own event
# (a job whose conversation does not exist: one store read, then skipped).
WORKER=target/deploy/crm-reply-worker=events/reply-worker/sqs-batch.json
BINS="target/deploy/examples/hello_lambda $(for f in $FUNCTIONS; do printf 'target/deploy/%s ' "$f"; done)"
started_emulator=
if [ -z "${AWS_ENDPOINT_URL_DYNAMODB:-}" ]; then
  eval "$(bash .ci/dynamodb-local.sh start)"
  started_emulator=1
fi
trap '[ -n "$started_emulator" ] && bash .ci/dynamodb-local.sh stop' EXIT
TABLE=crm-cold-$$
cargo run --profile deploy -q -p crm-store-dynamodb --bin create-table -- --template template.yaml --table "$TABLE" >/dev/null

echo "Lambda cold start, $RUNS runs per binary, $(nproc) cores, $(date -u +%F) (x86-64, profile deploy):"
echo
echo "GET /health (no store call):"
TABLE_NAME=$TABLE target/deploy/examples/cold_start events/customers-health.json "$RUNS" $BINS "$WORKER"
echo
echo "A route of each function that reads or writes the table (DynamoDB Local; the first invoke builds the SDK client):"
TABLE_NAME=$TABLE target/deploy/examples/cold_start events/customers-get.json "$RUNS" \
  target/deploy/examples/hello_lambda target/deploy/crm-customers=events/customers-get.json \
  target/deploy/crm-context=events/context-get-by-phone.json target/deploy/crm-log=events/log-inbound.json \
  target/deploy/crm-messages=events/messages-get.json target/deploy/crm-conversations=events/conversations-for-customer.json \
  "$WORKER"

#!/usr/bin/env bash
# The test command (`make test`). Installs (.ci/tools.sh, in the background while cargo
# builds) and starts what the tests need, by itself:
#   - DynamoDB Local (npm package amplify-dynamodb-simulator, Java 17) on a free port;
#   - cfn-lint and aws-sam-cli (PyPI) in .tools/venv for the template checks;
#   - schemathesis (PyPI, pinned) in .tools/venv for the contract run against docs/openapi.json;
#   - checkov (PyPI, pinned) in .tools/checkov-venv, the IaC scanner of template.yaml;
#   - an SQS emulator (PyPI moto[server], pinned, in .tools/venv) on a free port for the reply queue tests
#     (and Secrets Manager, which the same server serves, for the secrets test);
#   - an SMTP server (PyPI aiosmtpd, pinned, in .tools/venv) on a free port for the email tests.
# Then: formatting, one build of every target linted by clippy, every test on the embedded store (and the DynamoDB contract
# suite), the HTTP and end-to-end tests again on DynamoDB, the template linters,
# and schemathesis against local-api on the embedded store.
set -euo pipefail
cd "$(dirname "$0")/.."
# A one-off build gains nothing from incremental artifacts, which more than
# double target/ (a session's debug target/ reached 52 GB and filled the disk).
export CARGO_INCREMENTAL=0

step() { printf '\n== %s  [%s]\n' "$*" "$(date -u +%T)"; }

# Clippy lints the workspace's crates during the test build itself: cargo
# runs clippy-driver (rustc plus clippy's lints) in place of rustc for the
# workspace members only, which is exactly what `cargo clippy` does, but
# with code generation, so the test build below reuses it. A separate
# `cargo clippy --all-targets` first type-checked every dependency again
# (≈4.5 min of the command on 2 cores). Every cargo call of this script
# (and of schemathesis.sh) uses the same wrapper, so none rebuilds the
# others' artifacts. Lints and rustc warnings are errors (-D warnings).
export RUSTC_WORKSPACE_WRAPPER="$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver)"
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"

step "formatting"
cargo fmt --all -- --check

step "tools (DynamoDB Local, cfn-lint, sam, moto, aiosmtpd, schemathesis, checkov): installing in the background"
# .ci/tools.sh installs whatever is missing while cargo builds below; the
# steps that use a tool wait for it first.
mkdir -p .tools
bash .ci/tools.sh >.tools/tools.log 2>&1 &
tools=$!
trap 'kill "$tools" 2>/dev/null || true' EXIT
tools_ready() {
  wait "$tools" || { cat .tools/tools.log >&2; echo "installing the test tools failed (above)" >&2; exit 1; }
  tail -1 .tools/tools.log
}

step "build every target of the workspace, linted by clippy (-D warnings)"
cargo test --workspace --no-run

step "each Lambda links only the DynamoDB adapter"
for fn in crm-customers crm-context crm-log crm-messages crm-conversations crm-ingest crm-reply-worker crm-sender; do
  if cargo tree -q -p "$fn" -e normal,build | grep -qE '^.*(rusqlite|crm-store-sqlite) '; then
    echo "$fn links the embedded SQLite store; a Lambda must link only crm-store-dynamodb" >&2
    exit 1
  fi
done
echo "ok: no Lambda function depends on rusqlite or crm-store-sqlite"

step "waiting for the tools"
tools_ready

step "DynamoDB Local"
eval "$(bash .ci/dynamodb-local.sh start)"
trap 'bash .ci/dynamodb-local.sh stop; bash .ci/sqs-emulator.sh stop; bash .ci/smtp-server.sh stop' EXIT
echo "emulator at $AWS_ENDPOINT_URL_DYNAMODB"

step "SQS emulator (moto server mode)"
eval "$(bash .ci/sqs-emulator.sh start)"
echo "emulator at $AWS_ENDPOINT_URL_SQS"

step "SMTP server (aiosmtpd, a Maildir the email tests read)"
eval "$(bash .ci/smtp-server.sh start)"
echo "server at $CRM_TEST_SMTP_URL"

step "template linters (cfn-lint, sam validate --lint)"
.tools/venv/bin/cfn-lint template.yaml
SAM_CLI_TELEMETRY=0 .tools/venv/bin/sam validate --lint --region us-east-1 --template-file template.yaml

step "IaC scanner (checkov): every finding fixed, or skipped in template.yaml's Metadata with its reason"
# --skip-download: no call to the vendor's platform (nothing leaves the machine).
.tools/checkov-venv/bin/checkov -f template.yaml --framework cloudformation --compact --quiet --skip-download

step "all tests, embedded store (+ storage contract on DynamoDB Local)"
cargo test --workspace --no-fail-fast

step "HTTP, bounds, concurrency and end-to-end tests on DynamoDB Local"
# The first pass's binaries of crm-tests and local-api, run again with
# CRM_TEST_STORE=dynamodb (`cargo test -p` would rebuild them with other features).
cargo test --workspace --no-run --message-format=json 2>/dev/null \
  | python3 .ci/test-binaries.py crm-tests local-api >.tools/dynamodb-pass.txt
failed=0
# The write-sharding simulation (api's partitions::) builds its own embedded
# store whatever CRM_TEST_STORE says — the keys it measures are the domain's —
# so it runs once, in the first pass, not again here.
while read -r dir exe; do
  echo "-- $(basename "$exe") (CRM_TEST_STORE=dynamodb)"
  (cd "$dir" && CRM_TEST_STORE=dynamodb "$exe" --skip partitions::) || failed=1
done <.tools/dynamodb-pass.txt
[ "$failed" -eq 0 ] || { echo "DynamoDB pass: some tests failed (above)" >&2; exit 1; }

step "the API against docs/openapi.json (schemathesis, every check, schemathesis.toml)"
bash .ci/schemathesis.sh

#!/usr/bin/env bash
# The test command (`make test`). Installs and starts what the tests need, by itself:
#   - DynamoDB Local (npm package amplify-dynamodb-simulator, Java 17) on a free port;
#   - cfn-lint and aws-sam-cli (PyPI) in .tools/venv for the template checks.
# Then: formatting and clippy, every test on the embedded store (and the DynamoDB contract
# suite), the HTTP and end-to-end tests again on DynamoDB, and the template linters.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings

step "DynamoDB Local"
eval "$(bash .ci/dynamodb-local.sh start)"
trap 'bash .ci/dynamodb-local.sh stop' EXIT
echo "emulator at $AWS_ENDPOINT_URL_DYNAMODB"

step "template linters (cfn-lint, sam validate --lint)"
if [ ! -x .tools/venv/bin/sam ] || [ ! -x .tools/venv/bin/cfn-lint ]; then
  python3 -m venv .tools/venv
  .tools/venv/bin/pip install -q --disable-pip-version-check cfn-lint aws-sam-cli
fi
.tools/venv/bin/cfn-lint template.yaml
SAM_CLI_TELEMETRY=0 .tools/venv/bin/sam validate --lint --region us-east-1 --template-file template.yaml

step "all tests, embedded store (+ storage contract on DynamoDB Local)"
cargo test --workspace --no-fail-fast

step "HTTP, bounds, concurrency and end-to-end tests on DynamoDB Local"
CRM_TEST_STORE=dynamodb cargo test --no-fail-fast -p crm-tests -p local-api

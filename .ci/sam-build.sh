#!/usr/bin/env bash
# `make build`: sam build of every function (arm64, provided.al2023): SAM runs
# the Makefile's build-<LogicalId> targets in the source tree (BuildMethod:
# makefile, build_in_source), the first of which builds every Lambda binary
# in one cargo-lambda invocation (cross-compiled with zig: no Docker). Then
# prints each function's zipped bootstrap size. A packaging step, not part of the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .tools/venv/bin/sam ] || [ ! -x .tools/venv/bin/cargo-lambda ]; then
  python3 -m venv .tools/venv
  .tools/venv/bin/pip install -q --disable-pip-version-check aws-sam-cli cargo-lambda ziglang
fi
rustup target list --installed | grep -q aarch64-unknown-linux-gnu || rustup target add aarch64-unknown-linux-gnu
export PATH="$PWD/.tools/venv/bin:$PATH" SAM_CLI_TELEMETRY=0
start=$(date +%s)
sam build
echo "sam build took $(( $(date +%s) - start )) s"
for dir in .aws-sam/build/*Function; do
  [ -f "$dir/bootstrap" ] || continue
  size=$(cd "$dir" && zip -q -9 - bootstrap | wc -c)
  printf '%-28s bootstrap %6.1f MB, zipped %5.1f MB\n' "$(basename "$dir")" "$(echo "$(stat -c %s "$dir/bootstrap")/1048576" | bc -l)" "$(echo "$size/1048576" | bc -l)"
done

"""Reads `cargo test --no-run --message-format=json` on stdin and prints, one
per line, `<package dir> <test executable>` for the packages named as
arguments. The test command runs these binaries again on DynamoDB Local:
the same binaries as the first pass, because `cargo test -p …` resolves
features for those packages alone and rebuilds them (minutes on 2 cores).
Exits 1 if a named package has no test executable."""

import json
import os
import sys

wanted = set(sys.argv[1:])
found = {name: 0 for name in wanted}
for line in sys.stdin:
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    if msg.get("reason") != "compiler-artifact" or not msg.get("executable"):
        continue
    if not msg.get("profile", {}).get("test"):
        continue
    pid = msg["package_id"]
    frag = pid.split("#", 1)[1] if "#" in pid else pid
    if "@" in frag:
        name = frag.split("@", 1)[0]
    elif "#" in pid:
        name = pid.split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    else:
        name = pid.split()[0]
    if name in wanted:
        found[name] += 1
        print(os.path.dirname(msg["manifest_path"]), msg["executable"])
missing = [n for n, c in found.items() if c == 0]
if missing:
    sys.exit(f"no test executables for {', '.join(missing)}")

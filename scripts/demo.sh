#!/usr/bin/env bash
# The whole set-up on a fresh machine: system packages, a release build, an index of this
# repository (which is itself a ctx workspace), and an answer to a sample query.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh
swift build -c release
ctx=".build/release/ctx"
status=0
"$ctx" index --workspace . || status=$?
if [ "$status" -ne 0 ]; then
  echo "ctx index finished with exit code $status (3 = some items had problems, 2 = a source failed; see above and README, 'Exit codes')" >&2
fi
"$ctx" search --workspace . "validate session" --limit 5 || true
"$ctx" query --workspace . "how are identifiers split into words for search" --budget 1500

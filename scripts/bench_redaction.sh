#!/usr/bin/env bash
# Redaction throughput on a folder of source code: builds the benchmark in release mode (only
# CtxCore and CtxRedaction) and times Redactor.redact against decoding the same bytes and
# counting newlines. The ratio is the figure to watch; see docs/redaction.md.
#
#   scripts/bench_redaction.sh /path/to/repo [--runs N] [--findings]
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: scripts/bench_redaction.sh DIR [--runs N] [--findings]" >&2
  exit 2
fi
cd "$(dirname "$0")/.."
swift build -c release --product ctx-bench-redaction >&2
exec .build/release/ctx-bench-redaction "$@"

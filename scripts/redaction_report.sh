#!/usr/bin/env bash
# Per-category recall and precision of the redaction rules on the labeled set
# (Tests/CtxRedactionTests/Fixtures/labeled.jsonl), then any example that went wrong.
# Exits 1 when an example went wrong.
#
#   scripts/redaction_report.sh [FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
file="${1:-Tests/CtxRedactionTests/Fixtures/labeled.jsonl}"
swift build --product ctx-bench-redaction >&2
exec .build/debug/ctx-bench-redaction --report "$file"

#!/usr/bin/env bash
# Many SIGKILLs at random points of `ctx index` (scripts/crash_harness.py); CI runs a few.
# Usage: Benchmarks/crash_harness.sh [RUNS] [FILES]   (defaults: 200 kills over 400 files)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release
exec python3 scripts/crash_harness.py --ctx .build/release/ctx --runs "${1:-200}" --files "${2:-400}"

#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: system packages first, then `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh
swift build --build-tests
swift test --skip-build

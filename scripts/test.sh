#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: system packages and the Python MCP SDK (the
# client of the `ctx serve` end-to-end test) first, then `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh
if ! python3 -c "import mcp" 2>/dev/null; then
  echo "installing the Python MCP SDK (PyPI: mcp) for the ctx serve end-to-end test" >&2
  if ! python3 -m pip install --quiet mcp; then
    echo "error: cannot install the Python package mcp (python3 -m pip install mcp); the MCP end-to-end test needs it" >&2
    exit 1
  fi
fi
swift build --build-tests
swift test --skip-build

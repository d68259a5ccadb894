#!/usr/bin/env bash
# Installs ctx: stripped `ctx` and `ctx-mcp` (which `ctx serve` runs), the man page, bash and
# zsh completions, and, with --service, systemd units for the team server and the nightly index.
#
# Usage: scripts/install.sh [--service --workspace DIR [--user NAME] [--listen HOST:PORT]]
#                           [--configuration release|debug] [PREFIX]
#   PREFIX           where to install (default /usr/local): PREFIX/bin, PREFIX/share/man/man1,
#                    PREFIX/share/bash-completion/completions, PREFIX/share/zsh/site-functions,
#                    and with --service PREFIX/lib/systemd/system (a folder systemd reads for
#                    PREFIX=/usr/local and /usr).
#   --service        also install ctx-serve.service (`ctx serve --http`), ctx-index.service and
#                    ctx-index.timer (a nightly `ctx index`) for the workspace DIR, run as NAME
#                    (default: DIR's owner). The units are installed, not enabled: the script
#                    prints the systemctl command.
#   --configuration  the build to install (default release; debug is for the install test).
#
# System packages: building needs what scripts/system-deps.sh installs; the installed binaries
# need libgit2 and universal-ctags at run time (docs/install.md).
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=/usr/local
configuration=release
service=false
workspace=""
service_user=""
listen="127.0.0.1:8765"
while [ $# -gt 0 ]; do
  case "$1" in
    --service) service=true ;;
    --workspace) workspace="${2:?--workspace needs a folder}"; shift ;;
    --user) service_user="${2:?--user needs a user name}"; shift ;;
    --listen) listen="${2:?--listen needs HOST:PORT}"; shift ;;
    --configuration) configuration="${2:?--configuration needs release or debug}"; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "error: unknown option $1 (see scripts/install.sh --help)" >&2; exit 2 ;;
    *) prefix="$1" ;;
  esac
  shift
done
case "$configuration" in release|debug) ;; *) echo "error: --configuration is release or debug, not $configuration" >&2; exit 2 ;; esac
if $service; then
  if [ -z "$workspace" ]; then
    echo "error: --service needs --workspace DIR, the ctx workspace the server and the nightly index use" >&2
    exit 2
  fi
  if [ ! -f "$workspace/.ctx-workspace" ]; then
    echo "error: $workspace is not a ctx workspace (no .ctx-workspace); make one with: ctx init $workspace" >&2
    exit 2
  fi
  workspace="$(cd "$workspace" && pwd)"
  service_user="${service_user:-$(stat -c %U "$workspace")}"
fi

scripts/system-deps.sh
echo "building ctx and ctx-mcp ($configuration)" >&2
swift build -c "$configuration" --product ctx
swift build -c "$configuration" --product ctx-mcp
built="$(swift build -c "$configuration" --show-bin-path)"

# The man page comes from the command definitions themselves (swift-argument-parser's
# generate-manual plugin), so it cannot drift from --help.
echo "generating the man page" >&2
swift package generate-manual --configuration "$configuration" >/dev/null
manual=".build/plugins/GenerateManual/outputs/ctx/ctx.1"
[ -s "$manual" ] || { echo "error: the man page was not generated (expected $manual)" >&2; exit 1; }

install -d "$prefix/bin" "$prefix/share/man/man1" "$prefix/share/bash-completion/completions" "$prefix/share/zsh/site-functions"
for binary in ctx ctx-mcp; do
  install -m 0755 "$built/$binary" "$prefix/bin/$binary.new"
  strip "$prefix/bin/$binary.new"
  mv -f "$prefix/bin/$binary.new" "$prefix/bin/$binary"   # a running server keeps its old file
done
install -m 0644 "$manual" "$prefix/share/man/man1/ctx.1"
"$prefix/bin/ctx" --generate-completion-script bash > "$prefix/share/bash-completion/completions/ctx"
"$prefix/bin/ctx" --generate-completion-script zsh > "$prefix/share/zsh/site-functions/_ctx"

if $service; then
  units="$prefix/lib/systemd/system"
  install -d "$units"
  for unit in ctx-serve.service ctx-index.service ctx-index.timer; do
    sed -e "s|@BIN@|$prefix/bin|g" -e "s|@WORKSPACE@|$workspace|g" -e "s|@USER@|$service_user|g" -e "s|@LISTEN@|$listen|g" \
      "scripts/systemd/$unit.in" > "$units/$unit"
    chmod 0644 "$units/$unit"
  done
  echo "installed systemd units in $units; start them with:" >&2
  echo "  systemctl daemon-reload && systemctl enable --now ctx-serve.service ctx-index.timer" >&2
fi

echo "installed $("$prefix/bin/ctx" --version) in $prefix:" >&2
du -h "$prefix/bin/ctx" "$prefix/bin/ctx-mcp" >&2

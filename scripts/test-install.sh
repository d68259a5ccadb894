#!/usr/bin/env bash
# The install test (run by scripts/test.sh after the Swift suite): installs the debug build
# into a temporary prefix with scripts/install.sh --service and checks what a user relies on:
# stripped binaries that run, `ctx serve` finding ctx-mcp beside ctx, `--version` naming the
# commit, a man page that renders, completions, and systemd units naming the right paths.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
prefix="$scratch/prefix"
workspace="$scratch/workspace"
fail() { echo "install test FAILED: $*" >&2; exit 1; }

timeout 120 .build/debug/ctx init "$workspace" >/dev/null
timeout 1200 scripts/install.sh --configuration debug --service --workspace "$workspace" --user nobody "$prefix" \
  > "$scratch/install.log" 2>&1 || { cat "$scratch/install.log" >&2; fail "scripts/install.sh exited $?"; }

for binary in ctx ctx-mcp; do
  [ -x "$prefix/bin/$binary" ] || fail "$prefix/bin/$binary is missing"
  if readelf -S "$prefix/bin/$binary" | grep -q '\.symtab'; then fail "$binary is not stripped (it has a .symtab)"; fi
done
version="$(timeout 10 "$prefix/bin/ctx" --version)"
commit="$(git rev-parse --short=12 HEAD)"
case "$version" in *"commit $commit"*) ;; *) fail "ctx --version says '$version', not commit $commit" ;; esac
mcp_version="$(timeout 10 "$prefix/bin/ctx-mcp" --version)" || fail "ctx-mcp --version exited $?"
[ "$mcp_version" = "$version" ] || fail "ctx-mcp --version says '$mcp_version', ctx --version '$version'"

# ctx serve runs the installed ctx-mcp: one JSON-lines status call through the installed pair.
reply="$(echo '{"id":1,"tool":"status","arguments":{}}' | timeout 30 "$prefix/bin/ctx" serve --jsonl --workspace "$workspace" 2>/dev/null)"
case "$reply" in *'"id":1'*) ;; *) fail "installed ctx serve --jsonl answered '$reply'" ;; esac

manual="$prefix/share/man/man1/ctx.1"
grep -q '^\.Dt CTX 1' "$manual" || fail "$manual is not a man page"
if command -v man >/dev/null; then
  MANWIDTH=100 timeout 30 man -l "$manual" 2>/dev/null | grep -q "ctx index" || fail "man -l $manual does not render the index command"
fi
grep -q "_ctx()" "$prefix/share/bash-completion/completions/ctx" || fail "the bash completion has no _ctx function"
grep -q "#compdef ctx" "$prefix/share/zsh/site-functions/_ctx" || fail "the zsh completion has no #compdef line"

units="$prefix/lib/systemd/system"
grep -q "^ExecStart=$prefix/bin/ctx serve --http 127.0.0.1:8765 --workspace $workspace\$" "$units/ctx-serve.service" || fail "ctx-serve.service ExecStart is wrong"
grep -q "^ExecStart=$prefix/bin/ctx index --workspace $workspace " "$units/ctx-index.service" || fail "ctx-index.service ExecStart is wrong"
grep -q "^User=nobody\$" "$units/ctx-index.service" || fail "ctx-index.service does not run as the given user"
grep -q "^OnCalendar=" "$units/ctx-index.timer" || fail "ctx-index.timer has no schedule"
if grep -n "@[A-Z]*@" "$units"/*; then fail "a unit still holds a template placeholder"; fi
if command -v systemd-analyze >/dev/null; then
  SYSTEMD_LOG_LEVEL=err timeout 30 systemd-analyze verify "$units"/ctx-index.timer "$units"/ctx-index.service >/dev/null 2>&1 \
    || echo "note: systemd-analyze verify could not check the units here" >&2
fi
echo "install test passed: $version, $(du -h "$prefix/bin/ctx" | cut -f1) + $(du -h "$prefix/bin/ctx-mcp" | cut -f1) stripped (debug build)" >&2

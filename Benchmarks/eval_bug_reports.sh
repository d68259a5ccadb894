#!/bin/sh
# Retrieval on real bug reports: ctx beside plain BM25, per repository and overall, with the
# bundle recall at 2,000 and 13,000 tokens (docs/eval.md, "Bug-report sets").
#
# Usage: Benchmarks/eval_bug_reports.sh MIRRORS [BUGS.jsonl] [OUT]
#   MIRRORS  the folder of the clones (owner+name/repo, owner+name, owner/name or name; bare or not),
#            e.g. /work/.mirror; nothing in it is written
#   BUGS     the bug-report set (default /work/shared/data/bug-reports-dev.jsonl)
#   OUT      where the workspaces go (default /tmp/ctx-bug-reports); a second run reuses them
# CTX=path picks the binary (default .build/release/ctx when built, else .build/debug/ctx).
# Writes OUT/report.json (`ctx eval --json --per-query`) and prints it as a Markdown table.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
mirrors=${1:?usage: $0 MIRRORS [BUGS.jsonl] [OUT]}
bugs=${2:-/work/shared/data/bug-reports-dev.jsonl}
out=${3:-/tmp/ctx-bug-reports}
if [ -z "${CTX:-}" ]; then
  if [ -x "$here/.build/release/ctx" ]; then CTX="$here/.build/release/ctx"; else CTX="$here/.build/debug/ctx"; fi
fi
[ -x "$CTX" ] || { echo "no ctx binary at $CTX; run \`swift build\` or set CTX=" >&2; exit 2; }
mkdir -p "$out"

echo "== $CTX eval $bugs --repos $mirrors --out $out --budget 2000,13000" >&2
"$CTX" eval "$bugs" --repos "$mirrors" --out "$out" --budget 2000,13000 --json --per-query > "$out/report.json"

python3 - "$out/report.json" <<'EOF'
import json, sys

report = json.load(open(sys.argv[1]))
budgets = report["budgets"]


def files_rows(rows):
    code = next((r for r in rows if r["kind"] == "files" and r["ranker"] == "code"), None)
    bm25 = next((r for r in rows if r["kind"] == "files" and r["ranker"] == "bm25"), None)
    return code, bm25


def pct(x):
    return f"{100 * x:.1f}"


def line(name, skipped, rows, ratios):
    code, bm25 = files_rows(rows)
    if code is None:
        return f"| {name} | 0 | " + " | ".join(["-"] * (5 + len(budgets))) + " |"
    acc = lambda r: "/".join(pct(r[k]) for k in ("acc1", "acc3", "acc5", "acc10"))
    bundles = {b["budget"]: b for b in code.get("bundles") or []}
    cells = [name, str(code["queries"]) + (f" (+{skipped} skipped)" if skipped else ""),
             acc(code), f"{code['mrr']:.3f}", acc(bm25) if bm25 else "-", f"{bm25['mrr']:.3f}" if bm25 else "-",
             " / ".join(f"{ratios[k]:.2f}x" if ratios.get(k) is not None else "-" for k in ("acc1", "acc5", "mrr"))]
    cells += [f"{pct(bundles[b]['recall'])} ({pct(bundles[b]['any'])})" if b in bundles else "-" for b in budgets]
    return "| " + " | ".join(cells) + " |"


print(f"\n{report['queries']} reports in {report['workspaces']} workspaces, {len(report['skipped'])} skipped "
      f"(expected files not in the index); {report['seconds']:.0f} s")
print("Acc@1/3/5/10 in %, MRR; ctx÷bm25 for Acc@1 / Acc@5 / MRR; bundle recall % (share of reports whose bundle shows the file)\n")
print("| repository | reports | ctx Acc@1/3/5/10 | ctx MRR | BM25 Acc@1/3/5/10 | BM25 MRR | ctx÷bm25 | "
      + " | ".join(f"bundle @{b:,}" for b in budgets) + " |")
print("|---" * (7 + len(budgets)) + "|")
for repo in report.get("repos") or []:
    print(line(repo["repo"], repo["skipped"], repo["rows"], repo["ratios"]))
print(line("**overall**", len(report["skipped"]), report["rows"], report["ratios"]))
EOF

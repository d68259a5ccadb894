#!/usr/bin/env python3
"""What the bug-report set's bundles cost and hold, for two binaries side by side.

Usage: Benchmarks/bug_report_bundles.py --ctx NEW --workspaces DIR [--ctx-before OLD --workspaces-before DIR2]
                                        [--reports /work/shared/data/bug-reports-dev.jsonl] [--budget 8000]

The workspaces are those `ctx eval REPORTS --repos MIRRORS --out DIR` leaves (one per report's
repository and base commit, named `<owner>+<name>-<base[:10]>`), one folder per binary when the
older one cannot read the newer index. Every report is asked with `ctx query --format json`
in its workspace, and the script prints, per binary:

- tokens: the bundle's `used_tokens` (median and mean);
- code items per bundle;
- item precision: the share of code items whose file the fix changed (mean per report);
- recall: the share of reports whose bundle holds a file the fix changed.
"""
import argparse, glob, json, os, statistics, sys

from deadline import ask_bundle


def workspace(root, report):
    prefix = report["repo"].replace("/", "+") + "-" + report["base_commit"][:10]
    matches = [path for path in glob.glob(os.path.join(root, prefix + "*"))]
    if len(matches) != 1:
        sys.exit(f"no single workspace for {report['id']} ({prefix}) under {root}; run `ctx eval` with --out {root} first")
    return matches[0]


def measure(ctx, root, reports, budget):
    tokens, items, precision, recall = [], [], [], []
    for report in reports:
        bundle = ask_bundle(ctx, workspace(root, report), report["query"], budget, report["id"])
        code = bundle["layers"].get("code", [])
        expected = set(report["expect"]["files"])
        tokens.append(bundle["used_tokens"])
        items.append(len(code))
        if code:
            precision.append(sum(item["path"] in expected for item in code) / len(code))
        recall.append(1 if expected & {item["path"] for item in code} else 0)
    return tokens, items, precision, recall


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ctx", required=True)
    parser.add_argument("--workspaces", required=True)
    parser.add_argument("--ctx-before")
    parser.add_argument("--workspaces-before")
    parser.add_argument("--reports", default="/work/shared/data/bug-reports-dev.jsonl")
    parser.add_argument("--budget", type=int, default=8000)
    args = parser.parse_args()
    reports = [json.loads(line) for line in open(args.reports) if line.strip()]
    runs = [("new", args.ctx, args.workspaces)]
    if args.ctx_before:
        runs.append(("before", args.ctx_before, args.workspaces_before or args.workspaces))
    print(f"{len(reports)} reports, budget {args.budget}")
    print(f"{'':10}{'tokens median':>14}{'mean':>8}{'items':>8}{'item precision':>16}{'recall':>8}")
    for name, ctx, root in runs:
        tokens, items, precision, recall = measure(ctx, root, reports, args.budget)
        print(f"{name:10}{statistics.median(tokens):>14.0f}{statistics.mean(tokens):>8.0f}{statistics.mean(items):>8.2f}"
              f"{statistics.mean(precision) if precision else 0:>16.3f}{statistics.mean(recall):>8.3f}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Retrieval quality on development sets built from real history: ctx beside plain BM25.

Usage: Benchmarks/eval_dev_set.py REPO[:COUNT] ... [--ctx PATH] [--out DIR] [--count N] [--seed S]
                                  [--budget N] [--no-bundles] [--set NAME=VALUE ...]

For each repository (a local clone; this script fetches nothing and never writes to it):
  1. `ctx eval --from-history REPO --count N --out OUT/NAME` samples N commits (seeded), indexes
     older revisions of REPO in a few epochs (code from the object database, history up to the
     epoch's revision), and writes OUT/NAME/devset.jsonl (docs/eval.md). A second run reuses the
     epoch indexes (incremental, nothing changed).
  2. `ctx eval OUT/NAME/devset.jsonl --json` ranks each query with ctx and with whole-file BM25
     built in the same run from the same files, and the bundle recall at --budget.
Prints a table per repository, then one line per repository and the pooled figures.
"""
import argparse, json, os, subprocess, sys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("repos", nargs="+", help="repository paths, each optionally :COUNT")
    parser.add_argument("--ctx", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".build", "release", "ctx"))
    parser.add_argument("--out", default="/tmp/ctx-devsets")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--budget", type=int, default=8000)
    parser.add_argument("--no-bundles", action="store_true")
    parser.add_argument("--set", action="append", default=[], help="a ranking weight, NAME=VALUE (docs/ranking.md)")
    args = parser.parse_args()
    if not os.access(args.ctx, os.X_OK):
        sys.exit(f"no ctx binary at {args.ctx}; run `swift build -c release` or pass --ctx")

    results = []
    for spec in args.repos:
        path, _, count = spec.partition(":")
        path = os.path.abspath(path)
        name = os.path.basename(path.rstrip("/"))
        out = os.path.join(args.out, name)
        evalfile = os.path.join(out, "devset.jsonl")
        build = [args.ctx, "eval", "--from-history", path, "--count", count or str(args.count), "--seed", str(args.seed),
                 "--out", out, "--no-bundles", "--no-baseline"]
        print(f"== {name}: building the development set ({' '.join(build[1:])})", file=sys.stderr, flush=True)
        subprocess.run(build, check=True, stdout=subprocess.DEVNULL)
        run = [args.ctx, "eval", evalfile, "--json", "--budget", str(args.budget)]
        if args.no_bundles:
            run.append("--no-bundles")
        for setting in args.set:
            run += ["--set", setting]
        report = json.loads(subprocess.run(run, check=True, stdout=subprocess.PIPE, text=True).stdout)
        print(f"\n## {name} ({path}): {report['queries']} queries in {report['workspaces']} epoch(s), {report['seconds']:.0f} s")
        print("kind     ranker   queries  Acc@1   Acc@3   Acc@5   Acc@10  MRR     bundle recall (any)")
        for r in report["rows"]:
            line = f"{r['kind']:<9}{r['ranker']:<9}{r['queries']:<9}" + "".join(f"{r[k]:<8.3f}" for k in ("acc1", "acc3", "acc5", "acc10", "mrr"))
            if r.get("bundle_recall") is not None:
                line += f"{r['bundle_recall']:.3f} ({r['bundle_any']:.3f})"
            print(line)
        ratios = report.get("ratios") or {}
        print(f"{'files':<9}{'ctx/bm25':<18}" + "".join(f"{(str(round(ratios[k], 2)) + 'x') if ratios.get(k) else '-':<8}" for k in ("acc1", "acc3", "acc5", "acc10", "mrr")))
        print(f"median ms per query: ctx code search {report['search_millis']:.1f}, bm25 {report.get('baseline_millis') or 0:.1f}", flush=True)
        results.append((name, report))

    def row(report, ranker):
        return next(r for r in report["rows"] if r["kind"] == "files" and r["ranker"] == ranker)

    print("\n| repository | queries | ctx Acc@1 | ctx Acc@5 | ctx MRR | BM25 Acc@1 | BM25 Acc@5 | BM25 MRR | Acc@1 ratio | Acc@5 ratio | MRR ratio | bundle recall |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    pooled = {"n": 0, "c1": 0.0, "c5": 0.0, "cm": 0.0, "b1": 0.0, "b5": 0.0, "bm": 0.0}
    for name, report in results:
        c, b = row(report, "code"), row(report, "bm25")
        n = c["queries"]
        ratio = lambda x, y: f"{x / y:.2f}x" if y else "-"
        recall = f"{c['bundle_recall']:.3f}" if c.get("bundle_recall") is not None else "-"
        print(f"| {name} | {n} | {c['acc1']:.3f} | {c['acc5']:.3f} | {c['mrr']:.3f} | {b['acc1']:.3f} | {b['acc5']:.3f} | {b['mrr']:.3f} | "
              f"{ratio(c['acc1'], b['acc1'])} | {ratio(c['acc5'], b['acc5'])} | {ratio(c['mrr'], b['mrr'])} | {recall} |")
        for key, value in (("c1", c["acc1"]), ("c5", c["acc5"]), ("cm", c["mrr"]), ("b1", b["acc1"]), ("b5", b["acc5"]), ("bm", b["mrr"])):
            pooled[key] += value * n
        pooled["n"] += n
    n = pooled["n"]
    if n and len(results) > 1:
        p = {k: v / n for k, v in pooled.items() if k != "n"}
        print(f"| all | {n} | {p['c1']:.3f} | {p['c5']:.3f} | {p['cm']:.3f} | {p['b1']:.3f} | {p['b5']:.3f} | {p['bm']:.3f} | "
              f"{p['c1'] / p['b1']:.2f}x | {p['c5'] / p['b5']:.2f}x | {p['cm'] / p['bm']:.2f}x | |")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""What a development set's bundles cost and hold, for two binaries side by side.

Usage: Benchmarks/devset_bundles.py --devset OUT/NAME/devset.jsonl --ctx NEW --epochs OUT/NAME
                                    [--ctx-before OLD --epochs-before OLD_OUT/NAME] [--budget 8000]

The set and its epoch workspaces come from `Benchmarks/eval_dev_set.py` (or `ctx eval
--from-history`), run once per binary with the same seed so both hold the same queries; each
binary reads the epoch indexes it built. Every query is asked with `ctx query --format json`
in the workspace of its base revision, and the script prints, per binary:

- tokens: the bundle's `used_tokens` (median and mean);
- files per bundle: distinct files among its code items;
- item precision: the share of its code items whose file the commit changed (mean per query);
- code recall: the share of the commit's files among the code items' files (mean per query).
"""
import argparse, glob, json, os, statistics, sys

from deadline import ask_bundle


def epoch_workspace(epochs, base):
    matches = [path for path in glob.glob(os.path.join(epochs, "epoch-*")) if base[:10] in os.path.basename(path)]
    if len(matches) != 1:
        sys.exit(f"no single epoch workspace for base {base} under {epochs}")
    return matches[0]


def measure(ctx, epochs, queries, budget):
    tokens, files, precision, recall = [], [], [], []
    for query in queries:
        bundle = ask_bundle(ctx, epoch_workspace(epochs, query["base"]), query["query"], budget, query.get("id"))
        code = bundle["layers"].get("code", [])
        expected = set(query["files"])
        paths = {item["path"] for item in code}
        tokens.append(bundle["used_tokens"])
        files.append(len(paths))
        precision.append(sum(1 for item in code if item["path"] in expected) / len(code) if code else 0.0)
        recall.append(len(expected & paths) / len(expected))
    return {"tokens_median": statistics.median(tokens), "tokens_mean": statistics.mean(tokens),
            "files": statistics.mean(files), "precision": statistics.mean(precision), "recall": statistics.mean(recall)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--devset", required=True)
    parser.add_argument("--ctx", required=True)
    parser.add_argument("--epochs", required=True, help="the folder holding NEW's epoch-* workspaces")
    parser.add_argument("--ctx-before")
    parser.add_argument("--epochs-before")
    parser.add_argument("--budget", type=int, default=8000)
    args = parser.parse_args()
    if bool(args.ctx_before) != bool(args.epochs_before):
        sys.exit("--ctx-before and --epochs-before go together")
    with open(args.devset) as handle:
        queries = [json.loads(line) for line in handle if line.strip() and not line.lstrip().startswith(("#", "//"))]
    runs = [("new", args.ctx, args.epochs)]
    if args.ctx_before:
        runs.append(("before", args.ctx_before, args.epochs_before))
    print(f"{len(queries)} queries, budget {args.budget}")
    print(f"{'':8}{'tokens median':>15}{'mean':>8}{'files':>8}{'item precision':>16}{'code recall':>13}")
    for name, ctx, epochs in runs:
        figures = measure(ctx, epochs, queries, args.budget)
        print(f"{name:8}{figures['tokens_median']:>15.0f}{figures['tokens_mean']:>8.0f}{figures['files']:>8.2f}"
              f"{figures['precision']:>16.3f}{figures['recall']:>13.3f}", flush=True)


if __name__ == "__main__":
    main()

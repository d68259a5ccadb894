#!/usr/bin/env python3
"""Fresh `ctx index` runs of real repositories next to CPU-heavy processes: none may hang.

Each target is REPO_GIT_DIR@COMMIT; a workspace with one `kind: code` connector reading that
revision from the object database (and, with --history, a `kind: git` connector up to it) is
indexed from nothing RUNS times while `--hogs` busy processes keep every core loaded. A run
that exceeds --deadline is killed and counted as a hang; the table prints runs, hangs, exit
codes and the time per run beside `git ls-tree -r` of the same tree (the baseline listing).

  Benchmarks/load_loop.py --ctx .build/release/ctx --runs 20 \
      /work/.mirror/astropy+astropy/repo@d16bfe05a744909de4b27f5875fe0d4ed41ce607 ...
"""
import argparse, collections, multiprocessing, os, shutil, statistics, subprocess, sys, tempfile, time


def hog():
    while True:
        pass


def workspace(root, repo, commit, history):
    os.makedirs(os.path.join(root, "connectors"), exist_ok=True)
    os.makedirs(os.path.join(root, "annotations"), exist_ok=True)
    with open(os.path.join(root, "connectors", "code.yaml"), "w") as f:
        f.write(f'kind: code\npath: "{repo}"\nrevision: "{commit}"\n')
    if history:
        with open(os.path.join(root, "connectors", "history.yaml"), "w") as f:
            f.write(f'kind: git\npath: "{repo}"\nrefs: ["{commit}"]\nline_counts: 0\n')


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="+", help="GIT_DIR@COMMIT")
    parser.add_argument("--ctx", default=".build/release/ctx")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--hogs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--deadline", type=float, default=600, help="seconds before a run counts as hung")
    parser.add_argument("--history", action="store_true", help="also index history up to the commit")
    args = parser.parse_args()
    ctx = os.path.abspath(args.ctx)
    hogs = [multiprocessing.Process(target=hog, daemon=True) for _ in range(args.hogs)]
    for h in hogs:
        h.start()
    rows = []
    try:
        for target in args.targets:
            repo, commit = target.rsplit("@", 1)
            start = time.monotonic()
            subprocess.run(["git", "-C", repo, "ls-tree", "-r", "--name-only", commit], stdout=subprocess.DEVNULL, check=True)
            baseline = time.monotonic() - start
            times, codes, hangs = [], collections.Counter(), 0
            for run in range(args.runs):
                root = tempfile.mkdtemp(prefix="ctx-load-")
                try:
                    workspace(root, repo, commit, args.history)
                    start = time.monotonic()
                    try:
                        done = subprocess.run([ctx, "index", "--workspace", root, "--quiet"], stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL, timeout=args.deadline)
                        codes[done.returncode] += 1
                        times.append(time.monotonic() - start)
                    except subprocess.TimeoutExpired:
                        hangs += 1
                        print(f"HANG: {target} run {run + 1} (over {args.deadline:.0f} s)", file=sys.stderr)
                finally:
                    shutil.rmtree(root, ignore_errors=True)
                print(f"{os.path.basename(os.path.dirname(repo)) or repo}@{commit[:10]} run {run + 1}/{args.runs}", file=sys.stderr)
            rows.append((target, args.runs, hangs, dict(codes), statistics.median(times) if times else float("nan"), baseline))
            # Each target's row as soon as it is done: a long loop stopped early keeps them.
            print(f"DONE {target}: {args.runs} runs, {hangs} hangs, exit codes {dict(codes)}, median {rows[-1][4]:.2f} s", file=sys.stderr, flush=True)
    finally:
        for h in hogs:
            h.terminate()
    print(f"{'target':60} {'runs':>4} {'hangs':>5} {'exit codes':>16} {'median s':>9} {'ls-tree s':>9}")
    for target, runs, hangs, codes, median, baseline in rows:
        name = target.replace("/work/.mirror/", "")
        print(f"{name[:60]:60} {runs:>4} {hangs:>5} {str(codes):>16} {median:>9.2f} {baseline:>9.2f}")
    total = sum(r[2] for r in rows)
    print(f"total: {sum(r[1] for r in rows)} runs, {total} hangs")
    sys.exit(1 if total else 0)


if __name__ == "__main__":
    main()

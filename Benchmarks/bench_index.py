#!/usr/bin/env python3
"""Benchmarks ctx's code index against baselines run side by side, on any repository.

Usage: Benchmarks/bench_index.py REPO [--ctx PATH] [--runs N] [--out DIR]
                                 [--only nochange] [--ctx-before OLD] [--history]

--only nochange measures the no-change run alone (after one first index); --only full the full
index alone against its baseline. --ctx-before OLD runs an older binary alongside, alternating
with ctx's, so both see the same machine (its no-change runs on the same workspace, its full
runs on a workspace of its own); --history adds a `kind: git` source on REPO to the workspace.

Measures, on the same files:
  full index      ctx index --full       vs  universal-ctags JSON over the files
                                             + raw SQLite FTS5 ingest of their text (one transaction)
  no-change run   ctx index (nothing changed, process start included)  vs  git status -uno
  search          ctx search (whole warm process) vs rg -n WORD . , median over 20 queries
  size / memory   index bytes / source bytes; peak RSS of ctx index
and prints each figure with its ratio and the issue's target.
"""
import argparse, json, os, resource, shutil, sqlite3, statistics, subprocess, sys, tempfile, time

from deadline import DEADLINE, run_timed

QUERIES = [
    # very common words
    "error", "return", "context", "func", "test",
    # identifiers and their parts
    "NewClient", "new client", "ContainerCreate", "container create", "validate config",
    # phrases an engineer types
    "network sandbox", "image pull progress", "volume mount options", "restart policy",
    "log driver", "health check timeout", "swarm node", "exec attach stdin",
    # a path and a stack-trace style query
    "daemon/daemon.go", "panic in daemon.go:120 restoring containers",
]
RG_WORDS = ["error", "return", "context", "func", "test", "NewClient", "client", "ContainerCreate", "container",
            "config", "sandbox", "progress", "mount", "restart", "driver", "timeout", "swarm", "attach", "daemon", "panic"]


def timed(cmd, cwd=None):
    """Wall seconds of cmd run to its end (killed after DEADLINE), its stderr, its status."""
    return run_timed(cmd, cwd=cwd)


def peak_rss_of(cmd, cwd=None):
    """Runs cmd under /usr/bin/time and returns (seconds, peak KiB, exit status)."""
    seconds, stderr, status = timed(["/usr/bin/time", "-f", "%M"] + cmd, cwd=cwd)
    lines = [l for l in stderr.strip().splitlines() if l.strip().isdigit()]
    return seconds, int(lines[-1]) if lines else -1, status


def median_time(cmd, runs, cwd=None):
    timed(cmd, cwd=cwd)  # warm
    return statistics.median(timed(cmd, cwd=cwd)[0] for _ in range(runs))


def raw_fts_ingest(root, paths, db_path):
    """The baseline: the same text, 60-line chunks, one FTS5 table, one transaction."""
    start = time.perf_counter()
    con = sqlite3.connect(db_path)
    con.execute("CREATE VIRTUAL TABLE t USING fts5(path, body)")
    with con:
        for path in paths:
            try:
                with open(os.path.join(root, path), "rb") as f:
                    text = f.read().decode("utf-8", "replace")
            except OSError:
                continue
            lines = text.split("\n")
            for i in range(0, len(lines), 60):
                con.execute("INSERT INTO t VALUES (?, ?)", (path, "\n".join(lines[i:i + 60])))
    con.close()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("repo")
    parser.add_argument("--ctx", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "ctx"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", default=None)
    parser.add_argument("--only", choices=["nochange", "full"], default=None)
    parser.add_argument("--ctx-before", default=None)
    parser.add_argument("--history", action="store_true")
    args = parser.parse_args()
    repo = os.path.abspath(args.repo)
    ctx = os.path.abspath(args.ctx)
    work = args.out or tempfile.mkdtemp(prefix="ctx-bench-")
    os.makedirs(work, exist_ok=True)
    workspace = os.path.join(work, "ws")
    shutil.rmtree(workspace, ignore_errors=True)
    subprocess.run([ctx, "init", workspace], check=True, stdout=subprocess.DEVNULL, timeout=DEADLINE)
    with open(os.path.join(workspace, "connectors", "code.yaml"), "w") as f:
        f.write(f"kind: code\npath: {repo}\ndefault_excludes: false\n")
    if args.history:
        with open(os.path.join(workspace, "connectors", "history.yaml"), "w") as f:
            f.write(f"kind: git\npath: {repo}\n")
    if args.only == "nochange":
        nochange_only(args, ctx, repo, workspace)
        return
    if args.only == "full":
        full_only(args, ctx, repo, work, workspace)
        return

    results = {}
    # Full index against the baseline, alternating (ctx, baseline, ctx, baseline, ...) so that a
    # neighbour's load falls on both alike; medians of --runs each. A first run warms the cache.
    subprocess.run([ctx, "index", "--full", "--quiet", "--workspace", workspace], stdout=subprocess.DEVNULL, timeout=DEADLINE)
    db = os.path.join(workspace, "index", "ctx.sqlite")
    con = sqlite3.connect(db)
    paths = [row[0] for row in con.execute("SELECT path FROM file ORDER BY path")]
    source_bytes = con.execute("SELECT sum(size) FROM file").fetchone()[0]
    chunks = con.execute("SELECT count(*) FROM chunk").fetchone()[0]
    symbols = con.execute("SELECT count(*) FROM symbol").fetchone()[0]
    con.close()
    list_file = os.path.join(work, "files.txt")
    with open(list_file, "w") as f:
        f.write("\n".join(paths) + "\n")
    raw_db = os.path.join(work, "raw.sqlite")
    ctx_runs, ctags_runs, fts_runs, peaks = [], [], [], []
    for _ in range(args.runs):
        seconds, peak_kib, status = peak_rss_of([ctx, "index", "--full", "--quiet", "--workspace", workspace])
        ctx_runs.append(seconds)
        peaks.append(peak_kib)
        ctags_runs.append(timed(["ctags", "--output-format=json", "--fields=+neKS", "-L", list_file, "-o", "-"], cwd=repo)[0])
        if os.path.exists(raw_db):
            os.remove(raw_db)
        fts_runs.append(raw_fts_ingest(repo, paths, raw_db))
    full_seconds = statistics.median(ctx_runs)
    ctags_seconds = statistics.median(ctags_runs)
    fts_seconds = statistics.median(fts_runs)
    peak_kib = max(peaks)
    baseline = ctags_seconds + fts_seconds
    index_bytes = sum(os.path.getsize(db + s) for s in ("", "-wal") if os.path.exists(db + s))

    # No-change re-index vs git status -uno (median of runs, process start-up included).
    nochange = median_time([ctx, "index", "--quiet", "--workspace", workspace], args.runs)
    git_status = median_time(["git", "status", "-uno", "--porcelain"], args.runs, cwd=repo)

    # Search: whole warm processes.
    ctx_times = [median_time([ctx, "search", q, "--workspace", workspace, "--limit", "20"], args.runs) for q in QUERIES]
    rg_times = [median_time(["rg", "-n", w, "."], args.runs, cwd=repo) for w in RG_WORDS]

    results = {
        "repo": repo, "files": len(paths), "source_bytes": source_bytes, "chunks": chunks, "symbols": symbols,
        "full_index_s": full_seconds, "ctags_s": ctags_seconds, "raw_fts_ingest_s": fts_seconds,
        "full_ratio": full_seconds / baseline,
        "nochange_s": nochange, "git_status_s": git_status, "nochange_ratio": nochange / git_status,
        "search_median_s": statistics.median(ctx_times), "rg_median_s": statistics.median(rg_times),
        "search_ratio": statistics.median(ctx_times) / statistics.median(rg_times),
        "search_max_s": max(ctx_times), "search_each_s": dict(zip(QUERIES, ctx_times)),
        "index_bytes": index_bytes, "size_ratio": index_bytes / source_bytes, "peak_rss_mib": peak_kib / 1024,
    }
    print(f"repository      {repo}: {len(paths)} files, {source_bytes / 1e6:.1f} MB, {chunks} chunks, {symbols} symbols")
    print(f"full index      ctx {full_seconds:.2f} s  vs  ctags {ctags_seconds:.2f} s + raw FTS5 {fts_seconds:.2f} s = {baseline:.2f} s"
          f"  -> {results['full_ratio']:.2f}x (target <= 1.1x)")
    print(f"no-change run   ctx {nochange * 1000:.0f} ms  vs  git status -uno {git_status * 1000:.0f} ms  -> {results['nochange_ratio']:.1f}x (target <= 3x)")
    print(f"search          ctx median {results['search_median_s'] * 1000:.0f} ms (max {max(ctx_times) * 1000:.0f})  vs  rg median {results['rg_median_s'] * 1000:.0f} ms"
          f"  -> {results['search_ratio']:.2f}x (target <= 0.5x)")
    print(f"index size      {index_bytes / 1e6:.1f} MB for {source_bytes / 1e6:.1f} MB of source -> {results['size_ratio']:.2f}x (target <= 2.0x)")
    print(f"peak memory     {results['peak_rss_mib']:.0f} MiB while indexing (target <= 500 MiB)")
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    print(f"details         {os.path.join(work, 'results.json')}")


def run_with_deadline(cmd, cwd=None, seconds=DEADLINE):
    """Runs cmd to its end (killed after `seconds`) and returns its wall time."""
    return run_timed(cmd, cwd=cwd, seconds=seconds)[0]


def nochange_only(args, ctx, repo, workspace):
    """No-change runs of ctx (and of --ctx-before, alternating) against git status -uno.

    Both binaries run on one workspace, so they must share a schema: an older ctx refuses an
    index a newer one migrated, at once, and a failed run is not a time (the script stops)."""
    def run(cmd, cwd=None):
        seconds, stderr, status = run_timed(cmd, cwd=cwd)
        if status != 0:
            last = (stderr.strip().splitlines() or ["(no output)"])[-1]
            sys.exit(f"bench_index: `{' '.join(cmd)}` exited with {status}: {last}")
        return seconds
    run([ctx, "index", "--quiet", "--workspace", workspace])
    binaries = [("ctx", ctx)] + ([("before", os.path.abspath(args.ctx_before))] if args.ctx_before else [])
    times = {name: [] for name, _ in binaries}
    git_times = []
    for name, binary in binaries:
        run([binary, "index", "--quiet", "--workspace", workspace])  # warm
    run(["git", "status", "-uno", "--porcelain"], cwd=repo)
    for _ in range(args.runs):
        for name, binary in binaries:
            times[name].append(run([binary, "index", "--quiet", "--workspace", workspace]))
        git_times.append(run(["git", "status", "-uno", "--porcelain"], cwd=repo))
    git_median = statistics.median(git_times)
    print(f"git status -uno  median {git_median * 1000:.0f} ms  (each: {' '.join(f'{x * 1000:.0f}' for x in git_times)})")
    for name, _ in binaries:
        median = statistics.median(times[name])
        print(f"no-change {name:<7} median {median * 1000:.0f} ms -> {median / git_median:.1f}x git status (target <= 3x)"
              f"  (each: {' '.join(f'{x * 1000:.0f}' for x in times[name])})")


def full_only(args, ctx, repo, work, workspace):
    """Full index runs of ctx (and of --ctx-before, each on its own workspace) against ctags +
    a raw FTS5 ingest, interleaved run by run: on a shared machine the load moves within
    seconds, so each round runs every contender once, and the ratios are of medians."""
    binaries = [("ctx", ctx, workspace)]
    if args.ctx_before:
        before_workspace = os.path.join(work, "ws-before")
        shutil.rmtree(before_workspace, ignore_errors=True)
        shutil.copytree(os.path.join(workspace, "connectors"), os.path.join(before_workspace, "connectors"))
        before = os.path.abspath(args.ctx_before)
        subprocess.run([before, "init", before_workspace], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=DEADLINE)
        binaries.append(("before", before, before_workspace))
    for _, binary, space in binaries:  # a first run each: the index exists, the cache is warm
        run_with_deadline([binary, "index", "--full", "--quiet", "--workspace", space])
    db = os.path.join(workspace, "index", "ctx.sqlite")
    con = sqlite3.connect(db)
    paths = [row[0] for row in con.execute("SELECT path FROM file ORDER BY path")]
    con.close()
    list_file = os.path.join(work, "files.txt")
    with open(list_file, "w") as f:
        f.write("\n".join(paths) + "\n")
    raw_db = os.path.join(work, "raw.sqlite")
    times = {name: [] for name, _, _ in binaries}
    peaks = {name: [] for name, _, _ in binaries}
    baselines = []
    for _ in range(args.runs):
        for name, binary, space in binaries:
            seconds, peak_kib, status = peak_rss_of([binary, "index", "--full", "--quiet", "--workspace", space])
            if status != 0:
                sys.exit(f"`{binary} index --full --workspace {space}` failed (exit {status}); run it by hand to see why")
            times[name].append(seconds)
            peaks[name].append(peak_kib / 1024)
        ctags = timed(["ctags", "--output-format=json", "--fields=+neKS", "-L", list_file, "-o", "-"], cwd=repo)[0]
        if os.path.exists(raw_db):
            os.remove(raw_db)
        baselines.append(ctags + raw_fts_ingest(repo, paths, raw_db))
    baseline = statistics.median(baselines)
    print(f"baseline         median {baseline:.2f} s  (ctags + raw FTS5, each: {' '.join(f'{x:.2f}' for x in baselines)})")
    for name, _, _ in binaries:
        median = statistics.median(times[name])
        print(f"full index {name:<6} median {median:.2f} s -> {median / baseline:.2f}x the baseline (target <= 1.1x)"
              f"  (each: {' '.join(f'{x:.2f}' for x in times[name])}); peak memory {max(peaks[name]):.0f} MiB")
    ratios = [x / y for x, y in zip(times["ctx"], baselines)]
    print(f"ctx / baseline   per round {' '.join(f'{r:.2f}' for r in ratios)}; median {statistics.median(ratios):.2f}")
    if "before" in times:
        # Each round's pair ran back to back: the fairest comparison on a shared machine.
        pairs = [x / y for x, y in zip(times["ctx"], times["before"])]
        print(f"ctx / before     per round {' '.join(f'{r:.2f}' for r in pairs)}; median {statistics.median(pairs):.3f}")


if __name__ == "__main__":
    main()

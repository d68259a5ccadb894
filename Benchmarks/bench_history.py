#!/usr/bin/env python3
"""Benchmarks ctx's git history connector against git itself, side by side, on any repository.

Usage: Benchmarks/bench_history.py REPO [--ctx PATH] [--ctx-before OLD] [--runs N] [--out DIR] [--new 10]

Measures, on the same history (a bare clone of REPO, so REPO is never touched):
  full history    ctx index (one `kind: git` source, empty index)  vs  git log --name-status --no-renames
  new commits     ctx index after the ref moves forward by about --new commits (process time:
                  user + system, as the issue asks)
  peak memory     RSS of the full run
and prints each figure with its ratio and the issue's target (docs/benchmarks.md).

The full runs and git's are interleaved round by round (this machine's load moves within
seconds). --ctx-before OLD adds an older binary's full run to every round, on a workspace of
its own, and prints its median and the per-round ratio new/old; a run that fails stops the
script (an older ctx refuses an index with a newer schema).
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time

from deadline import DEADLINE, run_timed


def run(cmd, cwd=None, stdout=subprocess.DEVNULL):
    return subprocess.run(cmd, cwd=cwd, stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=DEADLINE)


def timed(cmd, cwd=None):
    """Wall seconds, process seconds (user + system of the child), peak KiB, exit status."""
    wall, stderr, status = run_timed(["/usr/bin/time", "-f", "%U %S %M"] + cmd, cwd=cwd)
    user, system, peak = stderr.strip().splitlines()[-1].split()
    return wall, float(user) + float(system), int(peak), status


def git(bare, *args):
    return subprocess.run(["git", "--git-dir", bare] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, check=True, timeout=DEADLINE).stdout.strip()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("repo")
    parser.add_argument("--ctx", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "ctx"))
    parser.add_argument("--ctx-before", default=None, help="an older binary to run alongside, round by round")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default=None)
    parser.add_argument("--new", type=int, default=10, help="how many new commits the incremental run finds")
    args = parser.parse_args()
    ctx = os.path.abspath(args.ctx)
    work = args.out or tempfile.mkdtemp(prefix="ctx-bench-history-")
    os.makedirs(work, exist_ok=True)

    bare = os.path.join(work, "repo.git")
    if not os.path.exists(bare):
        subprocess.run(["git", "clone", "-q", "--bare", os.path.abspath(args.repo), bare], check=True, timeout=DEADLINE)
    head = git(bare, "rev-parse", "HEAD")
    commits = int(git(bare, "rev-list", "--count", head))

    # An ancestor on the first-parent line with about --new commits after it.
    old = head
    for candidate in git(bare, "rev-list", "--first-parent", "-n", "200", head).split()[1:]:
        old = candidate
        if int(git(bare, "rev-list", "--count", f"{candidate}..{head}")) >= args.new:
            break
    new_count = int(git(bare, "rev-list", "--count", f"{old}..{head}"))

    def make_workspace(path, binary):
        shutil.rmtree(path, ignore_errors=True)
        run([binary, "init", path])
        os.remove(os.path.join(path, "connectors", "code.yaml"))
        with open(os.path.join(path, "connectors", "history.yaml"), "w") as f:
            f.write(f"kind: git\npath: {bare}\nrefs: [bench]\n")
        return path

    def reset_index(path):
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)

    def full_run(binary, path):
        reset_index(os.path.join(path, "index", "ctx.sqlite"))
        result = timed([binary, "index", "--quiet", "--workspace", path])
        if result[3] != 0:
            sys.exit(f"bench_history: `{binary} index` in {path} exited with {result[3]}")
        return result

    workspace = make_workspace(os.path.join(work, "ws"), ctx)
    db = os.path.join(workspace, "index", "ctx.sqlite")
    before = os.path.abspath(args.ctx_before) if args.ctx_before else None
    before_workspace = make_workspace(os.path.join(work, "ws-before"), before) if before else None

    # git's own walk (warm) and the full history index (each from an empty index), round by round.
    git_log = ["git", "--git-dir", bare, "log", "--name-status", "--no-renames", head]
    run(git_log)
    git(bare, "branch", "-f", "bench", head)
    git_times, full, full_before = [], [], []
    for _ in range(args.runs):
        git_times.append(timed(git_log)[0])
        full.append(full_run(ctx, workspace))
        if before:
            full_before.append(full_run(before, before_workspace))
    full_wall = statistics.median(f[0] for f in full)
    peak = max(f[2] for f in full)
    status = full[-1][3]

    # About --new new commits: index at the old tip, move the ref, index again.
    incremental = []
    for _ in range(args.runs):
        git(bare, "branch", "-f", "bench", old)
        reset_index(db)
        run([ctx, "index", "--quiet", "--workspace", workspace])
        git(bare, "branch", "-f", "bench", head)
        incremental.append(timed([ctx, "index", "--quiet", "--workspace", workspace]))
    inc_cpu = statistics.median(i[1] for i in incremental)
    inc_wall = statistics.median(i[0] for i in incremental)

    git_median = statistics.median(git_times)
    results = {
        "repo": os.path.abspath(args.repo), "commits": commits, "full_wall_s": full_wall, "git_log_s": git_median,
        "full_ratio": full_wall / git_median, "peak_rss_mib": peak / 1024, "exit_status": status,
        "new_commits": new_count, "incremental_cpu_s": inc_cpu, "incremental_wall_s": inc_wall,
        "index_bytes": os.path.getsize(db),
    }
    print(f"repository      {results['repo']}: {commits} commits")
    print(f"full history    ctx {full_wall:.2f} s  vs  git log --name-status --no-renames {git_median:.2f} s"
          f"  -> {results['full_ratio']:.2f}x (target <= 1.5x)")
    print(f"  each          ctx {' '.join(f'{f[0]:.2f}' for f in full)}; git {' '.join(f'{t:.2f}' for t in git_times)}")
    if before:
        before_wall = statistics.median(f[0] for f in full_before)
        ratios = [f[0] / b[0] for f, b in zip(full, full_before)]
        results.update({"before": before, "full_before_wall_s": before_wall, "new_over_old": ratios})
        print(f"  before        {before_wall:.2f} s -> {before_wall / git_median:.2f}x; each {' '.join(f'{b[0]:.2f}' for b in full_before)}")
        print(f"  new / before  per round {' '.join(f'{r:.2f}' for r in ratios)}; median {statistics.median(ratios):.3f}")
    print(f"new commits     {new_count} new commits: {inc_cpu:.2f} s process time ({inc_wall:.2f} s wall) (target < 1 s for 10)")
    print(f"peak memory     {results['peak_rss_mib']:.0f} MiB during the full run (target <= 256 MiB)")
    print(f"index size      {results['index_bytes'] / 1e6:.1f} MB; ctx exit status {status}")
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    print(f"details         {os.path.join(work, 'results.json')}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Benchmarks `ctx watch`: how soon a saved file and a new commit are searchable, how a burst
is coalesced, and what an idle watcher costs.

Usage: Benchmarks/bench_watch.py REPO [--ctx PATH] [--edits 20] [--commits 5] [--idle 600]
                                 [--burst-back 200] [--out DIR]

REPO is any git repository (a bare mirror is fine): the script clones it with
`git clone --shared` into DIR (the original is never written) and makes a workspace with a
`kind: code` source (`default_excludes: false`) and a `kind: git` source on the clone.

  edit -> searchable    a line with a new word appended to one tracked file, then
                        `ctx search WORD --layer code` every 50 ms until it is found; median
                        and max over --edits files (the search process is part of each figure)
  commit -> searchable  `git commit` with a new word in the message, then
                        `ctx search WORD --layer history` until found; median over --commits
  burst                 `git checkout` of the commit --burst-back commits earlier (thousands
                        of files): the runs the watcher logs for it (settled: no new run for
                        20 s)
  idle CPU              user + system time of the watcher over --idle seconds with nothing
                        changing (/proc/PID/stat), as a share of one core

Every process the script starts has a deadline.
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time

DEADLINE = 600  # seconds, for any one process


def run(cmd, **kwargs):
    return subprocess.run(cmd, timeout=DEADLINE, **kwargs)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime


def run_lines(log_path):
    with open(log_path) as f:
        return [line for line in f if " run (" in line]


def wait_until(condition, seconds, every=0.05):
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        if condition():
            return time.perf_counter() - start
        time.sleep(every)
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("repo")
    parser.add_argument("--ctx", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "ctx"))
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--commits", type=int, default=5)
    parser.add_argument("--idle", type=float, default=600)
    parser.add_argument("--burst-back", type=int, default=200)
    parser.add_argument("--revision", default="HEAD")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    ctx = os.path.abspath(args.ctx)
    work = args.out or tempfile.mkdtemp(prefix="ctx-bench-watch-")
    tree = os.path.join(work, "tree")
    workspace = os.path.join(work, "ws")
    shutil.rmtree(tree, ignore_errors=True)
    shutil.rmtree(workspace, ignore_errors=True)
    git_env = dict(os.environ, GIT_AUTHOR_NAME="Bench", GIT_AUTHOR_EMAIL="bench@example.com",
                   GIT_COMMITTER_NAME="Bench", GIT_COMMITTER_EMAIL="bench@example.com")
    run(["git", "clone", "-q", "--shared", "--no-checkout", os.path.abspath(args.repo), tree], check=True)
    run(["git", "-C", tree, "checkout", "-q", "-b", "bench", args.revision], check=True)
    run([ctx, "init", workspace], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(workspace, "connectors", "code.yaml"), "w") as f:
        f.write(f"kind: code\npath: {tree}\ndefault_excludes: false\n")
    with open(os.path.join(workspace, "connectors", "history.yaml"), "w") as f:
        f.write(f"kind: git\npath: {tree}\n")
    print("indexing the clone once (code and history) ...", flush=True)
    run([ctx, "index", "--quiet", "--workspace", workspace], stdout=subprocess.DEVNULL)

    log_path = os.path.join(work, "watch.log")
    log = open(log_path, "w")
    watcher = subprocess.Popen([ctx, "watch", "--workspace", workspace], stdout=subprocess.DEVNULL, stderr=log)
    try:
        if wait_until(lambda: len(run_lines(log_path)) >= 1, 300) is None:
            sys.exit(f"the watcher made no first run; see {log_path}")
        with open(log_path) as f:
            print("watcher:", f.readline().strip())

        def found(word, layer):
            result = run([ctx, "search", word, "--layer", layer, "--limit", "1", "--workspace", workspace],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            return result.returncode == 0

        # Edit -> searchable.
        files = run(["git", "-C", tree, "ls-files", "*.go"], capture_output=True, text=True, check=True).stdout.split()
        step = max(1, len(files) // args.edits)
        latencies = []
        for number, path in enumerate(files[::step][:args.edits]):
            word = f"ctxwatchedit{number:04d}x"
            with open(os.path.join(tree, path), "a") as f:
                f.write(f"\n// {word}\n")
            latency = wait_until(lambda: found(word, "code"), 30)
            latencies.append(latency if latency is not None else float("inf"))
            time.sleep(0.3)  # let the watcher's run end before the next edit
        print(f"edit -> searchable     median {statistics.median(latencies):.2f} s, max {max(latencies):.2f} s over {len(latencies)} edits "
              f"(target <= 2 s): {' '.join(f'{x:.2f}' for x in latencies)}")

        # Commit -> searchable.
        commit_latencies = []
        for number in range(args.commits):
            word = f"ctxwatchcommit{number:04d}x"
            run(["git", "-C", tree, "commit", "-q", "-a", "--allow-empty", "-m", f"bench {word}"], check=True, env=git_env)
            latency = wait_until(lambda: found(word, "history"), 30)
            commit_latencies.append(latency if latency is not None else float("inf"))
        print(f"commit -> searchable   median {statistics.median(commit_latencies):.2f} s, max {max(commit_latencies):.2f} s over {args.commits} commits (target <= 5 s)")

        # Burst: a checkout far back.
        time.sleep(1)
        before = len(run_lines(log_path))
        target = run(["git", "-C", tree, "rev-parse", f"HEAD~{args.burst_back}"], capture_output=True, text=True, check=True).stdout.strip()
        changed = run(["git", "-C", tree, "diff", "--name-only", "HEAD", target], capture_output=True, text=True, check=True).stdout.split()
        start = time.perf_counter()
        run(["git", "-C", tree, "checkout", "-q", target], check=True)
        checkout_seconds = time.perf_counter() - start
        # Settled: a run after the checkout, then no new run for 20 s (longer than a run).
        wait_until(lambda: len(run_lines(log_path)) > before, 120)
        count = len(run_lines(log_path))
        while True:
            if wait_until(lambda: len(run_lines(log_path)) > count, 20) is None:
                break
            count = len(run_lines(log_path))
        lines = run_lines(log_path)[before:]
        print(f"burst                  checkout of {len(changed)} changed files took {checkout_seconds:.2f} s; the watcher made {len(lines)} run(s):")
        for line in lines:
            print("                       " + line.strip())

        # Idle CPU, once the term counts left by the last runs are refreshed (10 s after them).
        wait_until(lambda: open(log_path).read().rstrip().endswith(" s") and "term counts refreshed" in open(log_path).read().splitlines()[-1], 60)
        time.sleep(2)
        cpu_before, wall_before = cpu_seconds(watcher.pid), time.perf_counter()
        time.sleep(args.idle)
        cpu_after, wall_after = cpu_seconds(watcher.pid), time.perf_counter()
        share = (cpu_after - cpu_before) / (wall_after - wall_before) * 100
        print(f"idle CPU               {cpu_after - cpu_before:.2f} s of CPU in {wall_after - wall_before:.0f} s = {share:.3f}% of one core (target < 1%)")
    finally:
        watcher.terminate()
        try:
            watcher.wait(timeout=30)
        except subprocess.TimeoutExpired:
            watcher.kill()
        log.close()
    print(f"log                    {log_path}")


if __name__ == "__main__":
    main()

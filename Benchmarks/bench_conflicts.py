#!/usr/bin/env python3
"""Conflict detection at scale: 10,000 annotations on a 10,000-file index.

Usage: Benchmarks/bench_conflicts.py [--ctx PATH] [--files N] [--annotations N] [--runs N] [--out DIR]

Builds a git repository of N small Python files (two functions each), indexes it (code and
history), writes N annotation files straight into annotations/ (targets: symbols 60%, files
20%, globs 5%, terms 5%, commits 5%, unknown symbols 5%; a fifth state facts, some of them
disagreeing; anchors with fingerprints that no longer match, so every symbol and file
annotation is also checked for the commits that changed it: the worst case), then times
`ctx conflicts --json` (median of runs) beside the time to read the same files with `cat`.
Target: under 2 s.

With --anchored, anchors are what `ctx annotate` writes today (the target's lines and the
commit then), and a later commit edits a tenth of the files: drift is then explained per
definition from git (the commits that changed the target's own lines, and a diff).
"""
import argparse, json, os, random, shutil, statistics, subprocess, tempfile, time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ctx", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "ctx"))
    parser.add_argument("--files", type=int, default=10000)
    parser.add_argument("--annotations", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default=None)
    parser.add_argument("--anchored", action="store_true", help="anchors with lines and a commit, and a later commit editing 10%% of files")
    args = parser.parse_args()
    ctx = os.path.abspath(args.ctx)
    work = args.out or tempfile.mkdtemp(prefix="ctx-bench-conflicts-")
    rng = random.Random(7)
    repo = os.path.join(work, "repo")
    shutil.rmtree(repo, ignore_errors=True)
    for index in range(args.files):
        path = os.path.join(repo, "src", f"pkg{index % 100}", f"mod{index}.py")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(f"def handler_{index}(request):\n    return request.get('a{index}')\n\n\n"
                    f"def helper_{index}(value):\n    return value * {index}\n")
    env = dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null", GIT_AUTHOR_NAME="Ada", GIT_AUTHOR_EMAIL="a@example.com",
               GIT_COMMITTER_NAME="Ada", GIT_COMMITTER_EMAIL="a@example.com")
    for command in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "initial"]):
        subprocess.run(["git"] + command, cwd=repo, env=env, check=True)
    workspace = os.path.join(work, "ws")
    shutil.rmtree(workspace, ignore_errors=True)
    subprocess.run([ctx, "init", workspace], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(workspace, "connectors", "code.yaml"), "w") as f:
        f.write(f"kind: code\npath: {repo}\n")
    with open(os.path.join(workspace, "connectors", "history.yaml"), "w") as f:
        f.write(f"kind: git\npath: {repo}\n")
    start = time.perf_counter()
    subprocess.run([ctx, "index", "--quiet", "--workspace", workspace], check=True)
    index_seconds = time.perf_counter() - start
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, stdout=subprocess.PIPE, text=True).stdout.strip()

    folder = os.path.join(workspace, "annotations")
    for index in range(args.annotations):
        n = rng.randrange(args.files)
        roll = rng.random()
        if roll < 0.60:
            target = f"symbol:handler_{n}"
        elif roll < 0.80:
            target = f"path:src/pkg{n % 100}/mod{n}.py"
        elif roll < 0.85:
            target = f"path:src/pkg{n % 100}/**"
        elif roll < 0.90:
            target = f"term:\"request value {n}\""
        elif roll < 0.95:
            target = f"commit:{sha[:12]}"
        else:
            target = f"symbol:removed_{n}"
        lines = ["---", f"target: '{target}'", "kind: note", "author: Bench", "date: 2026-01-01T00:00:00Z", "status: accepted"]
        if index % 5 == 0:
            lines += ["fact:", f"  key: limit.{n % 300}", f"  value: '{rng.choice(['10', '20'])}'"]
        if target.startswith("symbol:") or (target.startswith("path:") and "*" not in target):
            if args.anchored and not target.startswith("symbol:removed_"):
                at = f"src/pkg{n % 100}/mod{n}.py:" + ("1-2" if target.startswith("symbol:") else "1-5")
                lines += ["anchor:", "  fingerprint: blob:0000000000000000000000000000000000000000", f"  at: '{at}'", f"  commit: {sha[:12]}"]
            else:
                lines += ["anchor:", "  fingerprint: blob:0000000000000000000000000000000000000000", "  at: 'somewhere'"]
        lines += ["---", f"Annotation {index} about {target}.", ""]
        with open(os.path.join(folder, f"a{index:05d}.md"), "w") as f:
            f.write("\n".join(lines))
    if args.anchored:
        for index in range(0, args.files, 10):
            path = os.path.join(repo, "src", f"pkg{index % 100}", f"mod{index}.py")
            with open(path, "w") as f:
                f.write(f"def handler_{index}(request):\n    return request.get('b{index}')\n\n\n"
                        f"def helper_{index}(value):\n    return value * {index}\n")
        for command in (["add", "-A"], ["commit", "-q", "-m", "handlers: read b"]):
            subprocess.run(["git"] + command, cwd=repo, env=env, check=True)
    subprocess.run([ctx, "index", "--quiet", "--workspace", workspace], check=True)

    def timed(command):
        start = time.perf_counter()
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return time.perf_counter() - start, result

    timed([ctx, "conflicts", "--json", "--workspace", workspace])  # warm
    runs = [timed([ctx, "conflicts", "--json", "--workspace", workspace]) for _ in range(args.runs)]
    seconds = statistics.median(r[0] for r in runs)
    report = json.loads(runs[-1][1].stdout)
    kinds = {}
    for conflict in report["conflicts"]:
        kinds[conflict["kind"]] = kinds.get(conflict["kind"], 0) + 1
    files = [os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".md")]
    cat = statistics.median(timed(["cat"] + files[:5000])[0] + timed(["cat"] + files[5000:])[0] for _ in range(args.runs))
    print(f"index           {args.files} files indexed in {index_seconds:.1f} s; {report['checked']} live annotations")
    print(f"ctx conflicts   {seconds:.2f} s median of {args.runs} (target < 2 s); {len(report['conflicts'])} conflicts: {kinds}")
    print(f"baseline        cat of the same {len(files)} files: {cat:.3f} s  -> {seconds / max(cat, 1e-6):.0f}x")
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump({"files": args.files, "annotations": report["checked"], "conflicts_s": seconds, "cat_s": cat, "kinds": kinds}, f, indent=2)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The review queue at scale: `ctx review list --json` with 1,000 pending proposals.

Usage: Benchmarks/bench_review.py [--ctx PATH] [--files N] [--proposals N] [--runs N] [--out DIR]

Builds a git repository of N small Python files (two functions each), indexes it, writes N
proposed annotation files straight into annotations/ (as an agent's `annotate` would: a
symbol target, anchored with the fingerprint, location and commit of the time; a fifth cite
that commit in their text), then commits a change to half of the annotated functions (so
those proposals carry a real diff and the commit that changed them) and indexes again. Times
`ctx review list --json` (median of runs): every item is built with its evidence (the code
now, the diff since the anchor, the commits, the other claims, the citations).
Target: under 1 s for 1,000 pending items.
"""
import argparse, json, os, random, shutil, statistics, subprocess, tempfile, time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ctx", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "ctx"))
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--proposals", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    ctx = os.path.abspath(args.ctx)
    work = args.out or tempfile.mkdtemp(prefix="ctx-bench-review-")
    rng = random.Random(11)
    repo = os.path.join(work, "repo")
    shutil.rmtree(repo, ignore_errors=True)

    def source(index, changed=False):
        body = "    value = request.get('a%d')\n    return value or None\n" % index if changed else "    return request.get('a%d')\n" % index
        return f"def handler_{index}(request):\n{body}\n\ndef helper_{index}(value):\n    return value * {index}\n"

    for index in range(args.files):
        path = os.path.join(repo, "src", f"pkg{index % 50}", f"mod{index}.py")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(source(index))
    env = dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null", GIT_AUTHOR_NAME="Ada", GIT_AUTHOR_EMAIL="a@example.com",
               GIT_COMMITTER_NAME="Ada", GIT_COMMITTER_EMAIL="a@example.com")
    for command in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "initial"]):
        subprocess.run(["git"] + command, cwd=repo, env=env, check=True)
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, stdout=subprocess.PIPE, text=True).stdout.strip()
    workspace = os.path.join(work, "ws")
    shutil.rmtree(workspace, ignore_errors=True)
    subprocess.run([ctx, "init", workspace], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(workspace, "connectors", "code.yaml"), "w") as f:
        f.write(f"kind: code\npath: {repo}\n")
    with open(os.path.join(workspace, "connectors", "history.yaml"), "w") as f:
        f.write(f"kind: git\npath: {repo}\n")
    subprocess.run([ctx, "index", "--quiet", "--workspace", workspace], check=True)

    folder = os.path.join(workspace, "annotations")
    targets = rng.sample(range(args.files), min(args.proposals, args.files))
    targets += [rng.randrange(args.files) for _ in range(args.proposals - len(targets))]
    for index, n in enumerate(targets):
        text = f"handler_{n} returns None for a missing key."
        if index % 5 == 0:
            text += f" Since {sha[:10]}."
        lines = ["---", f"target: 'symbol:handler_{n}'", "kind: correction" if index % 2 else "kind: caveat", "author: bench-agent",
                 "date: 2026-01-01T00:00:00Z", "status: proposed", "anchor:",
                 # A fingerprint that differs from now: every item is checked against history.
                 "  fingerprint: blob:0000000000000000000000000000000000000000",
                 f"  at: 'src/pkg{n % 50}/mod{n}.py:1-2'", f"  commit: {sha[:12]}", "---", text, ""]
        with open(os.path.join(folder, f"p{index:05d}.md"), "w") as f:
            f.write("\n".join(lines))
    # Half of the annotated functions change in one commit.
    for n in targets[: len(targets) // 2]:
        with open(os.path.join(repo, "src", f"pkg{n % 50}", f"mod{n}.py"), "w") as f:
            f.write(source(n, changed=True))
    for command in (["add", "-A"], ["commit", "-q", "-m", "handlers: name the value"]):
        subprocess.run(["git"] + command, cwd=repo, env=env, check=True)
    subprocess.run([ctx, "index", "--quiet", "--workspace", workspace], check=True)

    def timed(command):
        start = time.perf_counter()
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return time.perf_counter() - start, result

    command = [ctx, "review", "list", "--json", "--workspace", workspace]
    timed(command)  # warm
    runs = [timed(command) for _ in range(args.runs)]
    seconds = statistics.median(r[0] for r in runs)
    report = json.loads(runs[-1][1].stdout)
    kinds = {}
    for item in report["items"]:
        kinds[item["kind"]] = kinds.get(item["kind"], 0) + 1
    proposals = [item for item in report["items"] if item["kind"] == "proposal"]
    with_diff = sum(1 for item in proposals if item["evidence"].get("diff"))
    with_commits = sum(1 for item in proposals if item["evidence"].get("commits"))
    cited = sum(1 for item in proposals if any(c.get("resolved") for c in item["evidence"].get("cited", [])))
    print(f"ctx review list --json   {seconds:.2f} s median of {args.runs} (target < 1 s); {len(report['items'])} items: {kinds}")
    print(f"evidence                 {with_diff} proposals with a diff, {with_commits} with commits, {cited} with a resolved citation")
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump({"proposals": len(proposals), "items": len(report["items"]), "review_list_s": seconds, "kinds": kinds}, f, indent=2)


if __name__ == "__main__":
    main()

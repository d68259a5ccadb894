#!/usr/bin/env python3
"""Indexing a large pull-request and issue export (`format: github`, issue 18's target:
10,000 issues and PRs with 50,000 comments at >= 5,000 items/s, an unchanged re-run under 5%
of the first, peak memory under 200 MiB).

Generates a seeded export in the REST API's shape (pages of 100 items written back to back as
`gh api --paginate` does; bodies of realistic length with code spans, paths and #numbers; a
share of bots, deleted users and review comments with file and line), indexes it with
`ctx index` in a fresh workspace, then runs again with nothing changed. Prints items, seconds,
items/s, the re-run's share and the peak resident memory (from /usr/bin/time).

  Benchmarks/bench_github.py --ctx .build/release/ctx [--issues 10000] [--comments 50000] [--out DIR]
"""
import argparse, json, os, random, re, shutil, subprocess, tempfile, time

WORDS = ("session token cache request response handler config provider json encoder decoder "
         "timeout retry connection pool worker queue schema migration index query bundle "
         "fails crashes slow regression expected actual default option flag parser").split()


def sentence(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def body(rng, number):
    parts = [sentence(rng, rng.randint(8, 20)) for _ in range(rng.randint(2, 6))]
    if rng.random() < 0.5:
        parts.append(f"See `src/{rng.choice(WORDS)}/{rng.choice(WORDS)}.py` and `{rng.choice(WORDS).title()}{rng.choice(WORDS).title()}`.")
    if rng.random() < 0.3:
        parts.append(f"Related to #{rng.randint(1, max(1, number - 1))}.")
    return "\r\n\r\n".join(parts)


def user(rng):
    roll = rng.random()
    if roll < 0.03:
        return None
    if roll < 0.08:
        return {"login": "dependabot[bot]", "id": 49699333, "type": "Bot"}
    login = f"dev{rng.randint(1, 400)}"
    return {"login": login, "id": rng.randint(1, 10**7), "type": "User"}


def iso(seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def paginate(path, items):
    with open(path, "w") as f:
        for start in range(0, len(items), 100):
            f.write(json.dumps(items[start:start + 100], indent=1))
            f.write("\n")


def generate(folder, issues, comments, seed=7):
    rng = random.Random(seed)
    repo = "acme/widgets"
    os.makedirs(folder, exist_ok=True)
    base = 1_500_000_000
    items, pulls = [], []
    for number in range(1, issues + 1):
        created = base + number * 3000
        is_pull = rng.random() < 0.4
        item = {
            "url": f"https://api.github.com/repos/{repo}/issues/{number}", "repository_url": f"https://api.github.com/repos/{repo}",
            "id": 10**9 + number, "number": number, "title": sentence(rng, rng.randint(4, 9)).rstrip("."), "user": user(rng),
            "labels": [{"name": rng.choice(["bug", "feature", "docs"])}] if rng.random() < 0.5 else [],
            "state": rng.choice(["open", "closed"]), "locked": False, "created_at": iso(created), "updated_at": iso(created + 500),
            "body": body(rng, number),
        }
        if is_pull:
            item["pull_request"] = {"url": f"https://api.github.com/repos/{repo}/pulls/{number}", "merged_at": iso(created + 400)}
            pulls.append({"number": number, "title": item["title"], "user": item["user"], "state": item["state"],
                          "created_at": item["created_at"], "updated_at": item["updated_at"], "merged_at": iso(created + 400),
                          "merge_commit_sha": "%040x" % rng.getrandbits(160), "head": {"sha": "%040x" % rng.getrandbits(160)},
                          "body": item["body"], "labels": item["labels"]})
        items.append(item)
    issue_comments, review_comments = [], []
    for index in range(comments):
        number = rng.randint(1, issues)
        created = base + number * 3000 + rng.randint(1, 2900)
        comment = {"id": 5 * 10**8 + index, "user": user(rng), "created_at": iso(created), "updated_at": iso(created),
                   "body": body(rng, number)}
        if rng.random() < 0.2:
            comment.update({"path": f"src/{rng.choice(WORDS)}/{rng.choice(WORDS)}.py", "line": rng.randint(1, 400), "position": rng.choice([3, None]),
                            "pull_request_url": f"https://api.github.com/repos/{repo}/pulls/{number}"})
            review_comments.append(comment)
        else:
            comment["issue_url"] = f"https://api.github.com/repos/{repo}/issues/{number}"
            issue_comments.append(comment)
    paginate(os.path.join(folder, "issues.json"), items)
    paginate(os.path.join(folder, "pulls.json"), pulls)
    paginate(os.path.join(folder, "issue_comments.json"), issue_comments)
    paginate(os.path.join(folder, "review_comments.json"), review_comments)
    return issues + comments


def timed_index(ctx, workspace):
    start = time.monotonic()
    run = subprocess.run(["/usr/bin/time", "-v", ctx, "index", "--workspace", workspace, "--quiet"], capture_output=True, text=True, timeout=900)
    seconds = time.monotonic() - start
    if run.returncode not in (0, 3):
        raise SystemExit(f"ctx index failed ({run.returncode}): {run.stderr[-800:]}")
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr).group(1)) / 1024
    return seconds, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ctx", default=".build/release/ctx")
    parser.add_argument("--issues", type=int, default=10000)
    parser.add_argument("--comments", type=int, default=50000)
    parser.add_argument("--out")
    args = parser.parse_args()
    root = args.out or tempfile.mkdtemp(prefix="ctx-bench-github-")
    shutil.rmtree(os.path.join(root, "ws"), ignore_errors=True)
    items = generate(os.path.join(root, "export", "acme+widgets"), args.issues, args.comments)
    size = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(os.path.join(root, "export")) for f in fs)
    workspace = os.path.join(root, "ws")
    subprocess.run([os.path.abspath(args.ctx), "init", workspace], check=True, capture_output=True, timeout=60)
    with open(os.path.join(workspace, "connectors", "github.yaml"), "w") as f:
        f.write(f"kind: chat\nformat: github\npath: {os.path.join(root, 'export')}\n")
    first, peak = timed_index(os.path.abspath(args.ctx), workspace)
    again, peak_again = timed_index(os.path.abspath(args.ctx), workspace)
    print(f"export: {args.issues} issues and PRs, {args.comments} comments, {size / 1e6:.1f} MB")
    print(f"first run: {first:.2f} s, {items / first:,.0f} items/s (target >= 5,000), peak {peak:.0f} MiB (target < 200)")
    print(f"unchanged re-run: {again:.2f} s, {100 * again / first:.1f}% of the first (target < 5%), peak {peak_again:.0f} MiB")


if __name__ == "__main__":
    main()

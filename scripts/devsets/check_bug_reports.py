#!/usr/bin/env python3
"""Validate a bug-report evaluation file (JSON lines) against local git mirrors.

Each line must be an object with: id, repo ("owner/name"), base_commit (40 hex),
query (non-empty), expect.files (non-empty list of paths). Optional: source, fix_commit.

For every line the checker verifies, using the mirror at <repos>/<owner>+<name>/repo
(a bare git directory):
  - base_commit exists and is a commit;
  - every expected file exists at base_commit;
  - if fix_commit is given: it exists, base_commit is its first parent, and each
    expected file is changed between base_commit and fix_commit.
It also checks ids are unique and match "owner__name-NUMBER".

Usage: check_bug_reports.py FILE [--repos /work/.mirror]
Exit status 0 when every line passes, 1 otherwise.
"""
import argparse
import json
import os
import re
import subprocess
import sys

HEX40 = re.compile(r"^[0-9a-f]{40}$")


def git(gitdir, *args):
    r = subprocess.run(["git", "-C", gitdir, *args], capture_output=True, text=True)
    return r.returncode, r.stdout.strip()


def check_line(obj, repos):
    errs = []
    # A manifest (no issue texts) is checked like a full set, less the query.
    for key in ("id", "repo", "base_commit", "expect") + (("query",) if "query" in obj or not obj.get("source") else ()):
        if key not in obj:
            errs.append(f"missing key {key!r}")
    if errs:
        return errs
    repo, base = obj["repo"], obj["base_commit"]
    files = (obj.get("expect") or {}).get("files") or []
    if "query" in obj and (not isinstance(obj["query"], str) or not obj["query"].strip()):
        errs.append("empty query")
    if not files:
        errs.append("expect.files is empty")
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
        errs.append(f"bad repo {repo!r}")
        return errs
    if not re.fullmatch(re.escape(repo.replace("/", "__")) + r"-\d+", obj["id"]):
        errs.append(f"id {obj['id']!r} does not match repo")
    if not HEX40.match(base):
        errs.append(f"base_commit not 40 hex: {base!r}")
        return errs
    gitdir = os.path.join(repos, repo.replace("/", "+"), "repo")
    if not os.path.isdir(gitdir):
        errs.append(f"no mirror at {gitdir}")
        return errs
    rc, typ = git(gitdir, "cat-file", "-t", base)
    if rc != 0 or typ != "commit":
        errs.append(f"base_commit {base} not a commit in mirror")
        return errs
    for f in files:
        rc, _ = git(gitdir, "cat-file", "-e", f"{base}:{f}")
        if rc != 0:
            errs.append(f"file {f!r} missing at base_commit")
    fix = obj.get("fix_commit")
    if fix:
        rc, typ = git(gitdir, "cat-file", "-t", fix)
        if rc != 0 or typ != "commit":
            errs.append(f"fix_commit {fix} not a commit in mirror")
        else:
            rc, parent = git(gitdir, "rev-parse", f"{fix}^1")
            if parent != base:
                errs.append(f"base_commit is not the first parent of fix_commit ({parent})")
            rc, changed = git(gitdir, "diff", "--name-only", "--no-renames", base, fix)
            changed = set(changed.splitlines())
            for f in files:
                if f not in changed:
                    errs.append(f"file {f!r} not changed by fix_commit")
    return errs


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--repos", default="/work/.mirror")
    a = ap.parse_args()
    seen, bad, n = set(), 0, 0
    per_repo = {}
    with open(a.file, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            n += 1
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                print(f"line {lineno}: invalid JSON: {e}")
                bad += 1
                continue
            errs = check_line(obj, a.repos)
            if obj.get("id") in seen:
                errs.append("duplicate id")
            seen.add(obj.get("id"))
            per_repo[obj.get("repo")] = per_repo.get(obj.get("repo"), 0) + 1
            if errs:
                bad += 1
                for e in errs:
                    print(f"line {lineno} ({obj.get('id')}): {e}")
    for r, c in sorted(per_repo.items()):
        print(f"{r}: {c}")
    print(f"{n} reports, {n - bad} ok, {bad} with errors")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

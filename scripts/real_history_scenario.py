#!/usr/bin/env python3
"""Issue 17's scripted scenario on a real repository's history: ctx's own. Run by
scripts/test.sh with the built binary; prints each check and exits 1 if one fails.

  scripts/real_history_scenario.py [--ctx .build/debug/ctx] [--repo .]

The repository's history is real work, merges and all: annotations are written at a commit
of a branch that was merged later (ef7a651), the code moves on over the real commits to
5b3b832 (a function renamed with its body rewritten in e23d036, definitions edited on the
branch and after the merge, other definitions of the same files edited, and a sibling
commit, 0caf056, that never had the branch's code), then a competing correction is
proposed, accepted and supersedes; a second workspace follows a file moved between folders
(bebfc21), a third a file deleted (ef7a651). Every rule but superseded-document (no document
in this history declares itself superseded; the end-to-end tests cover it) must fire with
the right evidence, and every annotation file written must still exist at the end.

--repo is a clone of ctx with its history (the test command runs in one); the scenario
clones it into a temp folder and never touches it. A shallow clone is deepened first.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile

ANCHOR = "ef7a651"     # on the memory-immediate branch, before e23d036
TIP = "5b3b832"        # main, after the branch was merged (32f7c5a) and much more work
RENAME = "e23d036"     # annotationStamps -> annotationStates, body rewritten
SIBLING = "0caf056"    # main-line commit beside the branch: it never had annotationStamps
FILE_MOVE = "bebfc21"  # Sources/CtxCLI/ServeCommand.swift -> Sources/CtxServe/ServeCommand.swift
DELETION = "ef7a651"   # deleted Sources/CtxAnnotations/AnnotationCache.swift
NEEDED = [ANCHOR, TIP, RENAME, SIBLING, FILE_MOVE]
GIT_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_SYSTEM": "/dev/null"}


def run(args, cwd, check=True, timeout=600):
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=GIT_ENV, timeout=timeout)
    if check and result.returncode not in (0, 1, 3):
        raise SystemExit(f"error: {' '.join(args)} failed ({result.returncode}): {result.stderr[-800:]}")
    return result


def has_commits(repo):
    return all(run(["git", "cat-file", "-e", sha + "^{commit}"], repo, check=False).returncode == 0 for sha in NEEDED)


def ensure_history(repo):
    """The scenario needs ctx's real history; a shallow CI clone is deepened once."""
    if has_commits(repo):
        return
    if run(["git", "rev-parse", "--is-shallow-repository"], repo, check=False).stdout.strip() == "true":
        print("the clone is shallow: fetching ctx's history (git fetch --unshallow)", file=sys.stderr)
        run(["git", "fetch", "-q", "--unshallow"], repo, check=False, timeout=300)
    if not has_commits(repo):
        raise SystemExit(f"error: {repo} lacks commits {', '.join(NEEDED)} of ctx's history; run the tests in a full clone (git fetch --unshallow)")


class Scenario:
    def __init__(self, ctx, source_repo, root):
        self.ctx, self.source_repo, self.root = ctx, source_repo, root
        self.failures = []

    def check(self, name, ok, detail):
        print(("ok    " if ok else "FAIL  ") + name + ("" if ok else f"\n      {detail}"))
        if not ok:
            self.failures.append(name)

    def workspace(self, name, revision, include):
        repo = os.path.join(self.root, name + "-repo")
        run(["git", "clone", "-q", "--no-checkout", self.source_repo, repo], self.root)
        run(["git", "checkout", "-q", "--detach", revision], repo)
        ws = os.path.join(self.root, name + "-ws")
        run([self.ctx, "init", ws], self.root)
        with open(os.path.join(ws, "connectors", "code.yaml"), "w") as f:
            f.write(f'kind: code\npath: {repo}\ninclude: ["{include}"]\n')
        with open(os.path.join(ws, "connectors", "history.yaml"), "w") as f:
            f.write(f"kind: git\npath: {repo}\n")
        self.index(ws)
        return repo, ws

    def index(self, ws):
        result = run([self.ctx, "index", "--quiet"], ws, check=False)
        if result.returncode != 0:
            raise SystemExit(f"error: ctx index failed in {ws} ({result.returncode}): {result.stderr[-800:]}")

    def annotate(self, ws, target, kind, text, *extra):
        out = run([self.ctx, "annotate", target, "--kind", kind, "--text", text, "--author", "Ada", "--json", *extra], ws)
        return json.loads(out.stdout)["id"]

    def conflicts(self, ws):
        return json.loads(run([self.ctx, "conflicts", "--json"], ws).stdout)["conflicts"]

    @staticmethod
    def about(conflicts, annotation_id):
        return [c for c in conflicts if annotation_id in json.dumps(c)]

    @staticmethod
    def shas(found):
        return [c["sha"][:7] for conflict in found for c in conflict.get("commits", [])]

    def definitions_over_merged_history(self):
        repo, ws = self.workspace("merged", ANCHOR, "Sources/**")
        ids = {
            "stamps": self.annotate(ws, "symbol:annotationStamps", "caveat", "Stamps are size:mtime_ns:inode; an empty one means unknown."),
            "walk": self.annotate(ws, "symbol:walk", "caveat", "Recurses one folder at a time; deep trees cost one stat each."),
            "attach": self.annotate(ws, "symbol:attach", "note", "Attaches annotations to bundle items by path and symbol."),
            "search": self.annotate(ws, "symbol:matchAnnotations", "note", "Full-text match over the mirror, best first."),
            "count": self.annotate(ws, "symbol:annotationCount", "owner", "The memory team owns the annotation mirror."),
            "replace": self.annotate(ws, "symbol:replaceAnnotations", "caveat", "Rewrites the mirror in one transaction.",
                                     "--fact", "annotation.mirror_write=one-transaction"),
            "detect": self.annotate(ws, "symbol:detect", "note", "Conflict detection runs over live annotations only."),
            # Anchored to Glob.swift's `match`, the first of five by path; 8c7da86 adds one in
            # Sources/CtxAccess, which sorts first now.
            "match": self.annotate(ws, "symbol:match", "caveat", "`**` matches any number of folders, none included."),
            # HistorySearch's `rank`: edited on main by 2dd4b58, which reached the branch
            # through the merge 32f7c5a.
            "rank": self.annotate(ws, "symbol:rank", "note", "Newest commits first among equal scores."),
            "size_ada": self.annotate(ws, "symbol:annotationCount", "definition", "Counts the mirror's rows.", "--fact", "annotation.count_from=mirror"),
        }
        # A second person disagrees on the same fact, and a correction is written on code
        # that will move on.
        ids["size_cy"] = json.loads(run([self.ctx, "annotate", "symbol:annotationCount", "--kind", "definition", "--text", "Counts the files in annotations/.",
                                         "--fact", "annotation.count_from=folder", "--author", "Cy", "--json"], ws).stdout)["id"]
        ids["walk_fix"] = json.loads(run([self.ctx, "correct", "symbol:walk", "It skips dot-folders; merge markers are reported, not read.",
                                          "--author", "Bo", "--json"], ws).stdout)["id"]
        written = set(os.listdir(os.path.join(ws, "annotations")))

        run(["git", "checkout", "-q", "--detach", TIP], repo)
        self.index(ws)
        conflicts = self.conflicts(ws)

        found = self.about(conflicts, ids["stamps"])
        text = json.dumps(found)
        self.check(f"annotationStamps: renamed to annotationStates in {RENAME}, its body rewritten",
                   any(c["kind"] == "renamed" and "annotationStates" in c.get("summary", "") for c in found) and RENAME in text, text[:600])
        self.check(f"annotationStamps: not dangling, and never blamed on {SIBLING}, a sibling commit that never had it",
                   not any(c["kind"] == "dangling" for c in found) and SIBLING not in text, text[:600])

        # The branch's listing code: both commits that touched the file on the way changed walk.
        walk = self.about(conflicts, ids["walk"])
        listing = run(["git", "log", "--ancestry-path", "--format=%h", "--abbrev=7", f"{ANCHOR}..{TIP}", "--",
                       "Sources/CtxAnnotations/AnnotationListing.swift"], repo).stdout.split()
        self.check("walk: stale, with the two commits that rewrote it, oldest first",
                   any(c["kind"] == "stale-anchor" for c in walk) and self.shas(walk) == list(reversed(listing)) and len(listing) == 2,
                   f"ctx: {self.shas(walk)}, git: {listing}")
        self.check(f"walk: the anchor commit {ANCHOR} is not a change since", ANCHOR not in self.shas(walk), str(self.shas(walk)))

        # AnnotationLayer.swift changed in four commits on the way; 0624f6a changed only
        # `search`, so it is not a change of `attach`.
        attach = self.about(conflicts, ids["attach"])
        self.check("attach: stale with the commits that changed its own lines, not 0624f6a (another definition)",
                   any(c["kind"] == "stale-anchor" for c in attach) and "e23d036" in self.shas(attach) and "0624f6a" not in self.shas(attach),
                   str(self.shas(attach)))
        diff = "".join(c.get("diff") or "" for c in attach)
        self.check("attach: the evidence carries the diff from the anchor to now", diff.startswith("--- a/Sources/CtxQuery/AnnotationLayer.swift"), diff[:300])
        for key, what in (("search", "matchAnnotations"), ("count", "annotationCount")):
            found = [c for c in self.about(conflicts, ids[key]) if c["kind"] != "fact-disagreement"]
            self.check(f"{what}: an untouched definition in a file that changed is not stale", not found, json.dumps(found)[:400])

        detect = self.about(conflicts, ids["detect"])
        self.check("detect, defined in four files, is an ambiguous anchor that names them",
                   any(c["kind"] == "ambiguous-anchor" and "Sources/CtxAnnotations/Conflicts.swift" in json.dumps(c) for c in detect), json.dumps(detect)[:600])
        match = self.about(conflicts, ids["match"])
        self.check("match: a definition added in another file (8c7da86) does not make the anchored one (Glob.swift, unchanged) stale",
                   any(c["kind"] == "ambiguous-anchor" for c in match) and not any(c["kind"] == "stale-anchor" for c in match), json.dumps(match)[:600])
        rank = [c for c in self.about(conflicts, ids["rank"]) if c["kind"] == "stale-anchor"]
        self.check("rank: a change made on main and merged into the branch names its commit (2dd4b58), then the merge (32f7c5a)",
                   self.shas(rank) == ["2dd4b58", "32f7c5a"], json.dumps(rank)[:600])
        facts = [c for c in conflicts if c["kind"] == "fact-disagreement"]
        text = json.dumps(facts)
        self.check("Ada and Cy disagree on annotation.count_from: a fact disagreement with both values",
                   ids["size_ada"] in text and ids["size_cy"] in text and "mirror" in text and "folder" in text, text[:600])
        recheck = [c for c in self.about(conflicts, ids["walk_fix"]) if c["kind"] == "correction-recheck"]
        self.check("Bo's correction of walk asks for a re-check, with the commits that changed walk since",
                   bool(recheck) and set(self.shas(recheck)) >= set(listing), json.dumps(recheck)[:600])

        # A competing correction from an agent, accepted by a person, then superseding.
        correction = json.loads(run([self.ctx, "correct", "symbol:replaceAnnotations", "It deletes and re-inserts every row in batches of 500.",
                                     "--author", "agent-7", "--proposed", "--json"], ws).stdout)["id"]
        review = run([self.ctx, "review", "list", "--json"], ws).stdout
        self.check("review list: the agent's proposal awaits a person", correction in review, review[:400])
        run([self.ctx, "review", "accept", correction, "--reviewer", "Bo", "--reason", "read replaceAnnotations at 5b3b832"], ws)
        competing = [c for c in self.conflicts(ws) if c["kind"] in ("competing-corrections", "fact-disagreement") and correction in json.dumps(c)]
        self.check("the accepted correction and the caveat compete while both are live", bool(competing) and ids["replace"] in json.dumps(competing),
                   json.dumps(competing)[:400])
        run([self.ctx, "review", "supersede", ids["replace"], "--by", correction, "--reviewer", "Bo"], ws)
        after = [c for c in self.conflicts(ws) if ids["replace"] in json.dumps(c) or correction in json.dumps(c)]
        self.check("after the supersession nothing about replaceAnnotations is in conflict", not after, json.dumps(after)[:400])
        bundle = run([self.ctx, "query", "replaceAnnotations mirror rows"], ws).stdout
        self.check("the bundle shows the accepted correction, not the superseded caveat",
                   "batches of 500" in bundle and "in one transaction" not in bundle, bundle[:600])
        log = run([self.ctx, "annotations", "log", "symbol:replaceAnnotations"], ws).stdout
        self.check("the log says who decided and what was true until when", "reviewed by Bo" in log and "true until" in log, log[:600])
        now = set(os.listdir(os.path.join(ws, "annotations")))
        self.check("nothing a person wrote is lost", written <= now, f"missing: {written - now}")

    def file_moved_between_folders(self):
        old, new = "Sources/CtxCLI/ServeCommand.swift", "Sources/CtxServe/ServeCommand.swift"
        repo, ws = self.workspace("moved", FILE_MOVE + "^", "Sources/**")
        moved_id = self.annotate(ws, "path:" + old, "caveat", "ctx serve holds the index open for its whole life.")
        run(["git", "checkout", "-q", "--detach", FILE_MOVE], repo)
        self.index(ws)
        found = self.about(self.conflicts(ws), moved_id)
        text = json.dumps(found)
        self.check(f"{old}: renamed to {new} in {FILE_MOVE}",
                   any(c["kind"] == "renamed" and new in c.get("summary", "") for c in found) and FILE_MOVE in text, text[:600])
        offer = run([self.ctx, "annotations", "reanchor", moved_id], ws, check=False)
        self.check("reanchor offers the new path and changes nothing without --accept-rename",
                   new in offer.stderr + offer.stdout and offer.returncode != 0, (offer.stdout + offer.stderr)[:400])
        run([self.ctx, "annotations", "reanchor", moved_id, "--accept-rename", "--reviewer", "Bo"], ws)
        body = open(os.path.join(ws, "annotations", moved_id + ".md")).read()
        left = self.about(self.conflicts(ws), moved_id)
        self.check("--accept-rename moves it to the new path and the conflict is gone", "path:" + new in body and not left,
                   body[:300] + json.dumps(left)[:300])


    def file_deleted(self):
        cache = "Sources/CtxAnnotations/AnnotationCache.swift"
        repo, ws = self.workspace("deleted", DELETION + "^", "Sources/CtxAnnotations/**")
        gone = self.annotate(ws, "path:" + cache, "caveat", "One cache per folder for the life of the process.")
        run(["git", "checkout", "-q", "--detach", DELETION], repo)
        self.index(ws)
        found = self.about(self.conflicts(ws), gone)
        self.check(f"{cache}, deleted by {DELETION}, is dangling with that commit",
                   any(c["kind"] == "dangling" for c in found) and DELETION in self.shas(found), json.dumps(found)[:600])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ctx", default=".build/debug/ctx")
    parser.add_argument("--repo", default=".", help="a clone of ctx with its history (default: the current folder)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    args = parser.parse_args()
    ctx, repo = os.path.abspath(args.ctx), os.path.abspath(args.repo)
    if not os.access(ctx, os.X_OK):
        raise SystemExit(f"error: {ctx} is not an executable ctx binary (swift build first, or pass --ctx)")
    ensure_history(repo)
    root = tempfile.mkdtemp(prefix="ctx-real-history-")
    scenario = Scenario(ctx, repo, root)
    try:
        scenario.definitions_over_merged_history()
        scenario.file_moved_between_folders()
        scenario.file_deleted()
    finally:
        if args.keep:
            print(f"kept {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
    print(f"{len(scenario.failures)} of the checks failed" if scenario.failures else "all checks passed")
    sys.exit(1 if scenario.failures else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Issue 17's scripted scenario on a real repository's history: annotations written at one
commit of click, the code moved on over its real commits (two functions re-spelled with a
leading underscore in 7a0a3447, `echo` edited on the stable branch and merged, other
definitions of the same file edited), then a competing correction, accepted and superseding. Checks that every rule fires with the right evidence and
that nothing a person wrote is lost. Prints each check and exits 1 if one fails.

  Benchmarks/annotation_real_history.py --ctx .build/release/ctx --click /work/.mirror/pallets+click/repo

`--click` is a clone or bare mirror of github.com/pallets/click (fetched, never committed).
The CI suite runs the same rules on a replayed history (Tests/CtxCLITests/ReviewScenarioTests) and on
ctx's own history (scripts/real_history_scenario.py).
"""
import argparse, json, os, subprocess, sys, tempfile

BASE = "279ce7b0"      # 2026-05-12, "Add type annotations for instance attributes in `utils`"
HEAD = "7a0a3447"      # 2026-07-16, "Mark clearly functions private status" (renames)
RENAME = "00883dd3"    # 2020-04-19, renames get_streerror to get_strerror


def run(args, cwd, check=True):
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env={**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null"}, timeout=900)
    if check and result.returncode not in (0, 1, 3):
        raise SystemExit(f"{' '.join(args)} failed ({result.returncode}): {result.stderr[-600:]}")
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ctx", default=".build/release/ctx")
    parser.add_argument("--click", required=True)
    args = parser.parse_args()
    ctx = os.path.abspath(args.ctx)
    root = tempfile.mkdtemp(prefix="ctx-real-history-")
    repo = os.path.join(root, "click")
    run(["git", "clone", "-q", args.click, repo], root)
    run(["git", "checkout", "-q", BASE], repo)
    ws = os.path.join(root, "ws")
    run([ctx, "init", ws], root)
    with open(os.path.join(ws, "connectors", "code.yaml"), "w") as f:
        f.write(f'kind: code\npath: {repo}\ninclude: ["src/click/**"]\n')
    with open(os.path.join(ws, "connectors", "history.yaml"), "w") as f:
        f.write(f"kind: git\npath: {repo}\n")
    run([ctx, "index", "--quiet"], ws)

    def annotate(target, kind, text, *extra):
        out = run([ctx, "annotate", target, "--kind", kind, "--text", text, "--author", "Ada", "--json", *extra], ws)
        return json.loads(out.stdout)["id"]

    ids = {
        "short_help": annotate("symbol:make_default_short_help", "caveat", "Cuts at 45 characters; keep help lines short."),
        "safecall": annotate("symbol:safecall", "owner", "The CLI team owns error swallowing."),
        "echo": annotate("symbol:echo", "caveat", "echo(b'') prints a newline.", "--fact", "echo.empty_bytes=newline"),
        "format_filename": annotate("symbol:format_filename", "note", "Shortens paths for display only."),
        "open_file": annotate("symbol:open_file", "owner", "The CLI team owns lazy files."),
    }
    files_written = set(os.listdir(os.path.join(ws, "annotations")))

    # The code moves on over click's real commits.
    run(["git", "checkout", "-q", HEAD], repo)
    run([ctx, "index", "--quiet"], ws)
    conflicts = json.loads(run([ctx, "conflicts", "--json"], ws).stdout)["conflicts"]

    def about(annotation_id):
        return [c for c in conflicts if annotation_id in json.dumps(c)]

    failures = []

    def check(name, ok, detail):
        print(("ok    " if ok else "FAIL  ") + name + ("" if ok else f"\n      {detail}"))
        if not ok:
            failures.append(name)

    # 7a0a3447 renamed `make_default_short_help` to `_make_default_short_help` and `safecall`
    # to `_safecall`. Symbol targets match any spelling (case and underscores ignored), so
    # both still resolve: the caveat's lines changed (the `def` line), the owner's did not move.
    found = about(ids["short_help"])
    text = json.dumps(found)
    check(f"short_help: stale, with commit {HEAD} and the renamed def line in the diff",
          any(c["kind"] == "stale-anchor" for c in found) and HEAD in text and "_make_default_short_help" in text, text[:600])
    check("safecall: an owner whose target was only re-spelled in place is not stale", not about(ids["safecall"]), json.dumps(about(ids["safecall"]))[:400])
    echo = about(ids["echo"])
    text = json.dumps(echo)
    shas = [c["sha"] for conflict in echo for c in conflict.get("commits", [])]
    check("echo: stale, with the commits that changed its own lines", any(c["kind"] == "stale-anchor" for c in echo) and shas, text[:600])
    check(f"echo: the anchor commit {BASE} is not a change since", not any(sha.startswith(BASE) for sha in shas), str(shas))
    # Commits to other definitions of utils.py in the range are not changes of echo.
    others = ["fc41aa1d", "051bb0f3"]  # KeepOpenFile annotations; the borrowed-stdout fix
    check("echo: commits to other definitions of the same file are left out", not any(sha.startswith(o) for sha in shas for o in others), str(shas))
    for key in ("format_filename", "open_file"):
        found = about(ids[key])
        check(f"{key}: untouched definition in a changed file, no conflict", not found, json.dumps(found)[:400])

    # A competing correction, accepted by a reviewer, then superseding the caveat.
    correction = json.loads(run([ctx, "correct", "symbol:echo", "Since handle-empty-bytes (4d3db84b), echo(b'') prints nothing.", "--author", "agent-7", "--proposed", "--json"], ws).stdout)["id"]
    review = json.loads(run([ctx, "review", "list", "--json"], ws).stdout)
    check("review list: the proposal awaits a person", correction in json.dumps(review), json.dumps(review)[:400])
    run([ctx, "review", "accept", correction, "--reviewer", "Bo", "--reason", "verified against 4d3db84b"], ws)
    competing = [c for c in json.loads(run([ctx, "conflicts", "--json"], ws).stdout)["conflicts"] if c["kind"] == "competing-corrections"]
    check("competing-corrections on echo while both are live", any(correction in json.dumps(c) for c in competing), json.dumps(competing)[:400])
    run([ctx, "review", "supersede", ids["echo"], "--by", correction, "--reviewer", "Bo"], ws)
    after = json.loads(run([ctx, "conflicts", "--json"], ws).stdout)["conflicts"]
    check("after the supersession, nothing about echo is in conflict", not [c for c in after if ids["echo"] in json.dumps(c) or correction in json.dumps(c)], json.dumps(after)[:400])
    bundle = run([ctx, "query", "echo empty bytes"], ws).stdout
    check("the bundle shows the accepted correction, not the superseded caveat", "prints nothing" in bundle and "prints a newline" not in bundle, bundle[:600])
    log = run([ctx, "annotations", "log", "symbol:echo"], ws).stdout
    check("the log says who decided and what was true until when", "reviewed by Bo" in log and "true until" in log, log[:600])
    now = set(os.listdir(os.path.join(ws, "annotations")))
    check("nothing a person wrote is lost", files_written <= now, f"missing: {files_written - now}")

    # A real rename: 00883dd3 (2020, "remove py2 parts of _compat module", 16 files) renamed
    # `get_streerror` to `get_strerror` in src/click/_compat.py and every caller.
    repo2 = os.path.join(root, "click-2020")
    run(["git", "clone", "-q", args.click, repo2], root)
    run(["git", "checkout", "-q", RENAME + "^"], repo2)
    ws2 = os.path.join(root, "ws-2020")
    run([ctx, "init", ws2], root)
    with open(os.path.join(ws2, "connectors", "code.yaml"), "w") as f:
        f.write(f'kind: code\npath: {repo2}\ninclude: ["src/click/**"]\n')
    with open(os.path.join(ws2, "connectors", "history.yaml"), "w") as f:
        f.write(f"kind: git\npath: {repo2}\n")
    run([ctx, "index", "--quiet"], ws2)
    renamed_id = json.loads(run([ctx, "annotate", "symbol:get_streerror", "--kind", "caveat", "--text", "Falls back to str(e) when the OS error has no message.", "--author", "Ada", "--json"], ws2).stdout)["id"]
    run(["git", "checkout", "-q", RENAME], repo2)
    run([ctx, "index", "--quiet"], ws2)
    found = [c for c in json.loads(run([ctx, "conflicts", "--json"], ws2).stdout)["conflicts"] if renamed_id in json.dumps(c)]
    text = json.dumps(found)
    check(f"get_streerror: renamed to get_strerror, with commit {RENAME}",
          any(c["kind"] == "renamed" and "get_strerror" in c.get("summary", "") for c in found) and RENAME in text, text[:600])
    offer = run([ctx, "annotations", "reanchor", renamed_id], ws2, check=False)
    check("reanchor offers the new name (and changes nothing without --accept-rename)",
          "renamed to `get_strerror`" in offer.stderr and offer.returncode != 0, (offer.stdout + offer.stderr)[:400])
    run([ctx, "annotations", "reanchor", renamed_id, "--accept-rename", "--reviewer", "Bo"], ws2)
    moved = open(os.path.join(ws2, "annotations", renamed_id + ".md")).read()
    left = [c for c in json.loads(run([ctx, "conflicts", "--json"], ws2).stdout)["conflicts"] if renamed_id in json.dumps(c)]
    check("--accept-rename moves it to symbol:get_strerror and the conflict is gone", "symbol:get_strerror" in moved and not left, moved[:300] + json.dumps(left)[:300])

    print(f"{len(failures)} failed" if failures else "all checks passed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

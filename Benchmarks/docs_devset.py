#!/usr/bin/env python3
"""Documents: does `ctx search --layer docs` put the section a question needs first?

Two kinds of questions, written by hand from the documents' headings and release notes of
three public repositories (fetched, never committed):

- how-to: "hide the password while the user types it"; the answer is a guide's section.
- change: "when was SECRET_KEY_FALLBACKS added"; the answer is a release-notes section.

For each binary the script indexes each repository's documents (its top-level *.rst and *.md
and its docs/ folder) into a fresh workspace, asks every question, and prints Acc@1, Acc@5
and MRR (first acceptable section in the top 10) per kind, and for the how-to questions how
many of the top 5 are release notes (the sections that crowded guides out).

With `--bundles` the workspaces also hold each repository's code (a `kind: code` source),
and each question is asked with `ctx query --format json --budget 4000`: the figures are then about
the bundle's Documents layer: how often an answer is in it, how many sections it holds, and
how many of them answer (precision; a how-to bundle's other sections are what an agent pays
for without use).

Usage:
  Benchmarks/docs_devset.py --ctx NEW [--ctx-before OLD] --out DIR [--bundles] \\
      --repo click=/path/to/click --repo flask=/path/to/flask --repo marshmallow=/path/to/marshmallow

The answers were written against these commits (anchors move as documents change):
click 2c8cd3ac, flask 2ac89889, marshmallow 341b927f.
"""
import argparse, json, os, re, shutil, statistics, subprocess, sys

from deadline import DEADLINE

HOWTO, CHANGE = "how-to", "change"

# (repository, kind, question, acceptable sections)
QUESTIONS = [
    ("click", HOWTO, "hide the password while the user types it", ["docs/option-decorators.md#password-option", "docs/prompts.md#option-prompts"]),
    ("click", HOWTO, "ask for confirmation before a destructive action", ["docs/option-decorators.md#confirmation-option", "docs/prompts.md#confirmation-prompts"]),
    ("click", HOWTO, "display a progress bar while iterating", ["docs/utils.md#showing-progress-bars"]),
    ("click", HOWTO, "open an editor to let the user write text", ["docs/utils.md#launching-editors"]),
    ("click", HOWTO, "accept the same option multiple times", ["docs/options.md#multiple-options"]),
    ("click", HOWTO, "count how many times -v is given", ["docs/options.md#counting"]),
    ("click", HOWTO, "boolean flag with an on and off form", ["docs/options.md#boolean-flag-pairs---flag--no-flag", "docs/options.md#boolean"]),
    ("click", HOWTO, "restrict a parameter to a list of allowed values", ["docs/parameter-types.md#choice"]),
    ("click", HOWTO, "test my cli command and check its output", ["docs/testing.md#basic-example", "docs/testing.md#testing-click-applications"]),
    ("click", HOWTO, "where should my app store its config file", ["docs/utils.md#finding-application-folders"]),
    ("click", HOWTO, "run several subcommands in one call", ["docs/commands.md#command-chaining"]),
    ("click", HOWTO, "enable tab completion in bash", ["docs/shell-completion.md#enabling-completion"]),
    ("click", HOWTO, "print colored text to the terminal", ["docs/utils.md#ansi-colors"]),
    ("click", HOWTO, "add a --version option to my tool", ["docs/option-decorators.md#version-option"]),
    ("click", CHANGE, "when did options and arguments get the deprecated parameter", ["CHANGES.md#version-820"]),
    ("click", CHANGE, "which release added PowerShell shell completion", ["CHANGES.md#version-850"]),
    ("click", CHANGE, "when was BaseCommand deprecated", ["CHANGES.md#version-820"]),
    ("click", CHANGE, "in which version does show_envvar also show in error messages", ["CHANGES.md#version-820"]),
    ("flask", HOWTO, "return API errors as JSON", ["docs/errorhandling.rst#returning-api-errors-as-json"]),
    ("flask", HOWTO, "limit the maximum size of file uploads", ["docs/patterns/fileuploads.rst#improving-uploads", "docs/config.rst#max_content_length"]),
    ("flask", HOWTO, "tell flask it runs behind a reverse proxy", ["docs/deploying/proxy_fix.rst#tell-flask-it-is-behind-a-proxy"]),
    ("flask", HOWTO, "make the session cookie secure only", ["docs/config.rst#session_cookie_secure", "docs/web-security.rst#set-cookie-options"]),
    ("flask", HOWTO, "read configuration from environment variables", ["docs/config.rst#configuring-from-environment-variables"]),
    ("flask", HOWTO, "show a one-time message to the user after a redirect", ["docs/patterns/flashing.rst#simple-flashing", "docs/patterns/flashing.rst#message-flashing"]),
    ("flask", HOWTO, "run background tasks with celery", ["docs/patterns/celery.rst#background-tasks-with-celery", "docs/patterns/celery.rst#integrate-celery-with-flask"]),
    ("flask", HOWTO, "create the app with a factory function", ["docs/patterns/appfactories.rst#basic-factories", "docs/patterns/appfactories.rst#application-factories"]),
    ("flask", HOWTO, "send error emails to admins", ["docs/logging.rst#email-errors-to-admins"]),
    ("flask", HOWTO, "add a custom command to the flask cli", ["docs/cli.rst#custom-commands"]),
    ("flask", HOWTO, "deploy with gunicorn", ["docs/deploying/gunicorn.rst#running", "docs/deploying/gunicorn.rst#gunicorn"]),
    ("flask", HOWTO, "rotate the secret key without logging everyone out", ["docs/config.rst#secret_key_fallbacks"]),
    ("flask", CHANGE, "when was SECRET_KEY_FALLBACKS added", ["CHANGES.rst#version-310"]),
    ("flask", CHANGE, "which version introduced the JSONProvider", ["CHANGES.rst#version-220"]),
    ("flask", CHANGE, "when were stream_template functions added", ["CHANGES.rst#version-220"]),
    ("flask", CHANGE, "since which release are async views supported", ["CHANGES.rst#version-200"]),
    ("flask", CHANGE, "when did signals get async subscriber support", ["CHANGES.rst#version-230"]),
    ("marshmallow", HOWTO, "make a field required", ["docs/quickstart.rst#required-fields"]),
    ("marshmallow", HOWTO, "ignore or keep unknown fields when loading", ["docs/quickstart.rst#handling-unknown-fields"]),
    ("marshmallow", HOWTO, "set a default value for a missing field", ["docs/quickstart.rst#specifying-defaults"]),
    ("marshmallow", HOWTO, "load data into an object instead of a dict", ["docs/quickstart.rst#deserializing-to-objects"]),
    ("marshmallow", HOWTO, "serialize a list of objects", ["docs/quickstart.rst#handling-collections-of-objects"]),
    ("marshmallow", HOWTO, "validate a field with a custom method", ["docs/quickstart.rst#field-validators-as-methods"]),
    ("marshmallow", HOWTO, "field that is only used for loading not dumping", ["docs/quickstart.rst#read-only-and-write-only-fields"]),
    ("marshmallow", HOWTO, "use a different key name in the input data", ["docs/quickstart.rst#specifying-serializationdeserialization-keys"]),
    ("marshmallow", HOWTO, "modify data before it is loaded", ["docs/extending.rst#pre-processing-and-post-processing-methods"]),
    ("marshmallow", HOWTO, "validate several fields together", ["docs/extending.rst#schema-level-validation"]),
    ("marshmallow", HOWTO, "write my own field type", ["docs/custom_fields.rst#creating-a-field-class"]),
    ("marshmallow", HOWTO, "a schema that nests itself for tree structures", ["docs/nesting.rst#nesting-a-schema-within-itself"]),
    ("marshmallow", HOWTO, "allow None as a value", ["docs/upgrading.rst#deserializing-none"]),
    ("marshmallow", CHANGE, "when did schemas become ordered by default", ["CHANGELOG.rst#3200-2023-07-20"]),
    ("marshmallow", CHANGE, "when were load_default and dump_default introduced", ["CHANGELOG.rst#3130-2021-07-21"]),
    ("marshmallow", CHANGE, "which release made Nested default to unknown RAISE", ["CHANGELOG.rst#300b14-2018-09-15"]),
    ("marshmallow", CHANGE, "when was the context parameter removed from Method fields", ["CHANGELOG.rst#200b3-2015-06-14"]),
]

RELEASE_NOTES = re.compile(r"(^|/)(changes|changelog|history|news|releases?|release[-_]?notes)(\.[a-z]+)?(#|$)", re.I)


def run(cmd, cwd=None):
    return subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=DEADLINE)


def index(ctx, repo, workspace, with_code):
    shutil.rmtree(workspace, ignore_errors=True)
    result = run([ctx, "init", workspace])
    if result.returncode != 0:
        sys.exit(f"ctx init {workspace} failed: {result.stderr}")
    with open(os.path.join(workspace, "connectors", "docs.yaml"), "w") as f:
        f.write(f'kind: docs\npath: {os.path.abspath(repo)}\ninclude: ["docs/**", "*.rst", "*.md"]\n')
    if with_code:
        with open(os.path.join(workspace, "connectors", "code.yaml"), "w") as f:
            f.write(f'kind: code\npath: {os.path.abspath(repo)}\n')
    result = run([ctx, "index", "--quiet", "--workspace", workspace])
    if result.returncode not in (0, 3):
        sys.exit(f"ctx index {workspace} failed ({result.returncode}): {result.stderr}")


def ask(ctx, workspace, question):
    result = run([ctx, "search", question, "--layer", "docs", "--json", "--limit", "10", "--workspace", workspace])
    if result.returncode not in (0, 1):
        sys.exit(f"ctx search {question!r} failed ({result.returncode}): {result.stderr}")
    return [hit["ref"] for hit in json.loads(result.stdout)["hits"]] if result.stdout.strip() else []


def bundle_docs(ctx, workspace, question):
    result = run([ctx, "query", question, "--format", "json", "--budget", "4000", "--workspace", workspace])
    if result.returncode not in (0, 1):
        sys.exit(f"ctx query {question!r} failed ({result.returncode}): {result.stderr}")
    return [item["ref"] for item in json.loads(result.stdout)["layers"].get("docs", [])]


def measure(ctx, repos, out, bundles):
    rows = []
    for name, path in repos.items():
        workspace = os.path.join(out, name)
        index(ctx, path, workspace, bundles)
        for repo, kind, question, answers in QUESTIONS:
            if repo != name:
                continue
            if bundles:
                refs = bundle_docs(ctx, workspace, question)
                found = [ref for ref in refs if ref in answers]
                rows.append({"repo": repo, "kind": kind, "question": question, "docs": refs, "answered": bool(found),
                             "precision": len(found) / len(refs) if refs else None,
                             "rank": next((i + 1 for i, ref in enumerate(refs) if ref in answers), None),
                             "release_notes_top5": sum(1 for ref in refs if RELEASE_NOTES.search(ref)), "top": refs})
                continue
            refs = ask(ctx, workspace, question)
            rank = next((i + 1 for i, ref in enumerate(refs) if ref in answers), None)
            notes = sum(1 for ref in refs[:5] if RELEASE_NOTES.search(ref))
            rows.append({"repo": repo, "kind": kind, "question": question, "rank": rank, "release_notes_top5": notes, "top": refs[:5]})
    return rows


def summary(rows, kind):
    chosen = [r for r in rows if r["kind"] == kind]
    if not chosen:
        return "no questions"
    if "answered" in chosen[0]:
        answered = sum(1 for r in chosen if r["answered"]) / len(chosen)
        sections = statistics.mean(len(r["docs"]) for r in chosen)
        precisions = [r["precision"] for r in chosen if r["precision"] is not None]
        precision = statistics.mean(precisions) if precisions else 0
        notes = statistics.mean(r["release_notes_top5"] for r in chosen)
        return f"n={len(chosen):2d}  answer in bundle {answered:.3f}  sections {sections:.2f}  precision {precision:.3f}  release notes {notes:.2f}"
    acc1 = sum(1 for r in chosen if r["rank"] == 1) / len(chosen)
    acc5 = sum(1 for r in chosen if r["rank"] and r["rank"] <= 5) / len(chosen)
    mrr = statistics.mean(1 / r["rank"] if r["rank"] else 0 for r in chosen)
    notes = statistics.mean(r["release_notes_top5"] for r in chosen)
    return f"n={len(chosen):2d}  Acc@1 {acc1:.3f}  Acc@5 {acc5:.3f}  MRR {mrr:.3f}  release notes in top 5: {notes:.2f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ctx", required=True)
    parser.add_argument("--ctx-before")
    parser.add_argument("--repo", action="append", required=True, help="name=path (click, flask, marshmallow)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--per-question", action="store_true")
    parser.add_argument("--bundles", action="store_true", help="ask ctx query and measure the bundle's documents")
    args = parser.parse_args()
    repos = dict(item.split("=", 1) for item in args.repo)
    unknown = set(repos) - {q[0] for q in QUESTIONS}
    if unknown:
        sys.exit(f"no questions for {', '.join(sorted(unknown))}; the sets are click, flask, marshmallow")
    binaries = [("new", args.ctx)] + ([("before", args.ctx_before)] if args.ctx_before else [])
    results = {label: measure(binary, repos, os.path.join(args.out, label), args.bundles) for label, binary in binaries}
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    for kind in (HOWTO, CHANGE):
        for label, _ in binaries:
            print(f"{kind:7s} {label:7s} {'all':11s} {summary(results[label], kind)}")
        for repo in repos:
            for label, _ in binaries:
                print(f"{kind:7s} {label:7s} {repo:11s} {summary([r for r in results[label] if r['repo'] == repo], kind)}")
    if args.per_question and len(binaries) == 2:
        for new, old in zip(results["new"], results["before"]):
            if new["rank"] != old["rank"] or new["release_notes_top5"] != old["release_notes_top5"]:
                print(f"  {new['repo']:11s} {new['kind']:7s} rank {old['rank']} -> {new['rank']}, notes {old['release_notes_top5']} -> {new['release_notes_top5']}: {new['question']}")


if __name__ == "__main__":
    main()

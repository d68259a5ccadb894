#!/usr/bin/env python3
"""Bundle precision on a mixed workspace (issue 14): how much of each bundle comes from
sources that cannot answer the question, whether the expected item is in it, and how many
tokens it uses.

The workspace holds two repositories' code and history, one project's docs, a folder of
architecture decision records and a Slack export, all fetched from public repositories at
pinned commits (never committed here):

  Benchmarks/bundle_precision.py setup --mirrors /work/.mirror --out /work/bench/mixed
  Benchmarks/bundle_precision.py run --ctx .build/release/ctx --workspace /work/bench/mixed/ws \
      [--ctx-baseline OLD_CTX] [--budget 8000] [--per-question]

`setup` clones each repository from a folder of mirrors (`<owner>+<name>/repo`, as the search
tool's fetch leaves them, or any git URL folder given with --mirrors) into OUT/src, checks out
the pinned commit, writes the connectors and indexes. `run` asks every question with
`ctx query --format json` and prints, per question and overall:

- off-topic share: bytes of the bundle's items (their JSON) from sources outside the
  question's answering set, over the bytes of all items;
- expected: whether an item matching one of the question's expected refs is in the bundle;
- used tokens: the bundle's own `used_tokens`.

With --ctx-baseline, the same questions run through a second binary in the same run and both
are printed side by side (--workspace-baseline: a copy of the workspace indexed by that binary,
when it cannot read the newer index).
"""
import argparse, json, os, statistics, subprocess, sys

REPOS = {
    "click": ("pallets/click", "2c8cd3ac958a7eb316d67f2d316c27086c4c0369"),
    "attrs": ("python-attrs/attrs", "c1dc5dcba16ed827aa6dcad896b41a3afedb4e32"),
    "log4brains": ("thomvaill/log4brains", "37187fc8e0cd615c155eb27d6116e1e05681a918"),
    "rcwg": ("r-devel/rcwg", "c31a41c3b70369802a1d8082d31e6f70f097868a"),
}

CONNECTORS = {
    "click-code.yaml": 'kind: code\npath: ../src/click\ninclude: ["src/**", "tests/**", "examples/**"]\n',
    "click-history.yaml": "kind: git\npath: ../src/click\n",
    "click-docs.yaml": "kind: docs\npath: ../src/click/docs\n",
    "attrs-code.yaml": 'kind: code\npath: ../src/attrs\ninclude: ["src/**", "tests/**"]\n',
    "attrs-history.yaml": "kind: git\npath: ../src/attrs\n",
    "log4brains-adr.yaml": "kind: docs\npath: ../src/log4brains/docs/adr\n",
    "r-slack.yaml": "kind: chat\nformat: slack-export\npath: ../src/rcwg/slack\n",
}

CLICK = ["click-code", "click-history", "click-docs"]
ATTRS = ["attrs-code", "attrs-history"]
ADR = ["log4brains-adr"]
SLACK = ["r-slack"]

# Each question: the text, the sources that can answer it, and refs of which at least one
# should be in the bundle (a ref matches an item whose `ref` or `path` starts with it).
QUESTIONS = [
    ("how does click generate shell completion for options and arguments", CLICK, ["src/click/shell_completion.py"]),
    ("prompt the user for a password with confirmation and hidden input", CLICK, ["src/click/termui.py"]),
    ("how do I make an option required and show its default in --help", CLICK, ["src/click/core.py", "options.md"]),
    ("CliRunner invoke with an isolated filesystem in tests", CLICK, ["src/click/testing.py", "testing.md"]),
    ("BadParameter error message when a value fails type conversion", CLICK, ["src/click/exceptions.py", "src/click/types.py"]),
    ("progress bar with a length and a label", CLICK, ["src/click/termui.py", "src/click/_termui_impl.py"]),
    ("nested command groups and chaining subcommands", CLICK, ["src/click/core.py", "commands-and-groups.md", "commands.md"]),
    ("click.File lazy opening of files for writing", CLICK, ["src/click/types.py", "src/click/utils.py", "handling-files.md"]),
    ("how are slotted classes created and why are they faster", ATTRS, ["src/attr/_make.py"]),
    ("instance_of validator and deep_iterable validators", ATTRS, ["src/attr/validators.py"]),
    ("optional converter and default_if_none", ATTRS, ["src/attr/converters.py"]),
    ("FrozenInstanceError when setting an attribute on a frozen class", ATTRS, ["src/attr/exceptions.py", "src/attr/_make.py"]),
    ("asdict recursing into collections and retain_collection_types", ATTRS, ["src/attr/_funcs.py"]),
    ("evolve a frozen instance with changes", ATTRS, ["src/attr/_funcs.py", "src/attr/_make.py"]),
    ("why do we use lunr for search", ADR, ["20201103-use-lunr-for-search.md"]),
    ("which code style and linters did we decide on", ADR, ["20200925-use-prettier-eslint-airbnb-for-the-code-style.md"]),
    ("should an ADR be identified by its number or its slug", ADR, ["20201016-use-the-adr-slug-as-its-unique-id.md", "20200926-use-the-adr-number-as-its-unique-id.md"]),
    ("why avoid default exports", ADR, ["20200927-avoid-default-exports.md"]),
    ("monorepo with yarn workspaces and lerna", ADR, ["20200925-multi-packages-architecture-in-a-monorepo-with-yarn-and-lerna.md"]),
    ("translating R messages with weblate", SLACK, ["thread:core-translation/"]),
    ("C book club for R contributors", SLACK, ["thread:c-study-group/"]),
    ("Google Summer of Code mentors for R projects", SLACK, ["thread:gsoc/"]),
    ("review my bug report before submitting to bugzilla", SLACK, ["thread:bug-reporting/", "thread:bugzilla-inbox/"]),
    ("improving the Writing R Extensions manual", SLACK, ["thread:core-documentation/"]),
]


def setup(args):
    src = os.path.join(args.out, "src")
    ws = os.path.join(args.out, "ws")
    os.makedirs(src, exist_ok=True)
    for name, (repo, commit) in REPOS.items():
        target = os.path.join(src, name)
        if not os.path.isdir(target):
            mirror = os.path.join(args.mirrors, repo.replace("/", "+"), "repo")
            subprocess.run(["git", "clone", "-q", "--no-checkout", mirror, target], check=True)
        paths = ["slack"] if name == "rcwg" else ["."]  # rcwg also holds large data files
        subprocess.run(["git", "-C", target, "checkout", "-q", commit, "--"] + paths, check=True)
    os.makedirs(os.path.join(ws, "connectors"), exist_ok=True)
    os.makedirs(os.path.join(ws, "annotations"), exist_ok=True)
    for file, text in CONNECTORS.items():
        with open(os.path.join(ws, "connectors", file), "w") as f:
            f.write(text)
    subprocess.run([args.ctx, "index", "--workspace", ws], check=False)


def item_refs(item):
    refs = [item.get("ref") or ""]
    if item.get("path"):
        refs.append(item["path"])
        refs.append(os.path.basename(item["path"]))
    return refs


def ask(ctx, ws, question, budget):
    done = subprocess.run([ctx, "query", question, "--workspace", ws, "--budget", str(budget), "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    if done.returncode not in (0, 1):
        raise SystemExit(f"ctx query failed ({done.returncode}): {done.stderr}")
    return json.loads(done.stdout)


def measure(bundle, sources, expected):
    total = 0
    off = 0
    found = False
    for layer, items in bundle["layers"].items():
        for item in items:
            size = len(json.dumps(item))
            total += size
            if item.get("source") not in sources:
                off += size
            if any(ref.startswith(e) for ref in item_refs(item) for e in expected):
                found = True
    return (off / total if total else 0.0), found, bundle.get("used_tokens", 0)


def run(args):
    binaries = [("ctx", args.ctx)] + ([("baseline", args.ctx_baseline)] if args.ctx_baseline else [])
    # An older binary may not read a newer index: it gets a workspace of its own.
    workspaces = {"ctx": args.workspace, "baseline": args.workspace_baseline or args.workspace}
    results = {name: [] for name, _ in binaries}
    for text, sources, expected in QUESTIONS:
        for name, binary in binaries:
            results[name].append(measure(ask(binary, workspaces[name], text, args.budget), sources, expected))
    if args.per_question:
        header = f"{'question':58}" + "".join(f" {name + ' off%':>13} {'exp':>4} {'tokens':>6}" for name, _ in binaries)
        print(header)
        for index, (text, _, _) in enumerate(QUESTIONS):
            row = f"{text[:58]:58}"
            for name, _ in binaries:
                off, found, used = results[name][index]
                row += f" {off * 100:>13.1f} {'yes' if found else 'NO':>4} {used:>6}"
            print(row)
    print(f"budget {args.budget}, {len(QUESTIONS)} questions")
    summary = {}
    for name, _ in binaries:
        offs = [r[0] for r in results[name]]
        found = sum(1 for r in results[name] if r[1])
        used = [r[2] for r in results[name]]
        summary[name] = {"off_topic_median": statistics.median(offs), "off_topic_mean": statistics.mean(offs),
                         "expected_found": found / len(QUESTIONS), "used_tokens_median": statistics.median(used),
                         "used_tokens_max": max(used)}
        print(f"{name:>9}: off-topic median {statistics.median(offs) * 100:.1f}% mean {statistics.mean(offs) * 100:.1f}%; "
              f"expected item in bundle {found}/{len(QUESTIONS)} ({found / len(QUESTIONS) * 100:.0f}%); "
              f"used tokens median {statistics.median(used):.0f}, max {max(used)}")
    if args.json:
        print(json.dumps(summary))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("setup")
    s.add_argument("--mirrors", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--ctx", default=".build/release/ctx")
    r = sub.add_parser("run")
    r.add_argument("--ctx", default=".build/release/ctx")
    r.add_argument("--ctx-baseline")
    r.add_argument("--workspace-baseline", help="the baseline's workspace (same connectors, indexed by the baseline binary)")
    r.add_argument("--workspace", required=True)
    r.add_argument("--budget", type=int, default=8000)
    r.add_argument("--per-question", action="store_true")
    r.add_argument("--json", action="store_true")
    args = parser.parse_args()
    setup(args) if args.command == "setup" else run(args)


if __name__ == "__main__":
    main()

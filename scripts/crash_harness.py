#!/usr/bin/env python3
"""Kills `ctx index` with SIGKILL at random moments and checks the index it leaves behind.

Usage: scripts/crash_harness.py [--ctx PATH] [--runs N] [--files N] [--seed S] [--keep DIR]

Builds a git repository (code plus history) in two states, A and B, and the answers a fresh
index gives for each. Then, N times: start from an index of A, move the repository to B, run
`ctx index`, kill it after a random delay, and check that the index
  1. opens and passes `PRAGMA integrity_check`,
  2. passes FTS5's `integrity-check` with rank = 1 for every full-text table,
  3. holds, for each source, exactly state A or exactly state B (files and content hashes,
     chunk and symbol counts, commit ids), never a mix, and
  4. answers searches with A's answers or B's answers, consistently with (3);
then that the next `ctx index` completes and matches a fresh index of B.
Exits 1 on the first failure, with what it found. CI runs a small N (Tests/CtxCLITests);
Benchmarks/crash_harness.sh runs a large one.
"""
import argparse, json, os, random, shutil, signal, sqlite3, subprocess, sys, tempfile, time

GIT_ENV = {
    "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_SYSTEM": "/dev/null",
    "GIT_AUTHOR_NAME": "Ada Tester", "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada Tester", "GIT_COMMITTER_EMAIL": "ada@example.com",
}
QUERIES = {"code": ["handler", "validateSession", "parse config"], "history": ["feature", "refactor"]}


def git(repo, *args, date="2024-01-01T00:00:00Z"):
    env = dict(os.environ, **GIT_ENV, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    subprocess.run(["git", "-c", "commit.gpgsign=false"] + list(args), cwd=repo, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def git_output(repo, *args):
    return subprocess.run(["git"] + list(args), cwd=repo, check=True, stdout=subprocess.PIPE, text=True).stdout.strip()


def write_state(repo, state, files, rng_seed):
    """State A: `files` source files over 20 commits. State B: a third changed, some deleted and
    added, and 20 more commits."""
    rng = random.Random(rng_seed)
    os.makedirs(repo, exist_ok=True)
    if state == "A":
        git(repo, "init", "-q", "-b", "main")
        for commit in range(20):
            for index in range(commit, files, 20):
                path = os.path.join(repo, "src", f"mod{index % 17}", f"file{index}.py")
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w") as f:
                    f.write(module_text(index, 0, rng))
            git(repo, "add", "-A")
            git(repo, "commit", "-q", "-m", f"feature {commit}: add modules", date=f"2024-01-{commit + 1:02d}T00:00:00Z")
    else:
        for commit in range(20):
            for index in range(commit, files, 60):
                path = os.path.join(repo, "src", f"mod{index % 17}", f"file{index}.py")
                if index % 7 == 0 and os.path.exists(path):
                    os.remove(path)
                else:
                    with open(path, "w") as f:
                        f.write(module_text(index, commit + 1, rng))
            extra = os.path.join(repo, "src", "new", f"added{commit}.py")
            os.makedirs(os.path.dirname(extra), exist_ok=True)
            with open(extra, "w") as f:
                f.write(module_text(1000 + commit, 1, rng))
            git(repo, "add", "-A")
            git(repo, "commit", "-q", "-m", f"refactor {commit}: rework handlers", date=f"2024-02-{commit + 1:02d}T00:00:00Z")


WORDS = ("session token handler config parse render cache retry network route user account billing "
         "invoice queue worker schedule metric trace audit policy secret storage bucket upload").split()


def module_text(index, version, rng):
    """Varied text, so that search scores rarely tie (ties are ordered by row id, which differs
    between an incrementally updated index and a fresh one)."""
    lines = [f'"""Module {index}, version {version}: {" ".join(rng.sample(WORDS, 4))}."""', ""]
    for function in range(6):
        name = rng.choice(["handler", "validateSession", "parse_config", "load", "render"]) + f"_{index}_{function}"
        lines.append(f"def {name}(request, version={version}):")
        lines.append(f"    # {' '.join(rng.choice(WORDS) for _ in range(rng.randint(3, 12)))}")
        for line in range(rng.randint(3, 12)):
            lines.append(f"    value_{line} = request.get('{rng.choice(WORDS)}_{line}', {version * line}) + {rng.randint(0, 9999)}")
        lines.append("    return value_0")
        lines.append("")
    return "\n".join(lines) + "\n"


def make_workspace(ctx, path, repo, code_revision=None, history_ref=None):
    """A workspace over the repository's work tree, or over given revisions of it (to build a
    state where the code and the history sources are at different commits)."""
    shutil.rmtree(path, ignore_errors=True)
    subprocess.run([ctx, "init", path], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(path, "connectors", "code.yaml"), "w") as f:
        f.write(f"kind: code\npath: {repo}\n" + (f"revision: {code_revision}\n" if code_revision else ""))
    with open(os.path.join(path, "connectors", "history.yaml"), "w") as f:
        f.write(f"kind: git\npath: {repo}\n" + (f"refs: [{history_ref}]\n" if history_ref else ""))


def index(ctx, workspace, full=False):
    args = [ctx, "index", "--quiet", "--workspace", workspace] + (["--full"] if full else [])
    result = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise SystemExit(f"ctx index failed ({result.returncode}): {result.stdout}{result.stderr}")


def state_of(db_path):
    """Per source: what the index holds, in a comparable form."""
    con = sqlite3.connect(db_path)
    try:
        out = {}
        files = con.execute("SELECT s.name, f.path, f.content_hash FROM file f JOIN source s ON s.id = f.source_id ORDER BY 1, 2").fetchall()
        chunks = con.execute("SELECT s.name, count(*) FROM chunk c JOIN file f ON f.id = c.file_id JOIN source s ON s.id = f.source_id GROUP BY 1").fetchall()
        symbols = con.execute("SELECT s.name, count(*) FROM symbol y JOIN file f ON f.id = y.file_id JOIN source s ON s.id = f.source_id GROUP BY 1").fetchall()
        commits = con.execute("SELECT s.name, g.sha FROM git_commit g JOIN source s ON s.id = g.source_id ORDER BY 1, 2").fetchall()
        changes = con.execute("SELECT s.name, count(*) FROM git_change c JOIN git_commit g ON g.id = c.commit_id JOIN source s ON s.id = g.source_id GROUP BY 1").fetchall()
        for name, path, digest in files:
            out.setdefault(name, {}).setdefault("files", []).append([path, digest])
        for name, count in chunks:
            out.setdefault(name, {})["chunks"] = count
        for name, count in symbols:
            out.setdefault(name, {})["symbols"] = count
        for name, sha in commits:
            out.setdefault(name, {}).setdefault("commits", []).append(sha)
        for name, count in changes:
            out.setdefault(name, {})["changes"] = count
        return out
    finally:
        con.close()


def ctx_text(body):
    """ctx's SQL function `ctx_text(body)` (schema v11), which `chunk_ft` reads its content
    through: a chunk's text as stored, TEXT as it is, or a BLOB of tag 1, the UTF-8 length as a
    LEB128 varint and an LZ4 block (CtxStore.ChunkText), decoded here independently of ctx."""
    if not isinstance(body, bytes):
        return body
    if body[0] != 1:
        raise ValueError("unknown chunk body tag")
    i, length, shift = 1, 0, 0
    while True:
        length |= (body[i] & 0x7F) << shift
        i += 1
        if body[i - 1] < 0x80:
            break
        shift += 7

    def run_length(n):
        nonlocal i
        if n == 15:
            while True:
                n += body[i]
                i += 1
                if body[i - 1] != 255:
                    break
        return n

    out = bytearray()
    while True:
        token = body[i]
        i += 1
        literals = run_length(token >> 4)
        out += body[i:i + literals]
        i += literals
        if i == len(body):
            break
        offset = body[i] | body[i + 1] << 8
        i += 2
        for _ in range(run_length(token & 15) + 4):
            out.append(out[-offset])
    if len(out) != length:
        raise ValueError("chunk body of the wrong length")
    return out.decode()


def integrity(db_path):
    con = sqlite3.connect(db_path)
    con.create_function("ctx_text", 1, ctx_text, deterministic=True)
    try:
        problems = [row[0] for row in con.execute("PRAGMA integrity_check") if row[0] != "ok"]
        for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%fts5(%'"):
            try:
                con.execute(f"INSERT INTO {table}({table}, rank) VALUES('integrity-check', 1)")
            except sqlite3.DatabaseError as error:
                problems.append(f"{table}: {error}")
        return problems
    finally:
        con.close()


def answers(ctx, workspace):
    result = {}
    for layer, queries in QUERIES.items():
        for query in queries:
            run = subprocess.run([ctx, "search", query, "--layer", layer, "--json", "--limit", "10", "--workspace", workspace],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            if run.returncode not in (0, 1):
                raise RuntimeError(f"ctx search {query!r} failed ({run.returncode}): {run.stderr}")
            hits = json.loads(run.stdout)["hits"] if run.stdout.strip() else []
            result.setdefault(layer, []).append([(hit["ref"], hit["score"]) for hit in hits])
    return result


def same_answers(found, expected, tolerance=0.002):
    """The same number of hits with the same scores (to `tolerance`), and the same refs for
    every hit scoring clearly above the last one. Hits near the last score may differ: ties are
    ordered by row id, which differs between an incrementally updated index and a fresh one,
    and code ranking adds points from a file's other matching chunks, so a tie cut at the
    candidate limit moves a score by a rounding step. A mixed state differs by whole files."""
    for got, want in zip(found, expected):
        if len(got) != len(want):
            return False
        if any(abs(a[1] - b[1]) > tolerance for a, b in zip(got, want)):
            return False
        if got:
            cut = got[-1][1] + tolerance
            if sorted(r for r, sc in got if sc > cut) != sorted(r for r, sc in want if sc > cut):
                return False
    return len(found) == len(expected)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ctx", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".build", "debug", "ctx"))
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--files", type=int, default=400)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--keep", default=None, help="work in this folder and keep it")
    args = parser.parse_args()
    ctx = os.path.abspath(args.ctx)
    rng = random.Random(args.seed)
    work = args.keep or tempfile.mkdtemp(prefix="ctx-crash-")
    os.makedirs(work, exist_ok=True)
    print(f"seed {args.seed}, {args.runs} runs, {args.files} files, in {work}", flush=True)

    # Two states of one repository, and the index of each built from nothing.
    repo = os.path.join(work, "repo")
    shutil.rmtree(repo, ignore_errors=True)
    write_state(repo, "A", args.files, 1)
    expected = {}
    base = os.path.join(work, "base-A")
    make_workspace(ctx, base, repo)
    index(ctx, base)
    expected["A"] = (state_of(os.path.join(base, "index", "ctx.sqlite")), answers(ctx, base))
    head = {"A": git_output(repo, "rev-parse", "HEAD")}
    write_state(repo, "B", args.files, 2)
    head["B"] = git_output(repo, "rev-parse", "HEAD")
    fresh = os.path.join(work, "fresh-B")
    make_workspace(ctx, fresh, repo)
    index(ctx, fresh)
    expected["B"] = (state_of(os.path.join(fresh, "index", "ctx.sqlite")), answers(ctx, fresh))
    # Code ranking uses history signals (docs/ranking.md), so a kill that leaves the two
    # sources at different states has its own right answers: those of an index built from
    # nothing with the code at one commit and the history at the other.
    mixed_answers = {}

    def answers_for(code_state, history_state):
        if code_state == history_state:
            return expected[code_state][1]
        if (code_state, history_state) not in mixed_answers:
            mixed = os.path.join(work, f"fresh-{code_state}{history_state}")
            make_workspace(ctx, mixed, repo, code_revision=head[code_state], history_ref=head[history_state])
            index(ctx, mixed)
            mixed_answers[(code_state, history_state)] = answers(ctx, mixed)
        return mixed_answers[(code_state, history_state)]
    # How long a full incremental run from A to B takes, to spread the kills over it.
    probe = os.path.join(work, "probe")
    shutil.rmtree(probe, ignore_errors=True)
    shutil.copytree(base, probe)
    start = time.perf_counter()
    index(ctx, probe)
    span = time.perf_counter() - start
    print(f"an incremental run from A to B takes {span:.2f} s", flush=True)

    outcomes = {"A": 0, "B": 0, "mixed": 0}
    for run in range(args.runs):
        trial = os.path.join(work, "trial")
        shutil.rmtree(trial, ignore_errors=True)
        shutil.copytree(base, trial)
        full = rng.random() < 0.25
        delay = rng.uniform(0, span * (3.0 if full else 2.0))
        process = subprocess.Popen([ctx, "index", "--quiet", "--workspace", trial] + (["--full"] if full else []),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        db = os.path.join(trial, "index", "ctx.sqlite")
        problems = integrity(db)
        if problems:
            fail(f"run {run}: integrity problems after a kill at {delay:.3f} s: {problems}", work)
        state = state_of(db)
        found = answers(ctx, trial)
        verdicts = []
        for source in ("code", "history"):
            match = [name for name in ("A", "B") if state.get(source) == expected[name][0].get(source)]
            if not match:
                fail(f"run {run}: source {source} is neither state A nor state B after a kill at {delay:.3f} s", work)
            verdicts.append(match[0])
        right = answers_for(verdicts[0], verdicts[1])
        for layer in ("code", "history"):
            if not same_answers(found[layer], right[layer]):
                fail(f"run {run}: {layer} answers {found[layer]} are not those of code {verdicts[0]} with history {verdicts[1]}: {right[layer]}", work)
        outcomes[verdicts[0] if len(set(verdicts)) == 1 else "mixed"] += 1
        # The next run completes the work.
        index(ctx, trial)
        if state_of(db) != expected["B"][0] or integrity(db):
            fail(f"run {run}: the run after the kill did not reach state B", work)
        print(f"run {run + 1}/{args.runs}: killed {'--full ' if full else ''}at {delay:.3f} s: code {verdicts[0]}, history {verdicts[1]}; next run reached B", flush=True)
    print(f"ok: {args.runs} kills, every source old or new, never a mix (all A: {outcomes['A']}, all B: {outcomes['B']}, "
          f"one source each: {outcomes['mixed']}); integrity checks passed; every next run completed", flush=True)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


def fail(message, work):
    print("FAILED: " + message, flush=True)
    print(f"the work folder is kept: {work}", flush=True)
    sys.exit(1)


if __name__ == "__main__":
    main()

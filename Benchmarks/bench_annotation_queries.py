#!/usr/bin/env python3
"""Query latency with 10,000 annotation files, and how soon a correction is visible.

Usage: Benchmarks/bench_annotation_queries.py WORKSPACE [--ctx PATH] [--runs N]

WORKSPACE is one built by `Benchmarks/bench_conflicts.py --out DIR` (DIR/ws): a 10,000-file
repository indexed with 10,000 annotations. Prints median wall times of `ctx query` and
`ctx search` (each a new process) in three states: the files as `ctx index` mirrored them;
one file changed since (the folder is read, unchanged files come from the mirror); and then
the time from `ctx correct` returning to the correction appearing in a new `ctx query` and in
an already-running `ctx serve --jsonl`. Leaves the workspace as it found it (the correction
file is removed and the index re-run).
"""
import argparse, json, os, statistics, subprocess, time

QUERIES = {
    "query": ["query", "handler_4242 request", "--budget", "4000"],
    "search": ["search", "request value 42"],
    "search --layer annotations": ["search", "Annotation 4242", "--layer", "annotations"],
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workspace")
    parser.add_argument("--ctx", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "ctx"))
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    ctx, ws = os.path.abspath(args.ctx), os.path.abspath(args.workspace)

    def run(arguments):
        return subprocess.run([ctx] + arguments + ["--workspace", ws], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def timings(label):
        for name, arguments in QUERIES.items():
            run(arguments)  # warm the page cache
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                result = run(arguments)
                times.append(time.perf_counter() - start)
                assert result.returncode == 0, result.stderr
            print(f"{label:28} {name:28} median {statistics.median(times) * 1000:6.0f} ms  min {min(times) * 1000:6.0f} ms")

    subprocess.run([ctx, "index", "--quiet", "--workspace", ws], check=True)
    timings("as mirrored")
    folder = os.path.join(ws, "annotations")
    touched = os.path.join(folder, sorted(n for n in os.listdir(folder) if n.endswith(".md"))[0])
    original = open(touched).read()
    with open(touched, "a") as f:
        f.write("Edited after the index.\n")
    timings("one file changed since")

    if not os.path.exists(os.path.join(os.path.dirname(ctx), "ctx-mcp")):
        print("ctx-mcp is not beside ctx: the running-server measurement is skipped")
        server = None
    else:
        server = subprocess.Popen([ctx, "serve", "--jsonl", "--workspace", ws], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def served(query):
        if server is None:
            return ""
        server.stdin.write(json.dumps({"id": 1, "tool": "context", "arguments": {"query": query, "budget": 3000}}) + "\n")
        server.stdin.flush()
        return server.stdout.readline()

    served("handler_77")  # the server has answered before the correction
    text = "Quokka correction: handler_77 also validates the session."
    result = run(["correct", "symbol:handler_77", text, "--json"])
    written = time.perf_counter()
    assert result.returncode == 0, result.stderr
    correction = json.loads(result.stdout)["id"]
    seen_by_server = text in served("handler_77")
    server_ms = (time.perf_counter() - written) * 1000
    queried = run(["query", "handler_77", "--budget", "3000"])
    query_ms = (time.perf_counter() - written) * 1000
    if server is not None:
        print(f"visible in a running ctx serve --jsonl: {seen_by_server}, {server_ms:.0f} ms after `ctx correct` returned")
    print(f"visible in the next ctx query:          {text in queried.stdout}, {query_ms:.0f} ms after (the whole query process)")
    if server is not None:
        server.stdin.close()
        server.wait()

    os.remove(os.path.join(folder, correction + ".md"))
    with open(touched, "w") as f:
        f.write(original)
    subprocess.run([ctx, "index", "--quiet", "--workspace", ws], check=True)


if __name__ == "__main__":
    main()

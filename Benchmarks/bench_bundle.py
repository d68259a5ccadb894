#!/usr/bin/env python3
"""Benchmarks bundle assembly (`ctx query`, the MCP `context` tool) on a large repository.

Usage: Benchmarks/bench_bundle.py REPO [--ctx PATH] [--runs N] [--out DIR] [--reuse]

Builds a workspace with a `kind: code` source (default_excludes: false) and a `kind: git`
source on REPO (which is only read), indexes it with the given (release) binary, then for 20
realistic queries measures, each with budget 8000:

  in-process   the bundle assembled inside a running `ctx serve --jsonl`: the `elapsed_ms` a
               reply reports for {"tool": "context", "timing": true} (ranking, history,
               budget fitting, Markdown and JSON; no process start-up). Median per query over
               --runs calls after a warm-up call, then the median over the queries.
               Target: <= 150 ms.
  whole query  `ctx query Q` as a whole warm process vs `ctx search Q` (same query, warm),
               medians over --runs; the ratio per query, and its median and maximum.
               Target: ctx query <= 2x ctx search.

--reuse keeps an index already built in --out (the index run is slow on a large history).
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time

QUERIES = [
    # common words
    "error", "context", "test",
    # identifiers and their parts
    "NewClient", "new client", "ContainerCreate", "container create", "validate config",
    # phrases an engineer types
    "network sandbox", "image pull progress", "volume mount options", "restart policy",
    "log driver", "health check timeout", "swarm node", "exec attach stdin",
    # a path, a stack-trace line, and a bug report
    "daemon/daemon.go", "panic in daemon.go:120 restoring containers",
    "why does the container restart loop when the health check times out",
    "Error response from daemon: conflict: unable to remove repository reference (must force) - container is using its referenced image",
]


def timed(cmd, cwd=None):
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start, result.returncode


def median_time(cmd, runs):
    timed(cmd)  # warm
    return statistics.median(timed(cmd)[0] for _ in range(runs))


class JSONLServer:
    """A running `ctx serve --jsonl`, one request at a time."""

    def __init__(self, ctx, workspace):
        self.process = subprocess.Popen([ctx, "serve", "--jsonl", "--workspace", workspace], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.next_id = 0

    def call(self, tool, arguments):
        self.next_id += 1
        request = {"id": self.next_id, "tool": tool, "arguments": arguments, "timing": True}
        self.process.stdin.write((json.dumps(request) + "\n").encode())
        self.process.stdin.flush()
        reply = json.loads(self.process.stdout.readline())
        if not reply.get("ok"):
            raise RuntimeError(f"{tool} {arguments}: {reply.get('error')}")
        return reply

    def close(self):
        self.process.stdin.close()
        return self.process.wait(timeout=60)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("repo")
    parser.add_argument("--ctx", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "ctx"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", default=None)
    parser.add_argument("--reuse", action="store_true", help="keep an existing index in --out")
    args = parser.parse_args()
    repo = os.path.abspath(args.repo)
    ctx = os.path.abspath(args.ctx)
    work = args.out or tempfile.mkdtemp(prefix="ctx-bench-bundle-")
    os.makedirs(work, exist_ok=True)
    workspace = os.path.join(work, "ws")
    database = os.path.join(workspace, "index", "ctx.sqlite")

    index_seconds = None
    if not (args.reuse and os.path.exists(database)):
        shutil.rmtree(workspace, ignore_errors=True)
        subprocess.run([ctx, "init", workspace], check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(workspace, "connectors", "code.yaml"), "w") as f:
            f.write(f"kind: code\npath: {repo}\ndefault_excludes: false\n")
        with open(os.path.join(workspace, "connectors", "history.yaml"), "w") as f:
            f.write(f"kind: git\npath: {repo}\n")
        print(f"indexing {repo} (code and history) ...", flush=True)
        index_seconds, status = timed([ctx, "index", "--quiet", "--workspace", workspace])
        if status not in (0, 3):
            sys.exit(f"ctx index failed with exit {status}")
    status = json.loads(subprocess.run([ctx, "status", "--json", "--workspace", workspace], capture_output=True, text=True).stdout)
    totals = {s["name"]: s.get("indexed") or {} for s in status["sources"]}

    # In-process: one warm server, each query once to warm, then --runs timed calls.
    server = JSONLServer(ctx, workspace)
    in_process = {}
    used_tokens = {}
    for query in QUERIES:
        reply = server.call("context", {"query": query, "budget": 8000})
        bundle = reply["result"]["bundle"]
        used_tokens[query] = (bundle["used_tokens"], len(bundle["layers"]["code"]), len(bundle["layers"]["history"]))
        in_process[query] = statistics.median(
            server.call("context", {"query": query, "budget": 8000})["elapsed_ms"] for _ in range(args.runs))
    search_in_process = {
        query: statistics.median(server.call("search", {"query": query})["elapsed_ms"] for _ in range(args.runs)) for query in QUERIES}
    server.close()

    # Whole warm processes.
    query_times, search_times, ratios = {}, {}, {}
    for query in QUERIES:
        query_times[query] = median_time([ctx, "query", query, "--budget", "8000", "--workspace", workspace], args.runs)
        search_times[query] = median_time([ctx, "search", query, "--workspace", workspace], args.runs)
        ratios[query] = query_times[query] / search_times[query]

    print(f"repository      {repo}: {totals.get('code', {}).get('files', '?')} files, {totals.get('code', {}).get('chunks', '?')} chunks, "
          f"{totals.get('history', {}).get('commits', '?')} commits" + (f"; indexed in {index_seconds:.0f} s" if index_seconds else ""))
    print(f"{'query':60} {'bundle ms':>9} {'search ms':>9} {'query s':>8} {'search s':>8} {'ratio':>6}  tokens (code/history items)")
    for query in QUERIES:
        tokens, code, history = used_tokens[query]
        print(f"{query[:60]:60} {in_process[query]:9.1f} {search_in_process[query]:9.1f} {query_times[query]:8.3f} {search_times[query]:8.3f} "
              f"{ratios[query]:6.2f}  {tokens} ({code}/{history})")
    bundle_median = statistics.median(in_process.values())
    query_median = statistics.median(query_times.values())
    search_median = statistics.median(search_times.values())
    print(f"in-process      bundle median {bundle_median:.1f} ms (max {max(in_process.values()):.1f} ms; search median "
          f"{statistics.median(search_in_process.values()):.1f} ms)  target <= 150 ms: {'met' if bundle_median <= 150 else 'MISSED'}")
    print(f"whole process   ctx query median {query_median * 1000:.0f} ms vs ctx search median {search_median * 1000:.0f} ms -> "
          f"{query_median / search_median:.2f}x; per query: median {statistics.median(ratios.values()):.2f}x, max {max(ratios.values()):.2f}x"
          f"  target <= 2x: {'met' if statistics.median(ratios.values()) <= 2 else 'MISSED'}")
    results = {
        "repo": repo, "index_seconds": index_seconds, "totals": totals, "runs": args.runs,
        "bundle_in_process_ms": in_process, "search_in_process_ms": search_in_process,
        "query_process_s": query_times, "search_process_s": search_times, "ratio": ratios, "used_tokens": used_tokens,
        "bundle_in_process_median_ms": bundle_median, "query_median_s": query_median, "search_median_s": search_median,
        "ratio_median": statistics.median(ratios.values()), "ratio_max": max(ratios.values()),
    }
    with open(os.path.join(work, "bundle-results.json"), "w") as f:
        json.dump(results, f, indent=2)
    print(f"details         {os.path.join(work, 'bundle-results.json')}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Load on `ctx serve --http` (issue 19): N concurrent MCP clients over HTTP, each calling
`context` and `search` in a loop, optionally while `ctx index --full` runs again and again;
plus a scope canary: a token scoped to the public sources, 1,000 varied calls of every tool,
none may return a canary word. Loopback only; every process, socket and wait has a deadline.

    Benchmarks/bench_http_load.py --ctx .build/release/ctx --workspace WS \
        --clients 32 --seconds 60 --index-during \
        --canary zebracanary --public code,history --canary-calls 1000

    # soak: RSS sampled every second for 10 minutes under the same load
    Benchmarks/bench_http_load.py --ctx .build/release/ctx --workspace WS --clients 32 --seconds 600

WS must be indexed. The server is started from --ctx (`ctx serve --http 127.0.0.1:0`); tokens
are made with `ctx token create` (names bench-*; revoked at the end). Prints per tool: calls,
errors, p50/p90/p99/max ms; the server's RSS (max, and the median of the first and last
minute, for growth); and a JSON summary line. Exit 0 when there were no errors and no canary
leaked, 1 otherwise.
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

QUERIES = [
    "container restart policy", "docker network bridge driver", "image pull authentication registry", "volume mount permissions",
    "swarm service update rollback", "buildkit cache export", "daemon configuration reload", "exec attach tty resize",
    "overlay2 storage driver", "json-file log rotation max-size", "healthcheck timeout retries", "cgroup memory limit oom",
    "port mapping iptables nat", "registry mirror insecure", "plugin install enable", "secret create swarm", "checkpoint restore",
    "context cancel shutdown graceful", "ContainerStart", "NewDaemon", "libnetwork sandbox", "seccomp profile default",
    "apparmor profile", "dockerfile COPY --chown", "events filter since until", "stats stream cpu percent", "prune dangling images",
    "userns remap", "ipv6 fixed-cidr", "why does docker rm -f hang on a stuck container",
]


class Client(threading.Thread):
    def __init__(self, port, token, tools, stop_at, index, results, lock):
        super().__init__(daemon=True)
        self.port, self.token, self.tools, self.stop_at = port, token, tools, stop_at
        self.index, self.results, self.lock = index, results, lock

    def post(self, connection, body):
        headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream", "Authorization": f"Bearer {self.token}"}
        connection.request("POST", "/mcp", body=json.dumps(body), headers=headers)
        response = connection.getresponse()
        return response.status, response.read()

    def run(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        samples = []
        try:
            self.post(connection, {"jsonrpc": "2.0", "id": 0, "method": "initialize",
                                   "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}})
        except Exception as error:  # counted, never fatal
            samples.append(("initialize", 0.0, f"{type(error).__name__}: {error}"))
        step = self.index
        while time.monotonic() < self.stop_at:
            tool = self.tools[step % len(self.tools)]
            query = QUERIES[(step * 7 + self.index) % len(QUERIES)]
            step += 1
            arguments = {"query": query} if tool == "context" else {"query": query, "limit": 20}
            body = {"jsonrpc": "2.0", "id": step, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}
            started = time.monotonic()
            try:
                status, data = self.post(connection, body)
                elapsed = (time.monotonic() - started) * 1000
                error = None if status == 200 and b'"isError":false' in data else f"HTTP {status}: {data[:200]!r}"
            except Exception as failure:
                elapsed = (time.monotonic() - started) * 1000
                error = f"{type(failure).__name__}: {failure}"
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            samples.append((tool, elapsed, error))
        connection.close()
        with self.lock:
            self.results.extend(samples)


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def token(ctx, workspace, name, *flags):
    subprocess.run([ctx, "token", "revoke", name, "--workspace", workspace], capture_output=True, timeout=30)
    run = subprocess.run([ctx, "token", "create", name, "--json", "--workspace", workspace, *flags], capture_output=True, text=True, timeout=30)
    if run.returncode != 0:
        sys.exit(f"ctx token create {name}: {run.stderr}")
    return json.loads(run.stdout)["token"]


def canary_calls(port, public_token, canary, count):
    """Varied calls of every tool with the public token; returns (calls, leaks, errors)."""
    tools = [
        ("context", lambda q: {"query": q}), ("context", lambda q: {"query": q, "layers": ["chat", "docs"]}),
        ("search", lambda q: {"query": q}), ("search", lambda q: {"query": q, "layer": "chat"}),
        ("show", lambda q: {"ref": "thread:incident-room/1704189600.000100"}), ("show", lambda q: {"ref": q.split()[0]}),
        ("status", lambda q: {}), ("conflicts", lambda q: {}), ("review_list", lambda q: {}), ("review_show", lambda q: {"id": q.split()[0]}),
    ]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json", "Accept": "application/json", "Authorization": f"Bearer {public_token}"}
    leaks, errors = [], 0
    words = ["incident", "outage", "rotate keys", "postmortem", "session", "credentials leaked", "registry auth"]
    for call in range(count):
        tool, make = tools[call % len(tools)]
        query = QUERIES[call % len(QUERIES)] + " " + words[call % len(words)]
        body = {"jsonrpc": "2.0", "id": call, "method": "tools/call", "params": {"name": tool, "arguments": make(query)}}
        connection.request("POST", "/mcp", body=json.dumps(body), headers=headers)
        response = connection.getresponse()
        data = response.read().decode(errors="replace")
        if response.status not in (200, 403):
            errors += 1
        if canary in data:
            leaks.append(f"{tool}: {data[:200]}")
    connection.close()
    return count, leaks, errors


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ctx", default=".build/release/ctx")
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--tools", default="context,search")
    parser.add_argument("--index-during", action="store_true", help="run `ctx index --full` again and again during the load")
    parser.add_argument("--canary", help="a word only the private source holds")
    parser.add_argument("--public", help="the public sources, comma-separated (for the canary token)")
    parser.add_argument("--canary-calls", type=int, default=1000)
    parser.add_argument("--max-concurrent", type=int, default=64)
    args = parser.parse_args()
    ctx, ws = os.path.abspath(args.ctx), os.path.abspath(args.workspace)

    load_token = token(ctx, ws, "bench-load", "--sources", "*")
    port_file = tempfile.mktemp(prefix="ctx-bench-port-")
    log = tempfile.TemporaryFile()
    server = subprocess.Popen([ctx, "serve", "--workspace", ws, "--http", "127.0.0.1:0", "--port-file", port_file, "--max-concurrent", str(args.max_concurrent)],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 60
    while not (os.path.exists(port_file) and open(port_file).read().strip()):
        if time.monotonic() > deadline or server.poll() is not None:
            log.seek(0)
            sys.exit(f"the server did not start: {log.read().decode(errors='replace')[-2000:]}")
        time.sleep(0.05)
    port = int(open(port_file).read())
    indexer_runs, indexer = [], None
    try:
        # Warm up: one call of each tool (page cache, statements), not counted.
        results, lock = [], threading.Lock()
        warm = Client(port, load_token, args.tools.split(","), time.monotonic() + 3, 0, [], threading.Lock())
        warm.run()

        rss, stop_sampling = [], threading.Event()

        def sample():
            while not stop_sampling.is_set():
                value = rss_kib(server.pid)
                if value:
                    rss.append((time.monotonic(), value))
                stop_sampling.wait(1.0)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        stop_at = time.monotonic() + args.seconds
        indexing_stop = threading.Event()

        def index_loop():
            while not indexing_stop.is_set():
                started = time.monotonic()
                run = subprocess.run([ctx, "index", "--full", "--quiet", "--workspace", ws], capture_output=True, timeout=1800)
                indexer_runs.append((run.returncode, time.monotonic() - started))

        if args.index_during:
            indexer = threading.Thread(target=index_loop, daemon=True)
            indexer.start()
        clients = [Client(port, load_token, args.tools.split(","), stop_at, index, results, lock) for index in range(args.clients)]
        for client in clients:
            client.start()
        for client in clients:
            client.join(timeout=args.seconds + 120)
        indexing_stop.set()
        if indexer:
            indexer.join(timeout=1800)
        stop_sampling.set()
        sampler.join(timeout=5)

        print(f"{args.clients} clients, {args.seconds:.0f} s, tools {args.tools}" + (f", ctx index --full runs during the load: {[(code, round(seconds, 1)) for code, seconds in indexer_runs]}" if args.index_during else ""))
        summary = {"clients": args.clients, "seconds": args.seconds, "index_during": args.index_during, "tools": {}}
        total_errors = 0
        for tool in args.tools.split(","):
            times = [elapsed for name, elapsed, error in results if name == tool and not error]
            errors = [error for name, _, error in results if name == tool and error]
            total_errors += len(errors)
            row = {"calls": len(times) + len(errors), "errors": len(errors), "p50_ms": percentile(times, 0.5), "p90_ms": percentile(times, 0.9),
                   "p99_ms": percentile(times, 0.99), "max_ms": max(times) if times else float("nan"), "per_second": len(times) / args.seconds}
            summary["tools"][tool] = row
            print(f"  {tool:8} {row['calls']:6} calls  {row['errors']} errors  p50 {row['p50_ms']:7.1f}  p90 {row['p90_ms']:7.1f}  p99 {row['p99_ms']:7.1f}  max {row['max_ms']:7.1f} ms  {row['per_second']:.1f}/s")
            for error in errors[:3]:
                print(f"    error: {error}")
        init_errors = [error for name, _, error in results if name == "initialize" and error]
        total_errors += len(init_errors)
        if rss:
            values = [value for _, value in rss]
            start = rss[0][0]
            first = [value for at, value in rss if at - start <= 60]
            last = [value for at, value in rss if rss[-1][0] - at <= 60]
            summary["rss_mib"] = {"max": max(values) / 1024, "first_minute_median": statistics.median(first) / 1024, "last_minute_median": statistics.median(last) / 1024}
            print(f"  server RSS: max {max(values) / 1024:.0f} MiB; median first minute {statistics.median(first) / 1024:.0f} MiB, last minute {statistics.median(last) / 1024:.0f} MiB")
            minutes = {}
            for at, value in rss:
                minutes.setdefault(int((at - start) // 60), []).append(value)
            series = [round(max(values) / 1024) for _, values in sorted(minutes.items())]
            summary["rss_mib"]["max_per_minute"] = series
            print(f"  server RSS, max per minute (MiB): {series}")

        if args.canary and args.public:
            public_token = token(ctx, ws, "bench-public", "--sources", args.public)
            calls, leaks, errors = canary_calls(port, public_token, args.canary, args.canary_calls)
            summary["canary"] = {"calls": calls, "leaks": len(leaks), "errors": errors}
            print(f"  canary: {calls} calls of every tool with a token scoped to {args.public}: {len(leaks)} with `{args.canary}`, {errors} errors")
            for leak in leaks[:3]:
                print(f"    leak: {leak}")
            total_errors += errors + len(leaks)
        summary["errors"] = total_errors
        print(json.dumps(summary))
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        for name in ("bench-load", "bench-public"):
            subprocess.run([ctx, "token", "revoke", name, "--workspace", ws], capture_output=True, timeout=30)
    sys.exit(0 if total_errors == 0 else 1)


if __name__ == "__main__":
    main()

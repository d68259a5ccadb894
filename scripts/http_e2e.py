#!/usr/bin/env python3
"""End-to-end check of `ctx serve --http` with real HTTP on loopback and the official MCP
Python SDK (PyPI `mcp`) as one of the clients.

    python3 scripts/http_e2e.py --ctx .build/debug/ctx --workspace WS \
        --canary zebracanary --public code,history --private private-chat --expect validateSession

WS must be indexed, with the public sources and one private source whose text holds the canary
word (Tests/CtxCLITests/HTTPServeTests.swift builds it). Checks, one line each:
  - tokens from `ctx token create`; 401 without, with an unknown and with a revoked token;
  - Origin and Host checks (DNS rebinding), the body limit, GET on /mcp;
  - the official client over streamable HTTP: initialize, tools, context, search;
  - scope: a public token never sees the canary in any tool, and 403 for what it may not do;
  - writes attributed to the token's name; /healthz, /readyz, /metrics;
  - serving while `ctx index --full` runs, and new data seen without a restart;
  - SIGTERM: a request in flight is answered, then the server exits 0.
Exits 0 when all pass, 1 when one fails, 3 when the `mcp` package is missing. Every process,
socket and wait has a deadline; the whole run is stopped after --deadline seconds.
"""

import argparse
import asyncio
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

try:
    from mcp import ClientSession
    from mcp.client.streamable_http import create_mcp_http_client, streamable_http_client
except ImportError as error:  # pragma: no cover - reported to the Swift test
    print(f"http_e2e.py: the Python MCP SDK is not installed ({error}); run `python3 -m pip install mcp`", file=sys.stderr)
    sys.exit(3)

FAILURES = []


def check(condition, what, detail=""):
    print(("ok   " if condition else "FAIL ") + what + (f": {detail}" if detail and not condition else ""), flush=True)
    if not condition:
        FAILURES.append(what)
    return condition


def run_ctx(args, ctx, workspace, timeout=120):
    return subprocess.run([ctx, *args, "--workspace", workspace], capture_output=True, text=True, timeout=timeout)


def create_token(ctx, workspace, name, *flags):
    run = run_ctx(["token", "create", name, "--json", *flags], ctx, workspace)
    if run.returncode != 0:
        raise SystemExit(f"ctx token create {name} failed: {run.stderr}")
    return json.loads(run.stdout)["token"]


class Server:
    """`ctx serve --http 127.0.0.1:0`, its port read from --port-file."""

    def __init__(self, ctx, workspace, *extra):
        self.port_file = tempfile.mktemp(prefix="ctx-port-")
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [ctx, "serve", "--workspace", workspace, "--http", "127.0.0.1:0", "--port-file", self.port_file, *extra],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if os.path.exists(self.port_file) and open(self.port_file).read().strip():
                self.port = int(open(self.port_file).read().strip())
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise SystemExit(f"ctx serve --http did not start: {self.logs()}")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def logs(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if os.path.exists(self.port_file):  # a killed server cannot remove it
            os.remove(self.port_file)


def http(url, method="GET", body=None, headers=None, timeout=30):
    """(status, headers, body text) for one request; never raises on an HTTP error status."""
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode(errors="replace")


def mcp_headers(token):
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def call(server, token, tool, arguments, request_id=1, extra_headers=None):
    body = {"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}
    headers = mcp_headers(token)
    headers.update(extra_headers or {})
    return http(server.url + "/mcp", "POST", body, headers)


def tool_text(body):
    """The text an agent reads from a tools/call answer (or the error message)."""
    message = json.loads(body)
    if "error" in message:
        return message["error"].get("message", "")
    return "".join(block.get("text", "") for block in message["result"].get("content", [])) + json.dumps(message["result"].get("structuredContent"))


async def official_client(server, token, expect):
    headers = {"Authorization": f"Bearer {token}"}
    async with create_mcp_http_client(headers=headers) as client:
        async with streamable_http_client(server.url + "/mcp", http_client=client, terminate_on_close=False) as streams:
            read_stream, write_stream = streams[0], streams[1]
            async with ClientSession(read_stream, write_stream) as session:
                info = await asyncio.wait_for(session.initialize(), 30)
                check(getattr(info, "server_info", getattr(info, "serverInfo", None)).name == "ctx", "official client: initialize over streamable HTTP")
                tools = await asyncio.wait_for(session.list_tools(), 30)
                names = {tool.name for tool in tools.tools}
                check({"context", "search", "show", "status", "annotate"} <= names, "official client: tools listed", str(names))
                bundle = await asyncio.wait_for(session.call_tool("context", {"query": "validate session token"}), 30)
                text = "".join(getattr(block, "text", "") for block in bundle.content)
                check(expect in text, f"official client: context bundle holds {expect}", text[:300])
                hits = await asyncio.wait_for(session.call_tool("search", {"query": expect}), 30)
                found = json.loads("".join(getattr(block, "text", "") for block in hits.content))["hits"]
                check(any(hit.get("symbol") == expect for hit in found), "official client: search finds it", json.dumps(found)[:300])


def in_flight_then_sigterm(server, token):
    """Sends a request's head and half its body, SIGTERMs the server, sends the rest: the
    request in flight must still be answered, and the server must then exit 0."""
    body = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "search", "arguments": {"query": "validateSession"}}}).encode()
    head = (f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Type: application/json\r\n"
            f"Accept: application/json, text/event-stream\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    sock.sendall(head + body[:10])
    time.sleep(0.3)
    server.process.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    sock.sendall(body[10:])
    answer = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    except socket.timeout:
        pass
    sock.close()
    text = answer.decode(errors="replace")
    check(text.startswith("HTTP/1.1 200") and "session.ts" in text, "SIGTERM: the request in flight is answered", text[:300])
    try:
        code = server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        code = None
    check(code == 0, "SIGTERM: the server exits 0 after it", f"exit {code}; {server.logs()[-500:]}")
    refused = False
    try:
        socket.create_connection(("127.0.0.1", server.port), timeout=5).close()
    except OSError:
        refused = True
    check(refused, "SIGTERM: no new connections afterwards")
    check(not os.path.exists(server.port_file), "SIGTERM: the server removed its --port-file", server.port_file)


def metric(server, token, line_prefix):
    status, _, body = http(server.url + "/metrics", headers={"Authorization": f"Bearer {token}"})
    for line in body.splitlines():
        if line.startswith(line_prefix):
            return float(line.split()[-1])
    return 0.0


def hits(answer):
    """The hits of a search answer (status, headers, body); [] for anything else."""
    status, _, body = answer
    try:
        return json.loads(body)["result"]["structuredContent"]["hits"] if status == 200 else []
    except (KeyError, ValueError, TypeError):
        return []


def refresh_phase(ctx, ws, repo, public, admin):
    """`--refresh 1s`: the server indexes by itself, but never while another writer (cron)
    holds the workspace lock (flock on the workspace folder, as `ctx index` takes it)."""
    with open(os.path.join(repo, "src/auth/refreshed.ts"), "w") as handle:
        handle.write("export function refreshedByServer(): number {\n  return 7;\n}\n")
    lock = os.open(ws, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(lock, fcntl.LOCK_EX)
    server = Server(ctx, ws, "--refresh", "1s")
    try:
        time.sleep(3.5)
        skipped = metric(server, admin, 'ctx_refresh_runs_total{outcome="skipped"}')
        check(skipped >= 2 and not hits(call(server, public, "search", {"query": "refreshedByServer"})),
              "--refresh skips its rounds while another ctx index holds the lock", f"skipped {skipped}")
        fcntl.flock(lock, fcntl.LOCK_UN)
        os.close(lock)
        lock = None
        found = False
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not found:
            found = any("refreshedByServer" in json.dumps(hit) for hit in hits(call(server, public, "search", {"query": "refreshedByServer"})))
            time.sleep(0.3)
        check(found and metric(server, admin, 'ctx_refresh_runs_total{outcome="ok"}') >= 1, "--refresh indexes new code by itself once the lock is free")
    finally:
        if lock is not None:
            os.close(lock)
        server.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ctx", required=True)
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--canary", required=True)
    parser.add_argument("--public", required=True, help="comma-separated public source names")
    parser.add_argument("--private", required=True, help="the private source's name")
    parser.add_argument("--expect", required=True, help="a symbol the public code holds")
    parser.add_argument("--new-file", help="a file (in a public code source) to write while serving, relative to the repo")
    parser.add_argument("--repo", help="the public code source's folder")
    parser.add_argument("--deadline", type=float, default=300)
    args = parser.parse_args()
    signal.signal(signal.SIGALRM, lambda *_: (print("FAIL the whole run took longer than --deadline", flush=True), os._exit(1)))
    signal.alarm(int(args.deadline))
    ctx, ws, canary = args.ctx, args.workspace, args.canary

    public = create_token(ctx, ws, "public-agent", "--sources", args.public)
    writer = create_token(ctx, ws, "writer-bot", "--sources", "*", "--write")
    admin = create_token(ctx, ws, "ops", "--sources", "*", "--review")
    revoked = create_token(ctx, ws, "old", "--sources", "*")
    check(run_ctx(["token", "revoke", "old"], ctx, ws).returncode == 0, "ctx token revoke")
    listed = run_ctx(["token", "list", "--json"], ctx, ws)
    check(listed.returncode == 0 and public not in listed.stdout and "public-agent" in listed.stdout, "ctx token list names tokens, never secrets")

    server = Server(ctx, ws, "--max-body", "65536")
    try:
        # Probes.
        status, _, body = http(server.url + "/healthz")
        check(status == 200, "/healthz is 200", body)
        status, _, body = http(server.url + "/readyz")
        check(status == 200 and "ready" in body, "/readyz is 200 on an indexed workspace", body)
        status, _, body = http(server.url + "/.well-known/oauth-protected-resource")
        check(status == 200 and json.loads(body).get("bearer_methods_supported") == ["header"], "protected-resource metadata", body)
        check(os.path.abspath(ws) not in body, "protected-resource metadata (served without a token) names no workspace path", body)

        # Authentication.
        initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                      "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "e2e", "version": "1"}}}
        status, headers, body = http(server.url + "/mcp", "POST", initialize, mcp_headers(None))
        check(status == 401 and "Bearer" in headers.get("WWW-Authenticate", "") and "ctx token create" in body, "no token: 401 with a challenge and the fix", f"{status} {body}")
        status, _, body = http(server.url + "/mcp", "POST", initialize, mcp_headers("ctx_" + "0" * 64))
        check(status == 401 and "unknown or revoked" in body, "unknown token: 401", f"{status} {body}")
        status, _, body = http(server.url + "/mcp", "POST", initialize, mcp_headers(revoked))
        check(status == 401, "revoked token: 401", f"{status} {body}")
        status, _, body = http(server.url + "/mcp", "POST", initialize, mcp_headers(public))
        check(status == 200 and '"serverInfo"' in body, "a good token initializes", f"{status} {body[:200]}")

        # DNS rebinding, limits, methods.
        status, _, body = call(server, public, "status", {}, extra_headers={"Origin": "https://evil.example"})
        check(status == 403 and "Origin" in body, "a foreign Origin: 403", f"{status} {body}")
        status, _, body = call(server, public, "status", {}, extra_headers={"Origin": f"http://localhost:{server.port}"})
        check(status == 200, "the server's own Origin is allowed", f"{status} {body[:200]}")
        status, _, body = call(server, public, "status", {}, extra_headers={"Host": "evil.example"})
        check(status == 421 and "--allow-host" in body, "a foreign Host: 421", f"{status} {body}")
        status, _, body = call(server, public, "search", {"query": "x" * 70000})
        check(status == 413 and "--max-body" in body, "a body over --max-body: 413", f"{status} {body[:200]}")
        status, _, body = http(server.url + "/mcp", "POST", [{"jsonrpc": "2.0", "id": 1, "method": "ping"}], mcp_headers(public))
        check(status == 400 and "batches are not taken" in body and "Invalid JSON" not in body, "a JSON-RPC batch: 400 that says so", f"{status} {body[:200]}")
        status, headers, body = http(server.url + "/mcp", "GET", None, {"Authorization": f"Bearer {public}", "Accept": "text/event-stream"})
        check(status == 405 and headers.get("Allow") == "POST", "GET /mcp: 405 (stateless)", f"{status} {body}")

        # The official client.
        asyncio.run(official_client(server, public, args.expect))

        # Scope: 403 for what the public token may not do.
        status, _, body = call(server, public, "annotate", {"target": "symbol:" + args.expect, "text": "x"})
        check(status == 403 and "may not write" in body, "read-only token: annotate is 403", f"{status} {body}")
        status, _, body = call(server, public, "search", {"query": "incident", "sources": [args.private]})
        check(status == 403 and args.private in body, "asking for a source outside the token: 403", f"{status} {body}")
        status, _, body = call(server, public, "review_list", {})
        check(status == 403, "review_list needs a token that sees every source: 403", f"{status} {body}")

        # Scope: the canary never reaches the public token, through any tool.
        admin_status, _, admin_body = call(server, admin, "search", {"query": canary})
        check(admin_status == 200 and canary in tool_text(admin_body), "the canary is indexed (a token with every source finds it)", admin_body[:300])
        answer = call(server, public, "search", {"query": canary})
        check(answer[0] == 200 and hits(answer) == [], "public token: searching the canary finds nothing", answer[2][:300])
        # The queries never hold the canary itself (answers echo queries); they match the
        # private messages' other words.
        queries = ["incident room", "validate session token", args.expect, "rotate keys outage", "session", "outage postmortem",
                   "what did the incident channel say about the session keys", "token", "login submit", "keys"]
        leaks, calls, answered, public_hits = [], 0, 0, 0
        for index in range(100):
            query = queries[index % len(queries)]
            for tool, arguments in [
                ("context", {"query": query}), ("context", {"query": query, "layers": ["chat"]}), ("search", {"query": query}),
                ("search", {"query": query, "layer": "chat"}), ("show", {"ref": f"thread:incident-room/1704189600.000100"}),
                ("show", {"ref": query.split()[0]}), ("status", {}), ("conflicts", {}), ("review_show", {"id": "x"}), ("review_list", {}),
            ]:
                status, _, body = call(server, public, tool, arguments, request_id=calls)
                calls += 1
                if tool in ("context", "search", "status") and status == 200 and '"isError":false' in body.replace(" ", ""):
                    answered += 1
                    public_hits += "session.ts" in body
                if canary in body or args.private in body.replace(f"`{args.private}`", ""):
                    leaks.append(f"{tool} {arguments}: {body[:200]}")
        check(not leaks and calls == 1000, f"{calls} calls of every tool with the public token: no canary, no private source name", "; ".join(leaks[:3]))
        # Not vacuous: the reading tools answered, and public items came through.
        check(answered == 500 and public_hits >= 100, f"those calls were answered: {answered} of 500 context/search/status, {public_hits} with public hits")
        status, _, body = call(server, public, "status", {})
        check(status == 200 and args.private not in body and all(name in body for name in args.public.split(",")), "status shows only the token's sources", body[:300])

        # Writes are attributed to the token.
        status, _, body = call(server, writer, "annotate", {"target": "symbol:" + args.expect, "text": "checked by the bot", "agent": "claude"})
        written = json.loads(body)["result"].get("structuredContent", {}) if status == 200 else {}
        check(written.get("author") == "claude via writer-bot" and written.get("status") == "proposed", "annotate: attributed to the token", body[:300])

        # Metrics.
        status, _, body = http(server.url + "/metrics", headers={"Authorization": f"Bearer {public}"})
        check(status == 403, "/metrics with a scoped token: 403", f"{status}")
        status, _, body = http(server.url + "/metrics", headers={"Authorization": f"Bearer {admin}"})
        check(status == 200 and 'ctx_http_requests_total{route="/mcp",tool="context",status="200"}' in body
              and 'ctx_http_request_duration_seconds_bucket{route="/mcp",tool="context"' in body
              and f'ctx_index_age_seconds{{source="{args.private}"}}' in body
              and 'ctx_tool_calls_total{tool="search",outcome="ok"}' in body
              and 'status="401"' in body and 'status="403"' in body,
              "/metrics: requests by tool and status, latency histograms, index age per source", body[:2000])
        logs = server.logs()
        check("route=/mcp" in logs and "token=public-agent" in logs and canary not in logs, "request logs name route and token, never the query text", logs[-600:])

        # Serving while indexing, and new data without a restart.
        if args.repo and args.new_file:
            indexer = subprocess.Popen([ctx, "index", "--full", "--quiet", "--workspace", ws], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            errors, answered = [], 0
            started = time.monotonic()
            while (indexer.poll() is None or answered < 20) and time.monotonic() - started < 120:
                status, _, body = call(server, public, "search", {"query": args.expect}, request_id=answered)
                answered += 1
                if status != 200 or args.expect not in body:
                    errors.append(f"{status} {body[:200]}")
            indexer.wait(timeout=120)
            check(not errors and answered >= 20, f"{answered} searches during a full ctx index: all answered", "; ".join(errors[:3]))
            with open(os.path.join(args.repo, args.new_file), "w") as handle:
                handle.write("export function freshlyAddedHelper(): number {\n  return 42;\n}\n")
            check(run_ctx(["index", "--quiet"], ctx, ws).returncode == 0, "ctx index after a new file")
            found = hits(call(server, public, "search", {"query": "freshlyAddedHelper"}))
            check(any("fresh.ts" in json.dumps(hit) for hit in found), "the server sees newly committed data without a restart", json.dumps(found)[:300])

        in_flight_then_sigterm(server, public)
    finally:
        server.stop()

    if args.repo and args.new_file:
        refresh_phase(ctx, ws, args.repo, public, admin)

    print("all checks passed" if not FAILURES else f"{len(FAILURES)} checks failed: {FAILURES}", flush=True)
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()

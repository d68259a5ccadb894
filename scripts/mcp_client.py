#!/usr/bin/env python3
"""End-to-end check of `ctx serve` with the official MCP Python SDK (PyPI `mcp`) as the client.

    python3 scripts/mcp_client.py --ctx .build/debug/ctx --workspace WS \
        --query "validate session" --expect validateSession

Launches `ctx serve --workspace WS` over stdio, initializes, lists the tools (names and input
schemas), calls `context` (the bundle must contain --expect), `search`, `show` and `status`,
checks that bad arguments come back as tool errors, sends a malformed request and checks the
server still answers. A second phase talks to a fresh `ctx serve` over raw pipes: a line that is
not JSON gets a parse error, the server keeps serving, and closing stdin ends it with exit 0.

Prints one line per check and exits 0 when all pass, 1 when one fails, 3 when the `mcp` package
is missing (install it with `python3 -m pip install mcp`; scripts/test.sh does).
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys

try:
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client
except ImportError as error:  # pragma: no cover - reported to the Swift test
    print(f"mcp_client.py: the Python MCP SDK is not installed ({error}); "
          "run `python3 -m pip install mcp` (scripts/test.sh does this)", file=sys.stderr)
    sys.exit(3)

EXPECTED_TOOLS = {"context", "search", "show", "annotate", "correct", "conflicts", "status"}
FAILURES = []


def check(condition, what, detail=""):
    print(("ok   " if condition else "FAIL ") + what + (f": {detail}" if detail and not condition else ""), flush=True)
    if not condition:
        FAILURES.append(what)
    return condition


def text_of(result):
    return "".join(getattr(block, "text", "") for block in result.content)


async def malformed_request(session, write_stream):
    """A JSON-RPC request the server cannot decode as tools/call (no tool name)."""
    params = {"arguments": {"query": "x"}}
    # mcp >= 2 accepts a generic request model; mcp 1.x a ClientRequest. Either way the server
    # must answer with an error, not crash or go silent.
    try:
        import mcp_types as types  # mcp >= 2

        request = types.Request[dict, str](method="tools/call", params=params)
        try:
            await session.send_request(request, types.CallToolResult, request_read_timeout_seconds=10)
            return False, "the server accepted a tools/call without a name"
        except Exception as error:  # MCPError: the server's JSON-RPC error
            return True, f"{type(error).__name__}: {error}"
    except ImportError:
        pass
    from mcp import types  # mcp 1.x
    from mcp.shared.message import SessionMessage

    message = types.JSONRPCMessage(types.JSONRPCRequest(jsonrpc="2.0", id="malformed-1", method="tools/call", params=params))
    await write_stream.send(SessionMessage(message))
    return True, "sent raw"


async def sdk_phase(args):
    params = StdioServerParameters(command=args.ctx, args=["serve", "--workspace", args.workspace], env=dict(os.environ))
    async with stdio_client(params) as (read_stream, write_stream):
        async with ClientSession(read_stream, write_stream) as session:
            init = await asyncio.wait_for(session.initialize(), 30)
            server_info = getattr(init, "server_info", None) or getattr(init, "serverInfo", None)
            check(server_info is not None and server_info.name == "ctx", "initialize: server is ctx", f"{server_info}")

            tools = (await session.list_tools()).tools
            names = {tool.name for tool in tools}
            check(EXPECTED_TOOLS <= names, "tools/list names", f"{sorted(names)}")
            for tool in tools:
                schema = getattr(tool, "input_schema", None) or getattr(tool, "inputSchema", None)
                check(isinstance(schema, dict) and schema.get("type") == "object", f"tool {tool.name} has an input schema", f"{schema}")
                check(bool(tool.description), f"tool {tool.name} has a description")

            result = await session.call_tool("context", {"query": args.query, "budget": 4000})
            bundle = text_of(result)
            check(not result.isError if hasattr(result, "isError") else not result.is_error, "context: not an error", bundle[:300])
            check(args.expect in bundle, f"context: bundle mentions {args.expect}", bundle[:500])
            check(bundle.startswith("# Context for:"), "context: Markdown bundle")
            structured = getattr(result, "structuredContent", None) or getattr(result, "structured_content", None)
            check(isinstance(structured, dict) and structured.get("schema_version") == 1, "context: bundle JSON in structuredContent", f"{str(structured)[:200]}")

            result = await session.call_tool("search", {"query": args.query, "limit": 5})
            data = json.loads(text_of(result))
            check(data.get("query") == args.query and len(data.get("hits", [])) > 0, "search: ranked hits", text_of(result)[:300])
            hit = data["hits"][0]
            check({"layer", "score", "source", "ref"} <= set(hit), "search: hit fields", f"{sorted(hit)}")

            result = await session.call_tool("show", {"ref": hit["ref"]})
            shown = json.loads(text_of(result))
            live = shown.get("kind") == "commit" or (shown.get("freshness") in ("unchanged", "changed since indexed", "deleted") and "text" in shown)
            check(live and shown.get("ref", "").split(":")[0] == hit["ref"].split(":")[0], "show: live content of the top hit", text_of(result)[:300])

            result = await session.call_tool("status", {})
            status = json.loads(text_of(result))
            check(len(status.get("sources", [])) > 0, "status: sources", text_of(result)[:300])

            result = await session.call_tool(
                "annotate", {"target": f"path:{hit['ref'].split(':')[0]}", "kind": "caveat", "text": "Checked by the MCP end-to-end test.", "agent": "mcp-e2e"})
            written = json.loads(text_of(result))
            check(written.get("status") == "proposed" and written.get("author") == "mcp-e2e", "annotate: a proposal authored by the agent", text_of(result)[:300])
            result = await session.call_tool("conflicts", {})
            check("conflicts" in json.loads(text_of(result)), "conflicts: JSON", text_of(result)[:200])

            result = await session.call_tool("search", {"limit": 5})
            is_error = result.isError if hasattr(result, "isError") else result.is_error
            check(is_error and "query" in text_of(result), "search without query: a tool error naming the argument", text_of(result))

            result = await session.call_tool("show", {"ref": "no/such/file.txt"})
            is_error = result.isError if hasattr(result, "isError") else result.is_error
            check(is_error and "no indexed file" in text_of(result), "show of an unknown ref: a tool error", text_of(result))

            answered, detail = await malformed_request(session, write_stream)
            check(answered, "malformed request: answered with an error", detail)

            result = await session.call_tool("search", {"query": args.query, "limit": 1})
            check(len(json.loads(text_of(result)).get("hits", [])) == 1, "still serving after the malformed request", text_of(result)[:200])


def raw_phase(args):
    """Raw pipes: garbage, then a normal session, then EOF."""
    process = subprocess.Popen([args.ctx, "serve", "--workspace", args.workspace], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def send(obj_or_text):
        line = obj_or_text if isinstance(obj_or_text, str) else json.dumps(obj_or_text)
        process.stdin.write((line + "\n").encode())
        process.stdin.flush()

    def receive():
        line = process.stdout.readline()
        return json.loads(line) if line else None

    try:
        send("this is not json")
        reply = receive()
        check(reply is not None and reply.get("error", {}).get("code") == -32700, "raw: a line that is not JSON gets a parse error", f"{reply}")
        send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}})
        reply = receive()
        check(reply is not None and reply.get("id") == 1 and reply.get("result", {}).get("serverInfo", {}).get("name") == "ctx",
              "raw: initialize after garbage", f"{reply}")
        send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        send({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "no_such_tool", "arguments": {}}})
        reply = receive()
        check(reply is not None and reply.get("id") == 2 and "error" in reply, "raw: unknown tool is a protocol error", f"{reply}")
        send({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "search", "arguments": {"query": args.query}}})
        reply = receive()
        check(reply is not None and reply.get("id") == 3 and reply.get("result", {}).get("isError") is False, "raw: search answers", f"{str(reply)[:300]}")
        process.stdin.close()
        code = process.wait(timeout=20)
        check(code == 0, "raw: EOF on stdin ends the server with exit 0", f"exit {code}; stderr: {process.stderr.read().decode()[-500:]}")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ctx", required=True, help="the ctx binary")
    parser.add_argument("--workspace", required=True, help="an indexed workspace")
    parser.add_argument("--query", required=True, help="a query the index can answer")
    parser.add_argument("--expect", required=True, help="text the context bundle must contain")
    args = parser.parse_args()
    try:
        asyncio.run(asyncio.wait_for(sdk_phase(args), 120))
    except Exception as error:  # a crash of the client is a failure of the check
        check(False, "MCP session", f"{type(error).__name__}: {error}")
    raw_phase(args)
    print(f"{len(FAILURES)} failed" if FAILURES else "all checks passed", flush=True)
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()

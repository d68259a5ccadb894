#!/usr/bin/env python3
"""How fast a long bug report is answered (issue 15: "a 20 KB issue answers in under 300 ms
on a repository of 10,000 files").

Builds a 20,000-byte query from the shared development set (the longest reports, joined until
the size is reached), then times `ctx search` and `ctx query` on WORKSPACE, several rounds,
each binary in turn within a round so a busy machine affects both alike. Prints the median and
best wall time per binary and command, and the ratio to the first binary (the baseline).

  Benchmarks/long_issue_latency.py WORKSPACE BASELINE_CTX NEW_CTX [--rounds 7] [--bytes 20000]

Each binary is run once before timing (warm page cache). The workspace must already be
indexed by a binary that both can read, or give each binary its own copy with
`WORKSPACE_A:WORKSPACE_B` (the first for the baseline).
"""
import argparse
import json
import os
import statistics
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEV_SET = os.path.join(HERE, "..", "..", "shared", "data", "bug-reports-dev.jsonl")


def long_query(size):
    with open(DEV_SET) as handle:
        reports = [json.loads(line)["query"] for line in handle if line.strip()]
    reports.sort(key=len, reverse=True)
    text = ""
    for report in reports:
        if len(text.encode()) >= size:
            break
        text += report + "\n\n"
    return text.encode()[:size].decode(errors="ignore")


def timed(binary, workspace, command, query):
    started = time.monotonic()
    result = subprocess.run([binary, command, "--workspace", workspace, query], capture_output=True, timeout=120)
    elapsed = time.monotonic() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"{binary} {command} failed ({result.returncode}): {result.stderr.decode()[:400]}")
    return elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workspace")
    parser.add_argument("baseline")
    parser.add_argument("new")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--bytes", type=int, default=20000)
    args = parser.parse_args()
    workspaces = args.workspace.split(":")
    if len(workspaces) == 1:
        workspaces *= 2
    query = long_query(args.bytes)
    binaries = [("baseline", args.baseline, workspaces[0]), ("new", args.new, workspaces[1])]
    times = {(name, command): [] for name, _, _ in binaries for command in ("search", "query")}
    for name, binary, workspace in binaries:
        for command in ("search", "query"):
            timed(binary, workspace, command, query)
    for _ in range(args.rounds):
        for name, binary, workspace in binaries:
            for command in ("search", "query"):
                times[(name, command)].append(timed(binary, workspace, command, query))
    print(f"query: {len(query.encode())} bytes; {args.rounds} rounds; load average {os.getloadavg()[0]:.1f}")
    print(f"{'binary':10} {'command':8} {'median s':>9} {'best s':>8} {'ratio to baseline':>18}")
    for command in ("search", "query"):
        base = statistics.median(times[("baseline", command)])
        for name, _, _ in binaries:
            values = times[(name, command)]
            median = statistics.median(values)
            print(f"{name:10} {command:8} {median:9.3f} {min(values):8.3f} {median / base:18.2f}")


if __name__ == "__main__":
    main()

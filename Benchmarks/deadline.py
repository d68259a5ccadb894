"""Running a benchmark's processes to their end, each under a deadline.

Not `subprocess.run(timeout=...)`: with a timeout Python polls the child with sleeps that
double up to 50 ms, so a 64 ms run measured 63.5 or 113.5 ms, and git's 22 ms 31.5 ms. A
blocking wait returns when the child exits; a timer thread kills it at the deadline.
"""
import subprocess, threading, time

DEADLINE = 1800  # seconds, for any one process a benchmark starts


def run_timed(cmd, cwd=None, seconds=DEADLINE):
    """Runs cmd to its end (killed after `seconds`): (wall seconds, stderr text, exit status)."""
    start = time.perf_counter()
    child = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    killer = threading.Timer(seconds, child.kill)
    killer.start()
    try:
        _, stderr = child.communicate()
    finally:
        killer.cancel()
    return time.perf_counter() - start, stderr, child.returncode


def ask_bundle(ctx, workspace, text, budget, label):
    """The bundle `ctx query --format json` gives for `text` in `workspace`, as a dict; exits
    naming `label` (the query's id) when the query fails or outlives the deadline."""
    import json, sys
    command = [ctx, "query", "--workspace", workspace, "--budget", str(budget), "--format", "json", "-"]
    try:
        run = subprocess.run(command, input=text, capture_output=True, text=True, timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        sys.exit(f"{ctx} query did not end within {DEADLINE} s for {label}")
    if run.returncode != 0:
        sys.exit(f"{ctx} query failed for {label}: {run.stderr.strip()}")
    return json.loads(run.stdout)

#!/usr/bin/env python3
"""Chat export indexing: a generated Slack export of N messages across C channels.

Usage: Benchmarks/bench_chat.py [--ctx PATH] [--messages 12000] [--channels 24] [--runs 3] [--out DIR]

Generates a Slack workspace export (channels.json, users.json, groups.json with private
channels that must be skipped, one folder per channel with YYYY-MM-DD.json day files; a third
of the messages are thread replies, some are edits and join/leave noise), then measures, side
by side:
  first index     ctx index (one kind: chat source) vs a raw baseline: Python's json.load of
                  every public day file plus a one-transaction SQLite FTS5 insert of the texts
  unchanged run   ctx index again with nothing changed (target: under 10% of the first run)
  peak memory     RSS of the first run
and prints messages per second.
"""
import argparse, json, os, random, shutil, sqlite3, statistics, subprocess, tempfile, time

WORDS = ("deploy rollback session token cache redis postgres latency incident review migration schema index query "
         "timeout retry queue worker billing invoice customer release feature flag canary metrics alert page").split()


def generate(root, messages, channels, rng):
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    users = [{"id": f"U{n:04d}", "name": f"user{n}", "profile": {"display_name": f"User {n}", "real_name": f"User Number {n}"}} for n in range(60)]
    public = [{"id": f"C{n:04d}", "name": f"channel-{n}", "created": 1700000000, "members": [u["id"] for u in users[:20]]} for n in range(channels)]
    private = [{"id": f"G{n:04d}", "name": f"private-{n}", "created": 1700000000, "members": [users[0]["id"]]} for n in range(4)]
    for name, content in (("users.json", users), ("channels.json", public), ("groups.json", private), ("dms.json", []), ("mpims.json", [])):
        with open(os.path.join(root, name), "w") as f:
            json.dump(content, f)
    per_channel = messages // channels
    total = 0
    for channel in public + private:
        folder = os.path.join(root, channel["name"])
        os.makedirs(folder)
        days = {}
        ts = 1700000000.0
        roots = []
        count = per_channel if channel in public else 50
        for index in range(count):
            ts += rng.uniform(30, 900)
            user = rng.choice(users)["id"]
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 30)))
            message = {"type": "message", "user": user, "text": f"<@{rng.choice(users)['id']}> {text}", "ts": f"{ts:.6f}"}
            if roots and rng.random() < 0.35:
                message["thread_ts"] = rng.choice(roots[-20:])
            else:
                roots.append(message["ts"])
            if rng.random() < 0.03:
                message = {"type": "message", "subtype": "channel_join", "user": user, "text": f"<@{user}> has joined the channel", "ts": f"{ts:.6f}"}
            day = time.strftime("%Y-%m-%d", time.gmtime(ts))
            days.setdefault(day, []).append(message)
            if channel in public:
                total += 1
        for day, items in days.items():
            with open(os.path.join(folder, f"{day}.json"), "w") as f:
                json.dump(items, f)
    return total


def baseline(root, db):
    """The same public messages, parsed and inserted raw into FTS5 in one transaction."""
    start = time.perf_counter()
    if os.path.exists(db):
        os.remove(db)
    con = sqlite3.connect(db)
    con.execute("CREATE VIRTUAL TABLE m USING fts5(channel, ts, text)")
    channels = [c["name"] for c in json.load(open(os.path.join(root, "channels.json")))]
    with con:
        for channel in channels:
            folder = os.path.join(root, channel)
            for name in sorted(os.listdir(folder)):
                for message in json.load(open(os.path.join(folder, name))):
                    con.execute("INSERT INTO m VALUES (?, ?, ?)", (channel, message["ts"], message.get("text", "")))
    con.close()
    return time.perf_counter() - start


def timed(command):
    start = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-f", "%M"] + command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return time.perf_counter() - start, int(result.stderr.strip().splitlines()[-1]), result.returncode


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ctx", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "ctx"))
    parser.add_argument("--messages", type=int, default=12000)
    parser.add_argument("--channels", type=int, default=24)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    ctx = os.path.abspath(args.ctx)
    work = args.out or tempfile.mkdtemp(prefix="ctx-bench-chat-")
    os.makedirs(work, exist_ok=True)
    export = os.path.join(work, "export")
    total = generate(export, args.messages, args.channels, random.Random(11))
    workspace = os.path.join(work, "ws")
    shutil.rmtree(workspace, ignore_errors=True)
    subprocess.run([ctx, "init", workspace], check=True, stdout=subprocess.DEVNULL)
    os.remove(os.path.join(workspace, "connectors", "code.yaml"))
    with open(os.path.join(workspace, "connectors", "slack.yaml"), "w") as f:
        f.write(f"kind: chat\nformat: slack-export\npath: {export}\n")
    db = os.path.join(workspace, "index", "ctx.sqlite")

    firsts, peaks, unchanged = [], [], []
    for _ in range(args.runs):
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)
        seconds, peak, status = timed([ctx, "index", "--quiet", "--workspace", workspace])
        firsts.append(seconds)
        peaks.append(peak)
        unchanged.append(timed([ctx, "index", "--quiet", "--workspace", workspace])[0])
    base = statistics.median(baseline(export, os.path.join(work, "raw.sqlite")) for _ in range(args.runs))
    report = json.loads(subprocess.run([ctx, "status", "--json", "--workspace", workspace], stdout=subprocess.PIPE, text=True).stdout)
    first = statistics.median(firsts)
    again = statistics.median(unchanged)
    print(f"export          {total} public messages in {args.channels} channels (+4 private channels, skipped)")
    print(f"first index     ctx {first:.2f} s = {total / first:.0f} messages/s  vs  raw json.load + FTS5 insert {base:.2f} s  -> {first / base:.2f}x")
    print(f"unchanged run   {again:.3f} s = {100 * again / first:.1f}% of the first run (target < 10%)")
    print(f"peak memory     {max(peaks) / 1024:.0f} MiB (first run)")
    print(f"ctx status      {[s['state'] for s in report['sources']]}, index {report['index_bytes'] / 1e6:.1f} MB; exit status of the runs {status}")


if __name__ == "__main__":
    main()

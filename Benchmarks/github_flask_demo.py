#!/usr/bin/env python3
"""Issue 18's target on flask: with flask's code and history and a pull-request export in the
`format: github` shape, "why was the JSON provider introduced" brings the pull request's
reasoning into the bundle.

The export is **synthetic but faithful**: GitHub's API is not reachable from here, so pull
request #4692 is written from what the repository itself records: its number, branch, author
and merge time from the merge commit 67310ab4 ("Merge pull request #4692 from
pallets/json-provider"), its title from the merge message, and its description from the
CHANGES.rst entry the pull request added (69f9845e). Two unrelated items (synthetic, marked so
in their text) check that the bundle does not take them. Nothing is attributed to anyone that
the repository does not record.

  Benchmarks/github_flask_demo.py --ctx .build/release/ctx --flask /work/.mirror/pallets+flask/repo
"""
import argparse, json, os, subprocess, sys, tempfile

MERGE = "67310ab49613be97a121053dfbbced14657b96eb"

DESCRIPTION = """`flask.json` is an instance of `JSONProvider`. A different provider can be set to use a \
different JSON library. `flask.jsonify` will call `app.json.response`, other functions in `flask.json` will call \
corresponding functions in `app.json`.

JSON configuration is moved to attributes on the default `app.json` provider. `JSON_AS_ASCII`, `JSON_SORT_KEYS`, \
`JSONIFY_MIMETYPE`, and `JSONIFY_PRETTYPRINT_REGULAR` are deprecated.

Setting custom `json_encoder` and `json_decoder` classes on the app or a blueprint, and the corresponding \
`json.JSONEncoder` and `JSONDecoder` classes, are deprecated. JSON behavior can now be overridden using the \
`app.json` provider interface.

(Description taken from the CHANGES.rst entry this pull request added.)"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ctx", default=".build/release/ctx")
    parser.add_argument("--flask", required=True)
    args = parser.parse_args()
    ctx = os.path.abspath(args.ctx)
    root = tempfile.mkdtemp(prefix="ctx-flask-github-")
    repo = os.path.join(root, "flask")
    subprocess.run(["git", "clone", "-q", args.flask, repo], check=True, timeout=600)
    subprocess.run(["git", "checkout", "-q", MERGE], cwd=repo, check=True, timeout=120)
    export = os.path.join(root, "export", "pallets+flask")
    os.makedirs(export)
    user = {"login": "davidism", "type": "User"}
    pulls = [{
        "url": "https://api.github.com/repos/pallets/flask/pulls/4692", "number": 4692, "state": "closed",
        "title": "add JSON provider interface", "user": user, "body": DESCRIPTION,
        "created_at": "2022-07-13T14:41:43Z", "updated_at": "2022-07-13T16:55:00Z", "closed_at": "2022-07-13T16:55:00Z",
        "merged_at": "2022-07-13T16:55:00Z", "merge_commit_sha": MERGE, "labels": [],
        "head": {"ref": "json-provider", "sha": "69f9845ef2da3051d74d4dade3e88ccf5b2ee3de"}, "base": {"ref": "main"},
    }, {
        "url": "https://api.github.com/repos/pallets/flask/pulls/1", "number": 1, "state": "closed",
        "title": "(synthetic distractor) fix a typo in the tutorial", "user": {"login": "someone", "type": "User"},
        "body": "Synthetic item for this benchmark: a typo in the tutorial's database chapter.",
        "created_at": "2022-07-01T10:00:00Z", "updated_at": "2022-07-01T10:00:00Z", "merged_at": None, "labels": [],
    }]
    issues = [{
        "url": "https://api.github.com/repos/pallets/flask/issues/2", "repository_url": "https://api.github.com/repos/pallets/flask",
        "number": 2, "state": "open", "title": "(synthetic distractor) blueprint static folder not found on Windows",
        "user": {"login": "someone", "type": "User"}, "labels": [], "created_at": "2022-07-02T10:00:00Z",
        "updated_at": "2022-07-02T10:00:00Z", "body": "Synthetic item for this benchmark: static files of a blueprint return 404.",
    }]
    with open(os.path.join(export, "pulls.json"), "w") as f:
        json.dump(pulls, f)
    with open(os.path.join(export, "issues.json"), "w") as f:
        json.dump(issues, f)
    ws = os.path.join(root, "ws")
    subprocess.run([ctx, "init", ws], check=True, capture_output=True, timeout=60)
    connectors = {
        "code.yaml": f'kind: code\npath: {repo}\ninclude: ["src/**"]\n',
        "history.yaml": f"kind: git\npath: {repo}\n",
        "github.yaml": f"kind: chat\nformat: github\npath: {os.path.dirname(export)}\n",
    }
    for name, text in connectors.items():
        with open(os.path.join(ws, "connectors", name), "w") as f:
            f.write(text)
    index = subprocess.run([ctx, "index", "--quiet"], cwd=ws, capture_output=True, text=True, timeout=900)
    if index.returncode not in (0, 3):
        raise SystemExit(f"ctx index failed: {index.stderr[-500:]}")
    question = "why was the JSON provider introduced"
    bundle = subprocess.run([ctx, "query", question], cwd=ws, capture_output=True, text=True, timeout=900).stdout
    data = json.loads(subprocess.run([ctx, "query", question, "--format", "json"], cwd=ws, capture_output=True, text=True, timeout=900).stdout)
    threads = data["layers"].get("chat", [])
    pr = [t for t in threads if "Pull request #4692" in json.dumps(t)]
    distractors = [t for t in threads if "synthetic distractor" in json.dumps(t)]
    print(f"question: {question!r}; bundle {data['used_tokens']} of {data['budget']} tokens")
    print(f"pull request #4692 in the bundle: {'yes' if pr else 'NO'}" + (f" (why: {'; '.join(pr[0].get('why', []))})" if pr else ""))
    print(f"unrelated items in the bundle: {len(distractors)}")
    print(f"reasoning shown: {'yes' if 'provider can be set to use a' in bundle else 'NO'}")
    sys.exit(0 if pr and not distractors else 1)


if __name__ == "__main__":
    main()

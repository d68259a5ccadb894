#!/usr/bin/env python3
"""The review page in a real headless browser (Chromium from Debian, driven by selenium):
a reviewer signs in with a token, opens an agent's proposal, sees its evidence, accepts it,
and the next MCP `context` call shows it as accepted. JavaScript is turned off in the browser:
the page must work without it.

    python3 scripts/review_browser.py --ctx .build/debug/ctx --workspace WS --expect validateSession

WS must be indexed and hold the code symbol --expect. Exits 0 when all checks pass, 1 when one
fails, 3 when selenium or Chromium is missing (scripts/test.sh and scripts/system-deps.sh
install them). Every process and wait has a deadline.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError as error:  # pragma: no cover - reported to the Swift test
    print(f"review_browser.py: selenium is not installed ({error}); run `python3 -m pip install selenium`", file=sys.stderr)
    sys.exit(3)

FAILURES = []
CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def check(condition, what, detail=""):
    print(("ok   " if condition else "FAIL ") + what + (f": {detail}" if detail and not condition else ""), flush=True)
    if not condition:
        FAILURES.append(what)
    return condition


def ctx_run(ctx, workspace, *args):
    return subprocess.run([ctx, *args, "--workspace", workspace], capture_output=True, text=True, timeout=60)


def token(ctx, workspace, name, *flags):
    run = ctx_run(ctx, workspace, "token", "create", name, "--json", *flags)
    if run.returncode != 0:
        raise SystemExit(f"ctx token create {name}: {run.stderr}")
    return json.loads(run.stdout)["token"]


def mcp_call(port, secret, tool, arguments):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/mcp", data=body, method="POST", headers={
        "Content-Type": "application/json", "Accept": "application/json, text/event-stream", "Authorization": f"Bearer {secret}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["result"]


def find_annotation(value, annotation_id):
    """The bundle JSON's entry for an annotation id, wherever it sits."""
    if isinstance(value, dict):
        if annotation_id in (value.get("id"), value.get("ref")) and "status" in value:
            return value
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            found = find_annotation(item, annotation_id)
            if found:
                return found
    return None


def submit_and_wait(driver, element, then_id):
    """Clicks a submit button and waits (20 s at most) for the next page's element: a click
    returns before a form's POST and its redirect have loaded."""
    element.click()
    WebDriverWait(driver, 20).until(expected_conditions.presence_of_element_located((By.ID, then_id)))


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1200,900"):
        options.add_argument(flag)
    # The page must work without JavaScript.
    options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(30)
    return driver


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ctx", required=True)
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--expect", required=True)
    parser.add_argument("--deadline", type=float, default=240)
    args = parser.parse_args()
    signal.signal(signal.SIGALRM, lambda *_: (print("FAIL the whole run took longer than --deadline", flush=True), os._exit(1)))
    signal.alarm(int(args.deadline))
    if not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)):
        print(f"review_browser.py: {CHROMIUM} or {DRIVER} is missing; install Debian's chromium and chromium-driver (scripts/system-deps.sh does)", file=sys.stderr)
        sys.exit(3)
    ctx, ws = args.ctx, args.workspace
    writer = token(ctx, ws, "triage-bot", "--sources", "*", "--write")
    reviewer = token(ctx, ws, "rita-review", "--sources", "*", "--review")
    reader = token(ctx, ws, "reader", "--sources", "*")

    port_file = tempfile.mktemp(prefix="ctx-port-")
    log = tempfile.TemporaryFile()
    server = subprocess.Popen([ctx, "serve", "--workspace", ws, "--http", "127.0.0.1:0", "--port-file", port_file],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
    driver = None
    try:
        deadline = time.monotonic() + 60
        while not (os.path.exists(port_file) and open(port_file).read().strip()):
            if time.monotonic() > deadline or server.poll() is not None:
                log.seek(0)
                raise SystemExit(f"ctx serve --http did not start: {log.read().decode(errors='replace')}")
            time.sleep(0.05)
        port = int(open(port_file).read())
        base = f"http://127.0.0.1:{port}"

        proposal = mcp_call(port, writer, "annotate", {
            "target": f"symbol:{args.expect}", "kind": "caveat", "agent": "claude",
            "text": "Tokens of eight characters or fewer are refused since the May change; callers must not pad them."})
        annotation_id = proposal["structuredContent"]["id"]
        check(proposal["structuredContent"]["status"] == "proposed", "an agent proposes an annotation over MCP", json.dumps(proposal)[:300])
        before = find_annotation(mcp_call(port, reader, "context", {"query": f"{args.expect} token length"})["structuredContent"], annotation_id)
        check(before is not None and before.get("status") == "proposed", "the bundle shows it as proposed before review", json.dumps(before))

        driver = browser()
        driver.get(base + "/ui")
        check(driver.find_elements(By.ID, "token"), "the page asks for a token", driver.page_source[:300])
        driver.find_element(By.ID, "token").send_keys("ctx_wrong")
        submit_and_wait(driver, driver.find_element(By.ID, "signin"), "error")
        check("unknown or revoked" in driver.find_element(By.ID, "error").text, "a wrong token is refused with the reason")

        driver.find_element(By.ID, "token").send_keys(reader)
        submit_and_wait(driver, driver.find_element(By.ID, "signin"), "who")
        driver.get(base + "/ui/review")
        check("may not review" in driver.page_source, "a token without the review scope sees no queue")
        submit_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "nav form button"), "token")  # sign out

        driver.find_element(By.ID, "token").send_keys(reviewer)
        submit_and_wait(driver, driver.find_element(By.ID, "signin"), "who")
        check(driver.current_url.endswith("/ui/review") and driver.find_element(By.ID, "who").text == "rita-review",
              "a reviewer signs in and lands on the review queue", driver.current_url + " " + driver.page_source[:1200])
        links = [link for link in driver.find_elements(By.CSS_SELECTOR, "#queue a.item") if annotation_id in urllib.parse.unquote(link.get_attribute("href"))]
        check(len(links) == 1, "the queue lists the proposal", driver.page_source[:500])
        submit_and_wait(driver, links[0], "evidence")
        evidence = driver.find_element(By.ID, "evidence").text
        claims = driver.find_element(By.ID, "claims").text
        check("eight characters" in claims and "claude via triage-bot" in claims, "the item shows the claim and who proposed it", claims)
        check(args.expect in evidence and "As it is now" in evidence, "the item shows its evidence: the target's code now", evidence[:400])
        driver.find_element(By.NAME, "reason").send_keys("matches session.ts")
        submit_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "button.accept"), "done")
        done = driver.find_element(By.ID, "done").text
        check(f"accepted {annotation_id} by rita-review" in done, "accepting it reports who decided", done)
        check(not [link for link in driver.find_elements(By.CSS_SELECTOR, "#queue a.item") if annotation_id in urllib.parse.unquote(link.get_attribute("href"))],
              "the queue no longer lists it")

        after = find_annotation(mcp_call(port, reader, "context", {"query": f"{args.expect} token length"})["structuredContent"], annotation_id)
        check(after is not None and after.get("status") == "accepted", "the next MCP context call shows it as accepted", json.dumps(after))
        text = open(os.path.join(ws, "annotations", annotation_id + ".md")).read()
        check("rita-review" in text and "matches session.ts" in text, "the annotation file records the reviewer and the reason", text[:500])

        driver.get(base + "/ui?q=" + args.expect)
        check(args.expect in driver.find_element(By.ID, "hits").text, "search works on the page")
        submit_and_wait(driver, driver.find_element(By.ID, "bundle-link"), "bundle")
        check(args.expect in driver.find_element(By.ID, "bundle").text, "the bundle view shows the bundle")
    finally:
        if driver:
            driver.quit()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        if os.path.exists(port_file):  # a killed server cannot remove it
            os.remove(port_file)
    print("all checks passed" if not FAILURES else f"{len(FAILURES)} checks failed: {FAILURES}", flush=True)
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()

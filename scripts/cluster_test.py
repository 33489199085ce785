#!/usr/bin/env python3
"""The cluster test, run by scripts/cluster-test against scripts/cluster (3 servers, HAProxy,
a primary, a streaming replica, Redis).

faults: under a steady mixed load through the balancer (anonymous reads of items, lists and the
feedback board; staff writing feedback), one fault after another: SIGKILL one server and start
it again; stop the replica and start it; restart Redis; restart the primary. For each: requests,
failed requests (no answer or 5xx), when the last failure was, and at the end whether every
write answered 2xx is in the primary. Before the faults: a login limit (per username, 10 a
minute) holds across the three servers.

throughput: requests/s through the balancer (wrk) for an item by id and the first list page,
and each server's resident memory.
"""
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

BASE = os.environ["CLUSTER_URL"]
PRIMARY = os.environ["CLUSTER_PRIMARY_URL"]
LEADER = os.environ["LEADER_TOKEN"]
STAFF = os.environ["STAFF_TOKEN"]
DIR = os.environ["CLUSTER_DIR"]

lock = threading.Lock()
acknowledged = []
results = []  # (phase, kind, status, at)
phase = "steady"
stop = threading.Event()


def request(method, path, body=None, token=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(BASE + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=15) as res:
            return res.status, res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except Exception as e:  # refused, reset, timeout: the cluster failed this request
        return 0, str(e).encode()


def cluster(*args):
    subprocess.run(["scripts/cluster", *args], check=True, stdout=subprocess.DEVNULL)


def publish(n):
    ids = []
    for i in range(n):
        status, body = request("POST", "/api/v1/items", {"title": f"集群测试 {i}", "category": "work"}, LEADER)
        assert status == 201, (status, body)
        item = json.loads(body)["id"]
        status, body = request("POST", f"/api/v1/items/{item}/publish", None, LEADER)
        assert status == 200, (status, body)
        ids.append(item)
    return ids


def shared_login_limit():
    """30 wrong passwords for one username, spread by the balancer over the servers: the
    per-username limit (10 a minute) holds once, not once per server."""
    name = f"nobody-{random.randrange(1 << 30)}"
    statuses = []
    for i in range(30):
        status, _ = request(
            "POST", "/api/v1/auth/login", {"username": name, "password": "wrong-password-123"},
            headers={"X-Forwarded-For": f"198.51.100.{i + 1}"},
        )
        statuses.append(status)
    allowed = sum(1 for s in statuses if s != 429)
    print(f"shared login limit: {allowed} of 30 attempts answered before 429 (limit 10, 3 servers)")
    return allowed == 10


def writer(n):
    i = 0
    while not stop.is_set():
        i += 1
        status, body = request(
            "POST", "/api/v1/feedback",
            {"kind": "suggestion", "subject": f"cluster-{n}-{i}", "content": "集群故障测试", "channel": "phone"},
            STAFF,
        )
        with lock:
            results.append((phase, "write", status, time.monotonic()))
            if status == 201:
                acknowledged.append(json.loads(body)["id"])
        time.sleep(0.02)


def reader(items):
    while not stop.is_set():
        for kind, path in (("item", f"/api/v1/items/{random.choice(items)}"),
                           ("list", "/api/v1/items?per_page=10"),
                           ("board", "/api/v1/feedback/public")):
            status, _ = request("GET", path)
            with lock:
                results.append((phase, kind, status, time.monotonic()))
        time.sleep(0.01)


FAULTS = [
    ("kill a server", lambda: cluster("kill-server", "2"), lambda: cluster("start-server", "2")),
    ("stop the replica", lambda: cluster("stop-replica"), lambda: cluster("start-replica")),
    ("restart Redis", lambda: cluster("restart-redis"), lambda: None),
    ("restart the primary", lambda: cluster("restart-primary"), lambda: None),
]


def faults():
    global phase
    ok = shared_login_limit()
    items = publish(10)
    time.sleep(1)  # the replica has them
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    threads += [threading.Thread(target=reader, args=(items,)) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(3)
    marks = {}
    for name, fault, repair in FAULTS:
        phase = name
        start = time.monotonic()
        fault()
        time.sleep(3)
        repair()
        repaired = time.monotonic()
        time.sleep(4)
        marks[name] = (start, repaired, time.monotonic())
    phase = "after"
    time.sleep(2)
    stop.set()
    for t in threads:
        t.join()

    print(f"{'phase':22} {'requests':>8} {'failed':>6}  failures by kind               last failure")
    failed_total = {}
    for name in ["steady", *[f[0] for f in FAULTS], "after"]:
        rows = [r for r in results if r[0] == name]
        bad = [r for r in rows if r[2] == 0 or r[2] >= 500]
        kinds = {}
        for r in bad:
            key = f"{r[1]}:{r[2]}"
            kinds[key] = kinds.get(key, 0) + 1
        last = ""
        if bad and name in marks:
            start, repaired, _ = marks[name]
            last = f"{max(r[3] for r in bad) - start:.1f}s after the fault ({repaired - start:.1f}s: repaired)"
        failed_total[name] = len(bad)
        print(f"{name:22} {len(rows):8} {len(bad):6}  {json.dumps(kinds, sort_keys=True):30} {last}")

    script = ("CREATE TEMP TABLE acked (id uuid);\nCOPY acked FROM STDIN;\n" + "\n".join(acknowledged)
              + "\n\\.\nSELECT count(*) FROM feedback JOIN acked USING (id);\n")
    stored = subprocess.run(
        ["psql", PRIMARY, "-qAt", "-v", "ON_ERROR_STOP=1"],
        input=script, capture_output=True, text=True, check=True,
    ).stdout.strip().splitlines()[-1]
    print(f"acknowledged writes: {len(acknowledged)}, found in the primary: {stored}")
    failures = []
    if not ok:
        failures.append("the login limit did not hold across the servers")
    if int(stored) != len(acknowledged):
        failures.append("acknowledged writes are missing")
    for name in ("steady", "stop the replica", "restart Redis", "after"):
        if failed_total.get(name):
            failures.append(f"{name}: {failed_total[name]} failed requests")
    # SIGKILL loses the requests the server was answering: reads are sent again by the
    # balancer, writes are not (they may have been done). At most one write per writer.
    killed = [r for r in results if r[0] == "kill a server" and (r[2] == 0 or r[2] >= 500)]
    if any(r[1] != "write" for r in killed) or len(killed) > 3:
        failures.append(f"kill a server: {len(killed)} failed requests beyond the writes in flight")
    if failures:
        print("FAILED: " + "; ".join(failures))
        sys.exit(1)
    print("cluster test passed")


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) / 1024


def throughput():
    n = int(os.environ["SERVERS"])
    items = publish(5)
    time.sleep(1)
    line = {"servers": n}
    for name, path in (("item", f"/api/v1/items/{items[0]}"), ("list", "/api/v1/items?per_page=20")):
        out = subprocess.run(
            ["wrk", "-t2", "-c64", f"-d{os.environ.get('DURATION', '10')}s", BASE + path],
            capture_output=True, text=True, check=True,
        ).stdout
        line[f"{name}_rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        line[f"{name}_non_2xx"] = int(errors.group(1)) if errors else 0
    pids = [open(f"{DIR}/server-{i}.pid").read().strip() for i in range(1, n + 1)]
    line["rss_mib"] = [round(rss_mib(p), 1) for p in pids]
    print(json.dumps(line))


if __name__ == "__main__":
    {"faults": faults, "throughput": throughput}[sys.argv[1]]()

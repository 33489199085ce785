#!/usr/bin/env python3
"""Fault test: steady mixed load while PostgreSQL stops for a few seconds and starts again.

Checks, with figures printed at the end:
- while the database is down, /readyz and database-bound requests answer 503 problem+json
  quickly (no request hangs past the pool timeout), and the server does not crash;
- after the database is back, the service recovers within 2 s without a restart;
- every write answered 2xx is in the database afterwards, and every stored write is whole
  (it has its audit entry: the two are written in one transaction).

Run by scripts/fault-test, which starts a private PostgreSQL cluster and the server.
"""
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

BASE = os.environ["GONGKAI"]
TOKEN = os.environ["STAFF_TOKEN"]
STOP_DB = os.environ["STOP_DB"]
START_DB = os.environ["START_DB"]
PSQL = os.environ["PSQL"]
DOWN_SECONDS = float(os.environ.get("DOWN_SECONDS", "4"))
MAX_ANSWER_SECONDS = float(os.environ.get("MAX_ANSWER_SECONDS", "3"))

lock = threading.Lock()
acknowledged = []  # ids of writes answered 201
results = []  # (phase, kind, status, seconds, content_type)
phase = "before"
stop = threading.Event()


def request(method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(BASE + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    start = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=15) as res:
            return res.status, res.read(), res.headers.get("content-type", ""), time.monotonic() - start
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers.get("content-type", ""), time.monotonic() - start
    except Exception as e:  # connection refused, reset, timeout: the server failed us
        return 0, str(e).encode(), "", time.monotonic() - start


def writer(n):
    i = 0
    while not stop.is_set():
        i += 1
        status, body, ctype, secs = request(
            "POST",
            "/api/v1/feedback",
            {"kind": "suggestion", "subject": f"fault-{n}-{i}", "content": "故障测试", "channel": "phone"},
            TOKEN,
        )
        with lock:
            results.append((phase, "write", status, secs, ctype))
            if status == 201:
                acknowledged.append(json.loads(body)["id"])
        time.sleep(0.02)


def reader():
    while not stop.is_set():
        for path in ("/readyz", "/api/v1/feedback/public", "/healthz"):
            status, _, ctype, secs = request("GET", path)
            with lock:
                results.append((phase, path, status, secs, ctype))
        time.sleep(0.02)


def main():
    global phase
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(3)

    phase = "stopping"
    subprocess.run(STOP_DB, shell=True, check=True)
    phase = "down"
    down_at = time.monotonic()
    time.sleep(DOWN_SECONDS)
    phase = "recovering"
    subprocess.run(START_DB, shell=True, check=True)
    up_at = time.monotonic()
    recovered = None
    while time.monotonic() - up_at < 30:
        status, *_ = request("GET", "/readyz")
        if status == 200:
            recovered = time.monotonic() - up_at
            break
        time.sleep(0.05)
    phase = "after"
    time.sleep(3)
    stop.set()
    for t in threads:
        t.join()

    failures = []
    by_phase = {}
    for ph, kind, status, secs, ctype in results:
        by_phase.setdefault(ph, []).append((kind, status, secs, ctype))
    for ph, rows in by_phase.items():
        codes = {}
        for kind, status, secs, ctype in rows:
            codes[status] = codes.get(status, 0) + 1
        slowest = max(r[2] for r in rows)
        print(f"{ph:10} requests={len(rows):5} statuses={dict(sorted(codes.items()))} slowest={slowest:.2f}s")
    for ph, kind, status, secs, ctype in results:
        if status == 0:
            failures.append(f"{ph} {kind}: no answer ({secs:.2f}s)")
        elif status >= 500 and status != 503:
            failures.append(f"{ph} {kind}: {status}")
        elif status >= 400 and not ctype.startswith("application/problem+json"):
            failures.append(f"{ph} {kind}: {status} without problem+json")
        if secs > MAX_ANSWER_SECONDS:
            failures.append(f"{ph} {kind}: answered after {secs:.2f}s")
        if ph in ("stopping", "down") and status not in (200, 201, 503):
            failures.append(f"{ph} {kind}: {status}, not 503")
        if ph == "before" and status != 200 and status != 201:
            failures.append(f"before the fault {kind}: {status}")
    down_ready = [s for ph, k, s, _, _ in results if ph == "down" and k == "/readyz"]
    if not down_ready or any(s != 503 for s in down_ready):
        failures.append(f"/readyz while down: {sorted(set(down_ready))}")
    if recovered is None:
        failures.append("the service did not recover within 30 s")
    elif recovered > 2.0:
        failures.append(f"recovery took {recovered:.2f}s (limit 2 s)")
    after = [s for ph, k, s, _, _ in results if ph == "after"]
    if any(s not in (200, 201) for s in after):
        failures.append(f"errors after recovery: {sorted(set(after))}")

    ids = "','".join(acknowledged)
    stored = subprocess.run(
        [*PSQL.split(), "-Atc", f"SELECT count(*) FROM feedback WHERE id IN ('{ids}')"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    whole = subprocess.run(
        [*PSQL.split(), "-Atc",
         "SELECT count(*) FROM feedback f WHERE NOT EXISTS (SELECT 1 FROM audit_log a "
         "WHERE a.entity_id = f.id::text AND a.action = 'feedback.created')"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    print(f"acknowledged writes: {len(acknowledged)}, found in the database: {stored}")
    print(f"stored writes without their audit entry: {whole}")
    print(f"database down for {up_at - down_at:.1f}s; ready again {recovered if recovered is None else round(recovered, 2)}s after it started")
    if int(stored) != len(acknowledged):
        failures.append("acknowledged writes are missing")
    if int(whole) != 0:
        failures.append("partial writes found")
    if failures:
        print("FAILED:")
        for f in sorted(set(failures))[:40]:
            print("  " + f)
        sys.exit(1)
    print("fault test passed")


if __name__ == "__main__":
    main()

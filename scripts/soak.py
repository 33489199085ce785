#!/usr/bin/env python3
"""Soak test: mixed load for SOAK_SECONDS (default 600); samples the server's resident memory
and its PostgreSQL connections every 10 s. Fails on any error response, on memory growing by
more than SOAK_MAX_GROWTH_MB (default 30) between the first minute and the end, or on more
connections than the pool allows. Run by scripts/soak."""
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
PID = os.environ["SERVER_PID"]
PSQL = os.environ["PSQL"]
POOL = int(os.environ.get("POOL_SIZE", "16"))
SECONDS = float(os.environ.get("SOAK_SECONDS", "600"))
MAX_GROWTH_MB = float(os.environ.get("SOAK_MAX_GROWTH_MB", "30"))

stop = threading.Event()
lock = threading.Lock()
counts = {}
errors = []


def call(method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(BASE + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=15) as res:
            res.read()
            return res.status
    except urllib.error.HTTPError as e:
        return e.code
    except Exception:
        return 0


def worker(n):
    i = 0
    while not stop.is_set():
        i += 1
        ops = [
            ("POST", "/api/v1/feedback", {"kind": "consultation", "subject": f"soak {n}-{i}", "content": "持续负载", "channel": "letter"}, TOKEN),
            ("GET", "/api/v1/feedback?per_page=20", None, TOKEN),
            ("GET", "/api/v1/feedback/public", None, None),
            ("GET", "/api/v1/calendar/2026", None, None),
            ("GET", "/api/v1/me", None, TOKEN),
            ("GET", "/readyz", None, None),
        ]
        for method, path, body, token in ops:
            status = call(method, path, body, token)
            with lock:
                counts[status] = counts.get(status, 0) + 1
                if status == 0 or status >= 400:
                    errors.append(f"{method} {path}: {status}")


def rss_mb():
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def connections():
    out = subprocess.run(
        [*PSQL.split(), "-Atc", "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    return int(out)


def main():
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    start = time.monotonic()
    samples = []
    while time.monotonic() - start < SECONDS:
        time.sleep(10)
        elapsed = time.monotonic() - start
        with lock:
            total = sum(counts.values())
            failed = len(errors)
        samples.append((elapsed, rss_mb(), connections(), total))
        print(f"t={elapsed:5.0f}s rss={samples[-1][1]:6.1f} MB connections={samples[-1][2]:3} requests={total} errors={failed}", flush=True)
    stop.set()
    for t in threads:
        t.join()
    total = sum(counts.values())
    print(f"requests: {total}, statuses: {dict(sorted(counts.items()))}, rate {total / SECONDS:.0f}/s")
    failures = []
    if errors:
        failures.append(f"{len(errors)} errors, first: {errors[:5]}")
    baseline = [s[1] for s in samples if s[0] >= 60] or [samples[0][1]]
    growth = samples[-1][1] - baseline[0]
    print(f"memory: {baseline[0]:.1f} MB after the first minute, {samples[-1][1]:.1f} MB at the end (growth {growth:+.1f} MB); peak {max(s[1] for s in samples):.1f} MB")
    print(f"connections: max {max(s[2] for s in samples)} (pool {POOL})")
    if growth > MAX_GROWTH_MB:
        failures.append(f"memory grew by {growth:.1f} MB")
    if max(s[2] for s in samples) > POOL:
        failures.append("more connections than the pool allows")
    if failures:
        print("FAILED: " + "; ".join(failures))
        sys.exit(1)
    print("soak passed")


if __name__ == "__main__":
    main()

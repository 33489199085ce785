#!/usr/bin/env python3
"""Writes a benchmark run (scripts/bench) as bench/results/<date>.md (a table) and .json.

Input: the scenarios' JSON lines, the pgbench ceilings, the run's parameters. The targets are
the feature issues' performance budget; each is shown as met, missed or not measured.
"""

import argparse
import datetime
import json
import os
import subprocess


def machine(pg_url):
    info = {"nproc": os.cpu_count()}
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    with open("/proc/loadavg") as f:
        info["load_average_at_end"] = f.read().split()[0:3]
    try:
        info["postgresql"] = subprocess.run(
            ["psql", pg_url, "-AtXc", "SHOW server_version"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        info["postgresql"] = "unknown"
    info["kernel"] = os.uname().release
    return info


def git_commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "unknown"


def targets(by_name, ceilings, peak_mb):
    """(target, figure, verdict) for every target of the budget."""

    def get(name):
        r = by_name.get(name)
        return r if r and r.get("available") else None

    out = []

    def check(label, ok, figure):
        out.append({"target": label, "figure": figure, "verdict": "met" if ok else "MISSED"})

    def absent(label, name):
        out.append({"target": label, "figure": "–", "verdict": f"not measured ({name} not available)"})

    for name, title in (("item_by_id", "item by id"), ("list_page_1", "list page 1")):
        r = get(name)
        if not r:
            absent(f"{title}: ≥ 0.5 × pgbench ceiling", name)
            absent(f"{title}: p99 < 25 ms at 32 connections", name)
            continue
        ceiling = ceilings.get(name)
        if ceiling:
            ratio = r["rps"] / ceiling
            check(f"{title}: ≥ 0.5 × pgbench ceiling", ratio >= 0.5, f"{r['rps']:.0f} / {ceiling:.0f} = {ratio:.2f}")
        else:
            absent(f"{title}: ≥ 0.5 × pgbench ceiling", "pgbench")
        check(f"{title}: p99 < 25 ms at 32 connections", r["p99_ms"] < 25, f"{r['p99_ms']:.1f} ms")
    for name, title, limit in (
        ("list_page_2000", "list page 2,000", 50),
        ("search_2char", "two-character search", 50),
        ("stats_year", "stats for one year", 50),
        ("stats_range", "stats 2009–2026", 200),
    ):
        r = get(name)
        if r:
            check(f"{title}: median < {limit} ms", r["p50_ms"] < limit, f"{r['p50_ms']:.1f} ms")
        else:
            absent(f"{title}: median < {limit} ms", name)
    r = get("application_submit")
    if r:
        check(
            "application submission: ≥ 1,000/s, no errors",
            r["rps"] >= 1000 and r["errors"] == 0,
            f"{r['rps']:.0f}/s, {r['errors']} errors",
        )
    else:
        absent("application submission: ≥ 1,000/s, no errors", "application_submit")
    r = get("import_10k")
    if r:
        check("import of 10,000 rows: < 10 s", r["errors"] == 0 and r["seconds"] < 10,
              f"{r['seconds']:.1f} s" + ("" if r["errors"] == 0 else " (failed)"))
    else:
        absent("import of 10,000 rows: < 10 s", "import_10k")
    base, flood = get("item_by_id"), get("item_by_id_during_logins")
    if base and flood:
        check(
            "item by id during logins: p99 ≤ 2 × p99 without",
            flood["p99_ms"] <= 2 * base["p99_ms"],
            f"{flood['p99_ms']:.1f} ms vs {base['p99_ms']:.1f} ms",
        )
    else:
        absent("item by id during logins: p99 ≤ 2 × p99 without", "item_by_id_during_logins")
    check("peak server memory < 150 MB", peak_mb < 150, f"{peak_mb:.0f} MB")
    return out


def main():
    p = argparse.ArgumentParser()
    for a in ("results", "ceilings", "out-dir", "scale", "items", "applications", "feedback", "duration",
              "threads", "seed-seconds", "db-size", "server-pid-peak-kb", "pg-url", "pool"):
        p.add_argument("--" + a)
    args = p.parse_args()
    rows = [json.loads(line) for line in open(args.results) if line.strip()]
    ceilings = json.load(open(args.ceilings))
    by_name = {r["name"]: r for r in rows}
    for name, tps in ceilings.items():
        r = by_name.get(name)
        if r and r.get("available") and tps:
            r["ceiling_tps"] = tps
            r["ratio"] = round(r["rps"] / tps, 2)
    peaks = [r["peak_rss_mb"] for r in rows if r.get("peak_rss_mb")]
    peak_mb = max(peaks + [int(args.server_pid_peak_kb or 0) / 1024])
    now = datetime.datetime.now(datetime.timezone.utc)
    run = {
        "date": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": git_commit(),
        "machine": machine(args.pg_url),
        "parameters": {
            "scale": float(args.scale),
            "items": int(args.items),
            "applications": int(args.applications),
            "feedback": int(args.feedback),
            "duration_s": int(args.duration),
            "wrk_threads": int(args.threads),
            "server_pool": int(args.pool or 0),
            "seed_seconds": int(args.seed_seconds) if args.seed_seconds else None,
            "database_size": args.db_size,
        },
        "scenarios": rows,
        "peak_server_memory_mb": round(peak_mb, 1),
    }
    run["targets"] = targets(by_name, ceilings, peak_mb)

    suffix = "" if float(args.scale) == 1.0 else f"-scale{args.scale}"
    base = os.path.join(args.out_dir, now.strftime("%Y-%m-%d") + suffix)
    with open(base + ".json", "w") as f:
        json.dump(run, f, ensure_ascii=False, indent=2)
        f.write("\n")

    m, prm = run["machine"], run["parameters"]
    lines = [
        f"# Benchmark {run['date']} (commit {run['commit']})",
        "",
        f"Machine: {m['nproc']} CPUs ({m.get('cpu', '?')}), {m.get('memory_gb', '?')} GB, PostgreSQL "
        f"{m['postgresql']}, kernel {m['kernel']}; load average at the end {' '.join(m['load_average_at_end'])}.",
        f"Data: scale {prm['scale']} ({prm['items']:,} items, {prm['applications']:,} applications, "
        f"{prm['feedback']:,} feedback entries), database {prm['database_size']}, seeded in "
        f"{prm['seed_seconds'] if prm['seed_seconds'] is not None else '?'} s. wrk with {prm['wrk_threads']} threads, "
        f"{prm['duration_s']} s per scenario; server: release build, 2 workers, pool of {prm['server_pool']}.",
        "",
        "| scenario | conns | req/s | p50 ms | p99 ms | errors | peak RSS MB | pgbench tps | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if not r.get("available"):
            lines.append(f"| {r['title']} | {r['connections']} | {r['reason']} | | | | | | |")
            continue
        extra = ""
        if "login_rps" in r:
            extra = f" (with {r['login_connections']} login connections: {r['login_rps']:.0f} logins/s, p99 {r['login_p99_ms']:.0f} ms)"
        lines.append(
            f"| {r['title']}{extra} | {r['connections']} | {r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
            f"{r['errors']} | {r['peak_rss_mb']} | {r.get('ceiling_tps', ''):{'.0f' if 'ceiling_tps' in r else ''}} | "
            f"{r.get('ratio', '')} |"
        )
    lines += ["", f"Peak server memory over the run: {peak_mb:.0f} MB.", "", "| target | figure | verdict |", "|---|---|---|"]
    for t in run["targets"]:
        lines.append(f"| {t['target']} | {t['figure']} | {t['verdict']} |")
    with open(base + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"\nwritten: {base}.md, {base}.json")


if __name__ == "__main__":
    main()

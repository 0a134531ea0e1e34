"""The web page under many caseworkers at once (locust), on SQLite and on PostgreSQL.

    pip install -e '.[bench,postgres]'
    python bench/load.py [--users 20] [--seconds 120] [--db sqlite,postgresql] [--copies 5]
                         [--think 1,3] [--repo PATH]

For each database: a fresh database, `planner serve` started as an administrator would (with
`PLANNER_TODAY=2026-01-01`, the scenarios' day, so their letters can be drafted), seeded through
the import page with every scenario household `--copies` times under its own id; then
`--users` simulated caseworkers (bench/load_locustfile.py) for `--seconds` seconds, each
opening lists, households, plans, letters and statistics in a loop with a pause of 1-3 s
between clicks, and asking what-ifs that solve new plans meanwhile.

Prints per page the count, errors, median, p95 and max in ms; "pages" is every request that
shows something already planned, "hva-om (ny plan)" the requests that solve a new plan (their
target is the what-if's, bench/load_latency.py). Locust runs on the same machine as the
server: on a shared 2-core machine every figure is an upper bound.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_server import ROOT, Server, database, import_toml, office_setup, seed_files  # noqa: E402

SOLVES = "hva-om (ny plan)"


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))] if s else float("nan")


def run(kind: str, args: argparse.Namespace) -> dict:
    import httpx

    with database(kind) as url, Server(url, args.repo, env={"PLANNER_TODAY": "2026-01-01"}) as server:
        files = seed_files(args.copies)
        with httpx.Client(base_url=server.url, timeout=600) as c:
            for i in range(0, len(files), 10):
                import_toml(c, files[i:i + 10])
            ids = [name.removesuffix(".toml") for name, _ in files]
            sampled = ids[:: max(1, len(ids) // 10)]
            office_setup(c, sampled)
            letters = sorted({m for hid in sampled
                              for m in re.findall(r'href="(/husstand/[^"]+/brevutkast/[^"]+)"',
                                                  c.get(f"/husstand/{hid}").text)})
            drafts = [u for u in letters if c.get(u).status_code == 200]  # a refused draft (409) says why
            refused, letters = len(letters) - len(drafts), drafts
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "requests.jsonl"
            env = dict(os.environ, PLANNER_LOAD_IDS=json.dumps(ids), PLANNER_LOAD_LETTERS=json.dumps(letters),
                       PLANNER_LOAD_OUT=str(out), PLANNER_LOAD_THINK=args.think)
            subprocess.run([sys.executable, "-m", "locust", "-f", str(Path(__file__).parent / "load_locustfile.py"),
                            "--headless", "-u", str(args.users), "-r", str(max(1, args.users // 5)),
                            "-t", f"{args.seconds}s", "--host", server.url, "--only-summary", "--loglevel", "ERROR",
                            "--stop-timeout", "30"], env=env, check=False, capture_output=True)
            rows = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
        errors_500 = server.output().count("-> 500")
    by: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by[r["name"]].append(r)
    by["pages"] = [r for r in rows if r["name"] != SOLVES]
    print(f"\n{kind}: {args.users} caseworkers, {args.seconds} s, {len(ids)} households, {len(letters)} letter drafts "
          f"({refused} left out: refused for missing data); "
          f"load average {os.getloadavg()[0]:.2f} at the end; server log: {errors_500} answers 500")
    print(f"  {'page':24} {'count':>6} {'errors':>6} {'median':>8} {'p95':>8} {'max':>8}   (ms)")
    for name in sorted(by, key=lambda n: (n in ("pages", SOLVES), n)):
        ms = [r["ms"] for r in by[name]]
        bad = sum(not r["ok"] for r in by[name])
        statuses = sorted({r["status"] for r in by[name] if not r["ok"]})
        print(f"  {name:24} {len(ms):6d} {bad:6d} {percentile(ms, .5):8.0f} {percentile(ms, .95):8.0f} "
              f"{max(ms):8.0f}" + (f"   statuses {statuses}" if statuses else ""))
    pages = [r["ms"] for r in by["pages"]]
    return {"p95": percentile(pages, .95), "errors": sum(not r["ok"] for r in rows)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--seconds", type=int, default=120)
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--copies", type=int, default=5, help="copies of each scenario household seeded")
    ap.add_argument("--think", default="1,3", help="seconds between a caseworker's clicks: MIN,MAX")
    ap.add_argument("--repo", type=Path, default=ROOT, help="the checkout whose server is measured")
    args = ap.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f} at the start; server from {args.repo}")
    results = {kind: run(kind, args) for kind in args.db.split(",")}
    for kind, r in results.items():
        print(f"{kind}: pages p95 {r['p95']:.0f} ms (target 300), {r['errors']} errors (target 0)")


if __name__ == "__main__":
    main()

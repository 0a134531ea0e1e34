"""Speed and memory of `planner ledger`, and how early it flags tenancies (issue 15).

    python bench/ledger.py [--sizes 25000,50000,100000] [--months 24] [--lead 2000] [--seed 2026]

For each size it writes a generated rent ledger of that many tenancies (planner.ledger.synth:
the planted mix of patterns, holidays, reversals, failed AvtaleGiro debits; about 2.2 bookings a
month per tenancy, so 100 000 tenancies × 24 months is about 5.5 million rows, 220 MB of CSV),
then runs `planner ledger` on it as a fresh process and prints the wall time, rows per second and
the peak memory (max RSS) of that process. Memory should not grow with the rows: the ledger is
read in blocks and analysed in buckets of tenancies.

`--lead N` then measures, on N generated tenancies over 36 months, how many months before the
collector's list (arrears of two months' rent) each problem tenancy is flagged: the analysis is
run as of the 20th of every month (planner.ledger.measure.lead_times) and compared with the day
the arrears really reach the line (a plain walk over the bookings).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def run_size(n: int, months: int, seed: int, folder: Path) -> dict:
    from planner.ledger.synth import generate, to_csv

    path = folder / f"ledger-{n}-{months}-{seed}.csv"
    if not path.exists():
        g = generate(n, months=months, seed=seed)
        to_csv(g, path)
        del g
    rows = sum(1 for _ in open(path, "rb")) - 1
    out = folder / f"out-{n}"
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "planner", "ledger", str(path), "--out", str(out), "--as-of",
                             "2026-12-20", "--no-progress"], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak memory
    seconds = time.perf_counter() - t0
    if status != 0:
        raise SystemExit(proc.stderr.read().decode() if proc.stderr else "planner ledger failed")
    summary = json.loads((out / "summary.json").read_text())
    return {"tenancies": n, "rows": rows, "mb": path.stat().st_size / 2**20, "seconds": seconds,
            "rows_per_s": rows / seconds, "rss_mib": usage.ru_maxrss / 1024,
            "consistent": summary["rows"]["read"] == rows}


def lead(n: int, seed: int) -> None:
    import numpy as np

    from planner.ledger.measure import lead_times
    from planner.ledger.synth import generate

    g = generate(n, months=36, start=date(2024, 1, 1), seed=seed)
    t0 = time.perf_counter()
    leads = lead_times(g, date(2024, 4, 1), date(2026, 12, 31))
    print(f"\nlead over the collector's list: {n} tenancies, 36 months, assessed monthly"
          f" ({time.perf_counter() - t0:.0f} s)")
    print(f"{'planted pattern':18} {'reach the line':>14} {'flagged before':>14} {'median months':>13}"
          f" {'min':>5} {'max':>5}")
    by: dict[str, list] = {}
    for x in leads:
        by.setdefault(x.planted, []).append(x.months)
    for p, ms in sorted(by.items()):
        ok = [m for m in ms if m is not None]
        med = f"{float(np.median(ok)):.1f}" if ok else "-"
        print(f"{p:18} {len(ms):>14} {len(ok):>14} {med:>13} {min(ok) if ok else '-':>5} {max(ok) if ok else '-':>5}")
    never = {p: sum(1 for t, q in g.truth.items() if q == p) for p in ("late_complete", "failed_debits", "on_time")}
    print(f"(tenancies planted late_complete {never['late_complete']}, failed_debits {never['failed_debits']},"
          f" on_time {never['on_time']} that never reach the line are not in the table)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="25000,50000,100000")
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--lead", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--folder", default=None, help="keep generated ledgers here (default: a temporary folder)")
    a = ap.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()},"
          f" load average {os.getloadavg()[0]:.1f}")
    folder = Path(a.folder) if a.folder else Path(tempfile.mkdtemp(prefix="bench-ledger-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"{'tenancies':>10} {'rows':>10} {'CSV MB':>7} {'seconds':>8} {'rows/s':>10} {'peak MiB':>9}")
    for n in (int(x) for x in a.sizes.split(",") if x):
        r = run_size(n, a.months, a.seed, folder)
        print(f"{r['tenancies']:>10} {r['rows']:>10} {r['mb']:>7.0f} {r['seconds']:>8.1f} {r['rows_per_s']:>10.0f}"
              f" {r['rss_mib']:>9.0f}{'' if r['consistent'] else ' ROWS LOST'}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    if a.lead:
        lead(a.lead, a.seed)


if __name__ == "__main__":
    main()

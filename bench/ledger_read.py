"""The reading phase of `planner ledger` alone: opening the ledger, then `run._read` (parsing,
checking the cells, spilling the buckets), with the helper process or without.

    python bench/ledger_read.py [--tenancies 100000] [--months 24] [--seed 2026] [--folder F]
                                [--workers 1,2] [--repeat 3]

The ledger is generated as bench/ledger.py does (100 000 tenancies × 24 months: 5.5 million rows,
285 MB) and kept in `--folder`. Each run prints the wall time of opening (encoding, quotes) and
of reading, the CPU time of this process (the reader's threads included) and of the helper,
and this process's peak resident size. Runs alternate between the `--workers` values, so a
machine whose load changes meanwhile touches both alike; on a shared machine the wall times are
upper bounds, the CPU times move less.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def helper_cpu(helper) -> float:
    """CPU seconds (user + system) the helper process has used so far."""
    if helper is None:
        return 0.0
    with open(f"/proc/{helper.proc.pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def read_once(path: Path, workers: int) -> str:
    """One reading, as `run_ledger` does it (the helper started first, the blocks sized alike)."""
    from planner.io.tables import ColumnMap
    from planner.ledger import run
    from planner.ledger.buckets import Buckets
    from planner.ledger.parallel import Helper
    from planner.ledger.reading import open_ledger
    from planner.ledger.summary import LedgerOptions, LedgerSummary

    out = Path(tempfile.mkdtemp(prefix="bench-ledger-read-"))
    try:
        opts = LedgerOptions(out=out, as_of=date(2026, 12, 20), workers=workers)
        helper = Helper.start() if workers > 1 else None
        time.sleep(0.5)  # started (a forkserver's child imports)
        k = run._buckets(path, opts)
        rows = opts.chunk_rows if helper is None else min(
            opts.chunk_rows, run.HELPED_READ_ROWS if k > 1 else run.HELPED_CHUNK_ROWS)
        t0, c0, h0 = time.perf_counter(), own_cpu(), helper_cpu(helper)
        ledger = open_ledger(path, ColumnMap(), rows, work_dir=out, late_rows=True)
        t1 = time.perf_counter()
        s = LedgerSummary(ledger.name, opts.as_of)
        spool = Path(tempfile.mkdtemp(dir=out))
        run._read(ledger, Buckets(k, spool), s, opts, path.stat().st_size, helper)
        t2, c2, h2 = time.perf_counter(), own_cpu(), helper_cpu(helper)
        if helper is not None:
            helper.close()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        return (f"workers {workers}: open {t1 - t0:.2f} s, read {t2 - t1:.2f} s, together {t2 - t0:.2f} s wall;"
                f" CPU {c2 - c0:.2f} s here + {h2 - h0:.2f} s helper; {s.rows_read} rows; peak here {peak} MiB")
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tenancies", type=int, default=100_000)
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--folder", default=None, help="keep the generated ledger here (default: a temporary folder)")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--once", type=int, default=None, help=argparse.SUPPRESS)  # one run, in a fresh process
    a = ap.parse_args()
    folder = Path(a.folder) if a.folder else Path(tempfile.mkdtemp(prefix="bench-ledger-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"ledger-{a.tenancies}-{a.months}-{a.seed}.csv"
    if a.once is not None:
        print(read_once(path, a.once), flush=True)
        return
    if not path.exists():
        subprocess.run([sys.executable, "-c", "import sys; from planner.ledger.synth import generate, to_csv;"
                        f" to_csv(generate({a.tenancies}, months={a.months}, seed={a.seed}), sys.argv[1])", str(path)],
                       cwd=ROOT, check=True)
    print(f"{path} ({path.stat().st_size / 2**20:.0f} MB), load average {os.getloadavg()[0]:.1f}")
    for _ in range(a.repeat):
        for w in (int(x) for x in a.workers.split(",")):
            # each run a fresh process: its peak and its memory are its own
            subprocess.run([sys.executable, __file__, "--folder", str(folder), "--tenancies", str(a.tenancies),
                            "--months", str(a.months), "--seed", str(a.seed), "--once", str(w)], cwd=ROOT, check=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

"""Throughput and memory of `planner batch`, end to end from CSV files to results.

    python bench/batch.py [--sizes 1000,10000,100000] [--plan-sizes 1000] [--workers 2] [--seed 2026]
                          [--as-of 2026-01-01] [--phases]

For each size it writes a tenants.csv and a payouts.csv of that many households into a
temporary folder (deterministic, seeded), then runs the batch:

* check only (`--check-only`): every household read, validated, checked by the vectorised
  engine, its eviction request date projected, ranked, and written to results.csv/xlsx;
* check + plan on the `--plan-sizes` (planning 100 000 households takes hours at the solver's
  present speed, so the full plan run is done on a subset and said so);

and prints households per second and the peak memory (max RSS) of the main process and of
the largest worker. Each run is a fresh `planner batch` process so the figures are end to end.

Households: the same realistic mix as bench/check.py (monthly NAV and Husbanken payouts on
their rules, 14-day AAP/dagpenger, pensions with a larger December payout, sosialhjelp and
wages on varied days, one rent, a few bills), 12-month horizons; 15 % carry existing arrears.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import speed_line

ROOT = Path(__file__).resolve().parent.parent

TENANT_HEADER = ["id", "start", "months", "opening_balance", "min_balance", "adults", "children", "rent", "rent_day",
                 "living_monthly", "arrears", "arrears_since", "rent_days", "rent_instalments",
                 "bostotte_to_landlord", "deduction_from", "repay_months"]
PAYOUT_HEADER = ["household", "kind", "amount", "day", "every_days", "first", "month_amounts", "name", "flow"]


def _kr(rng: random.Random, lo: int, hi: int) -> str:
    v = rng.randint(lo * 100, hi * 100)
    return f"{v // 100}.{v % 100:02d}"


def household_rows(rng: random.Random, i: int, months: int = 12) -> tuple[list, list[list]]:
    """One tenant row and its payout rows (the mix of bench/check.py)."""
    hid = f"hh-{i:06d}"
    pay: list[list] = []

    def add(kind, amount, day="", every="", first="", month_amounts="", name="", flow=""):
        pay.append([hid, kind, amount, day, every, first, month_amounts, name, flow])

    children = rng.choice([0, 0, 1, 1, 2, 3])
    main = rng.random()
    streams = []
    if main < 0.30:
        kind = rng.choice(["aap", "aap", "dagpenger"])
        add(kind, _kr(rng, 4000, 9000), every="14", first=f"2026-01-{rng.randint(1, 14):02d}")
        streams.append(kind)
    elif main < 0.60:
        kind = "uforetrygd" if main < 0.50 else "alderspensjon"
        amount = rng.randint(14000, 22000)
        add(kind, str(amount), month_amounts=f"12={amount * 14 // 10}")
        streams.append(kind)
    elif main < 0.80:
        add("sosialhjelp", _kr(rng, 5000, 12000), day=str(rng.choice([1, 5, 10, 15, 20, 25])))
        streams.append("sosialhjelp")
    else:
        add("lonn", _kr(rng, 15000, 30000), day=str(rng.choice([12, 15, 20, 25])))
    if rng.random() < 0.6:
        add("bostotte", _kr(rng, 500, 4000))
    if children:
        add("barnetrygd", str(1766 * children))
        if rng.random() < 0.3:
            add("kontantstotte", "7500")
        if rng.random() < 0.4:
            add("bidragsforskudd", str(1880 * rng.randint(1, children)))
    for kind, p, lo, hi in (("strom", 0.8, 400, 2000), ("telefon", 0.6, 200, 700)):
        if rng.random() < p:
            add(kind, _kr(rng, lo, hi), day=str(rng.randint(1, 28)), flow="out")
    arrears = since = ""
    if rng.random() < 0.15:
        arrears = _kr(rng, 2000, 30000)
        since = f"2025-{rng.randint(9, 12):02d}-01"
    tenant = [hid, "2026-01-01", str(months), _kr(rng, 0, 8000), "0", "1", str(children), _kr(rng, 6000, 14000),
              str(rng.choice([1, 1, 1, 5, 10, 15, 20])), _kr(rng, 4000, 16000), arrears, since,
              "1;5;10;15;20;25", str(rng.choice([1, 2, 3])), rng.choice(["ja", "nei"]),
              ";".join(s for s in streams if s != "sosialhjelp"), "24" if arrears else ""]
    return tenant, pay


def write_tables(folder: Path, n: int, seed: int = 2026, months: int = 12) -> tuple[Path, Path]:
    """tenants.csv and payouts.csv of `n` households in `folder` (streamed, not held)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    t_path, p_path = folder / "tenants.csv", folder / "payouts.csv"
    with open(t_path, "w", newline="", encoding="utf-8") as tf, open(p_path, "w", newline="", encoding="utf-8") as pf:
        tw, pw = csv.writer(tf), csv.writer(pf)
        tw.writerow(TENANT_HEADER)
        pw.writerow(PAYOUT_HEADER)
        for i in range(n):
            tenant, pays = household_rows(rng, i, months)
            tw.writerow(tenant)
            pw.writerows(pays)
    return t_path, p_path


def _run(args: list[str], tree: Path = ROOT) -> tuple[float, int, int, str]:
    """Wall seconds, peak RSS of the main process and of the largest worker (KiB), stdout, of
    `planner` from `tree` (this one, or a `--baseline` tree)."""
    code = (
        "import resource, sys, runpy\n"
        f"sys.path.insert(0, {str(tree)!r})\n"
        "sys.argv = ['planner'] + sys.argv[1:]\n"
        "from planner.cli import main\n"
        "try:\n"
        "    main(standalone_mode=False)\n"
        "finally:\n"
        "    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "    print(f'@@rss {me} {kids}', file=sys.stderr)\n"
    )
    t0 = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(tree)}  # the workers (forkserver) import the same tree
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=tree, env=env)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"planner batch failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    me = kids = 0
    for line in proc.stderr.splitlines():
        if line.startswith("@@rss"):
            me = int(line.split()[1])
    for line in proc.stdout.splitlines():
        if line.startswith("mest minne:"):  # the workers report their own peak (forkserver children)
            kids = int(line.split("største arbeider")[1].split()[0]) * 1024
    return wall, me, kids, proc.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--plan-sizes", default="1000", help="sizes for check+plan (a subset: planning is slow)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--as-of", default="2026-01-01",
                    help="the batch's --as-of (default: the households' start, so the figures do not move with the calendar)")
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--phases", action="store_true",
                    help="after each check-only run, the CPU time of its three parts measured alone, each in a"
                         " fresh process: reading the input into the spool, checking every household in one"
                         " process, and writing results.xlsx from results.csv")
    ap.add_argument("--baseline", type=Path, default=None,
                    help="another planner tree (e.g. `git archive REF planner | tar -x -C DIR`): each check-only"
                         " run is followed by one from that tree on the same files, and the outputs are compared")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    plan_sizes = [int(s) for s in args.plan_sizes.split(",") if s]
    print(f"planner batch benchmark: python {platform.python_version()} on {platform.machine()},"
          f" {os.cpu_count()} cores, --workers {args.workers}, 12-month horizons")
    print(speed_line())
    tmp = Path(tempfile.mkdtemp(prefix="planner-bench-"))
    try:
        for n in sorted(set(sizes) | set(plan_sizes)):
            folder = tmp / f"n{n}"
            t0 = time.perf_counter()
            t_path, p_path = write_tables(folder, n, args.seed)
            gen = time.perf_counter() - t0
            mb = (t_path.stat().st_size + p_path.stat().st_size) / 1e6
            print(f"\n{n} households ({mb:.1f} MB of CSV, generated in {gen:.1f} s)")
            base = ["batch", str(t_path), str(p_path), "--workers", str(args.workers), "--no-progress",
                    "--time-limit", str(args.time_limit), "--as-of", args.as_of]
            if n in sizes:
                wall, me, kids, _ = _run(base + ["--out", str(folder / "check"), "--check-only"])
                print(f"  check only : {wall:7.1f} s  {n / wall:9.0f} households/s   peak RSS main {me / 1024:6.0f} MiB,"
                      f" largest worker {kids / 1024:6.0f} MiB")
                if args.phases:
                    print(phases(t_path, p_path, folder / "check", args.workers))
                if args.baseline is not None:
                    wall, me, kids, _ = _run(base + ["--out", str(folder / "baseline"), "--check-only"],
                                             args.baseline.resolve())
                    print(f"  baseline   : {wall:7.1f} s  {n / wall:9.0f} households/s   peak RSS main"
                          f" {me / 1024:6.0f} MiB, largest worker {kids / 1024:6.0f} MiB   outputs:"
                          f" {_same_outputs(folder / 'check', folder / 'baseline')}")
            if n in plan_sizes:
                wall, me, kids, out = _run(base + ["--out", str(folder / "plan")])
                status = next((ln for ln in out.splitlines() if ln.startswith("status:")), "")
                planned = _count_planned(folder / "plan" / "results.csv")
                print(f"  check+plan : {wall:7.1f} s  {n / wall:9.1f} households/s  ({planned} needed the solver:"
                      f" {planned / wall:.1f} planned/s)   peak RSS main {me / 1024:6.0f} MiB,"
                      f" largest worker {kids / 1024:6.0f} MiB")
                print(f"               {status}")
    finally:
        if args.keep:
            print(f"\nfiles kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


#: the outputs a check-only run must write byte for byte alike, whatever the code's insides
OUTPUTS = ("results.csv", "results-excel.csv", "results.xlsx", "errors.csv", "errors-excel.csv", "summary.txt")


#: `--phases`: each part of a check-only run alone, in a process of its own; prints CPU seconds
_PHASE_CODE = r"""
import csv, sys, time
from datetime import date
from pathlib import Path
phase, tenants, payouts, out = sys.argv[1:5]
from planner.io.tables import ColumnMap, Spool, discover
if phase == "xlsx":
    from planner.batch.common import DATE_COLUMNS, INT_COLUMNS, ORE_COLUMNS
    from planner.io.xlsx import write_xlsx
    with open(Path(out) / "results.csv", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    columns, rows = rows[0], rows[1:]
    kind = ["ore" if c in ORE_COLUMNS else "date" if c in DATE_COLUMNS else "int" if c in INT_COLUMNS else ""
            for c in columns]
    values = [[(int(v) / 100 if k == "ore" else date.fromisoformat(v) if k == "date" else int(v) if k == "int"
                else v) if v != "" else v for k, v in zip(kind, r)] for r in rows]
    header = [c[:-4] + "_kr" if c in ORE_COLUMNS else c for c in columns]
    t = time.process_time()
    write_xlsx(Path(out) / "phase.xlsx", header, values, money_columns=[i for i, k in enumerate(kind) if k == "ore"])
    print(time.process_time() - t)
    sys.exit()
colmap = ColumnMap.load(None)
spool = Spool(None)
t = time.process_time()
spool.load(discover([tenants, payouts], colmap), colmap)
if phase == "read":
    print(time.process_time() - t)
    sys.exit()
import gc, pickle
from planner.batch.worker import check_chunk, warm_up_check
# as the workers get them: a chunk at a time, unpickled, the rest of the heap frozen
chunks = [pickle.dumps(c, protocol=5) for c in spool.households(1000)]
spool.close()
warm_up_check()
t = time.process_time()
for chunk in chunks:
    check_chunk(pickle.loads(chunk), None, None, False, True)
print(time.process_time() - t)
"""


def phases(tenants: Path, payouts: Path, out: Path, workers: int) -> str:
    """`--phases`: the CPU seconds of reading, checking and writing results.xlsx, each alone, and
    the least wall time they allow on `workers` cores (reading and the sheet cannot overlap the
    checks: the sheet is in priority order, known when the last household is checked; a long
    sheet is written by two processes, each half the rows)."""
    cpu = {}
    for phase in ("read", "check", "xlsx"):
        proc = subprocess.run([sys.executable, "-c", _PHASE_CODE, phase, str(tenants), str(payouts), str(out)],
                              capture_output=True, text=True, cwd=ROOT, check=True)
        cpu[phase] = float(proc.stdout.split()[-1])
    writers = 2 if workers >= 2 else 1  # (a sheet of 20 000 rows or more: two writers side by side)
    floor = cpu["read"] + cpu["check"] / workers + cpu["xlsx"] / writers
    return (f"  phases alone (CPU s): read {cpu['read']:.1f}, check {cpu['check']:.1f} (one process), results.xlsx"
            f" {cpu['xlsx']:.1f} (one writer); least wall time on {workers} cores: {cpu['read']:.1f} +"
            f" {cpu['check']:.1f}/{workers} + {cpu['xlsx']:.1f}/{writers} = {floor:.1f} s")


def _same_outputs(a: Path, b: Path) -> str:
    differ = [f for f in OUTPUTS if (a / f).read_bytes() != (b / f).read_bytes()]
    return f"DIFFER: {', '.join(differ)}" if differ else "the same bytes"


def _count_planned(path: Path) -> int:
    with open(path, encoding="utf-8") as fh:
        return sum(1 for r in csv.DictReader(fh) if r["plan_file"] or r["status"] in ("timeout", "failed"))


if __name__ == "__main__":
    main()

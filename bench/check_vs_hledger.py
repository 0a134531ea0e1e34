"""`planner check` against hledger's daily balance of the same transactions, side by side.

    python bench/check_vs_hledger.py [--households 200] [--repeat 5] [--seed 2026] [--months 12]
                                     [--as-of 2026-01-01] [--keep]

Writes `--households` household files (JSON, the generated mix of bench/check.py, with 15 %
carrying existing arrears) and, for each, an hledger journal of the same transactions: every
booking `planner.flows.transactions` lists for the household as its schedule stands (payouts,
rent and bills on their effective dates, everyday spending day by day), with the opening
balance as the first entry. Then it times, alternating in one run:

* planner: ONE `planner check --format json FILE...` process over every household file
  (how a caseworker's office checks its caseload: one command, every file);
* planner, text: the same in the default text format;
* hledger: `hledger -f HH.journal balance assets:bank --daily --historical` once per
  household journal (hledger reads one household's ledger at a time; its balance report over
  several journals would merge the households);

and prints the median wall time of `--repeat` runs and the ratio. For scale it also prints one
hledger process over every journal at once (`-f` repeated: the merged daily balance, not per
household) and one `planner check` process per file.

hledger does less than `planner check`: it sums the bookings per day, where planner also
resolves the payout rules (bank days, holidays), diagnoses the dip, and projects the eviction
process for households that are heading for one. The journal is written from planner's own
schedule so both read the same transactions.

Each process is started the same way (`subprocess.run`, output to a pipe that is read);
planner is run as `python -m planner` from this tree.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from check import household_dict  # noqa: E402

from planner.flows import transactions  # noqa: E402
from planner.model import Household  # noqa: E402


def _plain(value: object) -> object:
    """JSON for the household file: Decimal amounts as written numbers, dates as ISO text."""
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def households(n: int, months: int, seed: int) -> list[dict]:
    """`n` generated household files' contents; 15 % carry arrears from late 2025."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        d = household_dict(rng, i, months)
        if rng.random() < 0.15:
            d["arrears"] = {"amount": Decimal(rng.randint(2000, 30000)), "since": date(2025, rng.randint(9, 12), 1)}
        out.append(d)
    return out


def _kr(ore: int) -> str:
    sign = "-" if ore < 0 else ""
    return f"{sign}{abs(ore) // 100}.{abs(ore) % 100:02d}"


def journal(h: Household) -> str:
    """The household's transactions as an hledger journal (one entry per booking)."""
    lines = [f"{h.start.isoformat()} opening balance", f"    assets:bank  {_kr(h.opening_balance)} NOK",
             "    equity:opening", ""]
    for tx in transactions(h):
        other = f"income:{tx.stream or tx.kind}" if tx.amount_ore > 0 else f"expenses:{tx.stream or tx.kind}"
        lines += [f"{tx.date.isoformat()} {tx.kind}", f"    assets:bank  {_kr(tx.amount_ore)} NOK", f"    {other}", ""]
    return "\n".join(lines)


def write_files(folder: Path, n: int, months: int, seed: int) -> tuple[list[Path], list[Path]]:
    files, journals = [], []
    for d in households(n, months, seed):
        f = folder / f"{d['id']}.json"
        f.write_text(json.dumps(_plain(d), ensure_ascii=False), encoding="utf-8")
        j = folder / f"{d['id']}.journal"
        j.write_text(journal(Household.model_validate(d)), encoding="utf-8")
        files.append(f)
        journals.append(j)
    return files, journals


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _wall(cmds: list[list[str]], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, of the processes started) of `cmds` in turn."""
    c0, t0 = _cpu(), time.perf_counter()
    for cmd in cmds:
        proc = subprocess.run(cmd, capture_output=True, env=env, cwd=ROOT)
        if proc.returncode not in (0,):
            raise SystemExit(f"{cmd[:4]} ... failed ({proc.returncode}):\n{proc.stderr.decode()[-2000:]}")
    return time.perf_counter() - t0, _cpu() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=200)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--as-of", default="2026-01-01")
    ap.add_argument("--per-file", action="store_true", help="also time one planner process per file (slow)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--baseline", type=Path, default=None,
                    help="another planner tree (e.g. a worktree of an older commit) timed in the same run")
    args = ap.parse_args()
    hledger = shutil.which("hledger")
    if hledger is None:
        raise SystemExit("hledger not found: apt-get install hledger")
    version = subprocess.run([hledger, "--version"], capture_output=True, text=True).stdout.strip()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    tmp = Path(tempfile.mkdtemp(prefix="planner-vs-hledger-"))
    try:
        files, journals = write_files(tmp, args.households, args.months, args.seed)
        n = len(files)
        planner = [sys.executable, "-m", "planner", "check", "--as-of", args.as_of]
        runs: dict[str, list[list[str]]] = {
            "planner check --format json, one process, every file": [planner + ["--format", "json", *map(str, files)]],
            "planner check (text), one process, every file": [planner + list(map(str, files))],
            "hledger balance --daily --historical, one process per journal":
                [[hledger, "-f", str(j), "balance", "assets:bank", "--daily", "--historical"] for j in journals],
            "hledger, one process, every journal merged (for scale)":
                [[hledger, *[a for j in journals for a in ("-f", str(j))], "balance", "assets:bank", "--daily",
                  "--historical"]],
        }
        if args.baseline is not None:
            base = args.baseline.resolve()
            runs[f"baseline {base.name}: planner check --format json, one process"] = [
                ["env", f"PYTHONPATH={base}", sys.executable, "-c",
                 "import sys; sys.path.insert(0, sys.argv.pop(1)); from planner.cli import main; main()",
                 str(base), "check", "--as-of", args.as_of, "--format", "json", *map(str, files)]]
        if args.per_file:
            runs["planner check --format json, one process per file (for scale)"] = [
                planner + ["--format", "json", str(f)] for f in files]
        times: dict[str, list[float]] = {k: [] for k in runs}
        cpu: dict[str, list[float]] = {k: [] for k in runs}
        load = os.getloadavg()[0]
        for cmds in runs.values():  # warm-up: file cache, .pyc
            _wall(cmds[:1], env)
        for _ in range(args.repeat):  # alternate, so a burst of other work hits every command alike
            for name, cmds in runs.items():
                wall, used = _wall(cmds, env)
                times[name].append(wall)
                cpu[name].append(used)
        print(f"planner check vs hledger: {n} households, {args.months} months, median of {args.repeat} runs,"
              f" alternating")
        print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, {version};"
              f" load average {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")
        med = {k: statistics.median(v) for k, v in times.items()}
        med_cpu = {k: statistics.median(v) for k, v in cpu.items()}
        for name, v in times.items():
            print(f"  {name:<66} {med[name]:7.3f} s wall, {med_cpu[name]:7.3f} s CPU"
                  f"  (wall: {', '.join(f'{t:.2f}' for t in v)})")
        ref = "hledger balance --daily --historical, one process per journal"
        for name in [*list(runs)[:2], *[k for k in runs if k.startswith("baseline")]]:
            print(f"hledger per journal / {name}: {med[ref] / med[name]:.1f}x wall, {med_cpu[ref] / med_cpu[name]:.1f}x CPU")
    finally:
        if args.keep:
            print(f"files kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

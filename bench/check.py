"""Throughput of `planner check`: the vectorised engine, end to end, and one CLI process.

    python bench/check.py [--households 10000] [--repeat 5] [--seed 2026]

Prints, for horizons of 12 and 24 months:
  (i)  the vectorised engine alone: `check_table` on a table compiled beforehand
       (target: at least 100 000 household-years per second);
  (ii) end to end from `Household` objects with `diagnose_many` (grouping, compiling the
       table, the engine, and one `Diagnosis` with month figures per household);
and the wall time of one `planner check scenarios/enslig-mor-2006.toml` process (median of
`--repeat` runs of the installed console script).

Households are generated deterministically from a seeded `random.Random`: a realistic mix of
benefit kinds (monthly NAV and Husbanken payouts on their rules, 14-day AAP/dagpenger with
anchors spread over two weeks, pensions with a larger December payout, sosialhjelp and wages
on varied days), one rent, a few bills.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner.cashflow import check_table, compile_households, diagnose_many  # noqa: E402
from planner.model import Household  # noqa: E402

START = date(2026, 1, 1)


def _kr(rng: random.Random, lo: int, hi: int) -> Decimal:
    """A kroner amount with øre, drawn uniformly in [lo, hi] kroner."""
    return Decimal(rng.randint(lo * 100, hi * 100)).scaleb(-2)


def make_household(rng: random.Random, i: int, months: int) -> Household:
    return Household.model_validate(household_dict(rng, i, months))


def household_dict(rng: random.Random, i: int, months: int) -> dict:
    """One generated household as the household file's fields (amounts as Decimal, dates as date)."""
    income: list[dict] = []
    children = rng.choice([0, 0, 1, 1, 2, 3])
    main = rng.random()
    if main < 0.30:  # AAP or dagpenger every 14 days from an anchor somewhere in two weeks
        income.append({"kind": rng.choice(["aap", "aap", "dagpenger"]), "amount": _kr(rng, 4000, 9000),
                       "every_days": 14, "first": START + timedelta(days=rng.randint(0, 13))})
    elif main < 0.60:  # pensions: December comes early and larger (no or half tax withheld)
        amount = _kr(rng, 14000, 22000)
        income.append({"kind": "uforetrygd" if main < 0.50 else "alderspensjon", "amount": amount,
                       "month_amounts": {"12": (amount * Decimal("1.4")).quantize(Decimal("0.01"))}})
    elif main < 0.80:
        income.append({"kind": "sosialhjelp", "amount": _kr(rng, 5000, 12000), "day": rng.choice([1, 5, 10, 15, 20, 25])})
    else:
        income.append({"kind": "lonn", "amount": _kr(rng, 15000, 30000), "day": rng.choice([12, 15, 20, 25])})
    if rng.random() < 0.6:
        income.append({"kind": "bostotte", "amount": _kr(rng, 500, 4000)})
    if children:
        income.append({"kind": "barnetrygd", "amount": Decimal(1766 * children)})
        if rng.random() < 0.3:
            income.append({"kind": "kontantstotte", "amount": Decimal(7500)})
        if rng.random() < 0.4:
            income.append({"kind": "bidragsforskudd", "amount": Decimal(1880 * rng.randint(1, children))})
        if rng.random() < 0.2:
            income.append({"kind": "overgangsstonad", "amount": _kr(rng, 8000, 12000)})
    if rng.random() < 0.1:  # a second 14-day stream in the household
        income.append({"kind": "dagpenger", "name": "dagpenger-2", "amount": _kr(rng, 3000, 7000),
                       "every_days": 14, "first": START + timedelta(days=rng.randint(0, 13))})
    expense = [{"kind": "husleie", "amount": _kr(rng, 6000, 14000), "day": rng.choice([1, 1, 1, 5, 10, 15, 20])}]
    for kind, p, lo, hi in (("strom", 0.8, 400, 2000), ("telefon", 0.6, 200, 700),
                            ("forsikring", 0.3, 150, 600), ("barnehage", 0.3 if children else 0, 1500, 3300)):
        if rng.random() < p:
            expense.append({"kind": kind, "amount": _kr(rng, lo, hi), "day": rng.randint(1, 28)})
    return {
        "id": f"hh-{i:06d}",
        "start": START,
        "months": months,
        "opening_balance": _kr(rng, 0, 8000),
        "min_balance": 0,
        "children": children,
        "income": income,
        "expense": expense,
        "living": {"monthly": _kr(rng, 4000, 16000)},
    }


def make_households(n: int, months: int, seed: int) -> list[Household]:
    rng = random.Random(seed)
    return [make_household(rng, i, months) for i in range(n)]


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def cli_wall_time(repeat: int) -> tuple[float, list[float]] | None:
    exe = shutil.which("planner")
    if exe is None:
        return None
    cmd = [exe, "check", str(ROOT / "scenarios" / "enslig-mor-2006.toml")]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    n = args.households
    print(f"planner check benchmark: {n} households, median of {args.repeat} runs (after one warm-up run)")
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores,"
          f" load average {os.getloadavg()[0]:.2f} at the start (other work on the machine slows every figure)")
    for months in (12, 24):
        years = n * months / 12
        t0 = time.perf_counter()
        hs = make_households(n, months, args.seed)
        gen = time.perf_counter() - t0
        t0 = time.perf_counter()
        table = compile_households(hs)
        compile_s = time.perf_counter() - t0
        streams = len(table.hh)
        check_table(table)  # warm up
        engine_runs = timed(lambda: check_table(table), args.repeat)
        engine = statistics.median(engine_runs)
        t0 = time.perf_counter()
        diagnose_many(hs)  # includes whatever the first run still has to fill in caches
        first_e2e = time.perf_counter() - t0
        e2e_runs = timed(lambda: diagnose_many(hs), args.repeat)
        e2e = statistics.median(e2e_runs)
        print(f"\n{months} months ({streams} streams; generating the households took {gen:.1f} s,"
              f" compile_households {compile_s:.2f} s)")
        print(f"  (i)  vectorised engine, check_table on a compiled table: {engine * 1000:8.1f} ms"
              f"  = {n / engine:>10,.0f} households/s  = {years / engine:>10,.0f} household-years/s"
              f"  (best run {years / min(engine_runs):,.0f})")
        print(f"  (ii) end to end, diagnose_many from Household objects:   {e2e * 1000:8.1f} ms"
              f"  = {n / e2e:>10,.0f} households/s  = {years / e2e:>10,.0f} household-years/s"
              f"  (best run {years / min(e2e_runs):,.0f}; first run {first_e2e * 1000:.0f} ms)")
    res = cli_wall_time(args.repeat)
    if res is None:
        print("\nplanner console script not found on PATH: pip install -e . first")
    else:
        med, times = res
        print(f"\none `planner check scenarios/enslig-mor-2006.toml` process: median {med:.3f} s wall"
              f" (runs: {', '.join(f'{t:.3f}' for t in times)})")


if __name__ == "__main__":
    main()

"""Solve times of `planner plan`: scenarios and generated households at 3-60 months.

    python bench/plan.py [--households 40] [--seed 7] [--months 3,12,24,60] [--alternatives 3]
                         [--on-time] [--presolve] [--hints] [--slack-hint]

Plans are robust to late payouts and come with up to `--alternatives` - 1 alternatives, as
on the web page (issue 14); `--on-time --alternatives 1` measures the plan of before.

`--presolve`, `--hints`, `--slack-hint` turn on the solver settings measured and rejected
(`planner.solver.Tuning`), to measure them again.

For each case prints the median and 95th percentile of the model build time, the solve time
(every CP-SAT call: the three phases, and for households without a plan the opening-buffer
and shortfall solves), the whole `plan()` call (adds diagnosis, decoding, re-simulation and
explanation), and how many plans were proven optimal.
Generated households are those of bench/check.py (a seeded mix of benefit kinds) that have a
problem to solve; the solvent ones return without a model and are not counted. "all levers"
is the catalogue's default set (rent day, instalments, bostøtte to the landlord, deduction,
repayment plan); "+ move_payout" also lets the solver move every NAV payout.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner import solver  # noqa: E402
from planner.cashflow import diagnose  # noqa: E402
from planner.io.household import read_household  # noqa: E402
from planner.solver import chain, engine  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_check", ROOT / "bench" / "check.py")
_check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_check)


def problem_households(n: int, months: int, seed: int):
    """`n` generated households with a timing or income problem (deterministic)."""
    rng = random.Random(seed * 1000 + months)
    out, i = [], 0
    while len(out) < n:
        h = _check.make_household(rng, i, months)
        i += 1
        if diagnose(h).problem != "none":
            out.append(h)
    return out


def measure(households, allow=(), tuning: solver.Tuning = solver.Tuning(), alternatives: int = 3,
            on_time: bool = False) -> dict:
    """Per-household timings, split by outcome ("plan": solvent or planned; "none": infeasible,
    which also pays for the shortfall analysis)."""
    build, solve, total, optimal, status, outcome, proven = [], [], [], 0, {}, [], []
    from ortools.sat.python import cp_model

    orig_build, orig_solve = chain.build, cp_model.CpSolver.solve
    acc = {"build": 0.0, "solve": 0.0}

    def timed_build(*a, **k):
        t = time.perf_counter()
        try:
            return orig_build(*a, **k)
        finally:
            acc["build"] += time.perf_counter() - t

    def timed_solve(*a, **k):
        t = time.perf_counter()
        try:
            return orig_solve(*a, **k)
        finally:
            acc["solve"] += time.perf_counter() - t

    engine.build, cp_model.CpSolver.solve = timed_build, timed_solve
    try:
        for h in households:
            acc["build"] = acc["solve"] = 0.0
            t = time.perf_counter()
            p = solver.plan(h, allow=allow, tuning=tuning, alternatives=alternatives, on_time=on_time)
            total.append(time.perf_counter() - t)
            build.append(acc["build"])
            solve.append(acc["solve"])
            optimal += p.optimal
            proven.append(p.optimal)
            status[p.status] = status.get(p.status, 0) + 1
            outcome.append("none" if p.status == "infeasible" else "plan")
    finally:
        engine.build, cp_model.CpSolver.solve = orig_build, orig_solve
    return {"build": build, "solve": solve, "total": total, "optimal": optimal, "n": len(households),
            "status": status, "outcome": outcome, "proven": proven}


def subset(r: dict, which: str) -> dict | None:
    idx = [i for i, o in enumerate(r["outcome"]) if o == which]
    if not idx:
        return None
    pick = lambda xs: [xs[i] for i in idx]  # noqa: E731
    return {"build": pick(r["build"]), "solve": pick(r["solve"]), "total": pick(r["total"]),
            "optimal": sum(pick(r["proven"])), "n": len(idx), "status": {which: len(idx)}}


def p95(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]


def row(label, r):
    ms = lambda v: f"{v * 1000:7.1f}"  # noqa: E731
    print(f"{label:34s} {ms(statistics.median(r['build']))} {ms(p95(r['build']))} "
          f"{ms(statistics.median(r['solve']))} {ms(p95(r['solve']))} "
          f"{ms(statistics.median(r['total']))} {ms(p95(r['total']))}  {r['optimal']:3d}/{r['n']:<3d} "
          + " ".join(f"{k}={v}" for k, v in sorted(r["status"].items())))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=40)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--months", default="3,12,24,60", help="horizons to measure, comma-separated")
    ap.add_argument("--alternatives", type=int, default=3, help="plans per household (best + alternatives)")
    ap.add_argument("--on-time", action="store_true", help="plan for payouts on their days only")
    ap.add_argument("--no-scenarios", action="store_true", help="skip the bundled scenarios")
    ap.add_argument("--presolve", action="store_true", help="CP-SAT presolve on (measured 2-3x slower)")
    ap.add_argument("--hints", action="store_true", help="hint each phase with the previous solution")
    ap.add_argument("--slack-hint", action="store_true", help="hint the shortfall solve with the no-lever bound")
    args = ap.parse_args()
    tuning = solver.Tuning(presolve=args.presolve, hints=args.hints, slack_hint=args.slack_hint)
    kw = {"tuning": tuning, "alternatives": args.alternatives, "on_time": args.on_time}
    print(f"planner plan benchmark; python {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} cores; times in ms (median, p95); "
          f"{'on time' if args.on_time else 'robust to late payouts'}, {args.alternatives} plan(s) per household")
    print(f"{'case':34s} {'build':>7s} {'p95':>7s} {'solve':>7s} {'p95':>7s} {'plan()':>7s} {'p95':>7s}  optimal")
    scen = [read_household(p) for p in sorted((ROOT / "scenarios").glob("*.toml"))]
    solver.plan(scen[0])  # warm up imports and caches
    for h in scen if not args.no_scenarios else ():
        row(f"scenario {h.id}", measure([h] * 5, **kw))
    for months in (int(m) for m in args.months.split(",")):
        n = args.households if months <= 24 else max(5, args.households // 4)
        hs = problem_households(n, months, args.seed)
        for label, allow in (("all levers", ()), ("+ move_payout", ("move_payout",))):
            r = measure(hs, allow=allow, **kw)
            row(f"{months:2d} months, {label}", r)
            for which, name in (("plan", "  with a plan"), ("none", "  no plan (+ shortfall)")):
                part = subset(r, which)
                if part is not None:
                    row(name, part)


if __name__ == "__main__":
    main()

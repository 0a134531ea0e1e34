"""Balance-over-time charts (PNG), drawn with matplotlib.

A caseworker sees at a glance where the account dips: the balance as a step line, the floor
dashed, rent days marked, and every day below the floor shaded red.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from .formatting import format_decimal, nb_date

#: pyplot and rcParams are global state: every drawing in a threaded server (planner serve)
#: holds this lock, the plan chart and the half-year report's charts alike.
DRAW_LOCK = threading.RLock()


@dataclass(frozen=True)
class Series:
    label: str
    start: date
    balance_ore: np.ndarray  # per day
    colour: str = "#1f4e79"


def balance_chart(
    path: str | Path,
    series: Sequence[Series],
    floor_ore: int,
    rent_dates: Sequence[date] = (),
    title: str = "",
    today: date | None = None,
) -> Path:
    """Write a PNG of one or more balance series (before/after) and return its path; `today`
    (the as-of date) is marked, so the reader sees where the plan starts."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(11, 4.8), dpi=110)
    floor_kr = floor_ore / 100
    for s in series:
        days = [s.start + timedelta(days=i) for i in range(len(s.balance_ore))]
        kr = s.balance_ore / 100  # display only: the engine keeps øre integers
        # matplotlib takes dates through its date converter; its stubs only say arrays
        ax.step(days, kr, where="post", color=s.colour, linewidth=1.4, label=s.label)  # type: ignore[arg-type]
        below = s.balance_ore < floor_ore
        if below.any():
            ax.fill_between(days, kr, floor_kr, where=below, step="post", color="#c0392b",  # type: ignore[arg-type]
                            alpha=0.35, label=f"Under grensen ({int(below.sum())} dager)" if s is series[0] else None)
    ax.axhline(floor_kr, color="#333333", linestyle="--", linewidth=1, label=f"Grense {format_decimal(floor_kr, 0)} kr")
    for i, rd in enumerate(rent_dates):
        ax.axvline(rd, color="#7f8c8d", linewidth=0.6, alpha=0.6, label="Husleie trekkes" if i == 0 else None)  # type: ignore[arg-type]
    if today is not None:
        ax.axvline(today, color="#d35400", linewidth=1.6,  # type: ignore[arg-type]
                   label=f"I dag ({nb_date(today)})")
    ax.xaxis.set_major_locator(mdates.MonthLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m.%y"))
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: format_decimal(v, 0)))
    ax.set_ylabel("Saldo (kr)")
    ax.set_title(title or "Saldo på leietakers konto")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(loc="upper left", fontsize=8, ncol=2)
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    from .io.files import atomic_file

    try:
        with atomic_file(out, "wb") as fh:  # a tenant's balances: 0600 like every output
            fig.savefig(fh, format=out.suffix[1:].lower() or "png")
    finally:
        plt.close(fig)
    return out


def household_chart(household, path: str | Path, same_day_credit: bool = False, today: date | None = None) -> Path:
    """The `planner check --chart` picture: the household's balance as the schedule stands."""
    from .cashflow import diagnose, simulate, transactions
    from .report import PROBLEM_TEXT

    txs = transactions(household)
    sim = simulate(txs, household.start, household.end, household.opening_balance)
    diag = diagnose(household, same_day_credit)
    rent_days = sorted({t.date for t in txs if t.kind == "husleie"})
    title = f"{household.id}: {PROBLEM_TEXT[diag.problem].split(' – ')[0]}"
    return balance_chart(
        path,
        [Series("Saldo i dag", household.start, sim.solvency_series(same_day_credit))],
        household.min_balance,
        rent_days,
        title,
        today,
    )


def plan_chart(household, plan, path: str | Path, same_day_credit: bool = False) -> Path:
    """The `planner plan --chart` picture: the balance before and after the plan, in one PNG."""
    from .cashflow import simulate, transactions

    before = simulate(transactions(household), household.start, household.end, household.opening_balance)
    series = [Series("Før: dagens datoer", household.start, before.solvency_series(same_day_credit), "#95a5a6")]
    if plan.status != "infeasible":
        after = simulate(plan.transactions, household.start, household.end, plan.opening_balance_ore)
        series.append(Series("Etter: med tiltakene", household.start, after.solvency_series(same_day_credit), "#1f4e79"))
        rent_days = sorted({t.date for t in plan.transactions if t.kind == "husleie"})
    else:
        rent_days = sorted({t.date for t in before_rent(household)})
    status_nb = {"solvent": "i orden", "planned": "plan funnet", "infeasible": "ingen plan"}[plan.status]
    title = f"{household.id}: saldo før og etter plan ({status_nb})"
    return balance_chart(path, series, household.min_balance, rent_days, title, plan.as_of)


def before_rent(household):
    from .cashflow import transactions

    return [t for t in transactions(household) if t.kind == "husleie"]

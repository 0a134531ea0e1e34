"""The explanation's shared words: actors, streams, dates, the baseline's dips, instalments.

Used by the plan's explanation (`planner.explain`) and each lever's text
(`planner.explain_levers`); the levers themselves hold no text.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from .calendar import nominal_in_month
from .cashflow import simulate, transactions
from .facts import Ledger, first_changed_month, typical_share
from .formatting import format_kr, nb_date
from .model import Household, Plan

ACTORS_NB = {
    "tenant": "leietaker",
    "landlord": "utleier",
    "nav": "NAV",
    "husbanken": "Husbanken",
    "creditor": "kreditor",
    "sosialtjenesten": "sosialtjenesten",
}


d = nb_date  # the one Norwegian date format (planner.formatting)


def actors_text(actors) -> str:
    return ", ".join(ACTORS_NB.get(a, a) for a in actors)


def first_date(plan: Plan, **match) -> date | None:
    for t in plan.transactions:
        if all(getattr(t, k) == v for k, v in match.items()):
            return t.date
    return None


class Baseline:
    """The balance as the schedule stands, to say which dip an intervention removes."""

    def __init__(self, h: Household, same_day_credit: bool = False, base_tx=None):
        self.h = h
        self.txs = transactions(h) if base_tx is None else base_tx
        self.sim = simulate(self.txs, h.start, h.end, h.opening_balance)
        self.series = self.sim.solvency_series(same_day_credit)

    def dip_between(self, windows: list[tuple[date, date]]) -> tuple[int, date, int] | None:
        """Lowest baseline balance in the windows [a, b), its date, and days below the floor."""
        mask = np.zeros(len(self.series), dtype=bool)
        for a, b in windows:
            i = max(0, (a - self.h.start).days)
            j = min(len(self.series), (b - self.h.start).days)
            if j > i:
                mask[i:j] = True
        if not mask.any():
            return None
        vals = np.where(mask, self.series, np.iinfo(np.int64).max)
        t = int(np.argmin(vals))
        below = int(((self.series < self.h.min_balance) & mask).sum())
        return int(self.series[t]), self.h.start + timedelta(days=t), below


def monthly_windows(h: Household, from_day: int, to_day: int) -> list[tuple[date, date]]:
    """The days from `from_day` up to (not including) `to_day` in every month of the horizon."""
    out = []
    y, m = h.start.year, h.start.month
    while date(y, m, 1) <= h.end:
        a, b = sorted((from_day, to_day))
        out.append((nominal_in_month(y, m, a), nominal_in_month(y, m, b)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


MONTHS_NB = ("jan.", "feb.", "mars", "apr.", "mai", "juni", "juli", "aug.", "sep.", "okt.", "nov.", "des.")


def month_nb(key: str) -> str:
    return f"{MONTHS_NB[int(key[5:7]) - 1]} {key[:4]}"


def instalment_schedule(days: list[int], by_month: dict[str, list[int]]) -> str:
    """'jan. 2026–apr. 2026: 2 741,92 kr den 1. og 5 258,08 kr den 25.; mai 2026–des. 2026:
    8 000,00 kr den 1.' — consecutive months with the same split are one group; a day with
    nothing to pay that month is left out, so no 'zero kroner' debit is ever described."""
    groups: list[tuple[list[str], tuple[int, ...]]] = []
    for key in sorted(by_month):
        split = tuple(by_month[key])
        if groups and groups[-1][1] == split:
            groups[-1][0].append(key)
        else:
            groups.append(([key], split))

    def describe(split: tuple[int, ...]) -> str:
        return " og ".join(f"{format_kr(a)} den {day}." for day, a in zip(days, split) if a) or "ingenting"

    if len(groups) == 1:
        return describe(groups[0][1])
    parts = []
    for keys, split in groups:
        span = month_nb(keys[0]) if len(keys) == 1 else f"{month_nb(keys[0])}–{month_nb(keys[-1])}"
        parts.append(f"{span}: {describe(split)}")
    return "; ".join(parts)


def dip_reason(base: Baseline, windows: list[tuple[date, date]], h: Household) -> str:
    dip = base.dip_between(windows)
    if dip is None or dip[2] == 0:
        return "Gir mer buffer på kontoen i disse dagene."
    low, when, days = dip
    return (f"Fjerner underskuddet i disse dagene: i dag er saldoen under grensen {days} dager der, "
            f"lavest {format_kr(low)} den {d(when)}.")


def tenant_rent_share(plan: Plan, h: Household) -> str:
    """What the tenant still pays by autogiro in a typical month from the plan's first change
    (the rule the letters state as facts, `planner.facts.typical_share`), e.g. '4 900,00 kr'."""
    led = Ledger(plan)
    share, differs = typical_share(led, None, first_changed_month(led, h))
    if not share:
        return "Leietaker betaler da ikke noe selv; hele husleien dekkes direkte."
    total = sum(a.value for _, a in share)
    note = " (varierer med antall utbetalinger i måneden)" if differs else ""
    return f"Leietakers eget trekk blir da {format_kr(total)} i en vanlig måned{note}."


def reason_direct(plan: Plan, h: Household, base: Baseline, kind: str, stream: str) -> str:
    """A direct payment lowers what the tenant pays on the due day: the dip it removes lies
    between the due day and the payout."""
    dates = sorted({t.date for t in plan.transactions if t.kind == kind and t.stream == stream})
    if not dates:
        return ""
    due = h.rent.day or 1
    pay_day = dates[0].day
    return dip_reason(base, monthly_windows(h, due, pay_day), h)

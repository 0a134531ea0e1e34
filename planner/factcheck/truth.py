"""What the plan and the household hold, read once per letter (`Truth`), and the registry of
rules, one per fact key (`rule`, `RULES`): what every rule module of the fact check shares."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ..calendar import any_bank_day
from ..results import Plan, Transaction


class FactMismatch(ValueError):
    """A letter (or task) would state something the plan does not: never written."""


@dataclass(frozen=True)
class Problem:
    key: str
    subject: str
    shown: Any
    expected: str

    def __str__(self) -> str:
        subject = f" ({self.subject})" if self.subject else ""
        return f"{self.key}{subject}: shows {self.shown!r}, but {self.expected}"


# --------------------------------------------------------------------------- what the plan holds


def month_of(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def prev_month(key: str) -> str:
    y, m = int(key[:4]), int(key[5:7])
    return f"{y - 1:04d}-12" if m == 1 else f"{y:04d}-{m - 1:02d}"


class Truth:
    """What the plan and the household hold, read once per letter."""

    def __init__(self, household: Any, plan: Plan, anchor: date | None) -> None:
        from ..cashflow import transactions

        self.h, self.plan, self.anchor = household, plan, anchor
        self.txs: Sequence[Transaction] = plan.transactions
        schedule = transactions(household)
        self.base: list[Transaction] = [t for t in schedule if plan.start <= t.date <= plan.end]
        self.base_rent: dict[str, list[tuple[date, int]]] = {}
        for t in schedule:
            if t.kind == "husleie" and t.account == "tenant" and t.rent_month:
                self.base_rent.setdefault(t.rent_month, []).append((t.date, -t.amount_ore))
        for v in self.base_rent.values():
            v.sort()
        self.rent: dict[str, list[tuple[date, int]]] = {}
        self.direct: dict[str, list[tuple[date, int]]] = {}
        for t in self.txs:
            if t.kind == "husleie" and t.account == "tenant" and t.rent_month:
                self.rent.setdefault(t.rent_month, []).append((t.date, -t.amount_ore))
            elif t.account == "landlord" and t.rent_month:
                self.direct.setdefault(t.rent_month, []).append((t.date, t.amount_ore))
        for d in (self.rent, self.direct):
            for v in d.values():
                v.sort()
        self.interventions = {i.lever: i for i in plan.interventions}

    def dates(self, since: date | None = None, **match: Any) -> list[date]:
        out = sorted(t.date for t in self.txs if all(getattr(t, k) == v for k, v in match.items()))
        if since is not None:
            later = [d for d in out if d >= since]
            return later or out
        return out

    def changed_months(self) -> list[str]:
        """Rent months whose tenant debits differ from the schedule as it stands, or that are
        paid partly straight to the landlord."""
        keys = set(self.base_rent) | set(self.rent)
        return sorted(k for k in keys if self.base_rent.get(k, []) != self.rent.get(k, []) or k in self.direct)

    def typical_months(self) -> dict[str, list[tuple[date, int]]]:
        """The tenant's debits of the months from the first month the plan changes."""
        changed = self.changed_months()
        return {m: v for m, v in self.rent.items() if not changed or m >= changed[0]}

    def typical(self) -> tuple[int, ...]:
        c = Counter(tuple(a for _, a in v) for v in self.typical_months().values())
        return min(c, key=lambda a: (-c[a], a)) if c else ()

    def lowest(self, txs: Iterable[Transaction], opening: int) -> tuple[list[int], list[int], list[date]]:
        """Both solvency series (after the day's debits; end of day) and their days."""
        days = (self.plan.end - self.plan.start).days + 1
        credit, debit = [0] * days, [0] * days
        for t in txs:
            if t.account != "tenant" or not self.plan.start <= t.date <= self.plan.end:
                continue
            k = (t.date - self.plan.start).days
            if t.amount_ore >= 0:
                credit[k] += t.amount_ore
            else:
                debit[k] -= t.amount_ore
        eod, after, bal = [], [], opening
        for k in range(days):
            after.append(bal - debit[k])
            bal += credit[k] - debit[k]
            eod.append(bal)
        return after, eod, [self.plan.start + timedelta(days=k) for k in range(days)]


def shifted(d: date, dom: int) -> bool:
    """`d` is day `dom` of its month, or a later day with only closed days between (a debit or
    payment due on a weekend or holiday runs on the next bank day)."""
    last = (date(d.year + (d.month == 12), d.month % 12 + 1, 1) - timedelta(days=1)).day
    nominal = date(d.year, d.month, min(dom, last))
    if d < nominal:
        return False
    return not any_bank_day(nominal, d)


# --------------------------------------------------------------------------- one rule per key

Rule = Callable[[Any, Truth], str | None]
RULES: dict[str, Rule] = {}


def rule(*keys: str) -> Callable[[Rule], Rule]:
    def deco(fn: Rule) -> Rule:
        for k in keys:
            RULES[k] = fn
        return fn
    return deco


def eq(shown: Any, expected: Any, what: str) -> str | None:
    return None if shown == expected else f"{what} is {expected!r}"

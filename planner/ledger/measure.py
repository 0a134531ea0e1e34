"""How early does the ledger flag a problem tenancy, compared with the collector's list?

Why: the point of reading the ledger is to call a tenant months before the case goes to the
collector (kreditor), when the claim is one or two rents and not 22 500 kr. This module measures
that lead on a generated ledger whose truth is known: for each tenancy, the date its arrears first
reach the collector's line (two months' rent: `warning.collector_months`) in the full ledger,
found by a plain walk over its bookings (independent of the vectorised analysis), and the first
as-of date (one a month) on which the analysis flags it with a problem pattern.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from ..model import add_months
from .analysis import analyse
from .patterns import PROBLEM_PATTERNS, classify
from .reading import KIND_CODE
from .synth import Generated
from .warning import collector_months, to_day

_SIGN = {"charge": 1, "credit": -1, "payment": -1, "reversal": 1, "returned": 1, "instalment": 0}


def assess(frame: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """The pattern of every tenancy in a generated frame as of a day (tenancy, pattern)."""
    f = frame[frame["date"] <= as_of]
    day = np.array(f["date"].tolist(), dtype="datetime64[D]").astype(np.int64)
    codes, ids = pd.factorize(f["tenancy"])
    a = analyse(codes, np.asarray(ids, dtype=object), day, f["kind"].map(KIND_CODE).to_numpy().astype(np.int8),
                f["amount_ore"].to_numpy(), np.arange(len(f)), to_day(as_of))
    return pd.DataFrame({"tenancy": a.tenancies["tenancy"], "pattern": classify(a.tenancies)})


def collector_dates(g: Generated) -> dict[str, date]:
    """The first day each tenancy's balance reaches `collector_months()` × its rent (plain loop)."""
    out: dict[str, date] = {}
    line_months = collector_months()
    for tid, grp in g.frame.groupby("tenancy", sort=False):
        rent = int(grp.loc[grp["kind"] == "charge", "amount_ore"].median())
        balance = 0
        rows = sorted(grp.itertuples(index=False), key=lambda r: (r.date, r.kind != "charge"))
        by_day: dict[date, int] = {}
        for r in rows:
            balance += _SIGN[r.kind] * r.amount_ore
            by_day[r.date] = balance
        for d, b in by_day.items():  # the balance at the end of each day
            if b >= line_months * rent:
                out[tid] = d
                break
    return out


def precision_recall(truth: dict[str, str], found: dict[str, str]) -> dict[str, tuple[float, float]]:
    """Per planted pattern: (precision, recall) of the patterns `found` for each tenancy against
    the planted `truth`. A tenancy missing from `found` counts as not found (a lost tenancy lowers
    recall, it is never left out of the measure)."""
    from .synth import PLANTED

    out = {}
    for p in PLANTED:
        tp = sum(1 for t, q in truth.items() if q == p and found.get(t) == p)
        predicted = sum(1 for t, q in found.items() if q == p and t in truth)
        planted = sum(1 for q in truth.values() if q == p)
        out[p] = (tp / max(predicted, 1), tp / max(planted, 1))
    return out


@dataclass
class Lead:
    tenancy: str
    planted: str
    collector: date
    flagged: date | None
    months: float | None  # collector - flagged, in months (None: never flagged before it)


def lead_times(g: Generated, first: date, last: date, day_of_month: int = 20) -> list[Lead]:
    """For each tenancy that reaches the collector's line, how many months before it the monthly
    assessment (on `day_of_month` of each month from `first` to `last`) flagged it."""
    reach = collector_dates(g)
    flagged: dict[str, date] = {}
    d = first.replace(day=day_of_month)
    while d <= last:
        t = assess(g.frame, d)
        for tid, p in zip(t["tenancy"], t["pattern"]):
            if p in PROBLEM_PATTERNS and tid not in flagged:
                flagged[tid] = d
        d = add_months(d, 1)
    out = []
    for tid, c in sorted(reach.items()):
        f = flagged.get(tid)
        f = f if f is not None and f <= c else None
        out.append(Lead(tid, g.truth[tid], c, f, None if f is None else round((c - f).days / (365.25 / 12), 1)))
    return out


__all__ = ["Lead", "assess", "collector_dates", "lead_times", "precision_recall"]

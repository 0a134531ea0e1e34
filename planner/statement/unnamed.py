"""Payouts from NAV whose text names no benefit ("NAV ØKONOMILINJEN"), split into one stream
per benefit by amount, day of month and rhythm. Pure, like `detect`, which calls it."""

from __future__ import annotations

import statistics
from datetime import timedelta

from .model import Entry
from .rhythm import rhythm_of, typical_amount

#: the `why` of classify.credit_kind for money from NAV whose text names no benefit
NAV_UNNAMED = "NAV, ytelsen ikke navngitt"
NAV_LABEL = "NAV, ytelse ukjent"
_SAME_AMOUNT = 0.02  # payouts this close in amount are one benefit's


def _by_day(cluster: list[Entry]) -> list[list[Entry]]:
    """One amount paid on two days of each month (two children, two benefits of one size):
    split by day of month; a 14-day stream or one payout a month stays whole."""
    dates = [e.booked for e in cluster]
    if rhythm_of(dates) == "14 days" or len(cluster) <= len({(d.year, d.month) for d in dates}):
        return [cluster]
    parts: list[list[Entry]] = []
    for e in sorted(cluster, key=lambda e: (e.booked.day, e.booked)):
        if parts and e.booked.day - parts[-1][-1].booked.day <= 5:
            parts[-1].append(e)
        else:
            parts.append([e])
    return [sorted(p, key=lambda e: e.booked) for p in parts]


def _anchor(part: list[Entry]) -> bool:
    dates = [e.booked for e in part]
    return rhythm_of(dates) is not None or (len(part) >= 2 and len({(d.year, d.month) for d in dates}) == len(part))


def _home(e: Entry, streams: list[list[Entry]]) -> list[Entry] | None:
    """The rhythm stream a stray payout belongs to: the smaller AAP payout after a late
    meldekort fills its 14-day slot; a December payout of another size fills its month."""
    best: tuple[float, int] | None = None
    for i, p in enumerate(streams):
        dates = [x.booked for x in p]
        typical = typical_amount([x.amount_ore for x in p])
        ratio = e.amount_ore / typical
        if not (dates[0] - timedelta(days=35) <= e.booked <= dates[-1] + timedelta(days=35)):
            continue
        if rhythm_of(dates) == "14 days":
            fits = 0.8 <= ratio <= 1.05 and min(abs((e.booked - d).days) for d in dates) >= 9
        else:
            months = {(d.year, d.month) for d in dates}
            day = statistics.median_low([d.day for d in dates])
            fits = (e.booked.year, e.booked.month) not in months and 0.5 <= ratio <= 2.0 and \
                (e.booked.month == 12 or abs(e.booked.day - day) <= 10)
        if fits and (best is None or abs(1 - ratio) < best[0]):
            best = (abs(1 - ratio), i)
    return streams[best[1]] if best else None


def split_unnamed(group: list[Entry]) -> list[list[Entry]]:
    """Payouts from one payer whose text names no benefit ("NAV ØKONOMILINJEN"), one list per
    benefit: by amount (within 2 %), then by day of month, each stray payout to the rhythm it
    fills. Several benefits of one payer must never merge into one irregular line: that hides
    all but the named ones and turns a household with no problem into an income problem."""
    clusters: list[list[Entry]] = []
    for e in sorted(group, key=lambda e: (e.amount_ore, e.booked)):
        if clusters and e.amount_ore <= clusters[-1][-1].amount_ore * (1 + _SAME_AMOUNT):
            clusters[-1].append(e)
        else:
            clusters.append([e])
    parts = [p for c in clusters for p in _by_day(c)]
    # anchors: a rhythm already, or at most one payout a month (a monthly benefit whose
    # December payout was larger, so that its gaps look irregular until December joins it)
    streams = [sorted(p, key=lambda e: e.booked) for p in parts if _anchor(p)]
    rest: list[list[Entry]] = []
    for p in parts:
        if _anchor(p):
            continue
        left = []
        for e in p:
            home = _home(e, streams)
            if home is None:
                left.append(e)
            else:
                home.append(e)
                home.sort(key=lambda x: x.booked)
        if left:
            rest.append(left)
    return sorted(streams + rest, key=lambda p: (p[0].booked, p[0].amount_ore))

"""How often a payer pays: the gap thresholds of a monthly and a 14-day rhythm, the gaps
between payouts, a stream's typical amount. Shared by the detection of streams
(`detect`) and the split of a payer's unnamed payouts (`unnamed`), so both read a rhythm
the same way."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import date

#: days between payouts read as monthly, and as every 14 days
MONTHLY = (25, 35)
FORTNIGHT = (12, 16)


def typical_amount(amounts: list[int]) -> int:
    """The amount paid most often when it is at least half of them, else the lower median."""
    counts = Counter(amounts)
    value, n = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
    if n * 2 >= len(amounts):
        return value
    return int(statistics.median_low(amounts))



def day_gaps(dates: list[date]) -> list[int]:
    """Days between consecutive dates."""
    return [(b - a).days for a, b in zip(dates, dates[1:])]


def rhythm_of(dates: list[date]) -> str | None:
    """'14 days', 'monthly' or None: the same thresholds as `detect` uses for a stream."""
    between = day_gaps(sorted(set(dates)))
    if not between:
        return None
    med = statistics.median(between)
    if len(dates) >= 4 and FORTNIGHT[0] <= med <= FORTNIGHT[1]:
        return "14 days"
    if len({(d.year, d.month) for d in dates}) >= 3 and MONTHLY[0] <= med <= MONTHLY[1]:
        return "monthly"
    return None

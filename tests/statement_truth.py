"""Comparing a drafted household with the true one: stream by stream, and by diagnosis."""

from __future__ import annotations

from planner.calendar import household_schedules, occurrences
from planner.model import Household


def stream_dates(h: Household, december: bool = True) -> list[tuple[str, str, list, int]]:
    """(flow, kind, effective dates over the horizon, total øre over the horizon) per stream.

    `december=False` leaves December's amounts out of the total: a statement without a
    December cannot show that month's exception, so it is not counted against the draft."""
    inc, exp = household_schedules(h)
    out = []
    for flow, items, scheds in (("in", h.income, inc), ("out", h.expense, exp)):
        for item, sched in zip(items, scheds):
            occ = occurrences(sched, h.start, h.end)
            out.append((flow, item.kind, [o.effective for o in occ],
                        sum(item.amount_for(o.nominal.year, o.nominal.month) for o in occ
                            if december or o.nominal.month != 12)))
    return out


def same_stream(a, b) -> bool:
    """Same flow and kind, at least 90 % of the horizon's payout dates the same, and the
    horizon's total within 3 %."""
    if a[0] != b[0] or a[1] != b[1]:
        return False
    da, db = set(a[2]), set(b[2])
    if not da or not db:
        return False
    shared = len(da & db) / max(len(da), len(db))
    return shared >= 0.9 and abs(a[3] - b[3]) <= 0.03 * max(a[3], b[3])


def match(truth: Household, draft: Household, december: bool = True) -> tuple[int, int, int]:
    """(true positives, detected streams, true streams), each true stream matched at most once."""
    t, d = stream_dates(truth, december), stream_dates(draft, december)
    used: set[int] = set()
    tp = 0
    for s in d:
        for i, x in enumerate(t):
            if i not in used and same_stream(s, x):
                used.add(i)
                tp += 1
                break
    return tp, len(d), len(t)

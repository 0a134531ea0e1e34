"""Is the plan kept? The plan's expected payments to the landlord against what the landlord's
ledger shows was paid, month by month.

Pure: dates and øre in, typed verdicts out; no files, no clock (`as_of` is a parameter), no
words (the web page and `planner follow-up` put them at the edges).

How money is matched to what was due. The ledger does not say which rent a payment was meant
for, and a tenant who pays late pays the oldest debt first, so money is applied **first due,
first paid**: the payments up to a day, summed (a reversed or returned payment counts
negative), cover the dues in the order of their dates. A due of amount *a* whose earlier dues
add up to *C* has ``min(max(P(t) - C, 0), a)`` covered on day *t*, *P(t)* being the payments
booked on or before *t*. Judging on the due day and at the end of the tolerance (the office's
"late within N days") gives the verdicts:

- **kept**: fully covered on its day and from then on to the end of the tolerance (a debit
  returned a few days later and paid again is late; not paid again, it is not kept);
- **late**: fully covered after its day but within the tolerance;
- **partly**: the tolerance has passed and only part is covered;
- **broken**: the tolerance has passed and nothing is covered;
- **pending**: not covered yet, but the tolerance has not passed on `as_of`: not judged.

A month (the rent month the plan's transaction is for) takes the worst verdict of its dues.
Dues after `as_of` are not judged at all.
"""

from __future__ import annotations

import bisect
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from typing import Any


class Verdict(str, enum.Enum):
    KEPT = "kept"
    PENDING = "pending"
    LATE = "late"
    PARTLY = "partly"
    BROKEN = "broken"


#: worse verdicts later: a month is as bad as its worst due
SEVERITY = {v: i for i, v in enumerate(Verdict)}
#: verdicts that call for a follow-up task
NEEDS_FOLLOW_UP = (Verdict.LATE, Verdict.PARTLY, Verdict.BROKEN)


@dataclass(frozen=True, slots=True)
class Due:
    """One payment the plan expects the landlord to receive."""

    day: date
    amount_ore: int  # > 0
    month: str  # the rent month it pays, YYYY-MM


@dataclass(frozen=True, slots=True)
class Payment:
    """One booking of money on the tenancy; negative for a reversed or returned payment."""

    day: date
    amount_ore: int


@dataclass(frozen=True, slots=True)
class DueCheck:
    due: Due
    verdict: Verdict
    cutoff: date  # the due day plus the tolerance
    paid_ore: int  # covered on min(cutoff, as_of)
    covered_on: date | None  # the first day it was fully covered (up to min(cutoff, as_of))


@dataclass(frozen=True, slots=True)
class MonthCheck:
    month: str
    verdict: Verdict
    expected_ore: int
    paid_ore: int
    dues: tuple[DueCheck, ...]

    @property
    def missing_ore(self) -> int:
        return self.expected_ore - self.paid_ore


def check_dues(dues: Iterable[Due], payments: Iterable[Payment], as_of: date, tolerance_days: int) -> list[DueCheck]:
    """Each due on or before `as_of`, judged (module docstring), in the order of their days."""
    if tolerance_days < 0:
        raise ValueError("tolerance_days must be >= 0")
    ordered = sorted((d for d in dues if d.day <= as_of), key=lambda d: (d.day, d.month, d.amount_ore))
    if any(d.amount_ore <= 0 for d in ordered):
        raise ValueError("a due amount must be positive")
    pays = sorted((p for p in payments if p.day <= as_of), key=lambda p: p.day)
    days = [p.day for p in pays]
    running = list(accumulate(p.amount_ore for p in pays))

    def paid_by(t: date) -> int:
        i = bisect.bisect_right(days, t)
        return running[i - 1] if i else 0

    out: list[DueCheck] = []
    before = 0
    for d in ordered:
        def covered(t: date, before: int = before, a: int = d.amount_ore) -> int:
            return min(max(paid_by(t) - before, 0), a)

        cutoff = d.day + timedelta(days=tolerance_days)
        judge = min(cutoff, as_of)
        paid = covered(judge)
        # the day from which it stayed covered up to the judging day: a payment whose debit
        # came back is no day of payment (payment days are the only days coverage changes)
        covered_on: date | None = None
        for t in dict.fromkeys(x for x in days if x <= judge):
            covered_on = (covered_on or t) if covered(t) == d.amount_ore else None
        if covered_on is not None:  # covered on the judging day
            verdict = Verdict.KEPT if covered_on <= d.day else Verdict.LATE
        elif cutoff > as_of:
            verdict = Verdict.PENDING
        else:
            verdict = Verdict.PARTLY if paid > 0 else Verdict.BROKEN
        out.append(DueCheck(d, verdict, cutoff, paid, covered_on))
        before += d.amount_ore
    return out


def check_months(dues: Iterable[Due], payments: Iterable[Payment], as_of: date,
                 tolerance_days: int) -> list[MonthCheck]:
    """`check_dues` gathered by rent month, in month order; a month is as bad as its worst due."""
    by_month: dict[str, list[DueCheck]] = {}
    for c in check_dues(dues, payments, as_of, tolerance_days):
        by_month.setdefault(c.due.month, []).append(c)
    return [MonthCheck(m, max((c.verdict for c in cs), key=SEVERITY.__getitem__),
                       sum(c.due.amount_ore for c in cs), sum(c.paid_ore for c in cs), tuple(cs))
            for m, cs in sorted(by_month.items())]


def kept_streak(months: Sequence[MonthCheck]) -> int:
    """How many judged months in a row, counting back from the last judged one, were kept
    (months still pending at the end are skipped: they are not judged yet)."""
    n = 0
    for m in reversed(months):
        if m.verdict is Verdict.PENDING and n == 0:
            continue
        if m.verdict is not Verdict.KEPT:
            break
        n += 1
    return n


#: plan transaction kinds that are money the landlord receives: the rent, the parts paid to the
#: landlord directly, and the repayment plan's instalments (the arrears are rent arrears, owed to
#: the landlord whose ledger is read: the letters send the repayment plan to the landlord too)
LANDLORD_KINDS = ("husleie", "bostotte_direct", "deduction", "repayment")


def dues_from_plan(plan: dict[str, Any]) -> list[Due]:
    """The payments the landlord should receive, from a plan document's transactions (JSON, as
    stored): the tenant's rent debits, the parts paid directly (bostøtte, trekk) and the
    repayment plan's instalments, which are booked to the month they fall in. A transaction
    that cannot be read (a document edited by hand) is left out."""
    out: list[Due] = []
    for t in plan.get("transactions") or ():
        if not isinstance(t, dict) or t.get("kind") not in LANDLORD_KINDS:
            continue
        try:
            day = date.fromisoformat(str(t["date"]))
            amount = abs(int(t["amount_ore"]))
        except (KeyError, TypeError, ValueError):
            continue
        rent_month = t.get("rent_month")
        month = rent_month if isinstance(rent_month, str) else day.strftime("%Y-%m")
        if amount > 0:
            out.append(Due(day, amount, month))
    return out

"""The rules for the plan-wide facts: the lowest balances and days below the floor, the bridge,
the shortfall, the eviction projection, the budget, the household and the letters' dates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from ..calendar import is_bank_day
from ..results import Transaction
from .truth import Truth, eq, month_of, rule, shifted


def _low(after: list[int], eod: list[int], days: list[date]) -> set[tuple[int, date]]:
    """The (lowest, a day it is reached) pairs of both series."""
    out = set()
    for series in (after, eod):
        m = min(series)
        out |= {(m, d) for v, d in zip(series, days) if v == m}
    return out


@rule("baseline.low", "baseline.low_date", "plan.low", "plan.low_date")
def _lowest(f: Any, t: Truth) -> str | None:
    if f.key.startswith("baseline"):
        after, eod, days = t.lowest(t.base, t.h.opening_balance)
    else:
        after, eod, days = t.lowest(t.txs, t.plan.opening_balance_ore)
    pairs = _low(after, eod, days)
    ok = any((m if f.unit == "ore" else d) == f.value for m, d in pairs)
    return None if ok else f"the day-by-day balance's lowest is {sorted(pairs)[:2]}"


@rule("baseline.days_below")
def _days_below(f: Any, t: Truth) -> str | None:
    after, eod, _ = t.lowest(t.base, t.h.opening_balance)
    floor = t.h.min_balance
    counts = {sum(v < floor for v in after), sum(v < floor for v in eod)}
    return None if f.value in counts else f"the balance is below the floor on {sorted(counts)} days"


def _late(t: Truth, txs: Iterable[Transaction]) -> list[Transaction]:
    """The tenant's bookings with every payout of a stream that may come late at its latest
    (its `late_days` bank days after its day, all at once): what a robust plan, and the
    shortfall of a household without a plan, must also survive.
    A payout pushed past the horizon is not there at all."""
    late = {inc.stream: inc.late for inc in t.h.income}  # each stream's own late days (the data's or the file's)
    out = []
    for x in txs:
        n = late.get(x.stream or "", 0) if x.kind == "income" and x.account == "tenant" else 0
        d = x.date
        while n > 0:
            d += timedelta(days=1)
            n -= is_bank_day(d)
        if d <= t.plan.end:
            out.append(Transaction(d, x.account, x.kind, x.amount_ore, x.stream, x.rent_month) if d != x.date else x)
    return out


def _first_dips(t: Truth, opening: int) -> list[date | None]:
    """The first day below the floor, payouts on time and (robust plans) all late."""
    out: list[date | None] = []
    for txs in (list(t.txs), _late(t, t.txs)):
        after, eod, days = t.lowest(txs, opening)
        below = [d for v, w, d in zip(after, eod, days) if min(v, w) < t.plan.floor_ore]
        out.append(below[0] if below else None)
    return out


def _buffer(t: Truth) -> int:
    i = t.interventions.get("opening_buffer")
    return int(i.params.to_json()["amount_ore"]) if i is not None else t.plan.opening_buffer_ore


@rule("buffer.amount")
def _buffer_amount(f: Any, t: Truth) -> str | None:
    if f.value <= 0:
        return "a buffer is above 0 kr"
    if f.value != _buffer(t):
        return f"the plan's buffer is {_buffer(t)}"
    if all(d is None for d in _first_dips(t, t.plan.opening_balance_ore - f.value)):
        return "the plan holds without it, payouts on time or late"
    return None


@rule("buffer.before")
def _buffer_before(f: Any, t: Truth) -> str | None:
    dips = [d for d in _first_dips(t, t.plan.opening_balance_ore - _buffer(t)) if d is not None]
    if dips and min(dips) < f.value:
        return f"the balance is below the floor from {min(dips)} without the money"
    return None


def _no_change_sums(t: Truth) -> set[tuple[int | None, int]]:
    """The (monthly, one-time) extra sums that suffice with nothing changed, re-derived by a
    walk of the schedule as it stands (payouts on time, and all late for a robust plan; the
    balance after the day's debits, and at the day's end): the one-time sum is the deepest
    dip below the floor; a monthly sum arrives on each month's first day and, with the start
    buffer given, must cover each day's dip divided by the month firsts that came before it."""
    out: set[tuple[int | None, int]] = set()
    floor, extra = t.plan.floor_ore, t.plan.opening_buffer_ore
    for txs in (t.base, _late(t, t.base)):
        after, eod, days = t.lowest(txs, t.h.opening_balance)
        for series, same_day in ((after, False), (eod, True)):
            one = max(0, max(floor - v for v in series))
            monthly: int | None = 0
            firsts = 0
            for v, d in zip(series, days):
                firsts += d.day == 1 and same_day
                need = floor - v - extra
                if need > 0:
                    if firsts == 0:
                        monthly = None
                        break
                    monthly = max(monthly or 0, -(-need // firsts))
                firsts += d.day == 1 and not same_day
            out.add((monthly, one))
    return out


@rule("shortfall.monthly", "shortfall.one_time", "shortfall.buffer", "shortfall.before")
def _shortfall(f: Any, t: Truth) -> str | None:
    name = f.key.split(".")[1]
    if name == "before":
        hits = t.dates(t.plan.start, kind="income")
        return eq(f.value, hits[0] if hits else t.plan.start, "the first payout")
    if name == "buffer":
        return eq(f.value, t.plan.opening_buffer_ore, "the plan's start buffer")
    sf = t.plan.shortfall
    if sf is not None and sf.unchanged_one_time_ore is None:  # a plan from an older file: its figures
        return eq(f.value, getattr(sf, f"{name}_ore", None), "the plan's shortfall")
    sums = _no_change_sums(t)
    if sf is not None and sf.unplannable_arrears_ore:
        sums = {(None, one + sf.unplannable_arrears_ore) for _, one in sums}
    ok = any((m if name == "monthly" else one) == f.value for m, one in sums)
    return None if ok else f"with nothing changed the sums are {sorted(sums, key=str)}"


@rule("projection.first_due", "projection.first_unpaid", "projection.deadline", "projection.cost", "projection.times",
      "projection.request_date", "projection.eviction_date", "projection.cure", "projection.cure_deadline")
def _projection(f: Any, t: Truth) -> str | None:
    p = t.plan.if_nothing_done
    if p is None:
        return "the plan has no projection"
    name = f.key.split(".")[1]
    if name == "first_due":
        # the due date as agreed (the 1st), or the bank day its debit runs on
        due = {d for v in t.base_rent.values() for d, _ in v}
        agreed = any(d.month == f.value.month and d.year == f.value.year and shifted(d, f.value.day) for d in due)
        return None if f.value in due or agreed else "no rent falls due that day"
    if f.unit == "ore" and f.value <= 0:
        return "an amount above 0 kr"
    table: dict[str, list[Any]] = {"first_unpaid": [u.unpaid_ore for u in p.unpaid_rents[:1]] + [p.existing_arrears_ore]
              + [x.principal_ore for x in p.settlements[:1]],
              "deadline": [x.deadline for x in p.settlements[:1]], "cost": [p.cost_of_waiting_ore],
              "request_date": [p.request_date], "eviction_date": [p.eviction_date], "cure": [p.cure_amount_ore],
              "cure_deadline": [p.cure_deadline], "times": [len(p.settlements)]}
    fields = table[name]
    return None if f.value in fields else f"the projection says {fields}"


def _whole_months(t: Truth) -> list[str]:
    out, d = [], date(t.plan.start.year, t.plan.start.month, 1)
    while d <= t.plan.end:
        nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        if d >= t.plan.start and nxt - timedelta(days=1) <= t.plan.end:
            out.append(month_of(d))
        d = nxt
    if not out:
        d = t.plan.start
        while d <= t.plan.end:
            out.append(month_of(d))
            d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out


@rule("budget.from", "budget.to", "budget.months", "budget.income", "budget.outgoing", "budget.income_total",
      "budget.outgoing_total")
def _budget(f: Any, t: Truth) -> str | None:
    months = _whole_months(t)
    n = len(months)
    name = f.key.split(".")[1]
    if name in ("from", "to", "months"):
        return eq(f.value, {"from": months[0], "to": months[-1], "months": n}[name], "the horizon's whole months")
    inside = [x for x in t.base if month_of(x.date) in months]
    if name in ("income", "income_total"):
        rows = [x.amount_ore for x in inside if x.kind == "income" and (name == "income_total" or x.stream == f.subject)]
    else:
        rows = [-x.amount_ore for x in inside if x.amount_ore < 0 and x.kind != "income"
                and (name == "outgoing_total" or x.kind == f.subject)]
    total = sum(rows)
    if name.endswith("total"):
        return eq(f.value, (2 * total + n) // (2 * n), f"{total} øre over {n} months")
    return None if f.value in (total // n, -(-total // n)) else f"{total} øre over {n} months"


@rule("household.adults", "household.children")
def _household(f: Any, t: Truth) -> str | None:
    return eq(f.value, getattr(t.h, f.key.split(".")[1]), "the household's figure")


@rule("request_by")
def _request_by(f: Any, t: Truth) -> str | None:
    i = t.interventions.get(f.subject)
    if i is None or i.request_by != f.value:
        return "the plan's last day to ask is another"
    if t.plan.as_of is not None and f.value < t.plan.as_of:
        return "before the day the plan was made"
    if i.effective_from is not None and f.value > i.effective_from:
        return "after the change takes effect"
    return None


@rule("letter.date", "letter.reply_by")
def _letter_dates(f: Any, t: Truth) -> str | None:
    return None  # the letter's own dates: checked together in `check_facts`

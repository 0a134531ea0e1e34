"""The independent check of every fact a person reads, as `cashflow.simulate` is of every plan.

Each fact (`planner.facts.Fact`) a letter shows is re-derived here from the plan's transactions,
the household's own schedule and the plan's figures, by code written apart from the code that
stated it (this module imports neither `planner.facts`' builders nor the levers nor the
letters): the first trekk is the first `deduction` transaction of its stream; the month a
bostøtte payout is for is the month before the payout's month (Husbanken pays in arrears), and
the tenant must not have paid that month in full; averages are sums over the months they name;
a month table lists every month that changes. A key without a rule here is itself a mismatch.

`check_text` then reads the rendered text and finds every date, amount and month in it: each
must be the text of a fact that was shown, so a template that computes a date of its own, or
prints a figure it was never given as a fact, fails.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .calendar import is_bank_day
from .results import Plan, Transaction


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


def _month(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def _prev_month(key: str) -> str:
    y, m = int(key[:4]), int(key[5:7])
    return f"{y - 1:04d}-12" if m == 1 else f"{y:04d}-{m - 1:02d}"


class Truth:
    """What the plan and the household hold, read once per letter."""

    def __init__(self, household: Any, plan: Plan, anchor: date | None) -> None:
        from .cashflow import transactions

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


def _shifted(d: date, dom: int) -> bool:
    """`d` is day `dom` of its month, or a later day with only closed days between (a debit or
    payment due on a weekend or holiday runs on the next bank day)."""
    last = (date(d.year + (d.month == 12), d.month % 12 + 1, 1) - timedelta(days=1)).day
    nominal = date(d.year, d.month, min(dom, last))
    if d < nominal:
        return False
    k = nominal
    while k < d:
        if is_bank_day(k):
            return False
        k += timedelta(days=1)
    return True


# --------------------------------------------------------------------------- one rule per key

Rule = Callable[[Any, Truth], str | None]
RULES: dict[str, Rule] = {}


def rule(*keys: str) -> Callable[[Rule], Rule]:
    def deco(fn: Rule) -> Rule:
        for k in keys:
            RULES[k] = fn
        return fn
    return deco


def _eq(shown: Any, expected: Any, what: str) -> str | None:
    return None if shown == expected else f"{what} is {expected!r}"


@rule("deduction.first")
def _deduction_first(f: Any, t: Truth) -> str | None:
    hits = t.dates(t.anchor, kind="deduction", stream=f.subject)
    if not hits:
        return "the plan withholds nothing from that stream"
    if not any(x.date == hits[0] and x.kind == "income" and x.stream == f.subject for x in t.txs):
        return f"no payout of the stream on {hits[0]}"
    return _eq(f.value, hits[0], "the plan's first deduction")


@rule("deduction.amount")
def _deduction_amount(f: Any, t: Truth) -> str | None:
    amounts = {x.amount_ore for x in t.txs if x.kind == "deduction" and x.stream == f.subject}
    if f.value <= 0:
        return "a deduction is above 0 kr"
    return _eq({f.value}, amounts, "every deduction of the plan")


def _deduction_payouts(t: Truth, stream: str) -> int:
    per: Counter[str] = Counter(x.rent_month or "" for x in t.txs if x.kind == "deduction" and x.stream == stream)
    c = Counter(per.values())
    return max(c, key=lambda n: (c[n], -n)) if c else 1


@rule("deduction.payouts")
def _deduction_payouts_rule(f: Any, t: Truth) -> str | None:
    return _eq(f.value, _deduction_payouts(t, f.subject), "the most common number of deductions in a rent month")


@rule("deduction.per_month")
def _deduction_per_month(f: Any, t: Truth) -> str | None:
    amounts = [x.amount_ore for x in t.txs if x.kind == "deduction" and x.stream == f.subject]
    return _eq(f.value, _deduction_payouts(t, f.subject) * (amounts[0] if amounts else 0), "payouts × deduction")


@rule("bostotte.first")
def _bostotte_first(f: Any, t: Truth) -> str | None:
    hits = t.dates(t.anchor, kind="bostotte_direct", stream=f.subject)
    return _eq(f.value, hits[0] if hits else None, "the plan's first payout to the kommune")


@rule("bostotte.for_month")
def _bostotte_for_month(f: Any, t: Truth) -> str | None:
    hits = t.dates(t.anchor, kind="bostotte_direct", stream=f.subject)
    if not hits:
        return "the plan transfers no bostøtte"
    month = _prev_month(_month(hits[0]))  # paid in arrears: the payout in March is for February
    if f.value != month:
        return f"Husbanken's payout {hits[0]} is bostøtte for {month}"
    rent = t.h.rent.amount_for(int(month[:4]), int(month[5:7]))
    own = sum(a for _, a in t.rent.get(month, []))
    direct = sum(a for _, a in t.direct.get(month, []))
    if own >= rent:
        return f"the tenant pays the rent of {month} in full ({own} øre): the transfer would pay that month twice"
    return _eq(own + direct, rent, f"the rent of {month}")


def _first_changed_debit(t: Truth, since: date | None) -> date | None:
    for key in sorted(set(t.base_rent) | set(t.rent)):
        new = t.rent.get(key, [])
        if new and new != t.base_rent.get(key, []) and (since is None or new[0][0] >= since):
            return new[0][0]
    return None


@rule("rent_day.first", "rent_instalments.first")
def _rent_first(f: Any, t: Truth) -> str | None:
    lever = f.key.split(".")[0]
    i = t.interventions.get(lever)
    since = (i.effective_from if i is not None else None) or t.anchor
    return _eq(f.value, _first_changed_debit(t, since), "the first debit of the first month that changes")


@rule("rent_day.day")
def _rent_day(f: Any, t: Truth) -> str | None:
    i = t.interventions.get("rent_day")
    if i is None or int(i.params["day"]) != f.value:
        return "the plan's new rent day is another"
    first = _first_changed_debit(t, i.effective_from or t.anchor)
    if first is not None and not _shifted(first, f.value):
        return f"the first new debit {first} is not on that day"
    return None


@rule("rent.day")
def _rent_day_now(f: Any, t: Truth) -> str | None:
    return _eq(f.value, t.h.rent.day, "the household's rent day")


@rule("rent.amount")
def _rent_amount(f: Any, t: Truth) -> str | None:
    return _eq(f.value, t.h.rent.amount, "the household's rent")


@rule("rent_instalments.parts")
def _parts(f: Any, t: Truth) -> str | None:
    return _eq(f.value, len([a for a in t.typical() if a > 0]), "the typical month's debits above 0 kr")


@rule("share.amount")
def _share_amount(f: Any, t: Truth) -> str | None:
    if f.value <= 0:
        return "a debit is above 0 kr"
    return None if f.value in t.typical() else f"the typical month's debits are {t.typical()}"


@rule("share.total")
def _share_total(f: Any, t: Truth) -> str | None:
    return _eq(f.value, sum(a for a in t.typical() if a > 0), "the typical month's debits together")


@rule("share.day")
def _share_day(f: Any, t: Truth) -> str | None:
    typical = t.typical()
    months = [v for v in t.typical_months().values() if tuple(a for _, a in v) == typical]
    if any(_shifted(d, f.value) for v in months for d, _ in v):
        return None
    return "no debit of a typical month falls on that day"


@rule("change.month")
def _change_month(f: Any, t: Truth) -> str | None:
    return None if f.value in t.changed_months() else "that month's rent does not change"


@rule("change.old_date", "change.old_amount")
def _change_old(f: Any, t: Truth) -> str | None:
    rows = t.base_rent.get(f.subject, [])
    ok = any((d if f.unit == "date" else a) == f.value for d, a in rows)
    return None if ok else f"the debits of {f.subject} as they stand are {rows}"


@rule("change.new_date", "change.new_amount", "new_debit.amount")
def _change_new(f: Any, t: Truth) -> str | None:
    rows = t.rent.get(f.subject, [])
    ok = any((d if f.unit == "date" else a) == f.value for d, a in rows) and (f.unit == "date" or f.value > 0)
    return None if ok else f"the plan's debits of {f.subject} are {rows}"


@rule("change.direct_date", "change.direct_amount")
def _change_direct(f: Any, t: Truth) -> str | None:
    rows = t.direct.get(f.subject, [])
    ok = any((d if f.unit == "date" else a) == f.value for d, a in rows)
    return None if ok else f"the plan's direct payments for {f.subject} are {rows}"


@rule("change.days_later")
def _days_later(f: Any, t: Truth) -> str | None:
    paid = [d for d, _ in t.rent.get(f.subject, []) + t.direct.get(f.subject, [])]
    due = [d for d, _ in t.base_rent.get(f.subject, [])]
    return _eq(f.value, (max(paid) - min(due)).days if paid and due else 0, "days from the due date to the last part")


@rule("new_debit.from")
def _new_debit_from(f: Any, t: Truth) -> str | None:
    firsts = sorted(v[0][0] for m, v in t.rent.items() if m in t.direct and v)
    return _eq(f.value, firsts[0] if firsts else None, "the first debit of a month paid partly direct")


@rule("new_debit.month")
def _new_debit_month(f: Any, t: Truth) -> str | None:
    if f.value not in t.typical_months():
        return "that month is before the plan's first change"
    amounts = tuple(a for _, a in t.rent.get(f.value, []))
    return None if amounts != t.typical() else "that month's debits are the typical ones"


@rule("deferral.month", "deferral.new_date", "deferral.amount")
def _deferral_new(f: Any, t: Truth) -> str | None:
    if f.key == "deferral.month":
        return None if f.value in t.rent else "no rent of that month"
    rows = t.rent.get(f.subject, [])
    ok = any((d if f.unit == "date" else a) == f.value for d, a in rows)
    return None if ok else f"the plan's debits of {f.subject} are {rows}"


@rule("deferral.old_date")
def _deferral_old(f: Any, t: Truth) -> str | None:
    rows = t.base_rent.get(f.subject, [])
    return None if any(d == f.value for d, _ in rows) else f"the debits of {f.subject} as they stand are {rows}"


@rule("move_payout.first")
def _move_first(f: Any, t: Truth) -> str | None:
    i = t.interventions.get("move_payout")
    old = {x.date for x in t.base if x.kind == "income" and x.stream == f.subject}
    since = (i.effective_from if i is not None else None) or t.anchor
    moved = sorted(x.date for x in t.txs if x.kind == "income" and x.stream == f.subject and x.date not in old
                   and (since is None or x.date >= since))
    to_day = i.params.get("to_day") if i is not None else None
    if moved and isinstance(to_day, int) and not (_shifted(moved[0], to_day) or _before(moved[0], to_day)):
        return f"{moved[0]} is not the {to_day}. nor the bank day before it"
    return _eq(f.value, moved[0] if moved else None, "the first payout on a new day")


def _before(d: date, dom: int) -> bool:
    """`d` is day `dom` of its month or an earlier day with only closed days after it up to
    `dom` (NAV pays on the bank day before a closed day)."""
    last = (date(d.year + (d.month == 12), d.month % 12 + 1, 1) - timedelta(days=1)).day
    nominal = date(d.year, d.month, min(dom, last))
    if d > nominal:
        return False
    k = d + timedelta(days=1)
    while k <= nominal:
        if is_bank_day(k):
            return False
        k += timedelta(days=1)
    return True


@rule("move_payout.replaces")
def _move_replaces(f: Any, t: Truth) -> str | None:
    """The first payout of today's schedule that the plan no longer pays on its day."""
    now = {x.date for x in t.txs if x.kind == "income" and x.stream == f.subject}
    gone = sorted(x.date for x in t.base if x.kind == "income" and x.stream == f.subject and x.date not in now)
    return _eq(f.value, gone[0] if gone else None, "the first payout of today's schedule that moves")


@rule("move_payout.from_day", "move_payout.to_day", "move_payout.shift_days")
def _move_params(f: Any, t: Truth) -> str | None:
    i = t.interventions.get("move_payout")
    name = f.key.split(".")[1]
    v = None if i is None else i.params.get(name)
    if name == "shift_days" and v is not None:
        v = abs(v)
    if isinstance(v, str):
        v = date.fromisoformat(v)
    return _eq(f.value, v, "the plan's move")


@rule("repayment.first")
def _repay_first(f: Any, t: Truth) -> str | None:
    hits = t.dates(t.anchor, kind="repayment")
    return _eq(f.value, hits[0] if hits else None, "the plan's first instalment")


def _arrears(t: Truth) -> int:
    return t.h.arrears.amount if t.h.arrears is not None else 0


@rule("repayment.amount")
def _repay_amount(f: Any, t: Truth) -> str | None:
    paid = Counter(-x.amount_ore for x in t.txs if x.kind == "repayment")
    if f.value <= 0:
        return "an instalment is above 0 kr"
    if paid and f.value != paid.most_common(1)[0][0]:
        return f"the plan's instalments are {dict(paid)}"
    return None


@rule("repayment.months")
def _repay_months(f: Any, t: Truth) -> str | None:
    i = t.interventions.get("repayment_plan")
    amount = int(i.params["amount_ore"]) if i is not None else 0
    arrears = int(i.params.get("arrears_ore", _arrears(t))) if i is not None else _arrears(t)
    if f.value < 1 or amount <= 0 or not amount * (f.value - 1) < arrears <= amount * f.value:
        return f"{f.value} instalments of {amount} øre do not clear {arrears} øre"
    return None


@rule("repayment.day")
def _repay_day(f: Any, t: Truth) -> str | None:
    hits = t.dates(None, kind="repayment")
    return None if hits and _shifted(hits[0], f.value) else "the first instalment is not on that day"


@rule("arrears.amount")
def _arrears_amount(f: Any, t: Truth) -> str | None:
    i = t.interventions.get("repayment_plan")
    expected = int(i.params.get("arrears_ore", _arrears(t))) if i is not None else _arrears(t)
    return _eq(f.value, expected, "the arrears")


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
    return int(i.params["amount_ore"]) if i is not None else t.plan.opening_buffer_ore


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
        return _eq(f.value, hits[0] if hits else t.plan.start, "the first payout")
    if name == "buffer":
        return _eq(f.value, t.plan.opening_buffer_ore, "the plan's start buffer")
    sf = t.plan.shortfall
    if sf is not None and sf.unchanged_one_time_ore is None:  # a plan from an older file: its figures
        return _eq(f.value, getattr(sf, f"{name}_ore", None), "the plan's shortfall")
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
        agreed = any(d.month == f.value.month and d.year == f.value.year and _shifted(d, f.value.day) for d in due)
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
            out.append(_month(d))
        d = nxt
    if not out:
        d = t.plan.start
        while d <= t.plan.end:
            out.append(_month(d))
            d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out


@rule("budget.from", "budget.to", "budget.months", "budget.income", "budget.outgoing", "budget.income_total",
      "budget.outgoing_total")
def _budget(f: Any, t: Truth) -> str | None:
    months = _whole_months(t)
    n = len(months)
    name = f.key.split(".")[1]
    if name in ("from", "to", "months"):
        return _eq(f.value, {"from": months[0], "to": months[-1], "months": n}[name], "the horizon's whole months")
    inside = [x for x in t.base if _month(x.date) in months]
    if name in ("income", "income_total"):
        rows = [x.amount_ore for x in inside if x.kind == "income" and (name == "income_total" or x.stream == f.subject)]
    else:
        rows = [-x.amount_ore for x in inside if x.amount_ore < 0 and x.kind != "income"
                and (name == "outgoing_total" or x.kind == f.subject)]
    total = sum(rows)
    if name.endswith("total"):
        return _eq(f.value, (2 * total + n) // (2 * n), f"{total} øre over {n} months")
    return None if f.value in (total // n, -(-total // n)) else f"{total} øre over {n} months"


def _applied_bostotte(t: Truth, stream: str) -> list[Transaction]:
    """The plan's payouts of a bostøtte the household applies for: tenant incomes of a stream
    the household file does not have."""
    own = {s.stream for s in t.h.income}
    if stream in own:
        return []
    return sorted((x for x in t.txs if x.kind == "income" and x.account == "tenant" and x.stream == stream),
                  key=lambda x: x.date)


@rule("sok_bostotte.first")
def _sok_first(f: Any, t: Truth) -> str | None:
    pays = _applied_bostotte(t, f.subject)
    if not pays:
        return "the plan counts on no bostøtte applied for"
    first = pays[0].date
    if not is_bank_day(first) or first.day > 20:
        return f"Husbanken pays on the 20th or the bank day before, not {first}"
    if t.plan.as_of is not None and first <= t.plan.as_of:
        return "a payout on or before the day the plan was made"
    return _eq(f.value, first, "the plan's first bostøtte payout")


@rule("sok_bostotte.amount")
def _sok_amount(f: Any, t: Truth) -> str | None:
    amounts = {x.amount_ore for x in _applied_bostotte(t, f.subject)}
    return _eq({f.value}, amounts, "every bostøtte payout of the plan")


@rule("household.adults", "household.children")
def _household(f: Any, t: Truth) -> str | None:
    return _eq(f.value, getattr(t.h, f.key.split(".")[1]), "the household's figure")


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


# --------------------------------------------------------------------------- the checks


def check_facts(household: Any, plan: Plan, shown: Iterable[tuple[Any, str]]) -> list[Problem]:
    """Every shown fact re-derived; the problems (empty: every fact holds)."""
    shown = list(shown)
    by_key: dict[str, list[Any]] = {}
    for f, _ in shown:
        by_key.setdefault(f.key, []).append(f)
    reply = by_key.get("letter.reply_by", [None])[0]
    anchor = reply.value if reply is not None and plan.as_of is None else None
    truth = Truth(household, plan, anchor)
    problems: list[Problem] = []
    seen: set[tuple[str, str, Any]] = set()
    for f, _ in shown:
        if (f.key, f.subject, f.value) in seen:
            continue
        seen.add((f.key, f.subject, f.value))
        fn = RULES.get(f.key)
        why = f"no rule checks {f.key}" if fn is None else fn(f, truth)
        if why:
            problems.append(Problem(f.key, f.subject, f.value, why))
    letter = by_key.get("letter.date", [None])[0]
    if letter is not None and reply is not None and reply.value < letter.value:
        problems.append(Problem("letter.reply_by", "", reply.value, f"the letter is dated {letter.value}"))
    if letter is not None and reply is not None and reply.value > letter.value and not is_bank_day(reply.value):
        problems.append(Problem("letter.reply_by", "", reply.value, "an answer-by day is a bank day"))
    if reply is not None and plan.as_of is not None:
        for f in by_key.get("request_by", []):
            if reply.value > f.value:
                problems.append(Problem("letter.reply_by", f.subject, reply.value, f"{f.subject} must be asked by {f.value}"))
    months = sorted({f.value for f in by_key.get("change.month", [])})
    if months and months != truth.changed_months():
        problems.append(Problem("change.month", "", months, f"the months that change are {truth.changed_months()}"))
    return problems


_MONTHS = {"nb": "januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|desember",
           "en": "January|February|March|April|May|June|July|August|September|October|November|December"}
_PATTERNS = {
    "nb": [r"\b\d{2}\.\d{2}\.\d{4}\b", r"-?\d{1,3}(?:[ \u00a0\u202f]\d{3})*,\d{2}[ \u00a0]kr\b",
           rf"\b(?:{_MONTHS['nb']}) \d{{4}}\b"],
    "en": [rf"\b\d{{1,2}} (?:{_MONTHS['en']}) \d{{4}}\b", r"(?:minus )?NOK \d{1,3}(?:,\d{3})*\.\d{2}\b",
           rf"(?<!\d )\b(?:{_MONTHS['en']}) \d{{4}}\b"],
}


def _norm(s: str) -> str:
    return re.sub(r"[\u00a0\u202f]", " ", s)


def check_text(text: str, shown: Iterable[tuple[Any, str]], lang: str) -> list[Problem]:
    """Every date, amount and month in `text` is the text of a fact that was shown."""
    known = {_norm(s) for _, s in shown}
    text = _norm(text)
    problems = []
    for pat in _PATTERNS[lang]:
        for m in re.finditer(pat, text):
            if m.group(0) not in known:
                problems.append(Problem("text", "", m.group(0), "it is no fact of the plan"))
        text = re.sub(pat, " ", text)
    return problems


def require(household: Any, plan: Plan, shown: Sequence[tuple[Any, str]], text: str, lang: str, what: str) -> None:
    """Raise `FactMismatch` naming each problem: a letter that fails is never written."""
    problems = check_facts(household, plan, shown) + check_text(text, shown, lang)
    if problems:
        raise FactMismatch(f"{what}: {len(problems)} statement(s) do not match the plan: "
                           + "; ".join(str(p) for p in problems[:5]))


# --------------------------------------------------------------------------- entitlement letters
# The bostøtte checklist and notice (planner.entitlement.letter) state the estimate, the
# deadline and the first payout. They are re-derived here from the household file and the rules
# data alone, with exact fractions, apart from planner.entitlement.estimate's integer code.


def _next_deadline(day: date, deadline_day: int) -> date:
    if day.day <= deadline_day:
        return date(day.year, day.month, deadline_day)
    return date(day.year + (day.month == 12), day.month % 12 + 1, deadline_day)


def _bostotte_payout_day(deadline: date, payout_day: int) -> date:
    d = date(deadline.year + (deadline.month == 12), deadline.month % 12 + 1, payout_day)
    while not is_bank_day(d):
        d -= timedelta(days=1)
    return d


def _bostotte_month_kr(h: Any, day: date) -> int:
    """Statlig bostøtte per month in whole kroner, from the forskrift's formula (data file)."""
    from fractions import Fraction

    from .entitlement.rules import entitlement_rules

    rules = entitlement_rules()
    r = rules.statlig_at(day)
    e = h.entitlement
    n = e.members or max(1, h.adults + h.children)
    group = e.kommunegruppe or rules.group_of(e.kommune) or 4

    def half_up(x: Fraction) -> int:
        return int((x + Fraction(1, 2)) // 1)

    if e.gross_income_monthly is not None:
        income = Fraction(e.gross_income_monthly, 100)
    else:
        from .cashflow import transactions

        kinds = {x.stream: x.kind for x in h.income}
        months = {(x.date.year, x.date.month) for x in transactions(h)} or {(h.start.year, h.start.month)}
        total = sum(x.amount_ore for x in transactions(h) if x.kind == "income" and x.stream
                    and kinds.get(x.stream) in rules.income_kinds)
        income = Fraction(half_up(Fraction(total, len(months))), 100)
    weighted = half_up(12 * income / (Fraction(r.first_weight, 100) + Fraction(r.further_weight, 100) * (n - 1)))
    eg = Fraction(r.minimum_egenandel, 100)
    if weighted * 100 > r.income_threshold:
        eg += Fraction(half_up((weighted * 100 - r.income_threshold) * Fraction(r.income_share, 10_000)), 100)
    if weighted > r.progressive_from:
        k = (weighted - r.progressive_from - 1) // r.progressive_step + 1
        eg += Fraction(half_up(weighted * 100 * k * Fraction(r.progressive_rate, 10_000)), 100)
    ceiling = Fraction(r.ceiling[min(n, 5) - 1] + r.ceiling_extra.get(group, 0), 100)
    approved = min(12 * Fraction(h.rent.amount + e.other_housing_costs, 100), ceiling)
    year = Fraction(half_up(max(Fraction(0), approved - eg) * 100 * Fraction(r.coverage, 10_000)), 100)
    month = half_up(year / 12)
    return month if month * 100 >= r.minimum_payout else 0


def check_entitlement_facts(h: Any, as_of: date, shown: Iterable[tuple[Any, str]]) -> list[Problem]:
    """Every fact of a bostøtte letter re-derived from the household and the rules data."""
    from .entitlement.rules import entitlement_rules

    rules = entitlement_rules()
    deadline = _next_deadline(as_of, rules.deadline_day)
    expected: dict[str, Any] = {
        "entitlement.deadline": deadline,
        "entitlement.for_month": _month(deadline),
        "entitlement.first_payout": _bostotte_payout_day(deadline, rules.payout_day),
    }
    problems = []
    shown = list(shown)
    letter = next((f.value for f, _ in shown if f.key == "letter.date"), None)
    for f, _ in shown:
        if f.key == "entitlement.amount":
            kr = _bostotte_month_kr(h, as_of)
            why = _eq(f.value, kr * 100, "the bostøtte the forskrift's formula gives") if kr else \
                "the formula gives less than the minimum payout: no letter"
        elif f.key in expected:
            why = _eq(f.value, expected[f.key], f"{f.key} for a letter made {as_of}")
        elif f.key == "letter.date":
            why = None
        elif f.key == "letter.reply_by":
            why = None if letter is None or f.value >= letter else "before the letter's date"
            if why is None and f.value > deadline:
                why = f"after the application deadline {deadline}"
        else:
            why = f"no rule checks {f.key}"
        if why:
            problems.append(Problem(f.key, f.subject, f.value, why))
    return problems


def require_entitlement(h: Any, as_of: date, shown: Sequence[tuple[Any, str]], text: str, lang: str,
                        what: str) -> None:
    """Raise `FactMismatch` naming each problem of a bostøtte letter: it is then never written."""
    problems = check_entitlement_facts(h, as_of, shown) + check_text(text, shown, lang)
    if problems:
        raise FactMismatch(f"{what}: {len(problems)} statement(s) do not match: "
                           + "; ".join(str(p) for p in problems[:5]))

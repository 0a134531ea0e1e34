"""The rules for the facts of each lever's letters: the first trekk, the bostøtte month, the rent's
new days and parts, the tenant's share, the months that change, a deferral, a moved payout and a
repayment, each re-derived from the plan's transactions and the household's own schedule."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from ..calendar import any_bank_day, is_bank_day
from ..results import Transaction
from .truth import Truth, eq, month_of, prev_month, rule, shifted


@rule("deduction.first")
def _deduction_first(f: Any, t: Truth) -> str | None:
    hits = t.dates(t.anchor, kind="deduction", stream=f.subject)
    if not hits:
        return "the plan withholds nothing from that stream"
    if not any(x.date == hits[0] and x.kind == "income" and x.stream == f.subject for x in t.txs):
        return f"no payout of the stream on {hits[0]}"
    return eq(f.value, hits[0], "the plan's first deduction")


@rule("deduction.amount")
def _deduction_amount(f: Any, t: Truth) -> str | None:
    amounts = {x.amount_ore for x in t.txs if x.kind == "deduction" and x.stream == f.subject}
    if f.value <= 0:
        return "a deduction is above 0 kr"
    return eq({f.value}, amounts, "every deduction of the plan")


def _deduction_payouts(t: Truth, stream: str) -> int:
    per: Counter[str] = Counter(x.rent_month or "" for x in t.txs if x.kind == "deduction" and x.stream == stream)
    c = Counter(per.values())
    return max(c, key=lambda n: (c[n], -n)) if c else 1


@rule("deduction.payouts")
def _deduction_payouts_rule(f: Any, t: Truth) -> str | None:
    return eq(f.value, _deduction_payouts(t, f.subject), "the most common number of deductions in a rent month")


@rule("deduction.per_month")
def _deduction_per_month(f: Any, t: Truth) -> str | None:
    amounts = [x.amount_ore for x in t.txs if x.kind == "deduction" and x.stream == f.subject]
    return eq(f.value, _deduction_payouts(t, f.subject) * (amounts[0] if amounts else 0), "payouts × deduction")


@rule("bostotte.first")
def _bostotte_first(f: Any, t: Truth) -> str | None:
    hits = t.dates(t.anchor, kind="bostotte_direct", stream=f.subject)
    return eq(f.value, hits[0] if hits else None, "the plan's first payout to the kommune")


@rule("bostotte.for_month")
def _bostotte_for_month(f: Any, t: Truth) -> str | None:
    hits = t.dates(t.anchor, kind="bostotte_direct", stream=f.subject)
    if not hits:
        return "the plan transfers no bostøtte"
    month = prev_month(month_of(hits[0]))  # paid in arrears: the payout in March is for February
    if f.value != month:
        return f"Husbanken's payout {hits[0]} is bostøtte for {month}"
    rent = t.h.rent.amount_for(int(month[:4]), int(month[5:7]))
    own = sum(a for _, a in t.rent.get(month, []))
    direct = sum(a for _, a in t.direct.get(month, []))
    if own >= rent:
        return f"the tenant pays the rent of {month} in full ({own} øre): the transfer would pay that month twice"
    return eq(own + direct, rent, f"the rent of {month}")


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
    return eq(f.value, _first_changed_debit(t, since), "the first debit of the first month that changes")


@rule("rent_day.day")
def _rent_day(f: Any, t: Truth) -> str | None:
    i = t.interventions.get("rent_day")
    if i is None or int(i.params.to_json()["day"]) != f.value:
        return "the plan's new rent day is another"
    first = _first_changed_debit(t, i.effective_from or t.anchor)
    if first is not None and not shifted(first, f.value):
        return f"the first new debit {first} is not on that day"
    return None


@rule("rent.day")
def _rent_day_now(f: Any, t: Truth) -> str | None:
    return eq(f.value, t.h.rent.day, "the household's rent day")


@rule("rent.amount")
def _rent_amount(f: Any, t: Truth) -> str | None:
    return eq(f.value, t.h.rent.amount, "the household's rent")


@rule("rent_instalments.parts")
def _parts(f: Any, t: Truth) -> str | None:
    return eq(f.value, len([a for a in t.typical() if a > 0]), "the typical month's debits above 0 kr")


@rule("share.amount")
def _share_amount(f: Any, t: Truth) -> str | None:
    if f.value <= 0:
        return "a debit is above 0 kr"
    return None if f.value in t.typical() else f"the typical month's debits are {t.typical()}"


@rule("share.total")
def _share_total(f: Any, t: Truth) -> str | None:
    return eq(f.value, sum(a for a in t.typical() if a > 0), "the typical month's debits together")


@rule("share.day")
def _share_day(f: Any, t: Truth) -> str | None:
    typical = t.typical()
    months = [v for v in t.typical_months().values() if tuple(a for _, a in v) == typical]
    if any(shifted(d, f.value) for v in months for d, _ in v):
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
    return eq(f.value, (max(paid) - min(due)).days if paid and due else 0, "days from the due date to the last part")


@rule("new_debit.from")
def _new_debit_from(f: Any, t: Truth) -> str | None:
    firsts = sorted(v[0][0] for m, v in t.rent.items() if m in t.direct and v)
    return eq(f.value, firsts[0] if firsts else None, "the first debit of a month paid partly direct")


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
    to_day = i.params.to_json().get("to_day") if i is not None else None
    if moved and isinstance(to_day, int) and not (shifted(moved[0], to_day) or _before(moved[0], to_day)):
        return f"{moved[0]} is not the {to_day}. nor the bank day before it"
    return eq(f.value, moved[0] if moved else None, "the first payout on a new day")


def _before(d: date, dom: int) -> bool:
    """`d` is day `dom` of its month or an earlier day with only closed days after it up to
    `dom` (NAV pays on the bank day before a closed day)."""
    last = (date(d.year + (d.month == 12), d.month % 12 + 1, 1) - timedelta(days=1)).day
    nominal = date(d.year, d.month, min(dom, last))
    if d > nominal:
        return False
    return not any_bank_day(d + timedelta(days=1), nominal + timedelta(days=1))


@rule("move_payout.replaces")
def _move_replaces(f: Any, t: Truth) -> str | None:
    """The first payout of today's schedule that the plan no longer pays on its day."""
    now = {x.date for x in t.txs if x.kind == "income" and x.stream == f.subject}
    gone = sorted(x.date for x in t.base if x.kind == "income" and x.stream == f.subject and x.date not in now)
    return eq(f.value, gone[0] if gone else None, "the first payout of today's schedule that moves")


@rule("move_payout.from_day", "move_payout.to_day", "move_payout.shift_days")
def _move_params(f: Any, t: Truth) -> str | None:
    i = t.interventions.get("move_payout")
    name = f.key.split(".")[1]
    v = None if i is None else i.params.to_json().get(name)
    if name == "shift_days" and v is not None:
        v = abs(v)
    if isinstance(v, str):
        v = date.fromisoformat(v)
    return eq(f.value, v, "the plan's move")


@rule("repayment.first")
def _repay_first(f: Any, t: Truth) -> str | None:
    hits = t.dates(t.anchor, kind="repayment")
    return eq(f.value, hits[0] if hits else None, "the plan's first instalment")


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
    amount = int(i.params.to_json()["amount_ore"]) if i is not None else 0
    arrears = int(i.params.to_json().get("arrears_ore", _arrears(t))) if i is not None else _arrears(t)
    if f.value < 1 or amount <= 0 or not amount * (f.value - 1) < arrears <= amount * f.value:
        return f"{f.value} instalments of {amount} øre do not clear {arrears} øre"
    return None


@rule("repayment.day")
def _repay_day(f: Any, t: Truth) -> str | None:
    hits = t.dates(None, kind="repayment")
    return None if hits and shifted(hits[0], f.value) else "the first instalment is not on that day"


@rule("arrears.amount")
def _arrears_amount(f: Any, t: Truth) -> str | None:
    i = t.interventions.get("repayment_plan")
    expected = int(i.params.to_json().get("arrears_ore", _arrears(t))) if i is not None else _arrears(t)
    return eq(f.value, expected, "the arrears")


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
    return eq(f.value, first, "the plan's first bostøtte payout")


@rule("sok_bostotte.amount")
def _sok_amount(f: Any, t: Truth) -> str | None:
    amounts = {x.amount_ore for x in _applied_bostotte(t, f.subject)}
    return eq({f.value}, amounts, "every bostøtte payout of the plan")

"""Facts: every date, amount, month, day and count a person reads, as typed values, each with the
transactions of the plan it rests on.

Why: the plan is re-checked by an independent simulator before anyone sees it, but what is said
*about* a plan was free text computed in templates and lever methods, and reviews found letters
naming a trekk date that does not exist and the wrong bostøtte month. Here the engine states
facts, not sentences: `Fact(key, value, unit, subject, tx)`. The letters, the web page and the
tasks render facts (`planner.letters.rendering` refuses to render anything else), and
`planner.factcheck` re-derives every fact from the plan's transactions on its own, the way
`cashflow.simulate` re-checks the plan itself.

A fact's `key` names what it states (`deduction.first`: the first payout a husleietrekk is
withheld from); `planner.factcheck` has one re-derivation per key, and a key it does not know is
a mismatch, so a new fact cannot go out unchecked. This module is engine: no text, no clock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from .benefits import catalogue as benefit_catalogue
from .results import Plan, Transaction

#: What a fact's value is: a date, an amount in øre, a month ("YYYY-MM"), a day of the month,
#: a count, or a word from a closed list (a status, a source of money).
Unit = Literal["date", "ore", "month", "dom", "count", "word"]


@dataclass(frozen=True, slots=True)
class Fact:
    """One thing a person reads: `value` in `unit`, stated by `key` about `subject` (a stream, a
    rent month, a lever), resting on the plan's transactions `tx` (indices in
    `plan.transactions`; empty when the fact comes from the household or the letter's own
    dates). Rendering a fact without a filter is refused (`__str__`), so a template cannot
    print a value it has not been given as a fact."""

    key: str
    value: Any
    unit: Unit
    subject: str = ""
    tx: tuple[int, ...] = ()

    def __str__(self) -> str:  # a template printing a fact raw is a bug: the filters say how
        raise TypeError(f"fact {self.key} rendered without a filter (kr, date, month, dom, num)")

    def __bool__(self) -> bool:  # `{% if fact %}` asks about the value (0 kr, no date: false)
        return bool(self.value)


class Ledger:
    """A plan's transactions, indexed for stating facts: each fact built here carries the
    indices of the transactions it was read from."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.txs: Sequence[Transaction] = plan.transactions

    def where(self, **match: Any) -> list[int]:
        """Indices of the transactions whose fields equal `match`, in date order."""
        hits = [k for k, t in enumerate(self.txs) if all(getattr(t, f) == v for f, v in match.items())]
        return sorted(hits, key=lambda k: (self.txs[k].date, k))

    def first(self, key: str, subject: str = "", on_or_after: date | None = None, **match: Any) -> Fact | None:
        """The date of the first transaction matching `match` (on or after a day, when there is
        one then), as a fact."""
        every = self.where(**match)
        hits = [k for k in every if on_or_after is None or self.txs[k].date >= on_or_after] or every
        if not hits:
            return None
        return Fact(key, self.txs[hits[0]].date, "date", subject, (hits[0],))

    def rent_debits(self) -> dict[str, list[int]]:
        """The tenant's own rent debits per rent month (indices, date order)."""
        out: dict[str, list[int]] = {}
        for k in self.where(kind="husleie", account="tenant"):
            m = self.txs[k].rent_month
            if m:
                out.setdefault(m, []).append(k)
        return out

    def direct(self, kinds: set[str] | None = None) -> dict[str, list[int]]:
        """Payments straight to the landlord (husleietrekk, bostøtte) per rent month."""
        out: dict[str, list[int]] = {}
        for k, t in enumerate(self.txs):
            if t.account == "landlord" and t.rent_month and (kinds is None or t.kind in kinds):
                out.setdefault(t.rent_month, []).append(k)
        for v in out.values():
            v.sort(key=lambda k: (self.txs[k].date, k))
        return out


def ore(key: str, value: int, subject: str = "", tx: Iterable[int] = ()) -> Fact:
    return Fact(key, int(value), "ore", subject, tuple(tx))


def day(key: str, value: date, subject: str = "", tx: Iterable[int] = ()) -> Fact:
    return Fact(key, value, "date", subject, tuple(tx))


def month(key: str, value: str, subject: str = "", tx: Iterable[int] = ()) -> Fact:
    return Fact(key, value, "month", subject, tuple(tx))


def dom(key: str, value: int, subject: str = "", tx: Iterable[int] = ()) -> Fact:
    return Fact(key, int(value), "dom", subject, tuple(tx))


def count(key: str, value: int, subject: str = "", tx: Iterable[int] = ()) -> Fact:
    return Fact(key, int(value), "count", subject, tuple(tx))


def most_common_count(groups: Iterable[Sequence[int]]) -> int:
    """The most common group size (ties: the smaller), 1 when there are no groups."""
    c = Counter(len(g) for g in groups)
    return max(c, key=lambda n: (c[n], -n)) if c else 1


# --------------------------------------------------------------------------- rent, month by month


def baseline_rent(h: Any) -> dict[str, list[tuple[date, int]]]:
    """The tenant's rent debits per rent month as the schedule stands: {'2026-01': [(date, øre)]}
    (positive øre). The debits a change replaces: they are no transactions of the plan."""
    from .cashflow import transactions

    out: dict[str, list[tuple[date, int]]] = {}
    for t in transactions(h):
        if t.kind == "husleie" and t.account == "tenant" and t.rent_month:
            out.setdefault(t.rent_month, []).append((t.date, -t.amount_ore))
    return {k: sorted(v) for k, v in out.items()}


def rent_changes(led: Ledger, h: Any, limit: int | None = None) -> list[dict[str, Any]]:
    """Each rent month whose debits change or that is paid partly straight to the landlord:
    the old debits that must not run, the new tenant debits, the direct payments, and how many
    days after the old due date its last part arrives. Every month is listed (a landlord must
    know every month that differs, not the first three)."""
    old, new, direct = baseline_rent(h), led.rent_debits(), led.direct()
    txs = led.txs
    rows: list[dict[str, Any]] = []
    for key in sorted(set(old) | set(new)):
        new_pairs = sorted((txs[k].date, -txs[k].amount_ore) for k in new.get(key, []))
        if new_pairs == old.get(key, []) and key not in direct:
            continue
        ks = new.get(key, []) + direct.get(key, [])
        paid = [txs[k].date for k in ks]
        due = min((d for d, _ in old.get(key, [])), default=None)
        rows.append({
            "month": month("change.month", key, key, ks),
            "old": [(day("change.old_date", d, key), ore("change.old_amount", a, key)) for d, a in old.get(key, [])],
            "new": [(day("change.new_date", txs[k].date, key, (k,)), ore("change.new_amount", -txs[k].amount_ore, key, (k,)))
                    for k in new.get(key, [])],
            "direct": [(day("change.direct_date", txs[k].date, key, (k,)), ore("change.direct_amount", txs[k].amount_ore, key, (k,)))
                       for k in direct.get(key, [])],
            "days_later": count("change.days_later", (max(paid) - due).days if paid and due else 0, key, ks),
        })
        if limit is not None and len(rows) == limit:
            break
    return rows


def first_changed_month(led: Ledger, h: Any) -> str | None:
    """The first rent month the plan changes (its debits differ from today's, or part of it is
    paid straight to the landlord): a typical month is one from then on."""
    if h is None:  # no household: no schedule to compare with, every month counts
        return None
    rows = rent_changes(led, h, limit=1)
    return rows[0]["month"].value if rows else None


def typical_share(led: Ledger, nominal_days: Sequence[int] | None,
                  since: str | None = None) -> tuple[list[tuple[Fact, Fact]], list[str]]:
    """The tenant's own rent debits in a typical month, [(day of month, øre)] as facts (no 0 kr
    parts), and the rent months whose debits differ from it. Typical: the most common split of
    the tenant's debits over a month (ties: the smallest), among the months from `since` (the
    first month the plan changes: the months before it are paid as today and say nothing of
    the new agreement); its days are the agreed (nominal) days when the plan names them, else
    the days the typical months' debits fall on."""
    per_month = {m: v for m, v in led.rent_debits().items() if since is None or m >= since}
    txs = led.txs
    amounts = {m: tuple(-txs[k].amount_ore for k in v) for m, v in per_month.items()}
    if not amounts:
        return [], []
    c = Counter(amounts.values())
    typical = min(c, key=lambda a: (-c[a], a))
    months = [m for m, a in amounts.items() if a == typical]
    ks = [k for m in months for k in per_month[m]]
    days = list(nominal_days) if nominal_days is not None and len(nominal_days) == len(typical) else None
    if days is None:
        dc: Counter[tuple[int, ...]] = Counter(tuple(txs[k].date.day for k in per_month[m]) for m in months)
        common: tuple[int, ...] = min(dc, key=lambda ds: (-dc[ds], ds))
        days = list(common)
    share = [(dom("share.day", d, "", ks), ore("share.amount", a, "", ks)) for d, a in zip(days, typical) if a > 0]
    return share, sorted(m for m, a in amounts.items() if a != typical)


def stream_name(h: Any, stream: str) -> str:
    """The benefit's name of an income stream (the catalogue's, with the stream's own name): the
    fact a letter shows for "which payout" (data, not wording: `data/benefits.toml`)."""
    for inc in h.income:
        if inc.stream == stream:
            name = benefit_catalogue().kinds[inc.kind].name
            return name if inc.name is None else f"{name} ({inc.name})"
    return stream

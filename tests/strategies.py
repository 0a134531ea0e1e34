"""Hypothesis strategies for valid households, shared by the property tests of every part.

`households()` draws whole `Household` objects the way files describe them: a start date in
2024-2028, 1..`max_months` months, 1-6 income streams of catalogue kinds in every schedule
form (a fixed `day`, `every_days` + `first`, explicit `dates`, or the kind's own rule), with
random shift overrides and the odd per-month amount or day; exactly one rent (`husleie`) and
0-3 other expenses; everyday living costs with øre; an opening balance and a floor (often
not 0); the rent sometimes has its own `name`.

Every drawn dict goes through `Household.model_validate`, so the strategy can only produce
what a valid file could say. Amounts are drawn in øre and written as exact `Decimal` kroner.

    from strategies import households
    @given(households(max_months=12))
    def test_something(h): ...
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from planner.benefits import catalogue
from planner.model import Household, add_months

_CAT = catalogue()
INCOME_KINDS: tuple[str, ...] = tuple(sorted(_CAT.kinds))
#: kinds with a default monthly day (a stream may give no schedule and follow the rule)
RULE_DAY_KINDS = frozenset(k for k, v in _CAT.kinds.items() if v.rules[-1].day is not None)
#: kinds paid every N days by rule (a stream may give only `first`)
RULE_EVERY_KINDS = frozenset(k for k, v in _CAT.kinds.items() if v.rules[-1].every_days is not None)
OTHER_EXPENSE_KINDS: tuple[str, ...] = tuple(sorted(k for k in _CAT.expenses if k != "husleie"))
SHIFTS = (None, None, "before", "after", "none")  # None: the kind's own rule (more likely)


def examples(n: int) -> int:
    """`n` hypothesis examples; a quarter of them (at least 10) in a developer's default run,
    which is made often ($PLANNER_EXAMPLES=quarter, set by tests/conftest.py; CI and `-m slow`
    draw all `n`); capped by $PLANNER_MAX_EXAMPLES (the mutation run sets it low, since it runs
    the engine tests once per mutant); multiplied in the long random run (PLANNER_HYPOTHESIS=long,
    docs/development/testing.md). """
    cap = os.environ.get("PLANNER_MAX_EXAMPLES")
    if cap:
        return max(1, min(n, int(cap)))
    if os.environ.get("PLANNER_HYPOTHESIS") == "long":  # the long random run (tests/conftest.py)
        return n * int(os.environ.get("PLANNER_LONG_FACTOR", "20"))
    if os.environ.get("PLANNER_EXAMPLES") == "quarter":
        return min(n, max(10, n // 4))
    return n


#: Floors (min_balance) in øre: mostly 0, often a round buffer or an agreed overdraft, sometimes
#: any figure with øre (a floor that is not 0 catches a check that compares with 0).
FLOORS = st.one_of(st.sampled_from([0, 0, 50_000, 100_000, -100_000]), st.integers(-500_000, 500_000))


def kroner(ore: int) -> Decimal:
    """Exact kroner for an øre amount: 188010 -> Decimal('1880.10')."""
    return Decimal(ore).scaleb(-2)


def _horizon_end(start: date, months: int) -> date:
    return add_months(start, months) - timedelta(days=1)


@st.composite
def _schedule(draw, kind: str | None, start: date, end: date, income: bool) -> dict:
    """One schedule form valid for `kind` (None: an expense, which has no default rule)."""
    forms = ["day", "every", "dates"]
    if income and kind in RULE_DAY_KINDS:
        forms.append("rule")
    if income and kind in RULE_EVERY_KINDS:
        forms.append("first_only")
    form = draw(st.sampled_from(forms))
    out: dict = {}
    if form == "day":
        out["day"] = draw(st.integers(1, 31))
        if draw(st.integers(0, 5)) == 0:  # now and then a per-month day, as for December payouts
            out["month_day"] = {str(draw(st.integers(1, 12))): draw(st.integers(1, 31))}
    elif form in ("every", "first_only"):
        if form == "every":
            out["every_days"] = draw(st.sampled_from([7, 14, 14, 14, 28, 30]))
        out["first"] = start + timedelta(days=draw(st.integers(-40, 60)))
    elif form == "dates":
        span = (end - start).days
        offsets = draw(st.lists(st.integers(0, span), min_size=1, max_size=8, unique=True))
        out["dates"] = [start + timedelta(days=o) for o in offsets]
    shift = draw(st.sampled_from(SHIFTS))
    if shift is not None:
        out["shift"] = shift
    return out


@st.composite
def _amount_overrides(draw, lo: int, hi: int) -> dict:
    """Occasional per-month amounts: every December, or one YYYY-MM month."""
    if draw(st.integers(0, 4)) != 0:
        return {}
    key = draw(st.sampled_from(["12", "1", "2026-12", "2025-01", "2027-06"]))
    return {"month_amounts": {key: kroner(draw(st.integers(lo, hi)))}}


@st.composite
def household_dicts(
    draw,
    max_months: int = 24,
    min_months: int = 1,
    min_incomes: int = 1,
    max_incomes: int = 6,
    max_other_expenses: int = 3,
    first_year: int = 2024,
    last_year: int = 2028,
) -> dict:
    """A household as the dict a TOML/JSON file parses to (dates as `date`, kroner as Decimal)."""
    start = draw(st.dates(date(first_year, 1, 1), date(last_year, 12, 31)))
    months = draw(st.integers(min_months, max_months))
    end = _horizon_end(start, months)
    doc: dict = {
        "id": f"hh-{draw(st.integers(0, 10**6))}",
        "start": start,
        "months": months,
        "opening_balance": kroner(draw(st.integers(-5_000_000, 20_000_000))),
        "min_balance": kroner(draw(FLOORS)),
    }
    if draw(st.integers(0, 9)) == 0:
        doc["profile"] = "seed-2006"
    incomes = []
    for i in range(draw(st.integers(min_incomes, max_incomes))):
        kind = draw(st.sampled_from(INCOME_KINDS))
        stream = {"kind": kind, "amount": kroner(draw(st.integers(1, 3_000_000)))}
        stream.update(draw(_schedule(kind, start, end, income=True)))
        stream.update(draw(_amount_overrides(1, 3_000_000)))
        if any(s["kind"] == kind for s in incomes):
            stream["name"] = f"{kind}-{i}"  # two streams of one kind need their own names
        incomes.append(stream)
    doc["income"] = incomes
    rent = {"kind": "husleie", "amount": kroner(draw(st.integers(100_000, 2_500_000)))}
    rent.update(draw(_schedule(None, start, end, income=False)))
    rent.update(draw(_amount_overrides(100_000, 2_500_000)))
    if draw(st.integers(0, 3)) == 0:  # a named rent ("husleie-kommunal"): still the one rent
        rent["name"] = draw(st.sampled_from(["husleie-kommunal", "leie", "Husleie_2"]))
    expenses = [rent]
    for i in range(draw(st.integers(0, max_other_expenses))):
        kind = draw(st.sampled_from(OTHER_EXPENSE_KINDS))
        exp = {"kind": kind, "amount": kroner(draw(st.integers(1, 500_000)))}
        exp.update(draw(_schedule(None, start, end, income=False)))
        if any(e["kind"] == kind for e in expenses):
            exp["name"] = f"{kind}-{i}"
        expenses.append(exp)
    doc["expense"] = draw(st.permutations(expenses))  # the rent is not always first
    doc["living"] = {"monthly": kroner(draw(st.integers(0, 3_000_000)))}
    return doc


def households(max_months: int = 24, **kwargs) -> st.SearchStrategy[Household]:
    """Valid `Household` objects; keyword arguments as for `household_dicts`."""
    return household_dicts(max_months=max_months, **kwargs).map(Household.model_validate)

"""The batch check's short routes give what the plain ones give, on generated inputs: the
interest in whole øre by integer arithmetic, ..."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import examples

from planner.eviction.rules import Lookup, eviction_rules
from planner.eviction.timeline import Debt, interest_exact, interest_rounded, round_ore

# --------------------------------------------------------------------------- interest


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.tuples(st.dates(date(2022, 1, 1), date(2027, 6, 30)), st.integers(1, 50_000_000)),
                min_size=1, max_size=6),
       st.integers(0, 900))
def test_interest_in_whole_ore_is_the_rounded_exact_interest(debts, days_after):
    """The data's rates: the integer route rounds the exact sum as `round_ore` does."""
    rules = eviction_rules()
    ds = [Debt(d, d, amount) for d, amount in debts]
    until = max(d for d, _ in debts) + timedelta(days=days_after)
    args = (ds, until, rules.interest.at, rules.interest.changes_after, rules.day_count)
    exact, fallback = interest_exact(*args)
    assert interest_rounded(*args) == (round_ore(exact), fallback)


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400), st.integers(1, 9_000_000)), min_size=1, max_size=5),
       st.lists(st.decimals(Decimal("0.01"), Decimal("40"), places=2), min_size=1, max_size=4),
       st.integers(1, 40), st.sampled_from([360, 365, 366]))
def test_interest_in_whole_ore_with_any_rates(debts, rates, period, day_count):
    """Rates that change every `period` days (any values, halves of an øre included): the
    integer route's common denominator gives the exact sum's rounding."""
    base = date(2026, 1, 1)

    def rate_at(day: date) -> Lookup:
        return Lookup(rates[((day - base).days // period) % len(rates)], base, False)

    def next_change(day: date) -> date | None:
        return base + timedelta(days=((day - base).days // period + 1) * period)

    ds = [Debt(base + timedelta(days=d), base + timedelta(days=d), a) for d, a in debts]
    until = base + timedelta(days=500)
    exact, _ = interest_exact(ds, until, rate_at, next_change, day_count)
    assert interest_rounded(ds, until, rate_at, next_change, day_count)[0] == round_ore(exact)

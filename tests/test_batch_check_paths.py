"""The batch check's short routes give what the plain ones give, on generated inputs: the
interest in whole øre by integer arithmetic; the request date from the balances over the
horizon, continued only for the households that need more ..."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import examples, households

from planner.batch.common import RESULT_COLUMNS, BatchRow, priority_parts
from planner.batch.worker import _checked, _first_dues, _projected
from planner.calendar import occurrences, resolve_expense, resolve_income
from planner.cashflow import check_table, compile_households
from planner.entitlement.estimate import _half_up, _months_of, monthly_income
from planner.eviction import first_unpaid_due, process_start, rent_occurrences, request_date
from planner.eviction.projection import _afford
from planner.eviction.rules import Lookup, eviction_rules
from planner.eviction.timeline import Debt, interest_exact, interest_rounded, round_ore
from planner.model import Arrears

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


# --------------------------------------------------------------------------- the request date


def _one_horizon(hs: list, arrears: int, since_days: int, one_rent: bool = False) -> list:
    """`hs` on the first one's horizon, with existing arrears (0: as drawn) since `since_days`
    from its start; `one_rent`: each with the first one's rent schedule (its own amount)."""
    first = hs[0]
    group = [h.model_copy(update={"start": first.start, "months": first.months, "until": first.until})
             for h in hs]
    if one_rent:
        group = [h.model_copy(update={"expense": [first.rent.model_copy(update={"amount": h.rent.amount})]
                                      + [e for e in h.expense if e.kind != "husleie"]}) for h in group]
    if arrears:
        group = [h.model_copy(update={"arrears": Arrears(amount=arrears * (k + 1),
                                                          since=first.start + timedelta(days=since_days))})
                 for k, h in enumerate(group)]
    return group


@settings(max_examples=examples(80), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(households(max_months=12), min_size=1, max_size=6), st.sampled_from([0, 0, 150_000]),
       st.integers(-60, 200), st.booleans())
def test_the_first_dues_of_a_group_are_each_households(hs, arrears, since_days, same_day_credit):
    """The first unpaid rent of households sharing a rent schedule, found for all at once, is
    each one's `first_unpaid_due` (and the process's start `process_start`'s)."""
    group = _one_horizon(hs, arrears, since_days)
    start, end = group[0].start, group[0].end
    series = _checked(group, start, end, same_day_credit, True).series
    want = [process_start(first_unpaid_due(rent_occurrences(resolve_expense(h.rent), start, end), start, series[j]),
                          h.arrears, h.start) for j, h in enumerate(group)]
    assert _first_dues(group, start, end, series) == want


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(households(max_months=12), min_size=1, max_size=6), st.sampled_from([0, 0, 150_000, 1_234_567]),
       st.integers(-60, 200), st.booleans(), st.booleans())
def test_the_check_only_request_date_is_the_projections(hs, arrears, since_days, same_day_credit, one_rent):
    """A check-only batch takes the bound on the first process for the households sharing a
    rent schedule and a first due date at once, walks the rest from the balances over the
    horizon, and continues only those whose processes run past it: each date is
    `request_date`'s by simulation."""
    group = _one_horizon(hs, arrears, since_days, one_rent)
    start, end = group[0].start, group[0].end
    res = _checked(group, start, end, same_day_credit, True)
    dues = _first_dues(group, start, end, res.series)
    got = _projected(group, ["timing"] * len(group), dues, res.series, same_day_credit, True)
    for j, h in enumerate(group):
        assert got.get(j) == (request_date(h, same_day_credit) if dues[j] is not None else None)


@given(st.lists(st.integers(-50_000, 50_000), min_size=1, max_size=120), st.integers(0, 27),
       st.integers(-40, 130), st.integers(0, 40))
def test_a_windows_lows_are_each_days_low(values, day0, a, length):
    """`Afford.span` of a notice's window lists what the day-by-day lookup gives each day,
    None for the days outside the account's."""
    start = date(2026, 1, 1) + timedelta(days=day0)
    low = _afford(start, start + timedelta(days=len(values) - 1), np.array(values, dtype=np.int64))
    assert low.span(a, a + length) == [low(start + timedelta(days=t)) for t in range(a, a + length + 1)]


# --------------------------------------------------------------------------- bostøtte


@settings(max_examples=examples(80), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(households(max_months=14))
def test_the_monthly_income_sums_every_payout(h):
    """The average income per month, each month's amount looked up once per month, is the
    plain sum over every payout's own month."""
    total = sum(s.amount_for(o.nominal.year, o.nominal.month)
                for s in h.income for o in occurrences(resolve_income(s, h.start, h.profile), h.start, h.end))
    assert monthly_income(h, None) == _half_up(total, _months_of(h))


# --------------------------------------------------------------------------- the check


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(households(max_months=14), min_size=1, max_size=8), st.booleans(), st.integers(0, 6),
       st.integers(0, 300))
def test_the_check_without_flows_gives_the_same_figures(hs, same_day_credit, more, cut):
    """Checked in one scratch block without keeping the flows (and in blocks of a few rows,
    so that several blocks share it), every figure and the series are the full check's."""
    import planner.cashflow as cashflow

    group = _one_horizon(hs, 0, 0)
    h0 = group[0]
    end = h0.end + timedelta(days=31 * more)
    table = compile_households(group, end=end)
    days = max(1, (h0.end - h0.start).days + 1 - cut)
    full = check_table(table, same_day_credit, days=days)
    saved = cashflow._BLOCK_DAYS
    try:
        cashflow._BLOCK_DAYS = 2 * table.hz.days  # (two households a block)
        lean = check_table(table, same_day_credit, days=days, flows=False)
    finally:
        cashflow._BLOCK_DAYS = saved
    assert lean.credits is None and lean.end_of_day is None
    for name in ("series", "problem", "min_balance", "min_day", "first_short", "days_below", "buffer"):
        assert np.array_equal(getattr(lean, name), getattr(full, name)), name


# --------------------------------------------------------------------------- the finished row

_cell = st.one_of(st.just(""), st.integers(-10**9, 10**9))


@given(st.integers(1, 10**6), st.sampled_from(["none", "timing", "income", ""]),
       st.sampled_from(["solvent", "not planned", "planned", "infeasible", "timeout", ""]),
       st.one_of(st.just(""), st.integers(0, 40)), st.integers(0, 5_000_000), st.sampled_from(["", "2026-03-01"]),
       st.one_of(st.just(""), st.integers(-30, 400)), st.integers(0, 6), st.integers(0, 3_000_000),
       st.sampled_from(["", "ja"]), _cell, _cell)
def test_a_finished_row_is_its_columns_and_priority_in_order(seq, problem, status, cost, arrears, request, days,
                                                             children, rent, flagged, estimate, low):
    """The journal's row made from one template is the row's columns, its priority filled in,
    in results.csv's order after `seq` (what it was made as before)."""
    row = BatchRow(seq=seq, id=f"hh-{seq}", problem=problem, status=status, cost=cost, arrears_ore=arrears,
                   eviction_request=request, days_to_request=days, children=children, rent_ore=rent,
                   bostotte_ikke_sokt=flagged, bostotte_estimate_ore=estimate, min_balance_before_ore=low)
    cols = row.columns()
    cols.update(priority_parts(cols, rent))
    want = {"seq": seq, **{c: cols.get(c, "") for c in RESULT_COLUMNS}}
    got = row.finished()
    assert got == want and list(got) == list(want)

"""The batch worker's short routes give what the long ones give: the simple amount form read by
integer arithmetic, the schedule forms and rows told plainly valid at a glance, cached cell
conversions, the continued balances compiled without copies, the bostøtte figures without
their steps, the lazily worked-out affordable low and the settlements summed in one pass."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import INCOME_KINDS, examples, households

from planner.calendar import ScheduleError, resolve_expense, resolve_income
from planner.cashflow import check_table, compile_households
from planner.entitlement import entitlements, unused_bostotte
from planner.eviction import project_household, request_date, unpaid_rents
from planner.eviction.projection import _afford
from planner.eviction.timeline import solvency_series
from planner.flows import horizon
from planner.io.tables.reading import convert
from planner.model import Expense, IncomeStream, resolves_plainly
from planner.money import MAX_KRONER, MoneyError, kroner_to_ore, simple_ore
from planner.periods import horizon_end

# --------------------------------------------------------------------------- amounts


@given(st.text(alphabet="0123456789.,- +kr\u00a0", max_size=14))
def test_the_simple_amount_form_is_read_as_the_decimal_route_reads_it(text):
    ore = simple_ore(text)
    if ore is None:
        return
    # the oracle: the text as a Decimal, in øre (what `Decimal(text) * 100` says, exactly)
    assert ore == int(Decimal(text) * 100)
    assert Decimal(text) * 100 == ore and abs(Decimal(text)) < MAX_KRONER


@given(st.integers(-MAX_KRONER * 100 + 1, MAX_KRONER * 100 - 1), st.sampled_from(["{k}", "{k}.{o:02d}", "{k}.{t}"]))
def test_every_simple_amount_is_read_by_the_short_route(ore, form):
    k, o = divmod(abs(ore), 100)
    if form == "{k}.{t}" and o % 10:
        form = "{k}.{o:02d}"
    text = ("-" if ore < 0 else "") + form.format(k=k, o=o, t=o // 10)
    want = ore if form != "{k}" else (-k * 100 if ore < 0 else k * 100)
    assert simple_ore(text) == want == kroner_to_ore(text)


@pytest.mark.parametrize("text", ["9 500,50", "9.500,50", "12.", "+5", "1e5", "100000000", "100000000.01", " 5",
                                  "5 kr", "١٢", "12.345"])
def test_other_forms_take_the_long_route(text):
    assert simple_ore(text) is None
    try:
        kroner_to_ore(text)  # read, or refused with its rule, as before
    except MoneyError as exc:
        assert exc.code


# --------------------------------------------------------------------------- schedules

_FORMS = {"day": [None, 5], "every_days": [None, 14], "first": [None, date(2026, 1, 5)],
          "dates": [None, [], [date(2026, 1, 10)]], "month_day": [None, {"12": 3}]}


@pytest.mark.parametrize("values", [dict(zip(_FORMS, combo)) for combo in itertools.product(*_FORMS.values())])
def test_a_schedule_form_told_plain_at_a_glance_validates(values):
    """Every combination of the schedule keys: where `plain_form` lets a row through, the full
    rules (pydantic's validation of the same row) accept it too."""
    given_ = {k: v for k, v in values.items() if v is not None}
    row = Expense.model_construct(kind="strom", amount=100, **given_)
    if row.plain_form():
        Expense.model_validate({"kind": "strom", "amount": 1, **given_})


_STREAM_FORMS = {"day": [None, 5], "every_days": [None, 14], "first": [None, date(2026, 1, 5)],
                 "dates": [None, [date(2026, 1, 10)]]}


@pytest.mark.parametrize("kind", INCOME_KINDS)
def test_a_row_said_to_resolve_plainly_resolves(kind):
    """The household's check skips the calendar for rows `resolves_plainly` lets through: the
    calendar resolves every one of them (of every kind and schedule form)."""
    for combo in itertools.product(*_STREAM_FORMS.values()):
        given_ = {k: v for k, v in zip(_STREAM_FORMS, combo) if v is not None}
        income = IncomeStream.model_construct(kind=kind, amount=100, **given_)
        if resolves_plainly("income", income):
            resolve_income(income, date(2026, 1, 1), None)
        else:
            try:
                resolve_income(income, date(2026, 1, 1), None)
            except ScheduleError:
                pass
        expense = Expense.model_construct(kind="strom", amount=100, **given_)
        if resolves_plainly("expense", expense):
            resolve_expense(expense)


# --------------------------------------------------------------------------- cells


def test_a_cached_cell_conversion_is_a_fresh_value_each_time():
    days = convert("rent_days", "1;5;10")
    days.append(99)
    assert convert("rent_days", "1;5;10") == [1, 5, 10]
    table = convert("month_amounts", "12=30510")
    table["1"] = "5"
    assert convert("month_amounts", "12=30510") == {"12": "30510"}
    assert convert("start", "2026-01-01") == "2026-01-01"


# --------------------------------------------------------------------------- households

_FAST = settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FAST
@given(st.lists(households(max_months=12), min_size=1, max_size=4), st.integers(1, 9), st.booleans())
def test_continued_balances_compiled_without_copies_are_the_copies(hs, more, same_day_credit):
    start, months = hs[0].start, hs[0].months
    hs = [h.model_copy(update={"start": start, "months": months}) for h in hs]
    longer = [h.model_copy(update={"months": months + more}) for h in hs]
    want = check_table(compile_households(longer), same_day_credit, days=hs[0].days)
    got = check_table(compile_households(hs, end=horizon_end(start, months + more)), same_day_credit,
                      days=hs[0].days)
    for name in ("series", "problem", "min_balance", "min_day", "first_short", "days_below"):
        assert np.array_equal(getattr(got, name), getattr(want, name)), name


@_FAST
@given(households(max_months=12), st.integers(0, 60))
def test_unused_bostotte_is_the_estimates_monthly_figure(h, days):
    as_of = h.start + timedelta(days=days)
    b = entitlements(h, as_of).bostotte
    assert unused_bostotte(h, as_of) == (b.monthly_ore if b.unused else 0)


@_FAST
@given(households(max_months=12), st.lists(st.tuples(st.integers(0, 400), st.integers(1, 2_000_000)), max_size=4))
def test_unpaid_rents_sum_the_settlements_as_each_rent_is_debited(h, paid):
    """The settlements paid by each rent's debit day are taken off its balance (the sum written
    out here for each rent, in any order of payments)."""
    payments = [(h.start + timedelta(days=d), a) for d, a in paid]
    series = solvency_series(h)
    got = unpaid_rents(h, series=series, payments=payments)
    carried, want = 0, []
    for u in unpaid_rents(h, series=series - 10**12):  # every rent, with its debit day and amount
        balance = int(series[(u.debit_date - h.start).days]) + carried - sum(a for d, a in payments
                                                                            if d <= u.debit_date)
        if balance < 0:
            want.append(u)
            carried += u.unpaid_ore
    assert got == tuple(want)


@given(st.lists(st.integers(-50_000, 50_000), min_size=1, max_size=120), st.integers(0, 27),
       st.lists(st.integers(-5, 130), max_size=20))
def test_the_affordable_low_is_the_lowest_balance_to_the_months_end(values, day0, asked):
    start = date(2026, 1, 1) + timedelta(days=day0)
    account = np.array(values, dtype=np.int64)
    end = start + timedelta(days=len(values) - 1)
    low = _afford(start, end, account)
    hz = horizon(start, end)
    for t in asked:
        got = low(start + timedelta(days=t))
        if not 0 <= t < len(values):
            assert got is None
            continue
        last = int(hz.month_last[hz.month_of_day[t]])
        assert got == min(values[t:last + 1])


@_FAST
@given(households(max_months=12), st.integers(0, 200), st.booleans())
def test_the_request_date_of_a_horizon_cut_short_is_the_projections(h, cut, same_day_credit):
    """A household whose horizon was cut at `until` (an as-of date): the batch's route to the
    request date (the bound, then the walk) says what the full projection says."""
    h = h.model_copy(update={"until": max(h.start, h.end - timedelta(days=cut))})
    assert request_date(h, same_day_credit) == project_household(h, same_day_credit).request_date

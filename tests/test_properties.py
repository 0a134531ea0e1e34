"""Properties of the cash-flow engine over random valid households (hypothesis).

The references are `tests/reference.py`: a simulator that shares no code with the package (its
own bank calendar from `holidays`, its own schedule expansion and day-by-day loops, the payout
rules read from the data files with `tomllib`), so a bug must be made twice, differently
written, to pass unnoticed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from unittest.mock import patch

import reference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import bank_day
from strategies import examples, households

from planner import cashflow
from planner.cashflow import check_table, compile_households, diagnose_many, simulate, transactions
from planner.model import Household

FAST = settings(max_examples=examples(120), deadline=None, suppress_health_check=[HealthCheck.too_slow])
ONE_DAY = timedelta(days=1)


def _days(h: Household):
    return reference.days_of(h.start, reference.horizon_end(h.start, h.months))


def reference_balances(h: Household, same_day_credit: bool = False) -> tuple[list[int], list[int]]:
    """(end-of-day balances, balances the floor applies to), from the reference simulator.

    End of day t: opening + every booking dated on or before t. Without same-day credit
    the floor applies after the day's debits and before its credits.
    """
    acc = reference.account(h, same_day_credit)
    return acc.end_of_day, acc.floor_series


def _as_bookings(txs) -> list[tuple]:
    key = lambda b: (b[0], b[1], b[2] or "", b[3] or "", b[4])  # noqa: E731
    return sorted(((t.date, t.kind, t.stream, t.rent_month, t.amount_ore) for t in txs), key=key)


@FAST
@given(households())
def test_transactions_equal_the_independent_reference(h):
    """Every booking (date, kind, stream, rent month, øre) as the reference simulator makes it."""
    key = lambda b: (b[0], b[1], b[2] or "", b[3] or "", b[4])  # noqa: E731
    assert _as_bookings(transactions(h)) == sorted(reference.bookings(h), key=key)
    assert h.end == reference.horizon_end(h.start, h.months)


# --------------------------------------------------------------------------- (a) the balance


@FAST
@given(households())
def test_end_of_day_balance_is_opening_plus_everything_dated_up_to_that_day(h):
    txs = transactions(h)
    sim = simulate(txs, h.start, h.end, h.opening_balance)
    assert len(sim.end_of_day) == h.days
    for t, d in enumerate(_days(h)):
        expected = h.opening_balance + sum(tx.amount_ore for tx in txs if tx.date <= d)
        assert int(sim.end_of_day[t]) == expected, d
    eod, series = reference_balances(h)
    assert sim.end_of_day.tolist() == eod
    assert sim.after_debits.tolist() == series
    assert sim.solvency_series(True).tolist() == eod


@FAST
@given(households())
def test_transactions_are_integer_ore_on_the_tenant_account_in_booking_order(h):
    txs = transactions(h)
    assert all(type(tx.amount_ore) is int and tx.amount_ore != 0 for tx in txs)
    assert all(tx.account == "tenant" for tx in txs)
    keys = [(tx.date, tx.amount_ore >= 0) for tx in txs]
    assert keys == sorted(keys)  # by date, debits before credits


# --------------------------------------------------------------------------- (b) living costs


@FAST
@given(households())
def test_living_costs_add_up_to_the_monthly_figure_in_every_full_month(h):
    per_month: dict[tuple[int, int], int] = defaultdict(int)
    per_day: dict[date, int] = defaultdict(int)
    for tx in transactions(h):
        if tx.kind == "living":
            per_month[(tx.date.year, tx.date.month)] -= tx.amount_ore
            per_day[tx.date] += 1
    assert all(n == 1 for n in per_day.values())  # one debit a day at most
    full_months = 0
    d = h.start
    while d <= h.end:
        first = d.replace(day=1)
        nxt = (first + timedelta(days=32)).replace(day=1)
        if first >= h.start and nxt - ONE_DAY <= h.end:
            full_months += 1
            assert per_month[(d.year, d.month)] == h.living.monthly, (d.year, d.month)
            # spread evenly: the days of the month differ by at most one øre
            days = [-tx.amount_ore for tx in transactions(h) if tx.kind == "living" and (tx.date.year, tx.date.month) == (d.year, d.month)]
            if h.living.monthly:
                assert max(days) - min(days) <= 1
        d = nxt
    # a horizon starting on the 1st covers every one of its months in full
    if h.start.day == 1:
        assert full_months == h.months


# --------------------------------------------------------------------------- (c) bank days


@FAST
@given(households())
def test_effective_dates_are_bank_days_unless_the_shift_rule_is_none(h):
    """Stream by stream: a payout moved by a shift lands on a bank day; with shift `none` it
    lands on the day the file or the rule names (checked against the reference's nominal dates)."""
    booked: dict[tuple[str, str | None], list[date]] = defaultdict(list)
    for tx in transactions(h):
        if tx.kind != "living":
            booked[(tx.kind, tx.stream)].append(tx.date)
    start, end = h.start, h.end
    for s in h.income:
        payouts = reference.income_payouts(s, start, end, h.profile)
        shift = s.shift or reference._rule(s.kind, start).get("shift", "before")
        for p in payouts:
            if shift == "none":
                assert p.effective == p.nominal or s.exceptions
            else:
                assert bank_day(p.effective), (s.stream, p)
        assert sorted(booked.get(("income", s.stream), [])) == sorted(p.effective for p in payouts)
    for e in h.expense:
        payouts = reference.expense_payouts(e, start, end)
        key = (e.kind, None if e.kind == "husleie" else e.name)
        assert sorted(booked.get(key, [])) == sorted(p.effective for p in payouts)
        if (e.shift or reference._data("expenses.toml")["kinds"][e.kind].get("shift", "after")) != "none":
            assert all(bank_day(p.effective) for p in payouts)


@FAST
@given(households(max_months=12))
def test_a_stream_of_dates_without_shift_keeps_every_date(h):
    for stream in h.income:
        shift = stream.shift or reference._rule(stream.kind, h.start).get("shift", "before")
        if stream.dates is not None and shift == "none":
            got = [tx.date for tx in transactions(h) if tx.stream == stream.stream]
            assert sorted(got) == sorted(stream.dates)


# --------------------------------------------------------------------------- (d) two routes agree


def _reference_diagnosis(h: Household, same_day_credit: bool):
    eod, series = reference_balances(h, same_day_credit)
    low = min(series)
    low_day = h.start + timedelta(days=series.index(low))
    below = [t for t, b in enumerate(series) if b < h.min_balance]
    first = h.start + timedelta(days=below[0]) if below else None
    problem = "none" if not below else ("income" if eod[-1] < h.min_balance else "timing")
    return low, low_day, len(below), first, problem, max(0, h.min_balance - low)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(households(), min_size=1, max_size=8), st.booleans())
def test_vectorised_route_agrees_with_the_reference_simulation(hs, same_day_credit):
    # one household repeated under another id shares its horizon with the first one
    hs = hs + [hs[0].model_copy(update={"id": hs[0].id + "-copy"})]
    diags = diagnose_many(hs, same_day_credit)
    assert [d.household for d in diags] == [h.id for h in hs]
    for h, dg in zip(hs, diags):
        low, low_day, n_below, first, problem, buffer = _reference_diagnosis(h, same_day_credit)
        assert (dg.start, dg.end) == (h.start, h.end)
        assert dg.min_balance_ore == low
        assert dg.min_balance_date == low_day
        assert dg.days_below_floor == n_below
        assert dg.first_shortfall == first
        assert dg.problem == problem
        assert dg.opening_buffer_ore == buffer
        assert dg.floor_ore == h.min_balance
        # the month figures add up the same transactions
        acc = reference.account(h, same_day_credit)
        income, out = defaultdict(int, acc.credits), defaultdict(int, acc.debits)
        eod, series = acc.end_of_day, acc.floor_series
        days = list(_days(h))
        assert [m.month for m in dg.months] == sorted({f"{d.year:04d}-{d.month:02d}" for d in days})
        for m in dg.months:
            assert (m.income_ore, m.outgoings_ore) == (income[m.month], out[m.month]), m.month
            ts = [t for t, d in enumerate(days) if f"{d.year:04d}-{d.month:02d}" == m.month]
            low = min(series[t] for t in ts)
            assert m.lowest_ore == low
            assert m.lowest_date == days[next(t for t in ts if series[t] == low)]
            assert m.end_balance_ore == eod[ts[-1]]
    assert diags[-1].min_balance_ore == diags[0].min_balance_ore


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(households(max_months=6), min_size=1, max_size=5))
def test_check_table_balances_equal_simulate_for_one_horizon(hs):
    start, months = hs[0].start, hs[0].months
    hs = [h.model_copy(update={"start": start, "months": months}) for h in hs]
    hs = [h for h in hs if all(start <= d <= hs[0].end for s in [*h.income, *h.expense] for d in s.dates or ())]
    if not hs:
        return
    table = compile_households(hs)
    res = check_table(table)
    for i, h in enumerate(hs):
        sim = simulate(transactions(h), h.start, h.end, h.opening_balance)
        assert res.end_of_day[i].tolist() == sim.end_of_day.tolist()
        assert res.credits[i].tolist() == sim.credits.tolist()
        assert res.debits[i].tolist() == sim.debits.tolist()
        assert res.end_of_day[i].tolist() == reference.account(h).end_of_day
    # check_table works a block of households at a time: one, two or three households per block
    # (a block's rows are offsets from its first household) give the same
    for per_block in (1, 2, 3):
        with patch.object(cashflow, "_BLOCK_DAYS", per_block * table.hz.days):
            blocked = check_table(table)
        for name in ("credits", "debits", "end_of_day", "series", "problem", "min_balance", "min_day",
                     "first_short", "days_below", "buffer"):
            assert getattr(blocked, name).tolist() == getattr(res, name).tolist(), (per_block, name)
        assert [blocked.diagnosis(i) for i in range(len(hs))] == [res.diagnosis(i) for i in range(len(hs))]


# --------------------------------------------------------------------------- (e) horizon, rent months


@FAST
@given(households())
def test_effective_dates_inside_the_horizon_and_rent_carries_its_month(h):
    txs = transactions(h)
    assert all(h.start <= tx.date <= h.end for tx in txs)
    rent = [tx for tx in txs if tx.kind == "husleie"]
    for tx in rent:
        assert tx.rent_month is not None
        y, m = map(int, tx.rent_month.split("-"))
        assert len(tx.rent_month) == 7 and 1 <= m <= 12
        # the nominal month is at most a few bank days away from the debit
        nominal_first = date(y, m, 1)
        assert nominal_first - timedelta(days=40) <= tx.date <= nominal_first + timedelta(days=45)
        assert tx.amount_ore == -reference.amount_in(h.rent, date(y, m, 1))
    assert all(tx.rent_month is None for tx in txs if tx.kind != "husleie")
    # a monthly rent on a fixed day is charged once per nominal month
    if h.rent.day is not None:
        months = [tx.rent_month for tx in rent]
        assert len(months) == len(set(months))


def test_one_ore_a_month_to_live_on_is_one_debit_on_each_first():
    """The smallest living figure, 0,01 kr a month: one øre on the 1st of each month, nothing else."""
    h = Household.model_validate({"id": "ore", "start": "2026-01-01", "months": 2, "living": {"monthly": "0,01"},
                                  "expense": [{"kind": "husleie", "amount": 100, "day": 5}]})
    assert [(t.date, t.amount_ore) for t in transactions(h) if t.kind == "living"] == [
        (date(2026, 1, 1), -1), (date(2026, 2, 1), -1)]
    assert reference.account(h).end_of_day[-1] == -20_002


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(households(max_months=8), min_size=1, max_size=4), st.integers(1, 8), st.booleans())
def test_a_check_on_the_first_days_of_a_continued_table_is_the_check(hs, more, same_day_credit):
    """The batch compiles its households once over a longer horizon (for the eviction
    projection) and checks their own first days: every figure equals the plain check, and the
    balances begin with the plain ones."""
    h0 = hs[0]
    hs = [h.model_copy(update={"start": h0.start, "months": h0.months}) for h in hs]
    plain = check_table(compile_households(hs), same_day_credit)
    longer = [h.model_copy(update={"months": h.months + more}) for h in hs]
    cont = check_table(compile_households(longer), same_day_credit, days=h0.days)
    for name in ("problem", "min_balance", "min_day", "first_short", "days_below", "buffer"):
        assert getattr(cont, name).tolist() == getattr(plain, name).tolist(), name
    assert cont.series[:, :h0.days].tolist() == plain.series.tolist()
    assert cont.continued and not plain.continued

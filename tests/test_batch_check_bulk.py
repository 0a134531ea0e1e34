"""The check-only batch's first process of many households at once (`first_process_rows`)
gives each household `request_date`'s date, on generated households sharing a horizon and a
rent schedule, with and without existing arrears."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from strategies import examples, households

from planner.batch.common import BatchRow, finished_row
from planner.batch.journal import journal_line, plain_line
from planner.batch.worker import _checked, _first_dues, _rents
from planner.calendar import household_schedules, resolve_expense
from planner.entitlement import unused_bostotte
from planner.entitlement.estimate import monthly_income
from planner.eviction import eviction_rules, projection_series, request_date
from planner.eviction.bulk import LONGER, WALK, first_process_rows, walk_from
from planner.model import Arrears


def _group(hs: list, arrears: int, since_days: int, tight: int) -> list:
    """`hs` on the first one's horizon and rent schedule (each its own amount, raised by
    `tight` øre so that rent fails often), with existing arrears (0: none) since `since_days`."""
    first = hs[0]
    out = []
    for k, h in enumerate(hs):
        rent = first.rent.model_copy(update={"amount": h.rent.amount + tight * (k + 1)})
        update: dict = {"start": first.start, "months": first.months, "until": first.until,
                        "expense": [rent] + [e for e in h.expense if e.kind != "husleie"]}
        if arrears:
            update["arrears"] = Arrears(amount=arrears * (k + 1), since=first.start + timedelta(days=since_days))
        out.append(h.model_copy(update=update))
    return out


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(households(max_months=12), min_size=1, max_size=8), st.sampled_from([0, 0, 150_000, 1_234_567]),
       st.integers(-60, 200), st.sampled_from([0, 50_000, 300_000, 1_500_000]), st.booleans())
def test_the_first_process_of_a_group_is_each_households_walk(hs, arrears, since_days, tight, same_day_credit):
    """Each household the bulk route decides has the date of its own walk (by simulation,
    not from the batch's series); the others are left to the walk."""
    group = _group(hs, arrears, since_days, tight)
    start, end = group[0].start, group[0].end
    series = _checked(group, start, end, same_day_credit, True).series
    dues = _first_dues(group, start, end, series)
    by_due: dict = {}
    for j, due in enumerate(dues):
        if due is not None:
            by_due.setdefault(due, []).append(j)
    decided = 0
    for due, rows in by_due.items():
        got = first_process_rows([group[j] for j in rows], due, series, rows=rows)
        assert len(got) == len(rows)
        for j, date_or_walk in zip(rows, got):
            if date_or_walk is LONGER:
                continue  # (the walk on longer balances: `_projected`, tested against `request_date`)
            event("walk" if date_or_walk is WALK else "no request" if date_or_walk is None else "request")
            if date_or_walk is not WALK:
                decided += 1
                assert date_or_walk == request_date(group[j], same_day_credit)
    note(f"decided {decided} of {len(group)}")


def test_a_group_of_none_is_none():
    assert first_process_rows([], None, None) == []  # type: ignore[arg-type]



@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(households(max_months=12), min_size=1, max_size=5), st.sampled_from([0, 0, 150_000, 1_234_567]),
       st.integers(-60, 200), st.sampled_from([0, 50_000, 300_000, 1_500_000]), st.booleans(), st.booleans())
def test_the_walk_from_the_balances_is_each_households_walk(hs, arrears, since_days, tight, same_day_credit,
                                                            continued):
    """`walk_from` over the balances of the horizon, or continued as the batch continues them,
    gives each household's `request_date` (by simulation), or says it needs the walk."""
    group = _group(hs, arrears, since_days, tight)
    start, end = group[0].start, group[0].end
    series = projection_series(group, same_day_credit) if continued else \
        _checked(group, start, end, same_day_credit, True).series
    for j, h in enumerate(group):
        got = walk_from(h, h.rent, resolve_expense(h.rent), series[j], eviction_rules())
        event("walk" if got is WALK else "longer" if got is LONGER else "no request" if got is None else "request")
        if got is not WALK and got is not LONGER:
            assert got == request_date(h, same_day_credit)


# --------------------------------------------------------------------------- the finished row

_cell = st.one_of(st.just(""), st.integers(-10**9, 10**9))


@given(st.integers(1, 10**6), st.one_of(st.text(max_size=8), st.just("hh-\udcff")), st.text(max_size=8), st.sampled_from(["none", "timing", "income"]),
       st.sampled_from(["", "2026-02-03"]), st.integers(0, 400), st.integers(-10**9, 10**9),
       st.sampled_from([("solvent", 0), ("not planned", "")]), _cell,
       st.sampled_from(["", "2026-03-01"]), st.one_of(st.just(""), st.integers(-30, 400)), st.integers(0, 5_000_000),
       st.integers(0, 6), st.sampled_from(["", "ja"]), _cell, st.sampled_from(["", "bare sjekket (--check-only)"]),
       st.integers(0, 3_000_000))
def test_a_row_finished_at_once_is_the_rows_finished(seq, hid, label, problem, short, below, low, status_cost, after,
                                                     request, days, arrears, children, flagged, estimate, note, rent):
    """`finished_row` gives what a `BatchRow` of the same values gives when finished: the same
    keys in the same order, the same values, the same priority; and the same journal line
    (`plain_line`, a lone surrogate in an id included)."""
    status, cost = status_cost
    want = BatchRow(seq=seq, id=hid, label=label, input_row="t.csv:2", start="2026-01-01", end="2026-12-31",
                    problem=problem, first_shortfall=short, days_below_floor=below, min_balance_before_ore=low,
                    min_balance_before_date="2026-05-01", min_balance_after_ore=after, status=status, cost=cost,
                    eviction_request=request, days_to_request=days, arrears_ore=arrears, children=children,
                    bostotte_ikke_sokt=flagged, bostotte_estimate_ore=estimate, note=note, rent_ore=rent).finished()
    got = finished_row(seq, hid, label, "t.csv:2", "2026-01-01", "2026-12-31", problem, short, below, low,
                       "2026-05-01", after, status, cost, request, days, arrears, children, flagged, estimate, note,
                       rent)
    assert got == want and list(got) == list(want)
    assert plain_line(got) == journal_line(want)  # (its journal line, written at once)


# --------------------------------------------------------------------------- the schedules resolved once


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(households(max_months=14), min_size=1, max_size=5), st.booleans())
def test_the_schedules_the_check_resolved_are_each_households(hs, same_day_credit):
    """The rents and rent schedules, and the bostøtte estimate and income, from the schedules
    the check resolved are what each household's own lookups give."""
    group = [h.model_copy(update={"start": hs[0].start, "months": hs[0].months, "until": hs[0].until}) for h in hs]
    resolved: list = []
    _checked(group, group[0].start, group[0].end, same_day_credit, True, resolved)
    assert resolved == [household_schedules(h) for h in group]
    leases, schedules = _rents(group, resolved)
    assert leases == [h.rent for h in group] and schedules == [resolve_expense(h.rent) for h in group]
    for h, (incomes, _) in zip(group, resolved):
        as_of = h.as_of or h.start
        assert unused_bostotte(h, as_of, incomes) == unused_bostotte(h, as_of)
        assert monthly_income(h, None, schedules=incomes) == monthly_income(h, None)

"""Engine behaviour (cash flow, calendar, solver) that a mutation run
(docs/development/mutation.md) showed no other test pinned. Every figure below is counted by
hand; the households are the smallest that show the rule."""

from __future__ import annotations

from datetime import date

from planner.cashflow import diagnose, diagnose_many
from planner.model import Household


def _same_day() -> Household:
    """9 000 kr in and 9 000 kr of rent on the same day, the 5th of each month, nothing on the
    account, March - April 2026. Thursday 5 March is a bank day: both are booked on it."""
    return Household.model_validate({
        "id": "same-day", "start": date(2026, 3, 1), "months": 2, "min_balance": 0, "opening_balance": 0,
        "income": [{"kind": "annen", "amount": 9000, "day": 5}],
        "expense": [{"kind": "husleie", "amount": 9000, "day": 5}]})


def test_money_in_on_the_rent_day_covers_the_rent_only_when_credited_first():
    """Debits first (the default): on Thursday 5 March the rent leaves an empty account before
    the income arrives, 9 000 kr below the floor for that day, and the month ends at 0: a
    timing problem. Credited first (`same_day_credit`): the balance never dips. The batch's
    bulk diagnosis (`diagnose_many`) says the same for each household."""
    h = _same_day()
    late, first = diagnose(h), diagnose(h, same_day_credit=True)
    assert (late.problem, late.min_balance_ore, late.first_shortfall) == ("timing", -900_000, date(2026, 3, 5))
    assert (first.problem, first.min_balance_ore, first.first_shortfall) == ("none", 0, None)
    assert [d.problem for d in diagnose_many([h, h], same_day_credit=True)] == ["none", "none"]
    assert [d.problem for d in diagnose_many([h, h])] == ["timing", "timing"]


def test_households_of_two_horizons_are_refused_with_the_way_out():
    """The bulk check compiles one horizon at a time: households of two horizons are refused,
    and the message says what to do (group them by horizon first), not only that it failed."""
    import pytest

    from planner.cashflow import compile_households, group_by_horizon

    march = _same_day()
    april = Household.model_validate({**march.model_dump(), "id": "april", "start": date(2026, 4, 1)})
    with pytest.raises(ValueError, match="one horizon; group them first"):
        compile_households([march, april])
    assert sorted(group_by_horizon([march, april, march]).values()) == [[0, 2], [1]]


def test_an_infeasible_plan_claims_to_survive_no_late_payout():
    """5 000 kr in on the 20th and 1 000 kr of AAP on the 10th against 9 000 kr of rent on
    the 1st: over December 2026 - February 2027 the money in (18 000 kr) does not cover the
    rent (27 000 kr), so no plan exists. The contract's `streams` says per income stream how
    many bank days late a payout may come and the plan still hold: for a plan that does not
    hold at all, none, even for AAP, which the data counts as paid up to 3 bank days late."""
    from planner.solver import plan

    h = Household.model_validate({
        "id": "short", "start": date(2026, 12, 1), "months": 3, "min_balance": 0, "opening_balance": 0,
        "income": [{"kind": "annen", "amount": 5000, "day": 20}, {"kind": "aap", "amount": 1000, "day": 10}],
        "expense": [{"kind": "husleie", "amount": 9000, "day": 1}]})
    p = plan(h, as_of=date(2026, 11, 2))
    assert p.status == "infeasible"
    assert {s["stream"]: s["late_days"] for s in p.to_json()["streams"]} == {"annen": 0, "aap": 0}


def test_a_plan_that_changes_no_rent_day_keeps_a_month_s_own_due_date():
    """Rent 9 000 kr on the 1st, but December's on the 22nd (`month_day`), 10 000 kr in on the
    25th, nothing on the account, November 2026 - January 2027; the landlord accepts no other
    day. November's rent (the 1st a Sunday: Monday 2 November) finds an empty account: the plan
    asks the social services for 9 000 kr by then and changes no rent day, so every rent debit
    stays where the schedule has it: Monday 2 November, Tuesday 22 December, Monday 4 January
    (the 1st a holiday, then a weekend). It once debited December's rent on the 1st, a change
    no one was asked for, three weeks before the tenant expects it."""
    from planner.cashflow import transactions
    from planner.levers import LEVERS
    from planner.solver import plan

    h = Household.model_validate({
        "id": "december-22", "start": date(2026, 11, 1), "months": 3, "min_balance": 0, "opening_balance": 0,
        "income": [{"kind": "annen", "amount": 10000, "day": 25}],
        "expense": [{"kind": "husleie", "amount": 9000, "day": 1, "month_day": {"12": 22}}],
        "levers": {"allow": ["rent_day"], "rent_days": [1]}})
    p = plan(h, allow=["rent_day"], forbid=[k for k in LEVERS if k != "rent_day"], buffer_target_ore=0)
    assert p.status == "planned" and "rent_day" not in [i.lever for i in p.interventions]
    rent = [t.date for t in p.transactions if t.kind == "husleie"]
    assert rent == [date(2026, 11, 2), date(2026, 12, 22), date(2027, 1, 4)]
    assert rent == [t.date for t in transactions(h) if t.kind == "husleie"]

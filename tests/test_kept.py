"""Is the plan kept? The matching of expected payments to the ledger's payments (planner/kept.py):
cases computed by hand, then generated ones checked against properties that hold whatever the
allocation does."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.kept import Due, Payment, Verdict, check_dues, check_months, dues_from_plan, kept_streak

D = date
RENT = 950_000


def verdicts(dues, pays, as_of, tol=5):
    return [(m.month, m.verdict, m.paid_ore) for m in check_months(dues, pays, as_of, tol)]


def test_paid_on_the_day_is_kept():
    dues = [Due(D(2026, 2, 5), RENT, "2026-02"), Due(D(2026, 3, 5), RENT, "2026-03")]
    pays = [Payment(D(2026, 2, 5), RENT), Payment(D(2026, 3, 4), RENT)]
    assert verdicts(dues, pays, D(2026, 3, 31)) == [("2026-02", Verdict.KEPT, RENT), ("2026-03", Verdict.KEPT, RENT)]


def test_late_within_tolerance_then_beyond_it():
    dues = [Due(D(2026, 2, 5), RENT, "2026-02"), Due(D(2026, 3, 5), RENT, "2026-03")]
    # February paid 3 days late (tolerance 5): late; March paid on the 11th, 6 days late: at the
    # cutoff (10 March) nothing of March is covered -> broken, even though it came the day after
    pays = [Payment(D(2026, 2, 8), RENT), Payment(D(2026, 3, 11), RENT)]
    assert verdicts(dues, pays, D(2026, 3, 31)) == [("2026-02", Verdict.LATE, RENT), ("2026-03", Verdict.BROKEN, 0)]


def test_first_due_first_paid():
    # February's 9 500 kr gets 8 500 kr: at its cutoff (10 Feb) partly paid. March's 9 500 kr
    # first fills February's 1 000 kr gap, so March too has 8 500 kr covered: partly.
    dues = [Due(D(2026, 2, 5), RENT, "2026-02"), Due(D(2026, 3, 5), RENT, "2026-03")]
    pays = [Payment(D(2026, 2, 5), RENT - 100_000), Payment(D(2026, 3, 5), RENT)]
    months = check_months(dues, pays, D(2026, 3, 31), 5)
    assert [(m.verdict, m.paid_ore, m.missing_ore) for m in months] == [
        (Verdict.PARTLY, 850_000, 100_000), (Verdict.PARTLY, 850_000, 100_000)]


def test_returned_debit_is_not_kept():
    dues = [Due(D(2026, 2, 5), RENT, "2026-02")]
    pays = [Payment(D(2026, 2, 5), RENT), Payment(D(2026, 2, 8), -RENT)]
    assert verdicts(dues, pays, D(2026, 2, 28)) == [("2026-02", Verdict.BROKEN, 0)]
    assert check_dues(dues, pays, D(2026, 2, 28), 5)[0].covered_on is None
    # paid again on the 9th, within the tolerance: late, paid on the 9th (not the 5th)
    (c,) = check_dues(dues, pays + [Payment(D(2026, 2, 9), RENT)], D(2026, 2, 28), 5)
    assert (c.verdict, c.covered_on) == (Verdict.LATE, D(2026, 2, 9))
    # judged before the tolerance has passed: not yet a verdict
    assert verdicts(dues, pays, D(2026, 2, 9)) == [("2026-02", Verdict.PENDING, 0)]


def test_split_rent_month_takes_the_worst_due():
    dues = [Due(D(2026, 2, 5), 500_000, "2026-02"), Due(D(2026, 2, 20), 450_000, "2026-02")]
    pays = [Payment(D(2026, 2, 5), 500_000), Payment(D(2026, 2, 23), 450_000)]
    (m,) = check_months(dues, pays, D(2026, 2, 28), 5)
    assert m.verdict is Verdict.LATE and [c.verdict for c in m.dues] == [Verdict.KEPT, Verdict.LATE]
    assert m.dues[1].covered_on == D(2026, 2, 23)


def test_future_dues_are_not_judged_and_pending_is_skipped_in_the_streak():
    dues = [Due(D(2026, m, 5), RENT, f"2026-{m:02d}") for m in (1, 2, 3, 4)]
    pays = [Payment(D(2026, m, 5), RENT) for m in (1, 2)]
    months = check_months(dues, pays, D(2026, 3, 7), 5)
    assert [m.verdict for m in months] == [Verdict.KEPT, Verdict.KEPT, Verdict.PENDING]
    assert kept_streak(months) == 2
    assert kept_streak(check_months(dues, pays, D(2026, 3, 20), 5)) == 0


def test_dues_from_plan_counts_what_the_landlord_receives():
    plan = {"transactions": [
        {"date": "2026-02-05", "account": "tenant", "kind": "husleie", "rent_month": "2026-02", "amount_ore": -700_000},
        {"date": "2026-02-20", "account": "landlord", "kind": "bostotte_direct", "rent_month": "2026-02",
         "stream": "bostotte", "amount_ore": 250_000},
        {"date": "2026-02-10", "account": "tenant", "kind": "income", "stream": "aap", "amount_ore": 1_200_000},
        {"date": "bad", "account": "tenant", "kind": "husleie", "amount_ore": -1},
        {"date": "2026-02-28", "account": "tenant", "kind": "living", "amount_ore": -300_000},
        # the repayment plan's instalment: arrears owed to the landlord, paid on the tenancy
        {"date": "2026-02-25", "account": "tenant", "kind": "repayment", "amount_ore": -110_000},
    ]}
    assert dues_from_plan(plan) == [Due(D(2026, 2, 5), 700_000, "2026-02"), Due(D(2026, 2, 20), 250_000, "2026-02"),
                                    Due(D(2026, 2, 25), 110_000, "2026-02")]


def test_a_missed_repayment_instalment_breaks_the_month():
    """Rent paid on its day but the instalment of the repayment plan not paid: the month is not
    kept (the agreement includes the instalment), and the evidence names 1 100 kr missing."""
    plan = {"transactions": [
        {"date": "2026-02-05", "account": "tenant", "kind": "husleie", "rent_month": "2026-02", "amount_ore": -700_000},
        {"date": "2026-02-25", "account": "tenant", "kind": "repayment", "amount_ore": -110_000}]}
    months = check_months(dues_from_plan(plan), [Payment(D(2026, 2, 5), 700_000)], D(2026, 3, 10), 5)
    assert [(m.verdict, m.expected_ore, m.paid_ore, m.missing_ore) for m in months] == [
        (Verdict.BROKEN, 810_000, 700_000, 110_000)]


# --------------------------------------------------------------------------- generated

START = D(2026, 1, 1)
dues_st = st.lists(st.tuples(st.integers(0, 200), st.integers(1, 2_000_000)), min_size=1, max_size=8).map(
    lambda xs: [Due(START + timedelta(days=o), a, (START + timedelta(days=o)).strftime("%Y-%m")) for o, a in xs])
pays_st = st.lists(st.tuples(st.integers(0, 220), st.integers(-500_000, 2_000_000)), max_size=10).map(
    lambda xs: [Payment(START + timedelta(days=o), a) for o, a in xs])


@settings(max_examples=200, deadline=None)
@given(dues_st, st.integers(0, 15), st.integers(0, 240))
def test_paying_each_due_on_its_day_keeps_every_month(dues, tol, as_of_off):
    as_of = START + timedelta(days=as_of_off)
    months = check_months(dues, [Payment(d.day, d.amount_ore) for d in dues], as_of, tol)
    assert all(m.verdict is Verdict.KEPT and m.missing_ore == 0 for m in months)
    assert sum(len(m.dues) for m in months) == sum(d.day <= as_of for d in dues)


@settings(max_examples=200, deadline=None)
@given(dues_st, st.integers(0, 15), st.integers(0, 240))
def test_nothing_paid_breaks_every_due_past_its_tolerance(dues, tol, as_of_off):
    as_of = START + timedelta(days=as_of_off)
    for c in check_dues(dues, [], as_of, tol):
        expected = Verdict.BROKEN if c.due.day + timedelta(days=tol) <= as_of else Verdict.PENDING
        assert c.verdict is expected and c.paid_ore == 0


@settings(max_examples=300, deadline=None)
@given(dues_st, pays_st, st.integers(0, 15), st.integers(0, 240), st.integers(0, 220), st.integers(1, 2_000_000))
def test_more_money_never_makes_a_verdict_worse(dues, pays, tol, as_of_off, extra_off, extra):
    from planner.kept import SEVERITY

    as_of = START + timedelta(days=as_of_off)
    before = check_dues(dues, pays, as_of, tol)
    after = check_dues(dues, pays + [Payment(START + timedelta(days=extra_off), extra)], as_of, tol)
    for b, a in zip(before, after, strict=True):
        assert a.paid_ore >= b.paid_ore
        if b.verdict is not Verdict.PENDING and a.verdict is not Verdict.PENDING:
            assert SEVERITY[a.verdict] <= SEVERITY[b.verdict]


@settings(max_examples=300, deadline=None)
@given(dues_st, pays_st, st.integers(0, 15), st.integers(0, 240))
def test_covered_never_exceeds_what_was_paid_or_due(dues, pays, tol, as_of_off):
    as_of = START + timedelta(days=as_of_off)
    checks = check_dues(dues, pays, as_of, tol)
    for c in checks:
        assert 0 <= c.paid_ore <= c.due.amount_ore
        # independent of the allocation: the money booked up to its judging day, less what the
        # earlier dues could take at most, bounds what this due got
        judge = min(c.cutoff, as_of)
        booked = sum(p.amount_ore for p in pays if p.day <= judge)
        assert c.paid_ore <= max(booked, 0)
        assert (c.verdict in (Verdict.KEPT, Verdict.LATE)) == (c.paid_ore == c.due.amount_ore)
        assert (c.covered_on is not None) == (c.paid_ore == c.due.amount_ore)
        if c.verdict is Verdict.LATE:
            assert c.due.day < c.covered_on <= judge


def test_bad_arguments():
    with pytest.raises(ValueError):
        check_dues([Due(START, 0, "2026-01")], [], START, 5)
    with pytest.raises(ValueError):
        check_dues([], [], START, -1)

"""Effective dates against hand-made tables (Norges Bank closing days, NAV/Husbanken rules)."""

from datetime import date

import pytest

from planner.calendar import Schedule, bank_holidays, effective_date, is_bank_day, occurrences
from planner.payout_days import payout_table

D = date


# Hand-made from the 2026 and 2027 calendars: Easter Sunday 2026-04-05, 2027-03-28.
BANK_CLOSED_2026 = {
    D(2026, 1, 1),  # nyttårsdag (Thursday)
    D(2026, 4, 2), D(2026, 4, 3), D(2026, 4, 6),  # skjærtorsdag, langfredag, 2. påskedag
    D(2026, 5, 1),  # 1. mai (Friday)
    D(2026, 5, 14),  # Kristi himmelfartsdag
    D(2026, 5, 25),  # 2. pinsedag
    D(2026, 12, 24), D(2026, 12, 25),  # julaften (settlement closed), 1. juledag; 26.12 is a Saturday
}
BANK_CLOSED_2027 = {
    D(2027, 1, 1),
    D(2027, 3, 25), D(2027, 3, 26), D(2027, 3, 29),  # Easter 2027
    D(2027, 5, 6),  # Kristi himmelfartsdag
    D(2027, 5, 17),  # grunnlovsdag on a Monday
    D(2027, 12, 24),  # julaften on a Friday
}


@pytest.mark.parametrize("year,closed", [(2026, BANK_CLOSED_2026), (2027, BANK_CLOSED_2027)])
def test_weekday_closing_days_match_hand_table(year, closed):
    assert bank_holidays(year) == closed


def test_17_may_2027_monday_is_closed_and_2026_sunday_is_weekend():
    assert not is_bank_day(D(2027, 5, 17))
    assert D(2026, 5, 17).weekday() == 6 and not is_bank_day(D(2026, 5, 17))


def test_24_december_closed_even_on_a_weekday_and_weekday_31_december_open():
    assert D(2027, 12, 24).weekday() == 4 and not is_bank_day(D(2027, 12, 24))
    assert D(2026, 12, 31).weekday() == 3 and is_bank_day(D(2026, 12, 31))
    assert D(2027, 12, 31).weekday() == 4 and is_bank_day(D(2027, 12, 31))


@pytest.mark.parametrize(
    "nominal,shift,expected",
    [
        (D(2026, 1, 1), "after", D(2026, 1, 2)),  # rent due on nyttårsdag runs the next day
        (D(2026, 4, 3), "before", D(2026, 4, 1)),  # langfredag -> onsdag before skjærtorsdag
        (D(2026, 4, 5), "after", D(2026, 4, 7)),  # påskedag -> tirsdag after 2. påskedag
        (D(2027, 3, 28), "before", D(2027, 3, 24)),  # Easter Sunday 2027 -> Wednesday
        (D(2026, 5, 14), "before", D(2026, 5, 13)),  # Kristi himmelfart 2026
        (D(2027, 5, 6), "after", D(2027, 5, 7)),  # Kristi himmelfart 2027
        (D(2027, 5, 17), "before", D(2027, 5, 14)),  # 17 May Monday -> Friday
        (D(2027, 12, 24), "before", D(2027, 12, 23)),  # julaften Friday -> Thursday
        (D(2027, 12, 24), "after", D(2027, 12, 27)),  # julaften -> Monday after 1. juledag weekend
        (D(2026, 12, 31), "before", D(2026, 12, 31)),  # weekday 31 December is a bank day
        (D(2026, 12, 26), "none", D(2026, 12, 26)),  # rule none keeps the date
    ],
)
def test_effective_date(nominal, shift, expected):
    assert effective_date(nominal, shift) == expected


def _table(kind, year):
    (row,) = payout_table(year, [kind])
    return [o.effective for o in row[1]]


def test_uforetrygd_2026_hand_table():
    # by the 20th; May before the 17th (16 May is a Saturday -> 15); December the 12th (Sat -> 11)
    expected = [D(2026, 1, 20), D(2026, 2, 20), D(2026, 3, 20), D(2026, 4, 20), D(2026, 5, 15), D(2026, 6, 19),
                D(2026, 7, 20), D(2026, 8, 20), D(2026, 9, 18), D(2026, 10, 20), D(2026, 11, 20), D(2026, 12, 11)]
    assert _table("uforetrygd", 2026) == expected


def test_bostotte_2024_uses_the_published_table_not_the_rule():
    expected = [D(2024, 1, 19), D(2024, 2, 20), D(2024, 3, 20), D(2024, 4, 19), D(2024, 5, 15), D(2024, 6, 20),
                D(2024, 7, 19), D(2024, 8, 20), D(2024, 9, 20), D(2024, 10, 18), D(2024, 11, 20), D(2024, 12, 20)]
    assert _table("bostotte", 2024) == expected
    # the rule alone pays the last bank day before 20.05 (2. pinsedag): 17.05 is grunnlovsdag,
    # so Thursday 16.05; Husbanken actually paid on the 15th
    rule_only = Schedule(shift="before", day=20)
    may = [o.effective for o in occurrences(rule_only, D(2024, 5, 1), D(2024, 5, 31))]
    assert may == [D(2024, 5, 16)]


def test_barnetrygd_2026_last_bank_day_and_december_18th():
    got = _table("barnetrygd", 2026)
    assert got[0] == D(2026, 1, 30)  # 31.01 is a Saturday
    assert got[1] == D(2026, 2, 27)  # day 31 -> 28.02 (Saturday) -> Friday 27th
    assert got[11] == D(2026, 12, 18)


def test_day_31_in_short_months_is_the_last_day():
    sched = Schedule(shift="none", day=31)
    got = [o.effective for o in occurrences(sched, D(2026, 1, 1), D(2026, 6, 30))]
    assert got == [D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30), D(2026, 5, 31), D(2026, 6, 30)]
    leap = [o.effective for o in occurrences(sched, D(2028, 2, 1), D(2028, 2, 29))]
    assert leap == [D(2028, 2, 29)]


def test_fourteen_day_stream_counts_from_its_anchor_both_ways():
    sched = Schedule(shift="before", every_days=14, first=D(2026, 3, 4))
    got = [o.effective for o in occurrences(sched, D(2026, 1, 1), D(2026, 4, 30))]
    assert got == [D(2026, 1, 7), D(2026, 1, 21), D(2026, 2, 4), D(2026, 2, 18), D(2026, 3, 4), D(2026, 3, 18),
                   D(2026, 4, 1), D(2026, 4, 15), D(2026, 4, 29)]


def test_dates_shifted_before_the_horizon_are_dropped_not_pulled_to_day_one():
    # bostøtte-like payout nominally on Sunday 1 Feb 2026 shifts to Friday 30 Jan: outside.
    sched = Schedule(shift="before", day=1)
    # March's (Sunday 1 March) shifts to Friday 27 Feb, inside; April's (Wed 1 April) is outside.
    got = [o.effective for o in occurrences(sched, D(2026, 2, 1), D(2026, 3, 31))]
    assert got == [D(2026, 2, 27)]


def test_payout_shifted_back_into_the_horizon_from_after_its_end_is_kept():
    # nominal 31 Jan 2026 is a Saturday -> Friday 30 Jan, inside a horizon ending 30 Jan
    sched = Schedule(shift="before", day=31)
    got = [o.effective for o in occurrences(sched, D(2026, 1, 1), D(2026, 1, 30))]
    assert got == [D(2026, 1, 30)]


# --------------------------------------------------------------------------- issue 13: payout data


def test_sykepenger_and_foreldrepenger_by_the_25th_december_the_10th_and_about_the_12th():
    from planner.benefits import catalogue
    from planner.calendar import occurrences, resolve_income
    from planner.model import IncomeStream

    for kind, december in (("sykepenger", date(2026, 12, 10)), ("foreldrepenger", date(2026, 12, 11))):
        s = IncomeStream.model_validate({"kind": kind, "amount": 20000})
        got = [o.effective for o in occurrences(resolve_income(s, date(2026, 1, 1)), date(2026, 1, 1), date(2026, 12, 31))]
        # 25.04.2026 is a Saturday -> Friday 24.04; 25.10 a Sunday -> 23.10. December: NAV pays
        # sykepenger on the 10th (Thursday 10.12.2026; before the fix the 12th, a Saturday -> 11.12);
        # foreldrepenger keeps the 12th (Saturday -> Friday 11.12), marked uncertain
        assert got[3] == date(2026, 4, 24) and got[9] == date(2026, 10, 23) and got[11] == december, kind
        assert got[0] == date(2026, 1, 23)  # 25.01 is a Sunday
    # December 2025: the 10th is a Wednesday
    s = IncomeStream.model_validate({"kind": "sykepenger", "amount": 20000})
    assert [o.effective for o in occurrences(resolve_income(s, date(2025, 1, 1)), date(2025, 12, 1),
                                             date(2025, 12, 31))] == [date(2025, 12, 10)]
    cat = catalogue()
    assert "10. desember" in cat.kinds["sykepenger"].reference
    assert "UNCERTAIN" in (cat.kinds["foreldrepenger"].uncertain or "")


def test_barnebidrag_late_days_are_uncertain_and_more_than_five():
    """Barnebidrag is passed on when the payer pays (the payer's deadline is the 25th): no source
    gives 5 late days, so the data says so, cites what the page does say, and assumes more."""
    from planner.benefits import catalogue

    k = catalogue().kinds["barnebidrag"]
    assert k.late_days == 10 and k.late_days > 5
    assert "25th" in k.late_reference and "fortløpende" in k.late_reference
    assert (k.late_uncertain or "").startswith("UNCERTAIN")


def test_christmas_meldekort_window_is_a_dated_exception_a_household_opts_into():
    from planner.calendar import occurrences, resolve_income
    from planner.model import IncomeStream

    base = {"kind": "aap", "amount": 9000, "every_days": 14, "first": "2025-12-02"}
    span = (date(2025, 12, 1), date(2026, 1, 31))
    plain = [o.effective for o in occurrences(resolve_income(IncomeStream.model_validate(base), span[0]), *span)]
    used = [o.effective for o in occurrences(
        resolve_income(IncomeStream.model_validate({**base, "exceptions": ["jul-2025"]}), span[0]), *span)]
    assert date(2025, 12, 30) in plain and date(2025, 12, 22) not in plain
    # the payout of 30.12 comes on 22.12.2025 (meldekort sent from 17.12, 3 bank days); the rest stay
    assert used == [date(2025, 12, 2), date(2025, 12, 16), date(2025, 12, 22), date(2026, 1, 13), date(2026, 1, 27)]


def test_christmas_window_covers_both_meldekort_cycles():
    """The two meldekort cycles, one week apart, each with the jul-2025 exception:
    cycle paid Tuesdays 16.12 / 30.12: the 30.12 payout falls in the holidays and moves eight days
        early, to Monday 22.12.2025 (meldekort from Wednesday 17.12 + 3 bank days);
    cycle paid Tuesdays 09.12 / 23.12: 23.12.2025 is a bank day before Christmas, so it keeps its
        own day (before the fix it was pulled one day early to 22.12, money the planner must not
        count on); 06.01.2026 stays;
    a cycle paid Wednesdays: 31.12 -> 22.12 (nine days early)."""
    from planner.calendar import occurrences, resolve_income
    from planner.model import IncomeStream

    span = (date(2025, 12, 1), date(2026, 1, 31))

    def paid(first: str) -> list[date]:
        s = IncomeStream.model_validate({"kind": "aap", "amount": 9000, "every_days": 14, "first": first,
                                         "exceptions": ["jul-2025"]})
        return [o.effective for o in occurrences(resolve_income(s, span[0]), *span)]

    assert paid("2025-12-02") == [date(2025, 12, 2), date(2025, 12, 16), date(2025, 12, 22), date(2026, 1, 13),
                                  date(2026, 1, 27)]
    assert (date(2025, 12, 30) - date(2025, 12, 22)).days == 8
    assert paid("2025-12-09") == [date(2025, 12, 9), date(2025, 12, 23), date(2026, 1, 6), date(2026, 1, 20)]
    assert paid("2025-12-03")[2] == date(2025, 12, 22)


def test_unknown_payout_exception_is_refused_with_the_allowed_names():
    import pytest
    from pydantic import ValidationError

    from planner.model import IncomeStream

    with pytest.raises(ValidationError, match="unknown exception 'jul-2024' for aap; allowed: jul-2025"):
        IncomeStream.model_validate({"kind": "aap", "amount": 1, "every_days": 14, "first": "2025-12-02",
                                     "exceptions": ["jul-2024"]})


def test_uncertain_payout_points_are_noted_in_the_data():
    from planner.benefits import catalogue

    cat = catalogue()
    assert "15.04" in cat.kinds["bostotte"].uncertain and "15.05.2024" in cat.kinds["bostotte"].uncertain
    assert "virkedager" in cat.kinds["aap"].uncertain and "cirka 2 til 3 virkedager" in cat.kinds["aap"].description
    assert cat.kinds["aap"].exceptions["jul-2025"].reference


def test_bank_day_stepping_over_easter_2026():
    """Easter 2026 by hand: Maundy Thursday 2 April, Good Friday 3 April, the weekend, Easter
    Monday 6 April; Wednesday 1 April and Tuesday 7 April are the bank days around them."""
    from planner.calendar import add_bank_days, any_bank_day, bank_day_on_or_after, bank_day_on_or_before

    assert add_bank_days(date(2026, 4, 1), 1) == date(2026, 4, 7)
    assert add_bank_days(date(2026, 4, 7), -1) == date(2026, 4, 1)
    assert add_bank_days(date(2026, 4, 1), 2) == date(2026, 4, 8)
    assert add_bank_days(date(2026, 4, 4), 0) == date(2026, 4, 4)  # 0: the day itself, bank day or not
    assert add_bank_days(date(2026, 4, 4), 1) == date(2026, 4, 7)  # counted from a closed day
    assert bank_day_on_or_before(date(2026, 4, 6)) == date(2026, 4, 1)
    assert bank_day_on_or_after(date(2026, 4, 2)) == date(2026, 4, 7)
    assert bank_day_on_or_before(date(2026, 4, 1)) == bank_day_on_or_after(date(2026, 4, 1)) == date(2026, 4, 1)
    assert not any_bank_day(date(2026, 4, 2), date(2026, 4, 7))
    assert any_bank_day(date(2026, 4, 2), date(2026, 4, 8))
    assert not any_bank_day(date(2026, 4, 7), date(2026, 4, 7))  # an empty range


def test_the_dated_value_in_force():
    """The last value whose start is not after the day; None before the first; None = always."""
    from planner.periods import in_force

    table = [(None, "a"), (date(2026, 1, 1), "b"), (date(2026, 7, 1), "c")]
    pick = lambda d: in_force(table, d, lambda r: r[0])[1]  # noqa: E731
    assert [pick(date(2025, 12, 31)), pick(date(2026, 1, 1)), pick(date(2026, 6, 30)), pick(date(2026, 7, 1))] == \
        ["a", "b", "b", "c"]
    assert in_force(table[1:], date(2025, 12, 31), lambda r: r[0]) is None


def test_a_schedules_hash_is_its_fields_and_stays_out_of_a_pickle():
    """Worked out once and kept (`Schedule.__hash__`), the hash is still the fields' own: equal
    schedules hash alike and find each other in a dict, also after a pickle round trip (which
    must not carry the cached hash: a str's hash differs from process to process)."""
    import pickle

    from planner.calendar import Schedule

    a = Schedule(shift="next", day=3, month_day=((0, 12, 19),))
    b = Schedule(shift="next", day=3, month_day=((0, 12, 19),))
    assert hash(a) == hash(b) == hash(a) and {a: 1}[b] == 1
    copy = pickle.loads(pickle.dumps(a))
    assert "_hash" not in copy.__dict__ and copy == a and {a: 1}[copy] == 1
    assert Schedule(shift="next", day=4) != a

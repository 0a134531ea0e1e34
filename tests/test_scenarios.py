"""The bundled scenarios are diagnosed as their files say, with figures checked by hand."""

from datetime import date

from planner.cashflow import diagnose, simulate, transactions


def test_seed_single_mother_is_a_timing_problem(scenario):
    h = scenario("enslig-mor-2006")
    d = diagnose(h)
    assert d.problem == "timing"
    # Rent 9 500 is due Thursday 1 Jan (nyttårsdag) and runs Friday 2 Jan. The balance after the
    # debits of 2 Jan: 10 500 opening - 9 500 rent - living for 1 and 2 Jan.
    # Living 13 000 kr over 31 days: 1 300 000 øre = 31 * 41 935 + 15, so 1-15 Jan cost
    # 419,36 kr a day (the remainder øre go on the first days). After 3 Jan's debits:
    # 10 500 - 9 500 - 3 * 419,36 = -258,08 kr: the first day below the floor.
    assert d.first_shortfall == date(2026, 1, 3)
    assert d.months[0].lowest_ore < 0
    assert d.min_balance_ore == -353_090 and d.min_balance_date == date(2026, 2, 10)
    assert d.opening_buffer_ore == 353_090
    # no single payout covers the rent, but the month's payouts do
    incomes = [t for t in transactions(h) if t.kind == "income"]
    assert max(t.amount_ore for t in incomes) < h.rent.amount
    jan = d.months[0]
    assert jan.income_ore == 188_000 + 260_000 + 2 * 620_000 + 750_000 + 353_200
    assert jan.outgoings_ore == 950_000 + 90_000 + 440_000 + 1_300_000


def test_seed_single_mother_day_two_balance_by_hand(scenario):
    h = scenario("enslig-mor-2006")
    sim = simulate(transactions(h), h.start, h.end, h.opening_balance)
    assert int(sim.end_of_day[0]) == 1_050_000 - 41_936
    assert int(sim.after_debits[1]) == 1_050_000 - 2 * 41_936 - 950_000 == 16_128
    assert int(sim.after_debits[2]) == 1_050_000 - 3 * 41_936 - 950_000 == -25_808


def test_low_income_household_is_an_income_problem(scenario):
    d = diagnose(scenario("lav-inntekt"))
    assert d.problem == "income"
    # every month: 14 000 + 1 766 + 2 400 in, 11 500 + 800 + 9 000 out -> 3 134 kr short
    for m in d.months:
        assert m.income_ore == 1_816_600
        assert m.outgoings_ore == 2_130_000
    assert d.months[-1].end_balance_ore == 200_000 - 12 * 313_400


def test_fine_household_has_no_problem(scenario):
    d = diagnose(scenario("alt-i-orden"))
    assert d.problem == "none"
    assert d.first_shortfall is None and d.days_below_floor == 0 and d.opening_buffer_ore == 0
    assert d.min_balance_ore >= 0


def test_minimum_pension_dips_only_in_the_december_gap(scenario):
    d = diagnose(scenario("minstepensjon-desember"))
    assert d.problem == "timing"
    # payout 11 Dec 2026 (12th is a Saturday), the next on 20 Jan 2027: the dip is in January
    assert d.first_shortfall is not None and d.first_shortfall.year == 2027 and d.first_shortfall.month == 1
    assert all(m.lowest_ore >= 0 for m in d.months if m.month != "2027-01")


def test_aap_household_drifts(scenario):
    h = scenario("aap-drift")
    d = diagnose(h)
    assert d.problem == "timing"
    per_month = {}
    for t in transactions(h):
        if t.stream == "aap":
            per_month[t.date.month] = per_month.get(t.date.month, 0) + 1
    assert sorted(set(per_month.values())) == [2, 3]

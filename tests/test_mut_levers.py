"""Lever behaviour that a mutation run (docs/development/mutation.md) showed no other test
pinned. Every date and amount below is counted by hand on the calendar of its year; the
households are the smallest that show the rule."""

from __future__ import annotations

from datetime import date

from planner.levers import LEVERS
from planner.model import Household
from planner.solver import plan


def _moved_with_another_income_before() -> Household:
    """Sosialhjelp of 10 000 kr on the month's last day, rent 10 500 kr on the 4th, nothing on
    the account, horizon 16 April - 15 June 2026, and another income: 100 kr on Monday 20
    April and 5 000 kr on Tuesday 2 June. As it stands, April's payout comes on Thursday 30
    April and May's on Friday 29 May; the rent of Monday 4 May finds 10 100 kr: short by 400
    kr. Moved to the 1st, May's payout (1 May is a bank holiday) comes on Thursday 30 April
    too: 20 100 kr on the 4th of May."""
    return Household.model_validate({
        "id": "move-with-another-income", "start": date(2026, 4, 16), "months": 2, "min_balance": 0,
        "opening_balance": 0,
        "income": [{"kind": "sosialhjelp", "amount": 10000, "day": 31},
                   {"kind": "annen", "amount": 100, "dates": [date(2026, 4, 20)], "name": "gave"},
                   {"kind": "annen", "amount": 5000, "dates": [date(2026, 6, 2)]}],
        "expense": [{"kind": "husleie", "amount": 10500, "day": 4}],
        "levers": {"allow": ["move_payout"], "rent_days": [4], "move_payout": ["sosialhjelp"]}})


def test_a_moved_payout_starts_the_plan_on_its_own_first_changed_day_not_another_incomes():
    """The plan starts the day the moved stream's payouts first differ, Thursday 30 April: the
    other income of Monday 20 April is not the moved stream's and changes nothing."""
    h = _moved_with_another_income_before()
    others = [k for k in LEVERS if k != "move_payout"]
    p = plan(h, allow=["move_payout"], forbid=others, buffer_target_ore=0, on_time=True)
    assert p.status == "planned"
    (mv,) = p.interventions
    assert (mv.lever, mv.params.to_json()["stream"], mv.params.to_json()["to_day"]) == ("move_payout", "sosialhjelp", 1)
    assert mv.effective_from == date(2026, 4, 30)


def test_a_household_without_an_allow_list_gets_the_levers_the_data_file_turns_on():
    """The data file (planner/data/levers.toml, read here apart from the catalogue) turns each
    lever on or off by default; a household with no `allow` list gets exactly those turned
    on, and one that allows a lever turned off gets it (here moving a payout, off in
    today's data: it asks NAV for what there is no right to)."""
    import tomllib
    from pathlib import Path

    import planner
    from planner.levers.catalogue import resolve

    raw = tomllib.loads((Path(planner.__file__).parent / "data" / "levers.toml").read_text(encoding="utf-8"))
    on = {k for k, v in raw["levers"].items() if v.get("default", True)}
    assert set() < on < set(raw["levers"])  # some on, some off: else the test shows nothing
    data = _moved_with_another_income_before().model_dump()
    data["levers"] = {"rent_days": [4]}
    h = Household.model_validate(data)
    assert set(resolve(h).allowed) == on
    assert resolve(h).move_streams == ()
    data["levers"] = {"rent_days": [4], "allow": ["move_payout"]}
    assert set(resolve(Household.model_validate(data)).allowed) == {"move_payout"}


def test_betalingsutsettelse_defers_two_months_when_the_rent_day_change_reaches_neither():
    """Rent 9 000 kr on the 1st, 10 000 kr in on the 20th, nothing on the account, horizon
    December 2026 - February 2027, planned Monday 2 November 2026. The landlord answers a
    rent-day change in 10 bank days (Monday 16 November) and, in this household's agreement,
    no debit less than 60 days after that changes (15 January): the new day 21 applies from
    February (Sunday 21 February: Monday 22nd). December's rent (Tuesday 1 December) and
    January's (the 1st a holiday, then a weekend: Monday 4 January) can only be deferred within
    their month, to the 21st: two months, as many as a deferral may cover (sismo.no, data
    file). Asked by Monday 23 November (the tenant stops the debit of 1 December on 30
    November, the landlord takes 5 bank days)."""
    h = Household.model_validate({
        "id": "two-deferred", "start": date(2026, 12, 1), "months": 3, "min_balance": 0, "opening_balance": 0,
        "income": [{"kind": "annen", "amount": 10000, "day": 20}],
        "expense": [{"kind": "husleie", "amount": 9000, "day": 1}],
        "levers": {"allow": ["rent_day", "betalingsutsettelse"], "rent_days": [1, 21],
                   "lead": {"rent_day": {"lead_days": 60}}}})
    keep = ["rent_day", "betalingsutsettelse"]
    p = plan(h, allow=keep, forbid=[k for k in LEVERS if k not in keep], as_of=date(2026, 11, 2), buffer_target_ore=0)
    assert p.status == "planned"
    by = {i.lever: i for i in p.interventions}
    assert (by["rent_day"].params.to_json()["day"], by["rent_day"].effective_from) == (21, date(2027, 2, 1))
    bu = by["betalingsutsettelse"]
    assert [(m["old_date"], m["new_date"], m["amount_ore"]) for m in bu.params.to_json()["months"]] == [
        ("2026-12-01", "2026-12-21", 900_000), ("2027-01-04", "2027-01-21", 900_000)]
    assert (bu.effective_from, bu.request_by) == (date(2026, 12, 1), date(2026, 11, 23))
    rent = [(t.date, t.amount_ore) for t in p.transactions if t.kind == "husleie"]
    assert rent == [(date(2026, 12, 21), -900_000), (date(2027, 1, 21), -900_000), (date(2027, 2, 22), -900_000)]


def test_bostotte_to_the_landlord_names_its_stream_in_the_batch_column():
    """The lever column of a batch's results.csv names the bostøtte stream paid to the
    landlord, as the other levers name theirs."""
    from planner.levers import rules
    from planner.levers.bostotte_to_landlord import BostotteParams

    lever = rules()["bostotte_to_landlord"]
    assert lever.short(BostotteParams(stream="bostotte")) == "bostotte_to_landlord(bostotte)"
    assert lever.short(BostotteParams(stream="kommunal")) == "bostotte_to_landlord(kommunal)"


def _rent_day_lead(unit: str) -> Household:
    """Rent 9 000 kr on the 1st, 10 000 kr in on the 20th, nothing on the account, December
    2026 - February 2027; the landlord answers a rent-day change in 10 bank days and changes no
    debit less than 15 days (of `unit`) after that."""
    return Household.model_validate({
        "id": "lead-unit", "start": date(2026, 12, 1), "months": 3, "min_balance": 0, "opening_balance": 0,
        "income": [{"kind": "annen", "amount": 10000, "day": 20}],
        "expense": [{"kind": "husleie", "amount": 9000, "day": 1}],
        "levers": {"allow": ["rent_day"], "rent_days": [1, 21],
                   "lead": {"rent_day": {"lead_days": 15, "lead_unit": unit}}}})


def test_a_lead_time_in_bank_days_counts_bank_days():
    """Planned Monday 2 November 2026, the landlord answers Monday 16 November. 15 calendar
    days on is Tuesday 1 December: December's rent moves to Monday 21 December, asked for that
    very day (2 November). 15 bank days on is Monday 7 December, after December's debit: the
    change cannot reach December, whose rent stays on Tuesday 1 December (bridged)."""
    others = [k for k in LEVERS if k != "rent_day"]
    cal = plan(_rent_day_lead("calendar"), allow=["rent_day"], forbid=others, as_of=date(2026, 11, 2),
               buffer_target_ore=0)
    (rd,) = [i for i in cal.interventions if i.lever == "rent_day"]
    assert (rd.params.to_json()["day"], rd.effective_from, rd.request_by) == (21, date(2026, 12, 1), date(2026, 11, 2))
    bank = plan(_rent_day_lead("bank"), allow=["rent_day"], forbid=others, as_of=date(2026, 11, 2),
                buffer_target_ore=0)
    december = [t.date for t in bank.transactions if t.kind == "husleie" and t.rent_month == "2026-12"]
    assert december == [date(2026, 12, 1)]
    assert all(i.effective_from is None or i.effective_from > date(2026, 12, 7)
               for i in bank.interventions if i.lever == "rent_day")


def test_a_count_setting_must_be_a_whole_number_not_true_or_text():
    """`repay_months` and `rent_instalments` are whole numbers in the household file: `true`
    is not read as 1 month, nor the text "3" as 3 instalments (a JSON file or a batch cell
    that holds a word where a number belongs is a mistake to report, not to guess). A whole
    number within the bounds is taken as it is."""
    import pytest
    from pydantic import ValidationError

    from planner.levers.settings import validate, values

    data = _moved_with_another_income_before().model_dump(mode="json")
    for levers in ({"repay_months": True}, {"rent_instalments": "3"}, {"repay_months": 6.0}):
        with pytest.raises(ValidationError) as err:
            validate({**data, "levers": levers})
        assert next(iter(levers)) in str(err.value)
    h = validate({**data, "levers": {"repay_months": 6, "rent_instalments": 3}})
    assert (values(h)["repay_months"], values(h)["rent_instalments"]) == (6, 3)


def test_bostotte_to_the_landlord_starts_with_the_first_lowered_rent_debit():
    """Bostøtte of 3 000 kr (Husbanken's payout day, the 20th), 7 000 kr in on the 25th, rent
    9 000 kr on the 1st, 8 000 kr on the account, January - March 2027, planned Monday 2
    November 2026. Paid to the landlord, the bostøtte of a rent month comes a month later
    (January's on Friday 19 February, the 20th a Saturday), and the tenant's own debit of that
    month is lowered to 6 000 kr at once: the plan starts with January's debit (the 1st a
    holiday, then a weekend: Monday 4 January), seven weeks before the first payout to the
    landlord. The landlord must agree to the lower debit as to a rent-day change: 21 days
    before 4 January is Monday 14 December, less 10 bank days (11 ... 1 December, 30
    November): Monday 30 November, before Husbanken's own deadline (18 January)."""
    h = Household.model_validate({
        "id": "bostotte-direct", "start": date(2027, 1, 1), "months": 3, "min_balance": 0, "opening_balance": 8000,
        "income": [{"kind": "bostotte", "amount": 3000}, {"kind": "annen", "amount": 7000, "day": 25}],
        "expense": [{"kind": "husleie", "amount": 9000, "day": 1}],
        "levers": {"allow": ["bostotte_to_landlord"]}})
    others = [k for k in LEVERS if k != "bostotte_to_landlord"]
    p = plan(h, allow=["bostotte_to_landlord"], forbid=others, as_of=date(2026, 11, 2), buffer_target_ore=0)
    (bl,) = p.interventions
    rent = [(t.date, t.amount_ore) for t in p.transactions if t.kind == "husleie"]
    direct = [(t.date, t.rent_month) for t in p.transactions if t.kind == "bostotte_direct"]
    assert rent[0] == (date(2027, 1, 4), -600_000) and direct[0] == (date(2027, 2, 19), "2027-01")
    assert (bl.effective_from, bl.request_by) == (date(2027, 1, 4), date(2026, 11, 30))


def test_an_unknown_lead_time_key_is_refused_with_the_known_ones_listed():
    """An office's lead-time file that names no lever or bridge (a typo) is refused, and the
    message lists the keys it could have meant, readably: every lever of the data file and
    every bridge as `bridge.<name>`, sorted, comma-separated."""
    import tomllib
    from pathlib import Path

    import pytest

    import planner
    from planner.levers.lead import LeadError, lead_table

    raw = tomllib.loads((Path(planner.__file__).parent / "data" / "levers.toml").read_text(encoding="utf-8"))
    known = sorted([k for k in raw["lead"] if k != "bridge"] + [f"bridge.{b}" for b in raw["lead"]["bridge"]])
    with pytest.raises(LeadError) as err:
        lead_table({"rent_dag": {"decide_days": 3}}, office_name="kontor.toml")
    msg = str(err.value)
    assert msg.startswith("kontor.toml: no lever or bridge 'rent_dag'")
    assert msg.split("known: ", 1)[1].split(", ") == known


def test_the_first_debit_a_betalingsutsettelse_reaches_waits_for_the_tenant_to_stop_it():
    """Asked Monday 2 November 2026: the landlord agrees in 5 bank days (Monday 9 November),
    then the tenant needs a bank day to stop the single debit: the first debit that can still
    be deferred is on Tuesday 10 November. An office whose tenants need 3 bank days to stop a
    debit: Thursday 12 November."""
    from planner.levers import rules
    from planner.levers.lead import lead_table, timing

    h = _moved_with_another_income_before()
    rule = rules()["betalingsutsettelse"]
    assert rule.earliest(h, timing(date(2026, 11, 2), h.start, lead_table())) == date(2026, 11, 10)
    office = lead_table({"betalingsutsettelse": {"stop_days": 3}})
    assert rule.earliest(h, timing(date(2026, 11, 2), h.start, office)) == date(2026, 11, 12)


def test_each_changed_rent_debit_a_letter_states_rests_on_its_own_transaction():
    """The letters' list of changed rent months (`facts.rent_changes`) states each new debit's
    day and amount as facts resting on the plan transaction they come from, so the fact check
    can find the booking behind each figure: in the two-month deferral (December and January
    to the 21st, February on Monday 22nd) every new amount rests on the debit of its day."""
    from planner.facts import Ledger, rent_changes

    h = Household.model_validate({
        "id": "two-deferred", "start": date(2026, 12, 1), "months": 3, "min_balance": 0, "opening_balance": 0,
        "income": [{"kind": "annen", "amount": 10000, "day": 20}],
        "expense": [{"kind": "husleie", "amount": 9000, "day": 1}],
        "levers": {"allow": ["rent_day", "betalingsutsettelse"], "rent_days": [1, 21],
                   "lead": {"rent_day": {"lead_days": 60}}}})
    keep = ["rent_day", "betalingsutsettelse"]
    p = plan(h, allow=keep, forbid=[k for k in LEVERS if k not in keep], as_of=date(2026, 11, 2), buffer_target_ore=0)
    rows = rent_changes(Ledger(p), h)
    new = [(d.value, a.value, a.tx) for row in rows for d, a in row["new"]]
    assert [(d, a) for d, a, _ in new] == [(date(2026, 12, 21), 900_000), (date(2027, 1, 21), 900_000),
                                           (date(2027, 2, 22), 900_000)]
    for d, a, tx in new:
        (k,) = tx
        assert (p.transactions[k].date, -p.transactions[k].amount_ore, p.transactions[k].kind) == (d, a, "husleie")


def test_an_instalment_on_the_horizons_last_day_is_inside_the_horizon():
    """3 000 kr of arrears in three instalments on the 31st, January-March 2026: 31 January is
    a Saturday (debited Monday 2 February), February has no 31st and its last day, the 28th, is
    a Saturday (Monday 2 March), and 31 March, a Tuesday, is the horizon's last day. That last
    instalment is inside the horizon, so the plan debits all three (a mutation survivor read
    `eff >= end` and dropped it)."""
    from datetime import timedelta

    from test_lever_dates import _setup

    from planner.levers.repayment_plan import repayment_options

    h = Household.model_validate({
        "id": "rep-end", "start": date(2026, 1, 1), "months": 3, "min_balance": 0, "opening_balance": 0,
        "arrears": {"amount": 3000, "since": date(2025, 12, 1)},
        "income": [{"kind": "annen", "amount": 12000, "day": 2}],
        "expense": [{"kind": "husleie", "amount": 9000, "day": 1}],
        "levers": {"allow": ["repayment_plan"], "rent_days": [1, 31], "repay_months": 3}})
    assert h.end == date(2026, 3, 31)
    options = {(n, day): [(h.start + timedelta(days=d), amount) for d, amount in pays]
               for n, day, pays in repayment_options(_setup(h, date(2025, 12, 1), ["repayment_plan"]))}
    assert options[(3, 31)] == [(date(2026, 2, 2), 100_000), (date(2026, 3, 2), 100_000), (date(2026, 3, 31), 100_000)]

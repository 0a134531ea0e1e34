"""Lever dates worked out by hand: the first booking a lever changes, the latest day to ask for
it, and the facts a letter states. Each case is one that a random run or a mutation run showed
no other test pinned (docs/development/mutation.md); every date below is counted on the
calendar of its year, with the Norwegian bank holidays named where they matter."""

from __future__ import annotations

from datetime import date

from planner.asof import today as clock_today  # bound before conftest's fixed calendar patches it
from planner.levers import LEVERS
from planner.levers.betalingsutsettelse import BetalingsutsettelseParams, DeferredMonth
from planner.levers.deduction import DeductionParams
from planner.levers.move_payout import MovePayoutParams
from planner.levers.rent_instalments import RentInstalmentsParams
from planner.model import Household
from planner.solver import plan


def _moved_onto_an_existing_payout_day() -> Household:
    """Sosialhjelp of 10 000 kr paid on the month's last day (shift "before"), rent 10 500 kr
    on the 4th, nothing on the account, 5 000 kr of other income on Tuesday 2 June 2026.
    Horizon 16 April - 15 June 2026. As it stands: April's payout on Thursday 30 April, May's
    on Friday 29 May (the 31st is a Sunday); the rent of Monday 4 May finds 10 000 kr: short.
    Moved to the 1st: May's payout comes on the 1st of May, a bank holiday, so on Thursday 30
    April: two payouts that day, the day April's payout already had; 20 000 kr on the 4th of
    May, 9 500 kr after the rent, 14 500 kr on 2 June, 4 000 kr after June's rent on the 4th.
    (June's payout on the 1st replaces the one of 30 June, after the horizon: left out.)"""
    return Household.model_validate({
        "id": "move-onto-a-payout-day", "start": date(2026, 4, 16), "months": 2, "min_balance": 0,
        "opening_balance": 0,
        "income": [{"kind": "sosialhjelp", "amount": 10000, "day": 31},
                   {"kind": "annen", "amount": 5000, "dates": [date(2026, 6, 2)]}],
        "expense": [{"kind": "husleie", "amount": 10500, "day": 4}],
        "levers": {"allow": ["move_payout"], "rent_days": [4], "move_payout": ["sosialhjelp"]}})


def test_a_payout_moved_onto_a_day_that_has_one_starts_the_plan_that_day():
    """The moved payout lands on 30 April, a day the current schedule already pays on: the
    plan starts on 30 April, not on 29 May (the first day whose *set* of payout days differs).
    Asked on 2 March 2026, NAV takes 20 bank days: counted back from Thursday 30 April over
    April's bank days (29 ... 7 April: 17, Maundy Thursday 2, Good Friday 3 and Easter Monday
    6 April are closed) and 1 April, 31 and 30 March: the 20th is Monday 30 March."""
    h = _moved_onto_an_existing_payout_day()
    others = [k for k in LEVERS if k != "move_payout"]
    p = plan(h, allow=["move_payout"], forbid=others, as_of=date(2026, 3, 2), buffer_target_ore=0, on_time=True)
    assert p.status == "planned"
    (mv,) = p.interventions
    assert (mv.lever, mv.params) == ("move_payout", MovePayoutParams(stream="sosialhjelp", from_day=31, to_day=1))
    assert [(t.date, t.amount_ore) for t in p.transactions if t.stream == "sosialhjelp"] == [
        (date(2026, 4, 30), 1_000_000), (date(2026, 4, 30), 1_000_000)]
    assert (mv.effective_from, mv.request_by) == (date(2026, 4, 30), date(2026, 3, 30))


def test_the_letter_names_the_payout_moved_onto_a_day_that_has_one():
    """The letter's first moved payout is the second payout of 30 April, and the payout it
    replaces is May's of Friday 29 May (the plan made without an as-of day)."""
    h = _moved_onto_an_existing_payout_day()
    others = [k for k in LEVERS if k != "move_payout"]
    p = plan(h, allow=["move_payout"], forbid=others, buffer_target_ore=0, on_time=True)
    (mv,) = p.interventions
    assert mv.effective_from == date(2026, 4, 30)
    from planner.levers import rules

    first, facts = rules()["move_payout"].letter_facts(mv, p, h, None, None)
    assert first is not None and first.value == date(2026, 4, 30)
    assert facts["replaces"].value == date(2026, 5, 29)
    assert (facts["from_day"].value, facts["to_day"].value) == (31, 1)


# --------------------------------------------------------------------------- lead times
# The dates below are counted on the 2026 calendar: 24 December and the weekends are closed,
# 18, 21 and 31 December are bank days.

def _setup(h: Household, as_of: date, allow: list[str], office: dict | None = None):
    """The solver's setup of `h` for a plan made on `as_of` with only `allow` allowed (and an
    office's own lead times)."""
    from planner.cashflow import transactions
    from planner.levers.catalogue import resolve
    from planner.levers.lead import lead_table, timing
    from planner.solver.setup import setup

    cfg = resolve(h, allow, [k for k in LEVERS if k not in allow])
    return setup(h, cfg, False, transactions(h), timing=timing(as_of, h.start, lead_table(office)))


def _intervention(lever: str, **params):
    from planner.levers.bostotte_to_landlord import BostotteParams
    from planner.results import Intervention

    kind = {"bostotte_to_landlord": BostotteParams, "deduction": DeductionParams,
            "betalingsutsettelse": BetalingsutsettelseParams}[lever]
    return Intervention(lever, (), 0, kind(**params))


def test_a_request_due_on_a_friday_may_still_be_made_over_the_weekend():
    """One bank day to decide, a booking on Monday 7 December 2026: counted back, the request
    must be in by Friday 4 December; one sent on Saturday 5 or Sunday 6 December is handled
    on Monday 7 December, the same as Friday's, so the latest request day is Sunday 6."""
    from planner.levers.lead import Lead

    assert Lead(decide_days=1).latest_request(date(2026, 12, 7)) == date(2026, 12, 6)
    # counted in calendar days there is no weekend to wait for
    assert Lead(decide_days=1, decide_unit="calendar").latest_request(date(2026, 12, 7)) == date(2026, 12, 6)
    assert Lead(decide_days=2, decide_unit="calendar").latest_request(date(2026, 12, 7)) == date(2026, 12, 5)
    # a booking on a Wednesday: Tuesday, no weekend in between
    assert Lead(decide_days=1).latest_request(date(2026, 12, 9)) == date(2026, 12, 8)


def _bostotte() -> Household:
    return Household.model_validate({
        "id": "bostotte-december", "start": date(2027, 1, 1), "months": 2, "min_balance": 0, "opening_balance": 0,
        "income": [{"kind": "bostotte", "amount": 3000}], "expense": [{"kind": "husleie", "amount": 1000, "day": 1}],
        "levers": {"allow": ["bostotte_to_landlord"]}})


def test_husbanken_takes_a_transport_for_january_only_by_the_december_cut_off():
    """The kommune registers the transport 5 bank days after the request; registered by the
    cut-off of month M (the 25th, in December the 20th), it applies to Husbanken's payout in
    month M+1. December's cut-off, Sunday 20 December 2026, falls back to Friday 18 December.
    Asked on Friday 11 December: registered Friday 18 December (14-18), in time for January.
    Asked on Monday 14 December: registered Monday 21 December (15-18, 21): past the 20th
    (though before the 25th), so February's payout is the first."""
    from planner.levers import rules
    from planner.levers.lead import lead_table, timing

    h, rule = _bostotte(), rules()["bostotte_to_landlord"]
    assert rule.earliest(h, timing(date(2026, 12, 11), h.start, lead_table())) == date(2027, 1, 1)
    assert rule.earliest(h, timing(date(2026, 12, 14), h.start, lead_table())) == date(2027, 2, 1)
    # in November the cut-off is the 25th (a Wednesday): asked Wednesday 18 November,
    # registered Wednesday 25 November, in time for December; asked the 19th, January
    assert rule.earliest(h, timing(date(2026, 11, 18), h.start, lead_table())) == date(2026, 12, 1)
    assert rule.earliest(h, timing(date(2026, 11, 19), h.start, lead_table())) == date(2027, 1, 1)
    # an office that knows December's run closes on the 15th (a Tuesday), and November's on
    # the 20th (a Friday): asked Tuesday 8 December, registered Tuesday 15 December, in time;
    # asked the 9th, too late; asked Friday 13 November, registered the 20th, in time
    office = lead_table({"bostotte_to_landlord": {"cutoff_day_december": 15, "cutoff_day": 20}})
    assert rule.earliest(h, timing(date(2026, 12, 8), h.start, office)) == date(2027, 1, 1)
    assert rule.earliest(h, timing(date(2026, 12, 9), h.start, office)) == date(2027, 2, 1)
    assert rule.earliest(h, timing(date(2026, 11, 13), h.start, office)) == date(2026, 12, 1)
    assert rule.earliest(h, timing(date(2026, 11, 16), h.start, office)) == date(2027, 1, 1)


def test_the_latest_day_to_ask_husbanken_counts_back_from_the_december_cut_off():
    """A first payout to the kommune on 20 January 2027 must be registered by December's
    cut-off, Friday 18 December 2026; 5 bank days before it: Friday 11 December (14-18).
    (With the 25th the cut-off would be Wednesday 23 December, and the request 16 December.)
    A first payout on 18 December 2026: November's cut-off, Wednesday 25 November, less 5 bank
    days: Wednesday 18 November."""
    from planner.levers import rules

    s = _setup(_bostotte(), date(2026, 10, 1), ["bostotte_to_landlord"])
    i, rule = _intervention("bostotte_to_landlord", stream="bostotte"), rules()["bostotte_to_landlord"]
    assert rule.request_by(s, i, date(2027, 1, 20)) == date(2026, 12, 11)
    assert rule.request_by(s, i, date(2026, 12, 18)) == date(2026, 11, 18)


def _deduction(aap: dict) -> Household:
    return Household.model_validate({
        "id": "deduction-dates", "start": date(2026, 11, 1), "months": 2, "min_balance": 0, "opening_balance": 0,
        "income": [{"kind": "aap", "amount": 8000, **aap}], "expense": [{"kind": "husleie", "amount": 1000, "day": 1}],
        "levers": {"allow": ["deduction"], "deduction_from": ["aap"]}})


def test_the_latest_day_to_ask_nav_for_a_deduction_from_a_monthly_payout():
    """A first deduction on Friday 20 November 2026 from a monthly payout: NAV must have it
    registered by October's last bank day, Friday 30 October (the 31st is a Saturday), and
    takes 15 bank days: 29, 28, 27, 26, 23, 22, 21, 20, 19, 16, 15, 14, 13, 12 and 9 October.
    Friday 9 October; a request over the weekend is handled on Monday 12 October, the same as
    Friday's: the latest request day is Sunday 11 October."""
    from planner.levers import rules

    s = _setup(_deduction({"day": 20}), date(2026, 9, 1), ["deduction"])
    i = _intervention("deduction", stream="aap", amount_ore=100_000)
    assert rules()["deduction"].request_by(s, i, date(2026, 11, 20)) == date(2026, 10, 11)


def test_the_latest_day_to_ask_nav_for_a_deduction_from_a_14_day_payout():
    """A first deduction on Friday 20 November 2026 from a 14-day payout: registered a whole
    period (14 days) before, Friday 6 November; 15 bank days before that: 5, 4, 3, 2 November
    and 30, 29, 28, 27, 26, 23, 22, 21, 20, 19, 16 October: Friday 16 October; with the weekend,
    Sunday 18 October."""
    from planner.levers import rules

    s = _setup(_deduction({"first": date(2026, 11, 6)}), date(2026, 9, 1), ["deduction"])
    i = _intervention("deduction", stream="aap", amount_ore=100_000)
    assert rules()["deduction"].request_by(s, i, date(2026, 11, 20)) == date(2026, 10, 18)
    # an office whose NAV registers a deduction a week before the payout: Friday 13 November,
    # less 15 bank days (12 ... 2 November, 30 ... 23 October): Friday 23 October, so Sunday 25
    s = _setup(_deduction({"first": date(2026, 11, 6)}), date(2026, 9, 1), ["deduction"],
               {"deduction": {"period_days": 7}})
    assert rules()["deduction"].request_by(s, i, date(2026, 11, 20)) == date(2026, 10, 25)


def test_a_norwegian_letter_states_the_norwegian_basis_and_an_english_one_the_english():
    """The catalogue holds each lever's basis in both languages: the letter cites the one of
    its own language, without the catalogue's "to verify" notes."""
    from planner.letters.context import clean_basis, letter_context
    from planner.levers import catalogue

    h = Household.model_validate({
        "id": "basis", "start": date(2026, 6, 1), "months": 1, "min_balance": 0, "opening_balance": 0,
        "income": [{"kind": "annen", "amount": 10000, "dates": [date(2026, 6, 5)]}],
        "expense": [{"kind": "husleie", "amount": 10000, "day": 1}], "levers": {"rent_days": [1, 5, 10]}})
    p = plan(h, allow=["rent_day"], forbid=[k for k in LEVERS if k != "rent_day"])
    assert [i.lever for i in p.interventions] == ["rent_day"]
    lv = catalogue()["rent_day"]
    assert lv.basis != lv.basis_nb
    for lang, basis in (("nb", lv.basis_nb), ("en", lv.basis)):
        ctx = letter_context(h, p, "landlord", lang, letter_date=date(2026, 5, 1), chart=False)
        assert [it.basis for it in ctx["items"]] == [clean_basis(basis)]
        # and where it comes from, as the data file gives it
        assert [it.source for it in ctx["items"]] == [
            "SpareBank 1 SR-Bank, 'Hvordan endrer eller sletter jeg en AvtaleGiro?'; domain.md §4"]
    assert lv.description == "Rent drawn (autogiro/AvtaleGiro) on another day the landlord accepts."


def test_betalingsutsettelse_asks_the_landlord_before_the_tenant_stops_the_old_debit():
    """The old debit of Tuesday 1 December 2026 must be stopped a bank day before it runs,
    Monday 30 November; the landlord takes 5 bank days (27, 26, 25, 24, 23 November): Monday
    23 November. An office whose tenants need 3 bank days to stop a debit: Thursday 26
    November, less 5 bank days: Thursday 19 November."""
    from planner.levers import rules

    h, rule = _bostotte(), rules()["betalingsutsettelse"]
    i = _intervention("betalingsutsettelse", months=())
    s = _setup(h, date(2026, 10, 1), ["betalingsutsettelse"])
    assert rule.request_by(s, i, date(2026, 12, 1)) == date(2026, 11, 23)
    s = _setup(h, date(2026, 10, 1), ["betalingsutsettelse"], {"betalingsutsettelse": {"stop_days": 3}})
    assert rule.request_by(s, i, date(2026, 12, 1)) == date(2026, 11, 19)
    # never before the day the plan is made
    s = _setup(h, date(2026, 11, 25), ["betalingsutsettelse"])
    assert rule.request_by(s, i, date(2026, 12, 1)) == date(2026, 11, 25)


# --------------------------------------------------------------------------- as-of day


def test_today_is_the_pinned_day_when_one_is_pinned(monkeypatch):
    import pytest

    from planner.asof import TODAY_ENV, BadToday

    monkeypatch.setenv(TODAY_ENV, " 2026-02-28 ")
    assert clock_today() == date(2026, 2, 28)
    monkeypatch.setenv(TODAY_ENV, "28.02.2026")
    with pytest.raises(BadToday, match="PLANNER_TODAY='28.02.2026' is not a date written YYYY-MM-DD"):
        clock_today()


def test_the_note_says_what_was_done_to_the_horizon():
    """A horizon of 2026 planned on 2 February: truncated to 2 February - 31 December; rolled
    forward: 12 months from 2 February 2026 to 1 February 2027."""
    from planner.asof import align

    h = Household.model_validate({
        "id": "notes", "start": date(2026, 1, 1), "months": 12, "min_balance": 0, "opening_balance": 0,
        "income": [{"kind": "annen", "amount": 10000, "day": 5}], "expense": [{"kind": "husleie", "amount": 8000, "day": 1}]})
    as_of = date(2026, 2, 2)
    cut = align(h, as_of)
    assert (cut.note, cut.household.start, cut.household.end) == ("truncated", date(2026, 2, 2), date(2026, 12, 31))
    rolled = align(h, as_of, roll=True)
    assert (rolled.note, rolled.household.months, rolled.household.start, rolled.household.end) == (
        "rolled", 12, date(2026, 2, 2), date(2027, 2, 1))
    same = align(h, date(2025, 12, 1))
    assert (same.note, same.household.start) == ("", date(2026, 1, 1))


def test_amounts_for_dated_months_move_with_a_rolled_horizon():
    """A stream paid 5 000 kr in March 2025 (and 6 000 kr every December) rolled forward to 1
    February 2026: March 2025's amount is March 2026's; the month-only key stays."""
    from planner.asof import align

    h = Household.model_validate({
        "id": "rolled-amounts", "start": date(2025, 1, 1), "months": 12, "min_balance": 0, "opening_balance": 0,
        "income": [{"kind": "annen", "amount": 4000, "day": 5, "month_amounts": {"2025-03": 5000, "12": 6000}}],
        "expense": [{"kind": "husleie", "amount": 1000, "day": 1}]})
    rolled = align(h, date(2026, 2, 1), roll=True).household
    (inc,) = rolled.income
    assert inc.month_amounts == {"2026-03": 500_000, "12": 600_000}
    assert [inc.amount_for(2026, m) for m in (2, 3, 12)] == [400_000, 500_000, 600_000]


# --------------------------------------------------------------------------- facts


def test_the_most_common_number_of_payouts_a_month():
    from planner.facts import most_common_count

    assert most_common_count([]) == 1
    assert most_common_count([[1, 2], [3, 4], [5]]) == 2
    assert most_common_count([[1, 2], [3]]) == 1  # a tie: the smaller


# --------------------------------------------------------------------------- batch labels and overrides


def test_each_lever_says_itself_in_a_few_characters_for_the_batch():
    """The lever column of a batch's results.csv."""
    from planner.levers import rules

    r = rules()
    assert r["move_payout"].short(MovePayoutParams(stream="aap", from_day=20, to_day=1)) == "move_payout(aap 20->1)"
    assert r["move_payout"].short(MovePayoutParams(stream="aap", from_day=date(2026, 11, 19), to_day=date(2026, 11, 17),
                                                   shift_days=-2)) == "move_payout(aap 2026-11-19->2026-11-17)"
    assert r["deduction"].short(DeductionParams(stream="uforetrygd", amount_ore=150_000)) == "deduction(uforetrygd 1500 kr)"
    assert r["rent_instalments"].short(RentInstalmentsParams(days=(1, 15), from_day=1, amounts_ore=(1, 1),
                                                             amounts_by_month={})) == "rent_instalments(1,15)"
    months = tuple(DeferredMonth(rent_month=m, old_date=date(2026, k, 1), new_date=date(2026, k, 20), amount_ore=1)
                   for k, m in ((6, "2026-06"), (7, "2026-07")))
    assert r["betalingsutsettelse"].short(BetalingsutsettelseParams(months=months)) == \
        "betalingsutsettelse(2026-06,2026-07)"


def test_an_override_may_repeat_the_data_files_notes():
    """An office's lead-time file copied from the data file keeps its notes (status, source,
    the first-booking rule, the Norwegian name): they are read past, not refused."""
    from planner.levers.lead import lead_table

    notes = {"status": "confirmed", "source": ["x"], "first_booking": "y", "name_nb": "z", "decide_days": 7}
    lead = lead_table({"deduction": notes})["deduction"]
    assert (lead.decide_days, lead.extra["period_days"]) == (7, 14)
    assert lead.status == "UNCERTAIN (overridden)"


def test_a_repayment_letter_links_its_figures_to_the_instalments():
    """Arrears of 1 200 kr, up to 12 months to repay; 10 000 kr on the 1st and 8 000 kr rent
    on the 5th leave 2 000 kr, so the whole 1 200 kr is paid at once on Wednesday 10 June. The
    letter's instalment amount, day and count are facts read from the plan's repayment debit
    (each names it), with no subject (the plan has one repayment)."""
    from planner.levers import rules

    h = Household.model_validate({
        "id": "repay", "start": date(2026, 6, 1), "months": 3, "min_balance": 0, "opening_balance": 0,
        "income": [{"kind": "annen", "amount": 10000, "day": 1}], "expense": [{"kind": "husleie", "amount": 8000, "day": 5}],
        "arrears": {"amount": 1200, "creditor": "kemneren"}, "levers": {"repay_months": 12}})
    p = plan(h)
    (rp,) = [i for i in p.interventions if i.lever == "repayment_plan"]
    debits = tuple(k for k, t in enumerate(p.transactions) if t.kind == "repayment")
    assert [(p.transactions[k].date, p.transactions[k].amount_ore) for k in debits] == [(date(2026, 6, 10), -120_000)]
    _, facts = rules()["repayment_plan"].letter_facts(rp, p, h, None, None)
    for key in ("amount_ore", "day", "months"):
        assert (facts[key].subject, tuple(facts[key].tx)) == ("", debits), key
    assert (facts["amount_ore"].value, facts["day"].value, facts["months"].value, facts["creditor"]) == \
        (120_000, 10, 1, "kemneren")

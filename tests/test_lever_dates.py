"""Lever dates worked out by hand: the first booking a lever changes, the latest day to ask for
it, and the facts a letter states. Each case is one that a random run or a mutation run showed
no other test pinned (docs/development/mutation.md); every date below is counted on the
calendar of its year, with the Norwegian bank holidays named where they matter."""

from __future__ import annotations

from datetime import date

from planner.levers import LEVERS
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
    assert (mv.lever, mv.params) == ("move_payout", {"stream": "sosialhjelp", "from_day": 31, "to_day": 1})
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

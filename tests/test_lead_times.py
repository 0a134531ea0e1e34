"""Issue 11: plans that start today. Lead times, the transition, the bridge, as-of, roll forward."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import examples
from test_solver import small_households

from planner.asof import HorizonPassed, align
from planner.cashflow import transactions
from planner.levers.base import stream_of
from planner.levers.lead import after, before, lead_table
from planner.model import Household
from planner.solver import plan

LEVER_KINDS = {  # the bookings each lever changes
    "rent_day": {"husleie"}, "rent_instalments": {"husleie"}, "deduction": {"deduction", "income"},
    "bostotte_to_landlord": {"bostotte_direct", "income"}, "move_payout": {"income"}, "repayment_plan": {"repayment"}, "betalingsutsettelse": {"husleie"},
}


def _bookings(txs, kinds, before_day, stream=None, skip_months=()):
    return sorted((t.date, t.account, t.kind, t.amount_ore, t.stream) for t in txs
                  if t.kind in kinds and t.date < before_day and (stream is None or t.stream == stream)
                  and t.rent_month not in skip_months)


@settings(max_examples=examples(50), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_households(months=4), st.integers(0, 20), st.integers(0, 12), st.integers(0, 25), st.integers(0, 20))
def test_bookings_before_each_effective_from_are_the_current_schedule(h, back, decide, lead, ded):
    """Random as-of dates and lead times: every booking before an intervention's effective_from
    is the current schedule's, request_by is never before the as-of date nor after the first
    changed booking, and the plan is re-simulated (inside `plan`) as before."""
    as_of = h.start - timedelta(days=back)
    leads = lead_table({"rent_day": {"decide_days": decide, "lead_days": lead},
                        "rent_instalments": {"decide_days": decide, "lead_days": lead},
                        "deduction": {"decide_days": ded}, "repayment_plan": {"decide_days": decide}})
    p = plan(h, as_of=as_of, leads=leads, buffer_target_ore=0)
    assert p.as_of == (as_of if p.interventions else p.as_of)
    base = transactions(h)
    # months a betalingsutsettelse defers are its bookings, not the rent-day change's
    deferred = {m.rent_month for i in p.interventions if i.lever == "betalingsutsettelse" for m in i.params.months}
    for i in p.interventions:
        if i.lever == "opening_buffer":
            # asked so the money is there the day before it is needed; a dip on the as-of day
            # itself can only be met by the tenant's own money, today
            assert i.request_by is not None and as_of <= i.request_by <= i.effective_from
            assert i.request_by < i.effective_from or i.params.source == "own_money"
            continue
        assert i.effective_from is not None and i.request_by is not None
        assert as_of <= i.request_by <= i.effective_from
        stream = stream_of(i)
        kinds = LEVER_KINDS[i.lever]
        skip = deferred if i.lever in ("rent_day", "rent_instalments") else ()
        assert _bookings(p.transactions, kinds, i.effective_from, stream, skip) == \
            _bookings(base, kinds, i.effective_from, stream, skip)
    if p.interventions:
        first = min(i.effective_from for i in p.interventions if i.lever != "opening_buffer") \
            if any(i.lever != "opening_buffer" for i in p.interventions) else h.end + timedelta(days=1)
        everything = {t.kind for t in base} | {t.kind for t in p.transactions}
        assert _bookings(p.transactions, everything, first) == _bookings(base, everything, first)


def test_no_rent_change_before_the_landlords_lead_time(scenario):
    """Rent day: asked on Monday 30.11.2026, the landlord confirms 10 bank days later (14.12),
    and no debit dated less than 21 days after that (04.01.2027) changes: the January rent,
    due 01.01 (a holiday: debited 04.01), is the first that may change; December's runs."""
    h = align(scenario("enslig-mor-2006"), date(2026, 11, 30), roll=True).household
    p = plan(h, forbid=["bostotte_to_landlord", "deduction", "rent_instalments"], as_of=date(2026, 11, 30))
    assert after(date(2026, 11, 30), 10, "bank") == date(2026, 12, 14)
    rent = [t for t in p.transactions if t.kind == "husleie"]
    assert rent[0].date == date(2026, 12, 1) and rent[0].amount_ore == -950_000
    (rd,) = [i for i in p.interventions if i.lever == "rent_day"]
    assert rd.effective_from >= date(2027, 1, 4)
    assert rd.request_by == before(before(rd.effective_from, 21, "calendar"), 10, "bank")
    # the transition is bridged: December's dip is covered by a one-time sum
    (br,) = [i for i in p.interventions if i.lever == "opening_buffer"]
    assert br.params.amount_ore > 0 and br.effective_from == date(2026, 12, 1)


def test_bostotte_goes_to_the_kommune_from_the_payout_after_the_cut_off(scenario):
    """Asked 30.11.2026: registered 07.12 (5 bank days) <= the December cut-off (the 20th), so
    the first payout to the kommune is Husbanken's January payout (20.01.2027)."""
    h = align(scenario("enslig-mor-2006"), date(2026, 11, 30), roll=True).household
    p = plan(h, allow=["bostotte_to_landlord"], forbid=["rent_day", "rent_instalments", "deduction"],
             as_of=date(2026, 11, 30))
    direct = [t for t in p.transactions if t.kind == "bostotte_direct"]
    assert not direct or min(t.date for t in direct) >= date(2027, 1, 1)


def test_a_passed_horizon_is_refused_naming_roll_forward(scenario, tmp_path):
    from click.testing import CliRunner

    from planner.cli import main

    h = scenario("enslig-mor-2006")
    with pytest.raises(HorizonPassed, match="--roll-forward"):
        align(h, date(2027, 3, 1))
    r = CliRunner().invoke(main, ["plan", "scenarios/enslig-mor-2006.toml", "--as-of", "2027-03-01"])
    assert r.exit_code == 2 and "--roll-forward" in r.output and "Traceback" not in r.output


def test_partly_passed_horizon_is_planned_for_what_remains(scenario):
    h = scenario("enslig-mor-2006")
    a = align(h, date(2026, 11, 29))
    assert a.note == "truncated" and a.household.start == date(2026, 11, 29) and a.household.end == h.end
    assert all(t.date >= date(2026, 11, 29) for t in transactions(a.household))


def test_roll_forward_carries_14_day_rhythms_from_their_anchor(scenario):
    h = scenario("enslig-mor-2006")
    r = align(h, date(2026, 11, 29), roll=True).household
    assert r.start == date(2026, 11, 29) and r.months == h.months
    aap = next(i for i in r.income if i.first)
    old = next(i for i in h.income if i.first)
    assert (aap.first - old.first).days % 14 == 0 and aap.first <= r.start < aap.first + timedelta(days=14)
    # the summer holiday (20.07.2026) and Christmas (14.12.2026) carried forward by whole years
    assert sorted(d for e in r.expense if e.dates for d in e.dates) == [date(2026, 12, 14), date(2027, 7, 20)]


def test_lead_overrides_office_and_household_and_bad_values(scenario):
    from planner.levers.lead import LeadError

    t = lead_table({"rent_day": {"decide_days": 3}}, {"rent_day": {"lead_days": 7}})
    assert (t["rent_day"].decide_days, t["rent_day"].lead_days) == (3, 7)
    with pytest.raises(LeadError, match="no lever or bridge 'rent_dai'"):
        lead_table({"rent_dai": {"decide_days": 3}})
    with pytest.raises(LeadError, match="whole number"):
        lead_table(None, {"rent_day": {"decide_days": -1}})
    every = lead_table()
    assert all(lead.status and lead.source for lead in every.values())


def test_the_done_when_command(tmp_path):
    """`plan scenarios/enslig-mor-2006.toml --as-of 2026-11-29 --roll-forward`: as_of in the
    contract, every lever with request_by >= as_of and effective_from after its lead, bridged."""
    from click.testing import CliRunner

    from planner.cli import main

    r = CliRunner().invoke(main, ["plan", "scenarios/enslig-mor-2006.toml", "--as-of", "2026-11-29",
                                  "--roll-forward", "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["as_of"] == "2026-11-29" and doc["horizon_note"] == "rolled"
    levers = {i["lever"]: i for i in doc["interventions"]}
    assert "opening_buffer" in levers
    for i in doc["interventions"]:
        assert "2026-11-29" <= i["request_by"] <= i["effective_from"]


def test_letters_answer_by_request_by_and_refuse_a_passed_one(scenario):
    from planner.letters import LetterError, letter_context, recipients

    h = align(scenario("enslig-mor-2006"), date(2026, 11, 29), roll=True).household
    p = plan(h, as_of=date(2026, 11, 29))
    for to in recipients(p, h):
        ctx = letter_context(h, p, to, letter_date=date(2026, 11, 29), chart=False)
        asks = [i.request_by for i in p.interventions if i.request_by]
        assert ctx["reply_by"].value <= max(asks)
    landlord = [i for i in p.interventions if i.lever == "rent_day"]
    if landlord:
        with pytest.raises(LetterError, match="roll-forward"):
            letter_context(h, p, "landlord", letter_date=landlord[0].request_by + timedelta(days=1), chart=False)


def test_check_letter_and_batch_take_the_as_of_date(tmp_path):
    """check truncates to the as-of date; a passed horizon exits 2 on check and letter; the
    batch reports it as a row naming --roll-forward, never drops it."""
    from click.testing import CliRunner

    from planner.cli import main

    r = CliRunner().invoke(main, ["check", "scenarios/enslig-mor-2006.toml", "--as-of", "2026-11-29", "--format", "json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["horizon"]["start"] == "2026-11-29"
    letter = ["letter", "--to", "tenant", "--out", str(tmp_path / "x.md"), "--kommune", "K", "--office", "O",
              "--caseworker", "C"]
    for args in (["check"], letter):
        r = CliRunner().invoke(main, [*args, "scenarios/enslig-mor-2006.toml", "--as-of", "2027-02-01"])
        assert r.exit_code == 2 and "--roll-forward" in r.output
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.toml").write_text(open("scenarios/enslig-mor-2006.toml", encoding="utf-8").read(), encoding="utf-8")
    r = CliRunner().invoke(main, ["batch", str(folder), "--out", str(tmp_path / "o"), "--workers", "1", "--no-progress",
                                  "--as-of", "2027-02-01"])
    text = (tmp_path / "o" / "results.csv").read_text(encoding="utf-8")
    assert "roll-forward" in text or "horizon passed" in text, text


# --------------------------------------------------------------------------- letters' figures

_KR = __import__("re").compile(r"(-?\d{1,3}(?:[ \u00a0\u202f]\d{3})*),(\d{2})[ \u00a0\u202f]kr")


def _ints(value) -> set[int]:
    """Every integer anywhere in a JSON value (the plan's own figures)."""
    if isinstance(value, bool):
        return set()
    if isinstance(value, int):
        return {abs(value)}
    if isinstance(value, dict):
        return set().union(*(_ints(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_ints(v) for v in value)) if value else set()
    return set()


def _figures(doc: dict, h: Household) -> set[int]:
    """What a letter may state, derived from the plan JSON alone: each booking, and per rent
    month and kind (and stream) the sums of the bookings that pay it or fall in it, the tenant's
    and the landlord's part of each month's rent, and the plan's own figures."""
    from collections import defaultdict

    sums: dict[tuple, int] = defaultdict(int)
    rent_parts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for t in doc["transactions"]:
        a = abs(t["amount_ore"])
        month = t.get("rent_month") or t["date"][:7]
        sums[(month, t["kind"], t.get("stream"))] += a
        sums[(month, t["kind"])] += a
        if t.get("rent_month"):
            rent_parts[t["rent_month"]][t["account"]] += a
    out = {abs(t["amount_ore"]) for t in doc["transactions"]} | set(sums.values())
    for parts in rent_parts.values():
        out |= set(parts.values()) | {sum(parts.values())}
    for key in ("interventions", "baseline", "shortfall", "if_nothing_done"):
        out |= _ints(doc.get(key))
    out |= {abs(doc["min_balance_ore"]), abs(doc["opening_balance_ore"]), abs(doc["floor_ore"]),
            doc["opening_buffer_ore"], h.rent.amount}
    if h.arrears is not None:
        out.add(h.arrears.amount)
    return out


@settings(max_examples=examples(15), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_households(months=4), st.integers(0, 15))
def test_every_amount_in_every_letter_is_the_plans(h, back):
    """Generated households planned on a random as-of date: every kroner amount in every
    recipient's letter is one of the figures derived from the plan JSON for that month."""
    from planner.assessment import assess
    from planner.letters import letter_context, recipients, render_html_fragment

    as_of = h.start - timedelta(days=back)
    p = assess(plan(h, as_of=as_of, buffer_target_ore=0), h)
    doc = p.to_json()
    allowed = _figures(doc, h)
    for to in recipients(p, h):
        html = render_html_fragment(letter_context(h, p, to, letter_date=as_of, chart=False))
        # the social office's budget: monthly averages of the schedule as it stands (not of the
        # plan), checked against the diagnosis by test_letters; every other figure is the plan's
        cut = html.find("Husstandens økonomi")
        if cut >= 0:
            html = html[:cut] + html[html.find("<h2", cut):]
        for whole, ore in _KR.findall(html):
            value = abs(int(whole.replace(" ", "").replace("\u00a0", "").replace("\u202f", ""))) * 100 + int(ore)
            assert value in allowed, (to, value, sorted(allowed)[:50])


def test_charts_mark_today(scenario):
    """The balance chart (CLI PNG and the web page's SVG, one drawing) marks the as-of date."""
    from planner.web.charts import plan_svg

    h = align(scenario("enslig-mor-2006"), date(2026, 11, 29), roll=True).household
    p = plan(h, as_of=date(2026, 11, 29))
    assert "I dag (29.11.2026)" in plan_svg(h, p)
    no_date = plan(scenario("enslig-mor-2006"))
    assert "I dag" not in plan_svg(scenario("enslig-mor-2006"), no_date)

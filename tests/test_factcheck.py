"""Every sentence checked (issue 21): the facts a letter shows are re-derived from the plan by
`planner.factcheck`, on generated households for every recipient, language and format; a wrong
date planted in a lever or a template is caught; the seed household's NAV, tenant and Husbanken
letters name the plan's own first trekk and bostøtte payout and month."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from strategies import examples

from planner.assessment import plan_explained
from planner.factcheck import check_facts, check_text
from planner.formatting import format_date
from planner.io.household import household_from_dict
from planner.letters import LetterError, Sender, letter_context, recipients, render_letter
from planner.letters.convert import to_markdown
from planner.letters.rendering import checked_fragment, render_html_fragment

SENDER = Sender(kommune="Eksempel kommune", office="Boligkontoret", caseworker="Kari Eksempel")
LEVERS = ["rent_day", "rent_instalments", "bostotte_to_landlord", "deduction", "move_payout", "repayment_plan",
          "betalingsutsettelse"]


@st.composite
def timing_households(draw) -> tuple[dict, date | None, list[str]]:
    """A household like the seed report's mother (several payouts that together cover the rent,
    none alone), with its amounts, days, arrears, floor and levers drawn; an as-of day before its
    start or none; and the levers forbidden, so that every lever appears in some plans."""
    start = draw(st.sampled_from([date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 11, 1)]))
    rent = draw(st.integers(60, 120)) * 10_000
    aap = draw(st.integers(25, 50)) * 10_000
    incomes = [
        {"kind": "bidragsforskudd", "amount": draw(st.integers(10, 30)) * 100},
        {"kind": "bostotte", "amount": draw(st.integers(10, 40)) * 100},
        {"kind": "aap", "amount": aap // 100, "every_days": 14,
         "first": start + timedelta(days=draw(st.integers(0, 13)))},
        {"kind": "barnetrygd", "amount": draw(st.integers(17, 50)) * 100},
    ]
    if draw(st.booleans()):
        incomes.append({"kind": "kontantstotte", "amount": 7500})
    doc: dict = {
        "id": f"gen-{draw(st.integers(0, 10**6))}", "start": start, "months": draw(st.sampled_from([6, 12])),
        "opening_balance": draw(st.integers(0, 60)) * 100, "min_balance": draw(st.sampled_from([0, 0, 500])),
        "adults": 1, "children": draw(st.integers(0, 3)),
        "income": incomes,
        "expense": [{"kind": "husleie", "amount": rent // 100, "day": draw(st.sampled_from([1, 1, 5, 15]))},
                    {"kind": "strom", "amount": draw(st.integers(5, 15)) * 100, "day": 15}],
        "living": {"monthly": draw(st.integers(60, 140)) * 100},
        "levers": {"rent_days": [1, 5, 10, 15, 20, 25], "rent_instalments": 3, "bostotte_to_landlord": True,
                   "deduction_from": ["aap"], "move_payout": draw(st.sampled_from([[], ["bidragsforskudd"]])),
                   "repay_months": 12},
    }
    if draw(st.integers(0, 3)) == 0:
        doc["arrears"] = {"amount": draw(st.integers(10, 200)) * 100, "creditor": "utleier"}
    as_of = draw(st.sampled_from([None, 0, 20, 45, 75]))
    day = None if as_of is None else start - timedelta(days=as_of)
    forbid = draw(st.lists(st.sampled_from(LEVERS), max_size=3, unique=True))
    return doc, day, forbid


def _plan(doc: dict, as_of: date | None, forbid: list[str]):
    h = household_from_dict(doc, f"{doc['id']}.toml")
    return h, plan_explained(h, forbid=forbid, as_of=as_of, time_limit_s=5)


def _letters(h, p, lang: str):
    """Each letter's facts shown and its Markdown text (the fact check runs inside)."""
    for to in recipients(p, h):
        ctx = letter_context(h, p, to, lang, SENDER, chart=False)
        shown: list = []
        fragment = render_html_fragment(ctx, shown)
        yield to, shown, fragment, to_markdown(checked_fragment(h, p, ctx))


#: found by a run: a start buffer that the plan needs only when AAP comes its 3 bank days late
#: (the robust plan), which a check with on-time payouts alone called unneeded
ROBUST_BUFFER = ({
    "id": "gen-0", "start": date(2026, 1, 1), "months": 6, "opening_balance": 400, "min_balance": 0, "adults": 1,
    "children": 0,
    "income": [{"kind": "bidragsforskudd", "amount": 1000}, {"kind": "bostotte", "amount": 1000},
               {"kind": "aap", "amount": 4100, "every_days": 14, "first": date(2026, 1, 2)},
               {"kind": "barnetrygd", "amount": 1800}],
    "expense": [{"kind": "husleie", "amount": 6000, "day": 1}, {"kind": "strom", "amount": 500, "day": 15}],
    "living": {"monthly": 6000},
    "levers": {"rent_days": [1, 5, 10, 15, 20, 25], "rent_instalments": 3, "bostotte_to_landlord": True,
               "deduction_from": ["aap"], "move_payout": [], "repay_months": 12}}, None, [])


#: found by a run: AAP due 02.01 may come 3 bank days late (07.01), so a bridge is needed from
#: 03.01, not from the first dip with payouts on time (05.01), which the letter used to say
LATE_BRIDGE = ({**ROBUST_BUFFER[0], "opening_balance": 400,
                "income": [{"kind": "bidragsforskudd", "amount": 1000}, {"kind": "bostotte", "amount": 1100},
                           {"kind": "aap", "amount": 4100, "every_days": 14, "first": date(2026, 1, 2)},
                           {"kind": "barnetrygd", "amount": 1700}],
                "expense": [{"kind": "husleie", "amount": 6000, "day": 5}, {"kind": "strom", "amount": 500, "day": 15}],
                "arrears": {"amount": 1000, "creditor": "utleier"}}, None, [])


#: Found by the long random run: rent split over three days from February to May; June's rent
#: is whole on the 1st again, as it stands, so no letter names June and the summary must not.
INSTALMENTS_BACK_TO_ONE_DAY = ({
    "id": "gen-0", "start": date(2026, 1, 1), "months": 6, "opening_balance": 3800, "min_balance": 0,
    "adults": 1, "children": 0,
    "income": [{"kind": "bidragsforskudd", "amount": 2400}, {"kind": "bostotte", "amount": 3500},
               {"kind": "aap", "amount": 2500, "every_days": 14, "first": date(2026, 1, 1)},
               {"kind": "barnetrygd", "amount": 2300}],
    "expense": [{"kind": "husleie", "amount": 6000, "day": 1}, {"kind": "strom", "amount": 500, "day": 15}],
    "living": {"monthly": 6000},
    "levers": {"rent_days": [1, 5, 10, 15, 20, 25], "rent_instalments": 3, "bostotte_to_landlord": True,
               "deduction_from": ["aap"], "move_payout": [], "repay_months": 12},
    "arrears": {"amount": 1000, "creditor": "utleier"}}, date(2025, 12, 12), ["rent_day"])


@pytest.mark.slow  # 300 households through every letter: CI and -m slow (every letter of the default run is fact-checked too)
@settings(max_examples=examples(300), deadline=None, suppress_health_check=list(HealthCheck))
@given(timing_households())
@example(ROBUST_BUFFER)
@example(LATE_BRIDGE)
@example(INSTALMENTS_BACK_TO_ONE_DAY)
def test_every_fact_of_every_letter_matches_the_plan(case):
    """≥ 300 generated households × every recipient × nb/en × md and the HTML a PDF is made of:
    0 mismatches (a mismatch raises inside `checked_fragment`, as in every letter path)."""
    doc, as_of, forbid = case
    h, p = _plan(doc, as_of, forbid)
    every: list = []
    for lang in ("nb", "en"):
        for to, shown, fragment, md in _letters(h, p, lang):
            assert check_facts(h, p, shown) == []
            assert check_text(md, shown, lang) == []
            text = html.unescape(re.sub(r"<[^>]+>", " ", fragment))
            assert check_text(text, shown, lang) == []
            every += shown if lang == "nb" else []
    # what the plan page and `planner plan` say of each intervention (its summary) holds only
    # dates and amounts the letters state as checked facts, besides its own last day to ask (for
    # a plan made on an as-of day, as every command and the web page make them; one without reads
    # its letters from their answer-by day on, and its summary from the horizon's first day)
    for i in p.interventions if p.as_of is not None else ():
        own = [(None, format_date(d)) for d in (i.request_by, i.effective_from) if d]
        assert check_text(i.summary, every + own, "nb") == [], i.summary


def _pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.slow  # PDFs rendered and read back
@settings(max_examples=examples(12), deadline=None, suppress_health_check=list(HealthCheck))
@given(timing_households())
def test_pdf_letters_say_only_facts(case):
    """The PDF letters themselves (text read back from the PDF): every date, amount and month in
    them is a fact the fact checker accepted."""
    doc, as_of, forbid = case
    h, p = _plan(doc, as_of, forbid)
    for lang in ("nb", "en"):
        for to in recipients(p, h):
            ctx = letter_context(h, p, to, lang, SENDER, chart=False)
            shown: list = []
            render_html_fragment(ctx, shown)
            text = _pdf_text(render_letter(h, p, to, lang, "pdf", SENDER))
            # a table cell may wrap a date over two lines in the PDF's text: a token is wrong only
            # if it is wrong both with the lines joined by a space and joined without one
            spaced = {str(x.shown) for x in check_text(text.replace("\n", " "), shown, lang)}
            joined = {str(x.shown) for x in check_text(text.replace("\n", ""), shown, lang)}
            assert spaced & joined == set(), (to, lang)


# --------------------------------------------------------------------------- the seed household

SEED = {
    "id": "seed", "start": date(2026, 1, 1), "months": 12, "opening_balance": 10500, "min_balance": 0,
    "adults": 1, "children": 2, "profile": "seed-2006",
    "income": [{"kind": "bidragsforskudd", "amount": 1880}, {"kind": "bostotte", "amount": 2600},
               {"kind": "attforing", "amount": 6200, "first": date(2026, 1, 14)},
               {"kind": "kontantstotte", "amount": 7500}, {"kind": "barnetrygd", "amount": 3532}],
    "expense": [{"kind": "husleie", "amount": 9500, "day": 1}, {"kind": "inkasso", "amount": 4400, "day": 30},
                {"kind": "strom", "amount": 900, "day": 15}],
    "living": {"monthly": 13000},
    "levers": {"rent_days": [1, 5, 10, 15, 20, 25], "rent_instalments": 3, "bostotte_to_landlord": True,
               "deduction_from": ["aap"], "move_payout": [], "repay_months": 24},
}


def _md(h, p, to: str) -> str:
    return render_letter(h, p, to, "nb", "md", SENDER).decode()


def test_seed_husleietrekk_letters_name_the_first_deduction():
    """As of 2025-10-01 with a husleietrekk: NAV's and the tenant's letters name the plan's first
    `deduction` transaction (a NAV payout), never the rent debit of 02.01.2026."""
    h, p = _plan(SEED, date(2025, 10, 1), ["rent_day", "rent_instalments", "bostotte_to_landlord"])
    assert [i.lever for i in p.interventions] == ["deduction"]
    first = min(t.date for t in p.transactions if t.kind == "deduction")
    assert any(t.kind == "income" and t.stream == "aap" and t.date == first for t in p.transactions)
    stamp = first.strftime("%d.%m.%Y")
    assert f"første gang ved utbetalingen {stamp}" in _md(h, p, "nav")
    assert f"Første trekk blir {stamp}" in _md(h, p, "tenant")
    assert first != date(2026, 1, 2)


def test_seed_bostotte_letter_names_the_payout_and_its_month():
    """As of 2026-01-01 with bostøtte to the kommune: the Husbanken letter names the first payout
    to the kommune and the month it is for (the month before: paid in arrears), and that is a
    month whose rent the tenant has not paid in full."""
    h, p = _plan(SEED, date(2026, 1, 1), ["rent_day", "rent_instalments", "deduction"])
    assert "bostotte_to_landlord" in [i.lever for i in p.interventions]
    t = min((t for t in p.transactions if t.kind == "bostotte_direct"), key=lambda t: t.date)
    month = date(t.date.year, t.date.month, 1) - timedelta(days=1)
    names = ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
             "november", "desember"]
    text = _md(h, p, "husbanken")
    assert f"fra utbetalingen {t.date.strftime('%d.%m.%Y')}, som er bostøtten for {names[month.month - 1]} {month.year}" in text
    key = month.strftime("%Y-%m")
    own = sum(-x.amount_ore for x in p.transactions if x.kind == "husleie" and x.account == "tenant" and x.rent_month == key)
    assert own < h.rent.amount  # the transfer pays a month the tenant has not paid


# --------------------------------------------------------------------------- planted errors are caught


def _seed_deduction():
    return _plan(SEED, date(2025, 10, 1), ["rent_day", "rent_instalments", "bostotte_to_landlord"])


def test_a_wrong_date_planted_in_a_lever_is_caught(monkeypatch):
    """A lever that states its first trekk a day late (or the old bug: the first rent debit it
    pays) is refused: no letter is written."""
    from planner.levers import deduction

    h, p = _seed_deduction()
    real = deduction.Deduction.letter_facts

    def late(self, *a, **kw):
        first, facts = real(self, *a, **kw)
        return replace(first, value=first.value + timedelta(days=1)), facts

    monkeypatch.setattr(deduction.Deduction, "letter_facts", late)
    for to in ("nav", "tenant", "landlord"):
        with pytest.raises(LetterError, match="deduction.first"):
            _md(h, p, to)


def test_a_wrong_month_planted_in_a_lever_is_caught(monkeypatch):
    """The Husbanken review's bug: naming the payout's own month instead of the month before."""
    from planner.levers import bostotte_to_landlord as b

    h, p = _plan(SEED, date(2026, 1, 1), ["rent_day", "rent_instalments", "deduction"])
    real = b.BostotteToLandlord.letter_facts

    def own_month(self, *a, **kw):
        first, facts = real(self, *a, **kw)
        return first, {**facts, "for_month": replace(facts["for_month"], value=first.value.strftime("%Y-%m"))}

    monkeypatch.setattr(b.BostotteToLandlord, "letter_facts", own_month)
    with pytest.raises(LetterError, match="bostotte.for_month"):
        _md(h, p, "husbanken")


def test_a_template_that_computes_or_prints_its_own_figures_is_caught(monkeypatch):
    """A template cannot render a value that is not a fact (a filter refuses it), and a date it
    writes as literal text is found by the text scan."""
    from planner.letters import rendering

    h, p = _seed_deduction()
    ctx = letter_context(h, p, "nav", "nb", SENDER, chart=False)
    env = rendering._env("nb")
    with pytest.raises(LetterError, match="not a fact"):
        env.from_string("{{ d|date }}").render(d=date(2026, 1, 2))
    get = env.get_template
    source = open(get("nb/nav.html.j2").filename, encoding="utf-8").read()
    assert "første gang ved utbetalingen {{ it.first|date }}" in source
    planted = env.from_string(source.replace("første gang ved utbetalingen {{ it.first|date }}",
                                             "første gang ved utbetalingen 02.01.2026"))
    monkeypatch.setattr(env, "get_template",
                        lambda name, *a, **kw: planted if name == "nb/nav.html.j2" else get(name, *a, **kw))
    with pytest.raises(LetterError, match="02.01.2026"):
        checked_fragment(h, p, ctx)


def test_no_letter_part_is_zero_kroner():
    """No instalment, deduction or tenant debit of 0 kr is ever shown (the review found
    "9 500,00 kr den 1. og 0,00 kr den 5."), over the scenarios' plans."""
    from pathlib import Path

    from planner.io.household import read_household

    for path in sorted(Path(__file__).parent.parent.glob("scenarios/*.toml")):
        h = read_household(path)
        p = plan_explained(h, as_of=h.start)
        for to in recipients(p, h):
            text = _md(h, p, to)
            assert "0,00 kr den" not in text.replace("00,00 kr den", "")


def test_the_tenant_is_told_what_they_pay_or_that_the_whole_rent_is_paid_direct():
    """What the tenant pays in a typical month, with who pays the rest; or, when husleietrekk and
    bostøtte cover the whole rent, that the tenant pays none of it (and the landlord stops the
    AvtaleGiro)."""
    h, p = _plan(SEED, date(2026, 1, 1), ["rent_day", "rent_instalments", "deduction"])
    text = _md(h, p, "tenant")
    assert "Du betaler selv" in text and "Du betaler ikke husleien selv" not in text
    assert "Resten av husleien blir betalt direkte til utleier: av Husbanken (bostøtten din)" in text
    full = {**ROBUST_BUFFER[0], "id": "full", "opening_balance": 0,  # the same household, other payouts
            "income": [{"kind": "bidragsforskudd", "amount": 2000}, {"kind": "bostotte", "amount": 1000},
                       {"kind": "aap", "amount": 3900, "every_days": 14, "first": date(2026, 1, 1)},
                       {"kind": "barnetrygd", "amount": 1700}]}
    h, p = _plan(full, None, [])
    assert not any(t.kind == "husleie" and t.account == "tenant" for t in p.transactions)  # all paid direct
    text = _md(h, p, "tenant")
    assert "Du betaler ikke husleien selv: hele husleien blir betalt direkte til utleier" in text
    assert "Du betaler selv" not in text
    assert "avtalegiroen for husleien stoppes" in _md(h, p, "landlord")

"""The household form as a caseworker uses it, without a browser (issue 12, point 7).

The TestClient is the page without its script: every button goes through the server, which
must keep what was typed and put focus on the new row. The pure parts (dates, the standard
days in words, errors on visible fields, the stream levers' checkboxes) are tested directly.
"""

from __future__ import annotations

import re
import warnings
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import examples

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from planner.calendar import is_bank_day
from planner.web import forms
from planner.web.app import create_app
from planner.web.standard import standard_days

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
BASE = "http://127.0.0.1:8000"


@pytest.fixture
def client(tmp_path):
    app = create_app(f"sqlite:///{tmp_path / 'web.db'}", secret="test-secret", time_limit_s=5)
    with TestClient(app, base_url=BASE) as c:
        yield c


def _token(client: TestClient) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/husstand/ny").text).group(1)


def _form(**rows) -> forms.HouseholdForm:
    """A small valid form (AAP every 14 days and rent), changed by `rows` (field -> text)."""
    f = forms.empty_form(date(2025, 12, 5))
    f.values.update(id="hh", start="01.01.2026", opening_balance="0")
    f.income[0].update(kind="aap", amount="6200", mode="every", every_days="14", first="14.01.2026")
    f.expense[0].update(amount="9500")
    for key, value in rows.items():
        group, i, field = key.split("__")
        rows_ = getattr(f, group)
        while len(rows_) <= int(i):
            rows_.append(forms.blank_row())
        rows_[int(i)][field] = value
    return f


# --------------------------------------------------------------------------- dates


def test_norwegian_and_iso_dates_give_the_same_household():
    a = forms.validate(_form())
    iso = _form(income__0__first="2026-01-14")
    iso.values.update(start="2026-01-01")
    b = forms.validate(iso)
    assert a is not None and b is not None and a == b
    assert a.start == date(2026, 1, 1) and a.income[0].first == date(2026, 1, 14)
    assert forms.iso_date("1.2.2026") == "2026-02-01" and forms.iso_date("2026-02-01") == "2026-02-01"


def test_an_impossible_norwegian_date_gets_a_message_naming_the_format():
    f = _form()
    f.values["start"] = "31.02.2026"
    assert forms.validate(f) is None
    assert "dd.mm.åååå" in f.errors["start"]


def test_dates_lists_and_arrears_since_accept_norwegian_dates():
    f = _form(expense__1__kind="annen", expense__1__amount="6000", expense__1__mode="dates",
              expense__1__dates="20.07.2026, 2026-12-14", expense__1__name="ferie")
    f.values.update(arrears_amount="3000", arrears_since="15.12.2025")
    h = forms.validate(f)
    assert h is not None, (f.errors, f.general)
    assert h.expense[1].dates == [date(2026, 7, 20), date(2026, 12, 14)]
    assert h.arrears.since == date(2025, 12, 15)
    # and the form shows them back the Norwegian way
    back = forms.form_from_document(forms.household_document(h))
    assert back.v("start") == "01.01.2026" and back.v("arrears_since") == "15.12.2025"
    assert back.expense[1]["dates"] == "20.07.2026, 14.12.2026" and back.income[0]["first"] == "14.01.2026"


# --------------------------------------------------------------------------- errors on visible fields


_VISIBLE = {"day": {"day"}, "every": {"every_days", "first"}, "dates": {"dates"}, "default": set()}


@settings(max_examples=examples(60), deadline=None)
@given(kind=st.sampled_from(["aap", "dagpenger", "lonn", "sosialhjelp", "barnetrygd", "bostotte"]),
       mode=st.sampled_from(["day", "every", "dates", "default"]),
       day=st.sampled_from(["", "40", "10"]), first=st.sampled_from(["", "14.01.2026", "x"]),
       dates=st.sampled_from(["", "20.07.2026", "1.1.1"]))
def test_every_message_sits_on_a_field_the_row_shows(kind, mode, day, first, dates):
    f = _form(income__0__kind=kind, income__0__mode=mode, income__0__day=day, income__0__first=first,
              income__0__dates=dates, income__0__every_days="14")
    forms.validate(f)
    for key in f.errors:
        m = re.match(r"^income-0-(\w+)$", key)
        if m:
            assert m.group(1) in forms.ALWAYS_SHOWN | _VISIBLE[mode], (key, mode, f.errors)


def test_aap_with_the_standard_says_what_to_choose_on_the_choice_itself():
    f = _form(income__0__mode="default")
    assert forms.validate(f) is None
    assert list(f.errors) == ["income-0-mode"]
    assert "Arbeidsavklaringspenger (AAP) utbetales hver 14. dag" in f.errors["income-0-mode"]
    assert "«Hver 14. dag fra dato»" in f.errors["income-0-mode"]
    assert f.summary() == [("f-income-0-mode", "Ytelse 1: " + f.errors["income-0-mode"])]


def test_the_page_shows_the_standard_error_on_the_mode_select(client):
    data = forms.form_fields(_form(income__0__mode="default"))
    r = client.post("/husstand/ny", data={**data, "csrf_token": _token(client)})
    assert r.status_code == 422
    assert 'id="err-income-0-mode"' in r.text and 'id="err-income-0-day"' not in r.text
    assert re.search(r'id="f-income-0-mode"[^>]*aria-invalid="true"', r.text)
    assert '<a href="#f-income-0-mode">' in r.text


# --------------------------------------------------------------------------- the standard days


def test_standard_days_of_kontantstotte_in_2026_by_hand():
    # 2026: every month's last bank day, except December's 18th (a Friday), from benefits.toml
    assert standard_days("kontantstotte", date(2026, 1, 1), 12) == "siste virkedag i måneden, 18.12 i desember"
    # bostøtte 2024 follows Husbanken's published table: 15 May instead of the 20th
    assert standard_days("bostotte", date(2024, 1, 1), 12) == \
        "den 20. i måneden, virkedagen før ved helg og helligdag, 15.05 i mai"
    # across two calendar years the exceptions carry their year
    assert standard_days("barnetrygd", date(2026, 6, 1), 12) == "siste virkedag i måneden, 18.12.2026 i desember"
    assert standard_days("barnetrygd", date(2026, 1, 1), 11) == "siste virkedag i måneden"
    assert "hver 14. dag" in standard_days("aap", date(2026, 1, 1), 12)


def _last_bank_day(year: int, month: int) -> date:
    d = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    while not is_bank_day(d):
        d -= timedelta(days=1)
    return d


@settings(max_examples=examples(30), deadline=None)
@given(year=st.integers(2000, 2090), month=st.integers(1, 12), months=st.integers(1, 24))
def test_standard_days_name_every_month_off_the_usual_day(year, month, months):
    """Independent check: a month is named in the text exactly when its payout is not the last
    bank day (the barnetrygd December day, whatever year)."""
    text = standard_days("barnetrygd", date(year, month, 1), months)
    assert text.startswith("siste virkedag i måneden")
    decembers = [date(year + (month - 1 + k) // 12, 12, 18) for k in range(months) if (month - 1 + k) % 12 == 11]
    for dec in decembers:
        paid = dec
        while not is_bank_day(paid):
            paid -= timedelta(days=1)
        if paid != _last_bank_day(dec.year, 12):
            assert paid.strftime("%d.%m") in text
    if not decembers:
        assert text == "siste virkedag i måneden"


def test_the_form_row_shows_the_standard_days_of_its_period(client):
    data = forms.form_fields(_form(income__1__kind="kontantstotte", income__1__amount="7500", income__1__mode="default"))
    r = client.post("/husstand/ny", data={**data, "csrf_token": _token(client), "action": "add-expense"})
    assert r.status_code == 200
    assert "Standard: siste virkedag i måneden, 18.12 i desember" in r.text
    assert "01.01.2026–31.12.2026" in r.text


# --------------------------------------------------------------------------- stream levers as checkboxes


def test_stream_levers_tick_what_the_planner_uses_and_round_trip():
    from planner.io.household import read_household
    from planner.levers import resolve

    h = read_household(SCENARIOS / "enslig-mor-2006.toml")  # deduction_from = ["aap"], move_payout = []
    f = forms.form_from_document(forms.household_document(h))
    assert f.checked("deduction_from") == {"aap"}
    assert f.lever("move_payout") == "nei"
    assert [s for s, _, _ in f.streams()] == ["bidragsforskudd", "bostotte", "aap", "kontantstotte", "barnetrygd"]
    h2 = forms.validate(f)
    assert h2 is not None and resolve(h2) == resolve(h)


def test_unticking_and_an_unoffered_stream():
    from planner.levers import resolve

    f = _form(income__1__kind="barnetrygd", income__1__amount="3532", income__1__mode="default")
    f.values.update(deduction_from="aap", deduction_from_offered="aap, barnetrygd")
    h = forms.validate(f)
    assert h.levers.deduction_from == ["aap"] and resolve(h).deduction_streams == ("aap",)
    # both ticked = the standard (every NAV-paid stream): no list is stored
    f.values.update(deduction_from="aap, barnetrygd")
    assert forms.validate(f).levers.deduction_from is None
    # a stream typed in after the page was drawn (no script) takes the standard: ticked
    f = _form(income__1__kind="barnetrygd", income__1__amount="3532", income__1__mode="default")
    f.values.update(deduction_from="", deduction_from_offered="aap")
    assert forms.validate(f).levers.deduction_from == ["barnetrygd"]
    # "Ja" with nothing ticked is a contradiction the form names
    f = _form()
    f.values.update(lever_move_payout="ja", move_payout="", move_payout_offered="aap")
    assert forms.validate(f) is None and "minst én ytelse" in f.errors["move_payout"]


def test_the_page_offers_the_households_benefits_as_labelled_checkboxes(client):
    data = forms.form_fields(_form(income__1__kind="bostotte", income__1__amount="2600", income__1__mode="default"))
    r = client.post("/husstand/ny", data={**data, "csrf_token": _token(client), "action": "add-income"})
    boxes = re.findall(r'<label class="check"><input type="checkbox" name="deduction_from" value="(\w+)"( checked)?> ([^<]+)</label>',
                       r.text)
    assert boxes == [("aap", " checked", "Arbeidsavklaringspenger (AAP)"), ("bostotte", "", "Bostøtte")]
    assert 'name="deduction_from" type="text"' not in r.text


# --------------------------------------------------------------------------- without script


def test_without_script_adding_a_row_keeps_what_was_typed_and_focuses_the_new_row(client):
    data = forms.form_fields(_form(income__0__amount="6 200,50"))
    data["label"] = "Skrevet inn"
    r = client.post("/husstand/ny", data={**data, "csrf_token": _token(client), "action": "add-income"})
    assert r.status_code == 200
    assert 'value="6 200,50"' in r.text and 'value="Skrevet inn"' in r.text and 'value="14.01.2026"' in r.text
    assert re.search(r'<select name="income-1-kind" id="f-income-1-kind" class="kind-select" autofocus', r.text)
    assert r.text.count("autofocus") == 1
    r = client.post("/husstand/ny", data={**data, "csrf_token": _token(client), "action": "remove-income-0"})
    assert 'name="income-0-kind"' not in r.text.split("<template")[0]
    assert re.search(r'id="add-income"[^>]*autofocus', r.text)


def test_the_row_template_for_the_script_matches_the_server_row(client):
    """The script copies `<template id="tpl-income">`; with its index filled in it must be the
    row the server draws for a blank row (same names, ids and labels)."""
    data = forms.form_fields(_form())
    r = client.post("/husstand/ny", data={**data, "csrf_token": _token(client), "action": "add-income"})
    tpl = re.search(r'<template id="tpl-income">(.*?)</template>', r.text, re.S).group(1)
    start = r.text.index('<div class="row" data-mode="day" data-row="income-1">')
    row = r.text[start:r.text.index('<template id="tpl-income">')]
    strip = lambda html: re.sub(r"\s+", " ", html.replace(" autofocus", "")).strip()  # noqa: E731
    assert strip(tpl.replace("__i__", "1").replace("utbetaling ny", "utbetaling 2")
                 .replace("ytelse ny", "ytelse 2")) == strip(row)


def test_the_balance_today_is_required_and_the_form_says_why():
    """Issue 11: no silent 0. A new form starts today (the as-of date) with no balance."""
    f = forms.empty_form(date(2026, 11, 29))
    assert f.v("as_of") == "29.11.2026" and f.v("start") == "29.11.2026" and f.v("opening_balance") == ""
    g = _form()
    g.values["opening_balance"] = ""
    assert forms.validate(g) is None
    assert "saldoen" in g.errors["opening_balance"] and "tidsproblem" in g.errors["opening_balance"]
    g = _form()
    g.values.update(as_of="20.12.2025")
    h = forms.validate(g)
    assert h is not None and h.as_of == date(2025, 12, 20)

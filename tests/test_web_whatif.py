"""The household page's alternatives and what-if (issue 14), without a browser: the plain GET
form (no JavaScript), the fragment the script swaps in, bad input, and the late-days field."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from test_web import BASE, SCENARIOS, scenario_fields, token  # noqa: E402

HID = "enslig-mor-2006"


@pytest.fixture
def client(tmp_path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from fastapi.testclient import TestClient

    from planner.web.app import create_app

    app = create_app(f"sqlite:///{tmp_path / 'web.db'}", secret="test-secret", time_limit_s=5)
    with TestClient(app, base_url=BASE) as c:
        yield c


def _import(client, name: str = HID) -> None:
    t = token(client, "/import")
    r = client.post("/import/toml", files=[("files", (f"{name}.toml", (SCENARIOS / f"{name}.toml").read_bytes()))],
                    data={"csrf_token": t})
    assert r.status_code in (200, 303), r.text[:300]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_household_page_shows_alternatives_side_by_side_in_words(client):
    _import(client)
    html = client.get(f"/husstand/{HID}").text
    assert 'id="alternatives"' in html and "Alternativer side om side" in html
    text = _text(html)
    for row in ("Hvem må handle", "Avtaler", "Husleien for sent, dager i snitt", "Laveste saldo",
                "Holder om utbetalinger kommer sent", "Overgang (bro)"):
        assert row in text
    assert "Beste plan (minst å be om)" in text and "Høyest laveste saldo" in text
    # words, not units: what the plan asks, never "kostnad 3"
    assert "kostnad" not in text.lower() and "enheter" not in text
    # planned as of the scenario's as_of (01.01.2026): a bridge, then the rent day (issue 21)
    assert "Planen krever 3 avtaler: " in text and "endret trekkdag for husleien (leietaker, utleier)" in text
    assert "inntil 3 virkedager" in text
    # the JSON keeps the units and the alternatives
    doc = client.get(f"/husstand/{HID}/plan.json").json()
    assert doc["cost"] == 3 and doc["robust"] is True and len(doc["alternatives"]) == 2


def test_whatif_without_javascript_returns_the_whole_page_with_the_change(client):
    _import(client)
    before = client.get(f"/husstand/{HID}/plan.json").json()
    # the rent (the first expense) 2 000 kr lower: the household needs no plan at all
    r = client.get(f"/husstand/{HID}/hva-om", params={"utgift-0-amount": "7500", "utgift-0-day": "1"})
    assert r.status_code == 200
    assert "<html" in r.text and 'id="whatif-note"' in r.text and "Ingenting er lagret" in r.text
    assert 'id="plan-view"' in r.text and 'value="7500"' in r.text
    text = _text(r.text)
    assert "i orden" in text.lower() or "Planen krever ingen avtaler" in text or "Hva planen ber om" in text
    # nothing was saved
    assert client.get(f"/husstand/{HID}/plan.json").json() == before


def test_whatif_fragment_is_the_plan_part_only_and_follows_the_levers(client):
    _import(client)
    # no lever allowed: no plan can be made, the fragment says what is missing
    r = client.get(f"/husstand/{HID}/hva-om", params={"levers": "1", "fragment": "1"})
    assert r.status_code == 200
    assert "<html" not in r.text and 'id="diagnosis"' in r.text and 'id="plan"' in r.text
    assert "Mangler per måned" in r.text or "engangsbeløp" in r.text
    # only the rent levers: no agency in the plan
    r = client.get(f"/husstand/{HID}/hva-om", params={"levers": "1", "lever-rent_day": "1",
                                                       "lever-rent_instalments": "1", "fragment": "1"})
    assert r.status_code == 200 and "NAV" not in _text(r.text).split("Hvis ingenting")[0].split("Forklaring")[0]


def test_whatif_start_date_moves_the_period(client):
    _import(client)
    r = client.get(f"/husstand/{HID}/hva-om", params={"start": "01.03.2026", "fragment": "1"})
    assert r.status_code == 200
    assert "03.2026" in r.text and "01.2026" not in _text(r.text).split("Måned for måned")[-1][:40]


def test_whatif_as_of_date_sets_when_the_plan_is_made(client):
    """Issue 14 with issue 11: the what-if's as-of date moves "today": the plan's as-of and each
    intervention's request_by follow it; an as-of after the whole period is a message."""
    _import(client)
    r = client.get(f"/husstand/{HID}/hva-om", params={"as_of": "20.12.2025", "fragment": "1"})
    assert r.status_code == 200, r.text[:300]
    assert "Be om det senest" in r.text
    late = client.get(f"/husstand/{HID}/hva-om", params={"as_of": "01.06.2030", "fragment": "1"})
    assert late.status_code == 422 and "ligger før per-datoen" in late.text


@pytest.mark.parametrize("params", [
    {"as_of": "32.01.2026"},
    {"utgift-0-amount": "abc"},
    {"utgift-0-day": "40"},
    {"start": "31.02.2026"},
    {"utgift-0-amount": "-5"},
])
def test_whatif_bad_input_is_a_message_not_a_500(client, params):
    _import(client)
    for fragment in ("", "1"):
        r = client.get(f"/husstand/{HID}/hva-om", params={**params, "fragment": fragment})
        assert r.status_code == 422, (params, r.text[:300])
        assert 'id="whatif-errors"' in r.text and "kan ikke brukes" in r.text


def test_household_page_loads_the_whatif_script_under_the_csp(client):
    _import(client)
    r = client.get(f"/husstand/{HID}")
    assert '<script src="/static/whatif.js"></script>' in r.text
    assert "connect-src 'self'" in r.headers["content-security-policy"]
    assert 'method="get" action="/husstand/enslig-mor-2006/hva-om"' in r.text  # works without the script
    js = client.get("/static/whatif.js").text
    assert "fragment" in js and "replaceState" in js


def test_form_late_days_round_trip(client):
    from planner.io.household import read_household
    from planner.web.forms import form_from_document, household_document

    h = read_household(SCENARIOS / f"{HID}.toml")
    doc = household_document(h)
    doc["income"][2]["late_days"] = 1
    form = form_from_document(doc)
    assert form.income[2]["late_days"] == "1"
    fields = scenario_fields(HID)
    fields["income-2-late_days"] = "1"
    t = token(client)
    r = client.post("/husstand/ny", data={**fields, "csrf_token": t}, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    doc = client.get(f"/husstand/{HID}/plan.json").json()
    assert {"stream": "aap", "kind": "aap", "late_days": 1} in doc["streams"]
    # and a bad figure is a message on the field
    fields["income-2-late_days"] = "99"
    fields["id"] = "annen"
    r = client.post("/husstand/ny", data={**fields, "csrf_token": token(client)})
    assert r.status_code == 422 and 'id="err-income-2-late_days"' in r.text

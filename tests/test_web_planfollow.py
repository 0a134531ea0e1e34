"""The loop on the web page without a browser: a ledger draft opened as a new case, next
month's ledger matched to it (kept, then a returned debit: broken, with a task and its
evidence on the case page), the office's tolerance, and bad uploads answered with the page."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from planner.web.app import create_app
from planner.web.forms import form_fields, form_from_document, household_document

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "followup"
BASE = "http://127.0.0.1:8000"


def token(c: TestClient, path: str = "/husstand/ny") -> str:
    r = c.get(path)
    assert r.status_code == 200, r.text[:300]
    return re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)


@pytest.fixture
def client(tmp_path):
    app = create_app(f"sqlite:///{tmp_path / 'web.db'}", secret="test-secret", time_limit_s=5)
    with TestClient(app, base_url=BASE) as c:
        yield c


def add_case(c: TestClient) -> None:
    from planner.io.household import read_household

    fields = form_fields(form_from_document(household_document(read_household(DATA / "L000001.toml"))))
    r = c.post("/husstand/ny", data={**fields, "csrf_token": token(c)}, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]


def upload(c: TestClient, name: str, as_of: str = "2027-02-28"):
    t = token(c, "/reskontro/oppfolging")
    return c.post("/reskontro/oppfolging", data={"csrf_token": t, "as_of": as_of},
                  files={"ledger": (name, (DATA / name).read_bytes(), "text/csv")})


def test_kept_then_broken_on_the_case_page(client):
    add_case(client)
    r = upload(client, "reskontro-2027-02-holdt.csv")
    assert r.status_code == 200, r.text[:500]
    row = re.search(r'<tr id="case-L000001">.*?</tr>', r.text, re.S).group(0)
    assert "holdt" in row and "Ny oppgave" not in row
    page = client.get("/husstand/L000001").text
    table = re.search(r'<table class="data" id="plan-vs-paid">.*?</table>', page, re.S).group(0)
    assert "februar 2027" in table and "holdt" in table and "12.02.2027" in table

    r = upload(client, "reskontro-2027-02-brutt.csv")
    row = re.search(r'<tr id="case-L000001">.*?</tr>', r.text, re.S).group(0)
    assert "brutt" in row and "Ny oppgave" in row
    page = client.get("/husstand/L000001").text
    assert "Betaling etter planen" in page
    assert "Betalt 0,00\u00a0kr av 7\u00a0299,00\u00a0kr" in page


def test_tolerance_from_the_office_settings(client):
    add_case(client)
    t = token(client, "/innstillinger")
    r = client.post("/innstillinger", data={"csrf_token": t, "late_days": "40"})
    assert r.status_code == 422 and "Skriv et helt tall fra 0 til 31" in r.text
    r = client.post("/innstillinger", data={"csrf_token": t, "late_days": "0"}, follow_redirects=False)
    assert r.status_code == 303
    assert "betalt innen 0 dager etter forfall" in client.get("/reskontro/oppfolging").text


def test_bad_uploads_give_the_page_again(client):
    t = token(client, "/reskontro/oppfolging")
    r = client.post("/reskontro/oppfolging", data={"csrf_token": t, "as_of": "31.02.2027"},
                    files={"ledger": ("x.csv", b"a;b\n", "text/csv")})
    assert r.status_code == 422 and "Ugyldig dato" in r.text
    r = client.post("/reskontro/oppfolging", data={"csrf_token": t},
                    files={"ledger": ("x.pdf", b"%PDF", "application/pdf")})
    assert r.status_code == 422 and "ukjent filtype" in r.text
    r = client.post("/reskontro/oppfolging", data={"csrf_token": t},
                    files={"ledger": ("x.csv", b"a;b\n1;2\n", "text/csv")})
    assert r.status_code == 422 and "x.csv" in r.text
    r = client.post("/reskontro/sak", data={"csrf_token": t, "draft": "not toml ["})
    assert r.status_code == 422


def test_a_ledger_draft_opens_as_a_filled_in_new_case(client):
    t = token(client, "/reskontro")
    r = client.post("/reskontro", data={"csrf_token": t, "as_of": "2026-12-31"},
                    files={"ledger": ("reskontro.csv", (ROOT / "scenarios" / "reskontro.csv").read_bytes(), "text/csv")})
    assert r.status_code == 200
    assert 'id="open-case-L000001"' in r.text
    import html

    draft = next(d for d in map(html.unescape, re.findall(r'name="draft" value="([^"]*)"', r.text))
                 if 'id = "L000001"' in d)
    r = client.post("/reskontro/sak", data={"csrf_token": t, "draft": draft})
    assert r.status_code == 200, r.text[:500]
    assert 'value="L000001"' in r.text and "7299" in r.text


def test_kept_for_the_office_s_months_proposes_closing_as_solved(client):
    add_case(client)
    t = token(client, "/innstillinger")
    assert client.post("/innstillinger", data={"csrf_token": t, "kept_months": "1"},
                       follow_redirects=False).status_code == 303
    upload(client, "reskontro-2027-02-brutt.csv")
    assert 'id="propose-close"' not in client.get("/husstand/L000001").text  # broken: nothing to close
    upload(client, "reskontro-2027-02-holdt.csv")  # the month checked again: kept
    page = client.get("/husstand/L000001").text
    form = re.search(r'<form method="post" action="(/husstand/L000001/utfall)"[^>]*id="propose-close">(.*?)</form>',
                     page, re.S)
    assert form and "holdt 1 måned på rad" in form.group(2)
    fields = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', form.group(2)))
    assert fields["outcome"] == "solved" and fields["outcome_date"] == "28.02.2027"
    r = client.post(form.group(1), data=fields, follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/husstand/L000001").text
    assert "Saken er avsluttet" in page and 'id="propose-close"' not in page
    # closed cases stand apart in the list and can be filtered
    closed = client.get("/?sak=closed").text
    assert re.search(r'<tr class="closed">.*?L000001.*?Avsluttet: Løst', closed, re.S)
    assert "/husstand/L000001" not in client.get("/?sak=open").text
    # a closed case is no longer followed
    r = upload(client, "reskontro-2027-02-brutt.csv")
    assert 'id="case-L000001"' not in r.text


def test_upcoming_petitions_soonest_first(client):
    from planner.io.household import read_household

    for name in ("enslig-mor-2006", "aap-drift", "lav-inntekt"):
        fields = form_fields(form_from_document(household_document(read_household(ROOT / "scenarios" / f"{name}.toml"))))
        assert client.post("/husstand/ny", data={**fields, "csrf_token": token(client)},
                           follow_redirects=False).status_code == 303
    store = client.app.state.store
    expected = sorted((r.eviction_request, r.id) for r in store.search() if r.eviction_request)
    assert expected, "the scenarios have households heading for a petition"
    page = client.get("/begjaeringer?dato=01.01.2026").text
    shown = re.findall(r'<td class="nowrap">(\d\d\.\d\d\.\d{4})</td>', page)
    assert shown == [d.strftime("%d.%m.%Y") for d, _ in expected]
    first_days = (expected[0][0] - __import__("datetime").date(2026, 1, 1)).days
    assert re.search(rf'<td class="num">{first_days}</td>', page)


def test_if_nothing_is_done_is_there_without_arrears(client):
    """A household whose rent is always covered still gets the section, saying so in words."""
    from planner.io.household import read_household

    fields = form_fields(form_from_document(household_document(read_household(ROOT / "scenarios" / "alt-i-orden.toml"))))
    assert client.post("/husstand/ny", data={**fields, "csrf_token": token(client)},
                       follow_redirects=False).status_code == 303
    hid = read_household(ROOT / "scenarios" / "alt-i-orden.toml").id
    section = re.search(r'<section class="card" id="eviction">(.*?)</section>', client.get(f"/husstand/{hid}").text, re.S)
    assert section and "Hvis ingenting gjøres" in section.group(1) and "Ingen restanse" in section.group(1)


def test_every_ranked_row_of_the_worklist_opens_as_a_case(client, tmp_path):
    """Not only the plan candidates: every ranked tenancy on the contact list has the button,
    and its draft carries the rent, due day and arrears the ledger run found for it (read here
    from the run's own tenancies.csv and contact.csv, made again outside the page)."""
    import csv as _csv
    import html
    from datetime import date

    from planner.ledger.run import LedgerOptions, run_ledger

    t = token(client, "/reskontro")
    r = client.post("/reskontro", data={"csrf_token": t, "as_of": "2026-12-31"},
                    files={"ledger": ("reskontro.csv", (ROOT / "scenarios" / "reskontro.csv").read_bytes(), "text/csv")})
    run_ledger(ROOT / "scenarios" / "reskontro.csv", LedgerOptions(out=tmp_path, as_of=date(2026, 12, 31)))
    contact = list(_csv.DictReader(open(tmp_path / "contact.csv", encoding="utf-8")))
    tenancy = {x["tenancy"]: x for x in _csv.DictReader(open(tmp_path / "tenancies.csv", encoding="utf-8"))}
    ranked = [x for x in contact if x["rank"]]
    assert len(ranked) > sum(1 for x in ranked if x["draft"])  # more rows than plan candidates
    buttons = re.findall(r'id="open-case-([^"]+)"', r.text)
    assert buttons == [x["tenancy"] for x in ranked]
    forms_ = re.findall(r'name="draft" value="([^"]*)"', r.text)
    creeping = next(x for x in ranked if x["pattern"] == "creeping")
    draft = next(html.unescape(d) for d in forms_ if f'id = "{creeping["tenancy"]}"' in html.unescape(d))
    r = client.post("/reskontro/sak", data={"csrf_token": t, "draft": draft})
    assert r.status_code == 200, r.text[:500]
    rent = int(tenancy[creeping["tenancy"]]["rent_ore"])
    arrears = int(creeping["arrears_ore"])
    assert arrears > 0

    def field(name: str) -> str:
        return html.unescape(re.search(rf'id="f-{name}"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*id="f-{name}"',
                                       r.text).group(1) or "")

    def kroner(ore: int) -> str:
        return str(ore // 100) + ("" if ore % 100 == 0 else f",{ore % 100:02d}")

    assert field("id") == creeping["tenancy"]
    assert field("expense-0-amount").replace(".", ",") == kroner(rent)
    assert field("arrears_amount").replace(".", ",") == kroner(arrears)


def test_the_worklist_charts_each_tenancy_s_balance(client, tmp_path):
    """Each contact row has its month-end balances as a chart, read from the run's months.csv,
    with the reading in words for a screen reader."""
    import csv as _csv

    from planner.ledger.run import LedgerOptions, run_ledger

    t = token(client, "/reskontro")
    r = client.post("/reskontro", data={"csrf_token": t, "as_of": "2026-12-31"},
                    files={"ledger": ("reskontro.csv", (ROOT / "scenarios" / "reskontro.csv").read_bytes(), "text/csv")})
    run_ledger(ROOT / "scenarios" / "reskontro.csv", LedgerOptions(out=tmp_path, as_of=__import__("datetime").date(2026, 12, 31)))
    rows = [x for x in _csv.DictReader(open(tmp_path / "months.csv", encoding="utf-8")) if x["tenancy"] == "L000004"]
    last = int(rows[-1]["balance_end_ore"])
    label = re.search(r'<svg class="spark" role="img" aria-label="([^"]+)"', r.text.split("L000004", 1)[1]).group(1)
    from planner.formatting import format_kr

    assert f"sist {format_kr(last)}" in label.replace("&nbsp;", " ") and "Saldo ved månedsslutt" in label


def test_amounts_in_running_text_do_not_break():
    from planner.web.pages import nobreak_amounts

    text = "Betalt 0,00 kr av 7 299,00 kr innen 17.02.2027; mangler 1 234 567,00 kr på 3 dager"
    assert nobreak_amounts(text) == ("Betalt 0,00\u00a0kr av 7\u00a0299,00\u00a0kr innen 17.02.2027; mangler "
                                     "1\u00a0234\u00a0567,00\u00a0kr på 3 dager")

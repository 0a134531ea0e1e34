"""Every date, amount, month and count on the loop's pages is derived and tested here against a
computation made again from the raw inputs, without the modules that made the page:

- the case page's «Planen og det som skjedde» and the follow-up page's evidence: the plan's
  payments to the landlord read from its plan.json, the payments read from the ledger CSV line
  by line, money applied first due, first paid, on each due day's cut-off, by a plain day loop
  (not planner.kept);
- «Kommende begjæringer»: each household's request date from the eviction projection of its
  stored document, days left counted by hand;
- the worklist: each row's arrears, collector and request dates from a separate `planner ledger`
  run's contact.csv, and the row count from its tenancies.
"""

from __future__ import annotations

import csv
import html
import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from test_web_planfollow import BASE, DATA, ROOT, add_case, token, upload

from planner.formatting import format_kr, format_month, nb_date
from planner.web.app import create_app

LATE = 5  # the office setting's default: the follow-up's tolerance in days
AS_OF = date(2027, 2, 28)
MONTHS_NB = {"januar": 1, "februar": 2, "mars": 3, "april": 4, "mai": 5, "juni": 6, "juli": 7, "august": 8,
             "september": 9, "oktober": 10, "november": 11, "desember": 12}


@pytest.fixture
def client(tmp_path):
    app = create_app(f"sqlite:///{tmp_path / 'web.db'}", secret="test-secret", time_limit_s=5)
    with TestClient(app, base_url=BASE) as c:
        yield c


def _plain(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).replace("\u00a0", " ").split())


def _kr(ore: int) -> str:
    return format_kr(ore).replace("\u00a0", " ")


def _ledger_payments(name: str, tenancy: str) -> list[tuple[date, int]]:
    """(day, øre) of every booking of money on `tenancy`, read line by line: a payment counts,
    a returned debit or a reversal counts against it."""
    out = []
    with open(DATA / name, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter=";"):
            if row["tenancy"] != tenancy or row["kind"] not in ("payment", "returned", "reversal"):
                continue
            d, m, y = map(int, row["date"].split("."))
            kr, _, ore = row["amount"].partition(",")
            amount = int(kr) * 100 + int(ore or 0)
            out.append((date(y, m, d), amount if row["kind"] == "payment" else -amount))
    return out


def _plan_dues(plan: dict) -> list[tuple[date, int, str]]:
    out = []
    for t in plan["transactions"]:
        if t["kind"] in ("husleie", "bostotte_direct", "deduction", "repayment"):
            day = date.fromisoformat(t["date"])
            out.append((day, abs(t["amount_ore"]), t.get("rent_month") or day.strftime("%Y-%m")))
    return sorted(out)


def _expected_months(plan: dict, ledger: str) -> dict[str, tuple[list[tuple[date, int]], int, int, date]]:
    """month -> (its dues, expected øre, paid øre, last cut-off), by a plain day loop."""
    dues = [d for d in _plan_dues(plan) if d[0] <= AS_OF]
    first = min(d for d, _, _ in dues).replace(day=1)
    pays = [(d, a) for d, a in _ledger_payments(ledger, "L000001") if first <= d <= AS_OF]
    out: dict[str, tuple[list[tuple[date, int]], int, int, date]] = {}
    before = 0
    for day, amount, month in dues:
        judge = min(day + timedelta(days=LATE), AS_OF)
        paid_by = 0
        for d, a in pays:
            if d <= judge:
                paid_by += a
        covered = min(max(paid_by - before, 0), amount)
        ds, e, p, last = out.get(month, ([], 0, 0, day))
        out[month] = (ds + [(day, amount)], e + amount, p + covered, max(last, day + timedelta(days=LATE)))
        before += amount
    return out


def test_plan_against_what_happened_is_the_ledger_s_own_figures(client):
    add_case(client)
    plan = client.get("/husstand/L000001/plan.json").json()
    for ledger in ("reskontro-2027-02-holdt.csv", "reskontro-2027-02-brutt.csv"):
        result = upload(client, ledger).text
        want = _expected_months(plan, ledger)
        page = client.get("/husstand/L000001").text
        table = re.search(r'id="plan-vs-paid">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
        rows = [_plain(r) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)]
        assert len(rows) == len(want), (ledger, rows)
        for row, (month, (dues, expected, paid, last)) in zip(rows, sorted(want.items())):
            assert row.startswith(format_month(month)), row
            for day, amount in dues:
                assert f"{_kr(amount)} {nb_date(day)}" in row
            assert f"{_kr(expected)} {_kr(paid)}" in row, (row, expected, paid)
            assert f"(per {nb_date(AS_OF)})" in row
        # the follow-up page's evidence for the last month, in words
        month, (dues, expected, paid, last) = sorted(want.items())[-1]
        words = _plain(re.search(r'<tr id="case-L000001">(.*?)</tr>', result, re.S).group(1))
        planned = ", ".join(f"{_kr(a)} {nb_date(d)}" for d, a in dues)
        assert f"{format_month(month)}: " in words and f"Planen: {planned}." in words
        if paid < expected:
            assert (f"Betalt {_kr(paid)} av {_kr(expected)} innen {nb_date(last)}; mangler {_kr(expected - paid)}."
                    in words), words
        # the counts in the summary: the ledger's rows, and the one case found
        summary = _plain(re.search(r'id="followup-summary"(.*?)</section>', result, re.S).group(1))
        with open(DATA / ledger, encoding="utf-8") as fh:
            rows_read = sum(1 for line in fh if line.strip()) - 1
        assert f"{rows_read} rader lest (0 med feil)" in summary
        assert "Åpne saker funnet i reskontroen: 1." in summary


def test_upcoming_petitions_dates_and_days_left(client):
    from planner.eviction import project_household
    from planner.io.household import household_from_dict, read_household
    from planner.web.forms import form_fields, form_from_document, household_document

    for name in ("enslig-mor-2006", "lav-inntekt", "uten-bostotte"):
        fields = form_fields(form_from_document(household_document(read_household(ROOT / "scenarios" / f"{name}.toml"))))
        assert client.post("/husstand/ny", data={**fields, "csrf_token": token(client)},
                           follow_redirects=False).status_code == 303
    day = date(2026, 3, 1)
    want = []
    for rec in client.app.state.store.search():
        p = project_household(household_from_dict(rec.document, rec.id))
        if p.request_date is not None:
            want.append((p.request_date, rec.id))
    want.sort()
    assert want
    page = client.get(f"/begjaeringer?dato={nb_date(day)}").text
    body = re.search(r'id="petitions">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    rows = [_plain(r) for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    assert len(rows) == len(want)
    for row, (request, _hid) in zip(rows, want):
        days = (request - day).days
        left = str(days) if days >= 0 else f"passert ({-days} dager siden)"
        assert row.startswith(f"{nb_date(request)} {left} "), row


def test_worklist_rows_are_the_ledger_run_s_figures(client, tmp_path):
    from planner.ledger.run import LedgerOptions, run_ledger

    t = token(client, "/reskontro")
    page = client.post("/reskontro", data={"csrf_token": t, "as_of": "2026-12-31"},
                       files={"ledger": ("reskontro.csv", (ROOT / "scenarios" / "reskontro.csv").read_bytes(),
                                         "text/csv")}).text
    run_ledger(ROOT / "scenarios" / "reskontro.csv", LedgerOptions(out=tmp_path, as_of=date(2026, 12, 31)))
    contact = list(csv.DictReader(open(tmp_path / "contact.csv", encoding="utf-8")))
    tenancies = list(csv.DictReader(open(tmp_path / "tenancies.csv", encoding="utf-8")))
    body = re.search(r'id="ledger-contact">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    rows = [_plain(r) for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    assert len(rows) == len(contact)
    for row, c in zip(rows, contact):
        arrears = _kr(int(c["arrears_ore"])) if c["arrears_ore"] else "–"
        dates = [nb_date(date.fromisoformat(c[k])) if c[k] else "" for k in ("collector_date", "request_date")]
        assert row.startswith(f"{c['rank']} {c['tenancy']} {c['priority']} "), row
        assert arrears in row and all(d in row for d in dates), (row, c)
    summary = _plain(re.search(r'id="ledger-summary"(.*?)</section>', page, re.S).group(1))
    assert f"Leieforhold: {len(tenancies)}." in summary and f"På kontaktlisten: {len(contact)}." in summary

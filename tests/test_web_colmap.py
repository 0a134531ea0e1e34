"""Column mapping in the page (planner/web/colmap.py): a statement or ledger whose columns no
preset or map fits is offered the columns found and a select per role; read with the chosen
map it gives what the CLI gives with the same map, which the page offers for download."""

from __future__ import annotations

import re
import urllib.parse
from datetime import date
from pathlib import Path

import pytest
from statement_gen import generate, write_csv

from planner.io.tables import ColumnMap
from planner.statement import detect, household_document, read_bytes
from planner.statement.read import join

ROOT = Path(__file__).resolve().parent.parent
#: a bank nobody made a preset for: its own header words for date, text, in and out
ODD_STATEMENT_HEADER = "Posteringsdag;Spesifikasjon;Rentedag;Kroner inn;Kroner ut;Disponibelt"
ODD_LEDGER_HEADER = "LF-nr;Posteringsdag;Art;Kroner;Merknad"


@pytest.fixture
def client(tmp_path):
    pytest.importorskip("fastapi")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from planner.web.app import create_app

    app = create_app(f"sqlite:///{tmp_path / 'web.db'}", secret="test-secret", time_limit_s=5)
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        yield c


def _token(client, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def odd_statement(seed: int = 3) -> bytes:
    lines = write_csv(generate(seed), "sparebank").decode("cp1252").splitlines()
    assert lines[0] == "Dato;Beskrivelse;Rentedato;Inn;Ut;Saldo"
    return "\n".join([ODD_STATEMENT_HEADER, *lines[1:]]).encode("cp1252")


def odd_ledger() -> bytes:
    lines = (ROOT / "scenarios" / "reskontro.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "tenancy;date;kind;amount;text"
    return "\n".join([ODD_LEDGER_HEADER, *lines[1:]]).encode("utf-8")


def _downloaded(page: str) -> str:
    href = re.search(r'id="colmap-download" download="[^"]+" href="data:text/plain;charset=utf-8,([^"]+)"', page)
    assert href, page[:2000]
    return urllib.parse.unquote(href.group(1).replace("&amp;", "&"))


def test_statement_columns_chosen_in_the_page_read_as_the_cli_reads_the_map(client, tmp_path):
    data = odd_statement()
    token = _token(client, "/husstand/ny")
    r = client.post("/husstand/ny/kontoutskrift", data={"csrf_token": token},
                    files={"statement": ("konto.csv", data, "text/csv")})
    assert r.status_code == 422 and 'id="colmap-form"' in r.text
    for column in ODD_STATEMENT_HEADER.split(";"):
        assert f'<option value="{column}"' in r.text
    chosen = {"date": "Posteringsdag", "text": "Spesifikasjon", "in": "Kroner inn", "out": "Kroner ut",
              "balance": "Disponibelt"}
    fields = {"csrf_token": token, "kolonnekart": "statement", "as_of": "2030-01-01",
              **{f"kolonne-{k}": v for k, v in chosen.items()}}
    r = client.post("/husstand/ny/kontoutskrift", data=fields, files={"statement": ("konto.csv", data, "text/csv")})
    assert r.status_code == 200, r.text[:1000]
    assert "Utkast fra kontoutskrift" in r.text
    toml = _downloaded(r.text)
    path = tmp_path / "konto.csv.kolonner.toml"
    path.write_text(toml, encoding="utf-8")
    cli_map = ColumnMap.load(path)  # the CLI's --columns reads the downloaded map
    assert cli_map.statement == chosen and cli_map.separator == ";"
    found = detect(join([read_bytes(data, "konto.csv", columns=cli_map)]))
    doc = household_document(found, generate(3).truth.start)
    for stream in doc["income"]:  # the page's draft holds the streams the CLI's map finds
        assert f'<option value="{stream["kind"]}" selected' in r.text


@pytest.mark.parametrize("chosen, message", [
    ({"text": "Spesifikasjon", "in": "Kroner inn", "out": "Kroner ut"}, "Velg kolonnen for «Dato»"),
    ({"date": "Posteringsdag", "in": "Kroner inn"}, "eller både «Inn på konto» og «Ut fra konto»"),
    ({"date": "Posteringsdag", "amount": "Kroner inn", "in": "Kroner inn", "out": "Kroner ut"}, "Samme kolonne"),
])
def test_an_incomplete_choice_is_said_and_offered_again(client, chosen, message):
    fields = {"csrf_token": _token(client, "/husstand/ny"), "kolonnekart": "statement",
              **{f"kolonne-{k}": v for k, v in chosen.items()}}
    r = client.post("/husstand/ny/kontoutskrift", data=fields,
                    files={"statement": ("konto.csv", odd_statement(), "text/csv")})
    assert r.status_code == 422 and message in r.text and 'id="colmap-form"' in r.text
    for ours, theirs in chosen.items():  # what was chosen stays chosen
        assert re.search(rf'id="kolonne-{ours}">.*?<option value="{re.escape(theirs)}" selected', r.text, re.S)


def test_ledger_columns_chosen_in_the_page_read_as_the_cli_reads_the_map(client, tmp_path):
    from planner.ledger.run import LedgerOptions, run_ledger

    data = odd_ledger()
    token = _token(client, "/reskontro")
    r = client.post("/reskontro", data={"csrf_token": token, "as_of": "2026-01-01"},
                    files={"ledger": ("reskontro.csv", data, "text/csv")})
    assert r.status_code == 422 and 'id="colmap-form"' in r.text and "LF-nr" in r.text
    chosen = {"tenancy": "LF-nr", "date": "Posteringsdag", "kind": "Art", "amount": "Kroner", "text": "Merknad"}
    fields = {"csrf_token": token, "kolonnekart": "ledger", "as_of": "2026-01-01",
              **{f"kolonne-{k}": v for k, v in chosen.items()}}
    r = client.post("/reskontro", data=fields, files={"ledger": ("reskontro.csv", data, "text/csv")})
    assert r.status_code == 200, r.text[:1000]
    assert 'id="ledger-summary"' in r.text
    path = tmp_path / "reskontro.csv.kolonner.toml"
    path.write_text(_downloaded(r.text), encoding="utf-8")
    assert ColumnMap.load(path).ledger == chosen
    src = tmp_path / "reskontro.csv"
    src.write_bytes(data)
    s = run_ledger(src, LedgerOptions(out=tmp_path / "out", as_of=date(2026, 1, 1),
                                      columns=path))
    assert s.rows_used > 0 and f"Leieforhold: {s.tenancies}." in r.text and f"brukt {s.rows_used}" in r.text


def test_a_file_that_is_no_table_gets_no_column_choice(client):
    r = client.post("/husstand/ny/kontoutskrift", data={"csrf_token": _token(client, "/husstand/ny")},
                    files={"statement": ("x.csv", b"bare tekst\nuten kolonner\n", "text/csv")})
    assert r.status_code == 422 and 'id="colmap-form"' not in r.text

"""The Statistikk page (issue 17): the half-year report of the web page's database for a chosen
period, each figure a chart and a table, under the site's CSP; its downloads are the bytes of
`planner report --db`; bad dates are a message, never a 500."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from html import escape, unescape
from pathlib import Path

import pytest

pytest.importorskip("httpx")
from fastapi.testclient import TestClient  # noqa: E402
from halfyear_gen import NAME, truth, write_db  # noqa: E402

from planner.halfyear import Caseload, Period, build_report  # noqa: E402
from planner.halfyear.dbsource import read_db  # noqa: E402
from planner.halfyear.tables import SECONDARY_NOTE  # noqa: E402
from planner.web.app import create_app  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://127.0.0.1:8000"
Q = "fra=01.01.2026&til=30.06.2026"


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('stat') / 'web.db'}"
    write_db(truth(), url)
    return url


@pytest.fixture(scope="module")
def client(db):
    app = create_app(db, secret="test-secret", time_limit_s=5)
    with TestClient(app, base_url=BASE) as c:
        yield c


def tables(html: str) -> list[list[list[str]]]:
    """Every table.data of the page as rows of cell texts."""
    out = []
    for t in re.findall(r'<table class="data">(.*?)</table>', html, re.S):
        rows = [[unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)]
                for r in re.findall(r"<tr[^>]*>(.*?)</tr>", t, re.S)]
        out.append(rows)
    return out


def test_the_page_shows_the_reports_figures(client, db):
    r = client.get(f"/statistikk?{Q}")
    assert r.status_code == 200
    html = r.text
    cases, _ = read_db(db)
    cl = Caseload()
    cl.add(cases, "x")
    report = build_report(cl, Period(date(2026, 1, 1), date(2026, 6, 30)))
    # every figure has its section, chart and tables, and the tables hold the report's shown cells
    expected = []
    for fig in report.figures:
        assert f'id="{fig.key}"' in html
        assert f'/statistikk/diagram/{fig.key}.svg?fra=2026-01-01&amp;til=2026-06-30' in html
        for t in fig.tables:
            columns, rows = t.grid()
            expected.append([[getattr(t, "row_head", "") or "", *columns]] + [[lab, *(c.text for c in cells)]
                                                                              for lab, cells in rows])
    assert tables(html)[1:] == expected  # [0] is the key figures
    assert "Bydel Frogner" in html and "&lt; 5" in html
    # a cell hidden only to protect a small one is ":" (the tables above are the grids), with its footnote
    office = next(t for t in report.figures[0].tables if t.title == "Saker")
    assert any(c.secondary for _, cells in office.grid()[1] for c in cells)
    assert f'<p class="note">{escape(SECONDARY_NOTE)}</p>' in html
    # no inline script or style (the CSP allows neither), no personal data
    assert "<script>" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html and "<style" not in html
    assert NAME not in html and "hh-0001" not in html


def test_charts_are_svg_without_css(client):
    r = client.get(f"/statistikk/diagram/kontor.svg?{Q}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    svg = r.text
    assert svg.startswith("<svg") and "style=" not in svg and "<style" not in svg and "<script" not in svg
    assert "Bydel Gamle Oslo" in svg  # text kept as text on the page
    assert re.search(r">:</text>", svg) and re.search(r">&lt; 5</text>", svg)  # hidden bars: their marks
    assert client.get(f"/statistikk/diagram/finnes-ikke.svg?{Q}").status_code == 404


def test_downloads_are_the_commands_bytes(client, db, tmp_path):
    for fmt in ("md", "xlsx", "pdf"):
        r = client.get(f"/statistikk/halvarsrapport.{fmt}?{Q}")
        assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
        out = tmp_path / f"r.{fmt}"
        done = subprocess.run([sys.executable, "-m", "planner", "report", "--from", "2026-01-01", "--to", "2026-06-30",
                               "--db", db, "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert r.content == out.read_bytes(), fmt
    assert client.get(f"/statistikk/halvarsrapport.exe?{Q}").status_code == 404


@pytest.mark.parametrize("query,message", [
    ("fra=31.02.2026&til=30.06.2026", "Skriv datoene som dd.mm.åååå"),
    ("fra=01.07.2026&til=30.06.2026", "Til-datoen er før fra-datoen."),
    ("fra=01.01.2020&til=30.06.2026", "høyst tre år"),
    ("fra=%3Cscript%3E&til=x", "Skriv datoene som dd.mm.åååå"),
])
def test_bad_dates_are_a_message(client, query, message):
    r = client.get(f"/statistikk?{query}")
    assert r.status_code == 400 and message in r.text and "<script>" not in r.text
    assert client.get(f"/statistikk/diagram/kontor.svg?{query}").status_code == 400
    assert client.get(f"/statistikk/halvarsrapport.pdf?{query}").status_code == 400


def test_without_a_period_the_current_half_year(client):
    r = client.get("/statistikk")
    assert r.status_code == 200 and "Dette halvåret" in r.text and "Forrige halvår" in r.text
    assert 'href="/statistikk"' in r.text  # in the navigation

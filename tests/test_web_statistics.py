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
from urllib.parse import unquote

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


def chart_urls(client, query: str = Q) -> dict[str, str]:
    """The page's chart URLs by figure key (signed for this client's session)."""
    page = client.get(f"/statistikk?{query}").text
    return {m.group(1): unescape(m.group(0)) for m in re.finditer(r'/statistikk/diagram/([a-z-]+)\.svg\?[^"]+', page)}


def csrf(client) -> str:
    page = client.get(f"/statistikk?{Q}").text
    m = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert m
    return m.group(1)


def download(client, fmt: str, fra: str = "2026-01-01", til: str = "2026-06-30", token: str | None = None):
    return client.post(f"/statistikk/halvarsrapport.{fmt}",
                       data={"fra": fra, "til": til, "csrf_token": csrf(client) if token is None else token})


def test_charts_are_svg_without_css(client):
    urls = chart_urls(client)
    r = client.get(urls["kontor"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    svg = r.text
    assert svg.startswith("<svg") and "style=" not in svg and "<style" not in svg and "<script" not in svg
    assert "Bydel Gamle Oslo" in svg  # text kept as text on the page
    assert re.search(r">:</text>", svg) and re.search(r">&lt; 5</text>", svg)  # hidden bars: their marks
    assert client.get(urls["kontor"].replace("kontor", "finnes-ikke")).status_code == 404


def test_downloads_are_the_commands_bytes(client, db, tmp_path):
    for fmt in ("md", "xlsx", "pdf"):
        r = download(client, fmt)
        assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
        out = tmp_path / f"r.{fmt}"
        done = subprocess.run([sys.executable, "-m", "planner", "report", "--from", "2026-01-01", "--to", "2026-06-30",
                               "--db", db, "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert r.content == out.read_bytes(), fmt
    assert download(client, "exe").status_code == 404


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
    fra, til = (v.split("=")[1] for v in query.split("&"))
    assert download(client, "pdf", unquote(fra), unquote(til)).status_code == 400


def test_without_a_period_the_current_half_year(client):
    r = client.get("/statistikk")
    assert r.status_code == 200 and "Dette halvåret" in r.text and "Forrige halvår" in r.text
    assert 'href="/statistikk"' in r.text  # in the navigation


def statistics_cache(client):
    from planner.web.routes.statistics import cache_of

    return cache_of(client.app.state.web)


def test_no_report_is_built_for_a_request_another_site_can_make(db, monkeypatch):
    """A page elsewhere with `<img src=".../halvarsrapport.pdf">` or a chart URL makes the
    server build nothing: a download is a POST with the session's CSRF token, and a chart needs
    the signature the Statistikk page gives this session (another site's request carries no
    session: the cookie is SameSite=strict)."""
    import planner.halfyear as halfyear
    import planner.halfyear.charts as charts

    built: list[str] = []
    real_render, real_chart = halfyear.render, charts.figure_chart
    monkeypatch.setattr(halfyear, "render", lambda *a, **k: built.append("render") or real_render(*a, **k))
    monkeypatch.setattr(charts, "figure_chart", lambda *a, **k: built.append("chart") or real_chart(*a, **k))
    with TestClient(create_app(db, secret="test-secret", time_limit_s=30), base_url=BASE) as c:
        for fmt in ("pdf", "xlsx", "md"):
            assert c.get(f"/statistikk/halvarsrapport.{fmt}?{Q}").status_code == 405
        urls = chart_urls(c)
        with TestClient(create_app(db, secret="test-secret", time_limit_s=30), base_url=BASE) as other:
            assert other.get(urls["kontor"]).status_code == 403  # no session: as from another site
            assert other.get(f"/statistikk/diagram/kontor.svg?{Q}").status_code == 403
        assert c.get(f"/statistikk/diagram/kontor.svg?{Q}").status_code == 403  # unsigned
        assert c.get(urls["kontor"].replace("til=2026-06-30", "til=2026-06-29")).status_code == 403  # another period
        assert download(c, "pdf", token="forged").status_code == 403
        built_reports = len(statistics_cache(c)._entries)
        page = c.get("/statistikk?fra=01.01.2025&til=30.06.2025", headers={"Sec-Fetch-Site": "cross-site"})
        assert page.status_code == 200 and "Trykk «Vis»" in page.text and 'id="kontor"' not in page.text
        assert len(statistics_cache(c)._entries) == built_reports  # no report built for that period
        assert built == []
        assert c.get(urls["kontor"]).status_code == 200 and built == ["chart"]
        assert download(c, "md").status_code == 200 and built == ["chart", "render"]


def test_outputs_are_built_once_per_data_version_in_the_worker_pool(db, monkeypatch):
    """A second view, chart or download of unchanged data is built from the cache; a change
    to one case makes the next one new, with the change in it; the building runs in the worker
    pool's threads, never on the event loop."""
    import threading

    import sqlalchemy as sa

    import planner.halfyear as halfyear
    import planner.halfyear.charts as charts
    from planner.web.store import case_records

    threads: list[str] = []
    real_render, real_chart = halfyear.render, charts.figure_chart
    monkeypatch.setattr(halfyear, "render",
                        lambda *a, **k: threads.append(threading.current_thread().name) or real_render(*a, **k))
    monkeypatch.setattr(charts, "figure_chart",
                        lambda *a, **k: threads.append(threading.current_thread().name) or real_chart(*a, **k))
    with TestClient(create_app(db, secret="test-secret", time_limit_s=30), base_url=BASE) as c:
        first = download(c, "md").content
        svg = c.get(chart_urls(c)["kontor"]).content
        assert download(c, "md").content == first and c.get(chart_urls(c)["kontor"]).content == svg
        assert len(threads) == 2 and all(t.startswith("planner-worker") for t in threads), threads
        engine = sa.create_engine(db)
        try:
            with engine.begin() as conn:  # one case moves to Bydel Frogner: the office table changes
                hid = conn.execute(sa.select(case_records.c.household_id).order_by(case_records.c.household_id)
                                   .where(case_records.c.data.like('%"social_office": "Bydel G%')).limit(1)).scalar_one()
                data = conn.execute(sa.select(case_records.c.data).where(case_records.c.household_id == hid)
                                    ).scalar_one()
                conn.execute(case_records.update().where(case_records.c.household_id == hid)
                             .values(data=data.replace('"social_office": "', '"social_office": "Bydel Frogner", "x": "')))
            second = download(c, "md").content
            assert second != first and len(threads) == 3
            cases, line = read_db(db)
            cl = Caseload()
            cl.add(cases, line)
            assert second == real_render(build_report(cl, Period(date(2026, 1, 1), date(2026, 6, 30))), "md")
        finally:
            with engine.begin() as conn:
                conn.execute(case_records.update().where(case_records.c.household_id == hid).values(data=data))
            engine.dispose()


def test_the_warm_up_builds_the_half_years_the_page_offers(db, monkeypatch, caplog):
    """`planner serve`'s warm-up (`Web.warm_up` runs `statistics.warm_up` before "ready")
    builds the page of this half-year and the one before, every chart drawn, so their first view
    builds and draws nothing, and starts the helper process that draws half of a new page's
    charts; a warm-up that fails is logged by its kind and leaves the page to build itself on
    its first view."""
    import logging

    import planner.halfyear as halfyear
    import planner.halfyear.charts as charts
    from planner.web.routes import statistics

    builds: list[object] = []
    drawn: list[str] = []
    real_build, real_chart = halfyear.build_report, charts.figure_chart
    monkeypatch.setattr(halfyear, "build_report", lambda cl, p: builds.append(p) or real_build(cl, p))
    monkeypatch.setattr(charts, "figure_chart", lambda fig, *a, **k: drawn.append(fig.key) or real_chart(fig, *a, **k))
    with TestClient(create_app(db, secret="test-secret", time_limit_s=30), base_url=BASE) as c:
        statistics.warm_up(c.app.state.web, date(2026, 7, 1))
        assert [(p.start, p.end) for p in builds] == [(date(2026, 7, 1), date(2026, 12, 31)),
                                                      (date(2026, 1, 1), date(2026, 6, 30))]
        helper = statistics_cache(c).helper
        assert helper is not None  # half of a new page's charts go to it
        assert "kontor" in drawn
        builds.clear()
        drawn.clear()
        urls = chart_urls(c)  # 01.01.2026–30.06.2026: "Forrige halvår" on 01.07.2026
        assert len(urls) >= 8 and all(c.get(u).status_code == 200 for u in urls.values())
        assert builds == [] and drawn == []
        # a period not offered: built on its view, its charts drawn then, half by the helper
        urls = chart_urls(c, "fra=01.03.2026&til=31.08.2026")
        assert len(builds) == 1 and 0 < len(drawn) < len(urls)
        assert all(c.get(u).status_code == 200 and "<svg" in c.get(u).text for u in urls.values())
        assert len(builds) == 1 and len(drawn) < len(urls)  # the helper's charts kept, not drawn again

    def broken(*_a, **_k):
        raise RuntimeError("the database is gone")

    with TestClient(create_app(db, secret="test-secret", time_limit_s=30), base_url=BASE) as c:
        monkeypatch.setattr(statistics.StatisticsCache, "get", broken)
        with caplog.at_level(logging.WARNING, logger="planner.web"):
            statistics.warm_up(c.app.state.web, date(2026, 7, 1))  # does not raise
        assert "Statistikk warm-up failed (RuntimeError)" in caplog.text and "database is gone" not in caplog.text
        monkeypatch.undo()
        assert c.get(f"/statistikk?{Q}").status_code == 200 and 'id="kontor"' in c.get(f"/statistikk?{Q}").text

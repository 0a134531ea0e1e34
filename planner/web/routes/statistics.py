"""Statistikk: the half-year report on the web page, for a chosen period (issue 17).

The same figures as `planner report --db`, from the same code (`planner.halfyear`): each a
chart and a table, counts under five shown as "< 5" and cells hidden to protect them as ":".
The page holds no inline script or style (the site's CSP): charts are SVG images from
`/statistikk/diagram/KEY.svg` (matplotlib's CSS turned into presentation attributes), tables
are HTML. The period is read from the query
(`fra`, `til`: dd.mm.åååå or ÅÅÅÅ-MM-DD); without one, the half-year of today's date (read
here, at the edge). A bad date is a message on the page (400), never a 500.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from ...formatting import nb_date
from ..casework import parse_day
from ..core import web_of

router = APIRouter()

DOWNLOADS = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "md": "text/markdown; charset=utf-8"}


def half_year(day: date):
    """The calendar half-year `day` falls in, and the one before it."""
    from ...halfyear import Period

    this = Period(date(day.year, 1, 1), date(day.year, 6, 30)) if day.month <= 6 else \
        Period(date(day.year, 7, 1), date(day.year, 12, 31))
    return this, this.previous()


def _period(fra: str, til: str):
    """(Period, None) or (None, message) for the query's dates; today's half-year when both are empty."""
    from ...halfyear import Period

    if not fra.strip() and not til.strip():
        return half_year(date.today())[0], None
    start, end = parse_day(fra), parse_day(til)
    if start is None or end is None:
        return None, "Skriv datoene som dd.mm.åååå (for eksempel 01.01.2026 og 30.06.2026)."
    if end < start:
        return None, "Til-datoen er før fra-datoen."
    if (end - start).days > 3 * 366:
        return None, "Velg en periode på høyst tre år."
    return Period(start, end), None


def _report(web, period):
    """The report of the web page's database for `period` (slow: in the worker pool)."""
    from ...halfyear import Caseload, build_report
    from ...halfyear.dbsource import cases_from_engine, source_line

    cl = Caseload()
    cases = cases_from_engine(web.store.engine)
    cl.add(cases, source_line(web.store.url, len(cases)))  # as `planner report --db`: the same bytes
    return build_report(cl, period)


def _query(period) -> str:
    return urlencode({"fra": period.start.isoformat(), "til": period.end.isoformat()})


@router.get("/statistikk", response_class=HTMLResponse)
async def statistics(request: Request, fra: str = "", til: str = ""):
    from ...halfyear.render import html_fragment

    web = web_of(request)
    period, error = _period(fra, til)
    this, before = half_year(date.today())
    presets = [("Dette halvåret", _query(this)), ("Forrige halvår", _query(before))]
    ctx = {"title": "Statistikk", "fra": fra, "til": til, "error": error, "presets": presets, "body": None}
    if period is None:
        return web.render(request, "statistics.html", ctx, status=400)
    report = await web.pool.run(_report, web, period)
    q = _query(period)
    ctx.update(period=period, query=q, fra=fra or nb_date(period.start),
               til=til or nb_date(period.end),
               body=html_fragment(report, heading=False,
                                  chart_src=lambda fig: f"/statistikk/diagram/{fig.key}.svg?{q}"))
    return web.render(request, "statistics.html", ctx)


def _chart(web, period, key: str) -> bytes | None:
    from ...halfyear.charts import figure_chart
    from ..charts import without_inline_css

    fig = next((f for f in _report(web, period).figures if f.key == key), None)
    if fig is None:
        return None
    svg = figure_chart(fig, "svg", text_as_text=True)
    if svg is None:
        return None
    text = svg.decode("utf-8")
    return without_inline_css(text[text.index("<svg"):]).encode("utf-8")


@router.get("/statistikk/diagram/{key}.svg")
async def chart(request: Request, key: str, fra: str = "", til: str = ""):
    web = web_of(request)
    period, error = _period(fra, til)
    if period is None:
        raise HTTPException(400, error)
    svg = await web.pool.run(_chart, web, period, key)
    if svg is None:
        raise HTTPException(404, "not found")
    return Response(svg, media_type="image/svg+xml")


def _download(web, period, fmt: str) -> bytes:
    from ...halfyear import render

    return render(_report(web, period), fmt)


@router.get("/statistikk/halvarsrapport.{fmt}")
async def download(request: Request, fmt: str, fra: str = "", til: str = ""):
    web = web_of(request)
    if fmt not in DOWNLOADS:
        raise HTTPException(404, "not found")
    period, error = _period(fra, til)
    if period is None:
        raise HTTPException(400, error)
    data = await web.pool.run(_download, web, period, fmt)
    name = f"halvarsrapport-{period.start.isoformat()}-{period.end.isoformat()}.{fmt}"
    return Response(data, media_type=DOWNLOADS[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})

"""Statistikk: the half-year report on the web page, for a chosen period (issue 17).

The same figures as `planner report --db`, from the same code (`planner.halfyear`): each a
chart and a table, counts under five shown as "< 5" and cells hidden to protect them as ":".
The page holds no inline script or style (the site's CSP): charts are SVG images from
`/statistikk/diagram/KEY.svg` (matplotlib's CSS turned into presentation attributes), tables
are HTML. The period is read from the query
(`fra`, `til`: dd.mm.åååå or ÅÅÅÅ-MM-DD); without one, the half-year of today's date (read
here, at the edge). A bad date is a message on the page (400), never a 500.

Nothing expensive is built for a request another site can make: the downloads (PDF, Excel,
Markdown) are POSTs with the session's CSRF token, and a chart is drawn only for a URL signed
with the session's token (`sig`, an HMAC of the period and the chart), which a page elsewhere
cannot know and which the session cookie (SameSite=strict) never reaches from another site; the
page itself, asked for from another site (`Sec-Fetch-Site: cross-site`, which browsers send),
shows the period chooser only, and "Vis" builds the report. With
`--auth` every path here needs a login besides. What is built is kept per data version
(`planner.halfyear.dbsource.read_cases`: a digest of the rows the report reads) and period, so
a view, a chart or a download of unchanged data is a look-up; all of it runs in the worker pool.
The chart URLs and the download form carry the data version the page was built at (`v`), so
its charts and downloads are those of the page shown, taken from the cache without reading the
database again (a version no longer kept is read afresh).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
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


@dataclass
class Built:
    """What one (data version, period) has given so far: the report, the page's HTML (the chart
    URLs' signature left as `SIG`), each chart drawn and each download."""

    version: str
    report: object
    body: str
    charts: dict[str, bytes | None] = field(default_factory=dict)
    downloads: dict[str, bytes] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class StatisticsCache:
    """The last few `Built`, by (data version, period); one build per key at a time."""

    SIZE = 4

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple, Built] = OrderedDict()
        self._building: dict[tuple, threading.Lock] = {}
        #: chart SVGs by what they draw (`chart_data`'s panels): after one case changes, most
        #: figures' shown cells are the same, and their charts are not drawn again
        self.svgs: OrderedDict[str, bytes | None] = OrderedDict()

    def svg(self, fig) -> bytes | None:
        """The web page's SVG of `fig`'s chart, drawn once per distinct drawing."""
        from ...halfyear.charts import chart_data, figure_chart
        from ..charts import without_inline_css

        key = hashlib.blake2b(repr(chart_data(fig).panels).encode(), digest_size=16).hexdigest()
        with self._lock:
            if key in self.svgs:
                self.svgs.move_to_end(key)
                return self.svgs[key]
        svg = figure_chart(fig, "svg", text_as_text=True)
        if svg is not None:
            text = svg.decode("utf-8")
            svg = without_inline_css(text[text.index("<svg"):]).encode("utf-8")
        with self._lock:
            self.svgs[key] = svg
            while len(self.svgs) > 16 * self.SIZE:
                self.svgs.popitem(last=False)
        return svg

    def cached(self, version: str, period) -> Built | None:
        """The `Built` of `version` if it is still kept: a chart or a download of the page the
        caseworker is looking at, without reading the database again."""
        with self._lock:
            return self._entries.get((version, period.start, period.end))

    def get(self, web, period) -> Built:
        """The `Built` of the database as it is now, for `period` (slow when the data changed:
        call it in the worker pool)."""
        from ...halfyear import Caseload, build_report
        from ...halfyear.dbsource import read_cases, source_line
        from ...halfyear.render import html_fragment

        cases, version = read_cases(web.store.engine)
        key = (version, period.start, period.end)
        with self._lock:
            building = self._building.setdefault(key, threading.Lock())
        with building:  # a second request for the same key waits for the first one's build
            with self._lock:
                if key in self._entries:
                    self._entries.move_to_end(key)
                    return self._entries[key]
            cl = Caseload()
            cl.add(cases, source_line(web.store.url, len(cases)))  # as `planner report --db`: the same bytes
            report = build_report(cl, period)
            q = _query(period)
            body = html_fragment(report, heading=False,
                                 chart_src=lambda fig: f"/statistikk/diagram/{fig.key}.svg?{q}&v={version}&sig=SIG")
            built = Built(version, report, body)
            with self._lock:
                self._entries[key] = built
                while len(self._entries) > self.SIZE:
                    self._entries.popitem(last=False)
                self._building.pop(key, None)
            return built


_CACHES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def cache_of(web) -> StatisticsCache:
    with _CACHES_LOCK:
        cache = _CACHES.get(web)
        if cache is None:
            cache = _CACHES[web] = StatisticsCache()
        return cache


def _report(web, period):
    """The report of the web page's database for `period` (slow: in the worker pool)."""
    return cache_of(web).get(web, period).report


def signature(request: Request, period) -> str:
    """The chart URLs' signature for this session and period ("" without a session token: then
    no chart is drawn)."""
    token = request.session.get("csrf")
    if not token:
        return ""
    msg = f"statistikk-diagram:{period.start.isoformat()}:{period.end.isoformat()}".encode()
    return hmac.new(str(token).encode(), msg, hashlib.sha256).hexdigest()[:32]


def _query(period) -> str:
    return urlencode({"fra": period.start.isoformat(), "til": period.end.isoformat()})


@router.get("/statistikk", response_class=HTMLResponse)
async def statistics(request: Request, fra: str = "", til: str = ""):
    web = web_of(request)
    period, error = _period(fra, til)
    this, before = half_year(date.today())
    presets = [("Dette halvåret", _query(this)), ("Forrige halvår", _query(before))]
    ctx = {"title": "Statistikk", "fra": fra, "til": til, "error": error, "presets": presets, "body": None}
    if period is None:
        return web.render(request, "statistics.html", ctx, status=400)
    if request.headers.get("sec-fetch-site") == "cross-site":
        # a link or an <img> on another site: the chooser only; "Vis" (same site) builds the report
        ctx.update(fra=fra or nb_date(period.start), til=til or nb_date(period.end), cross_site=True)
        return web.render(request, "statistics.html", ctx)
    built = await web.pool.run(cache_of(web).get, web, period)
    web.csrf_token(request)  # the session's token, so the chart URLs can be signed with it
    ctx.update(period=period, fra=fra or nb_date(period.start), til=til or nb_date(period.end),
               start=period.start.isoformat(), end=period.end.isoformat(), version=built.version,
               body=built.body.replace("&amp;sig=SIG", f"&amp;sig={signature(request, period)}"))
    return web.render(request, "statistics.html", ctx)


def _built(web, period, version: str) -> Built:
    """The page's own `Built` (by its data version), else the database's as it is now."""
    cache = cache_of(web)
    return cache.cached(version, period) or cache.get(web, period)


def _chart(web, period, key: str, version: str = "") -> bytes | None:
    built = _built(web, period, version)
    with built.lock:
        if key in built.charts:
            return built.charts[key]
    fig = next((f for f in built.report.figures if f.key == key), None)  # type: ignore[attr-defined]
    if fig is None:
        return None
    svg = cache_of(web).svg(fig)
    with built.lock:
        built.charts[key] = svg
    return svg


@router.get("/statistikk/diagram/{key}.svg")
async def chart(request: Request, key: str, fra: str = "", til: str = "", v: str = "", sig: str = ""):
    web = web_of(request)
    period, error = _period(fra, til)
    if period is None:
        raise HTTPException(400, error)
    expected = signature(request, period)
    if not expected or not hmac.compare_digest(expected, sig):
        raise HTTPException(403, "Diagrammet vises bare på Statistikk-siden. Last siden på nytt.")
    svg = await web.pool.run(_chart, web, period, key, v)
    if svg is None:
        raise HTTPException(404, "not found")
    return Response(svg, media_type="image/svg+xml")


def _download(web, period, fmt: str, version: str = "") -> bytes:
    from ...halfyear import render

    built = _built(web, period, version)
    with built.lock:
        if fmt in built.downloads:
            return built.downloads[fmt]
    data = render(built.report, fmt)  # type: ignore[arg-type]
    with built.lock:
        built.downloads[fmt] = data
    return data


@router.post("/statistikk/halvarsrapport.{fmt}")
async def download(request: Request, fmt: str):
    """A download: a POST from the page's form (the CSRF check is the app's, on every POST)."""
    if fmt not in DOWNLOADS:
        raise HTTPException(404, "not found")
    form = await request.form()
    period, error = _period(str(form.get("fra", "")), str(form.get("til", "")))
    if period is None:
        raise HTTPException(400, error)
    from ..jobs import start_job  # built as a background job (`jobkinds`, `report_file`): the page answers at once

    return await start_job(request, "report", {"fra": period.start.isoformat(), "til": period.end.isoformat(),
                                               "fmt": fmt, "v": str(form.get("v", ""))}, [None])


def report_file(web, fra: str, til: str, fmt: str, version: str) -> bytes | None:
    """The download's bytes for a report job, None for a bad period (slow: in the worker pool)."""
    period, _ = _period(fra, til)
    return None if period is None else _download(web, period, fmt, version)

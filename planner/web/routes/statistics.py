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
database again (a version no longer kept is read afresh). `planner serve` builds the page of the
two half-years it offers, charts included, before it says it is ready (`warm_up`), so their
first view is a look-up too; after it, a page built anew (another period, changed data) has its
new charts drawn while it is built, half of them in a helper process on the second core.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from ...formatting import nb_date
from ..casework import parse_day
from ..core import today, web_of

router = APIRouter()
log = logging.getLogger("planner.web")

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
        return half_year(today())[0], None
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
        #: the process drawing half of a new page's charts (`start_helper`), or None
        self.helper: Any = None
        self._alive: Any = None  # (reader, writer): the writer held open while this process lives

    @staticmethod
    def _svg_key(fig) -> str:
        from ...halfyear.charts import chart_data

        return hashlib.blake2b(repr(chart_data(fig).panels).encode(), digest_size=16).hexdigest()

    def _keep(self, key: str, svg: bytes | None) -> None:
        with self._lock:
            self.svgs[key] = svg
            while len(self.svgs) > 16 * self.SIZE:
                self.svgs.popitem(last=False)

    def svg(self, fig) -> bytes | None:
        """The web page's SVG of `fig`'s chart, drawn once per distinct drawing."""
        from ..charts import statistics_svg

        key = self._svg_key(fig)
        with self._lock:
            if key in self.svgs:
                self.svgs.move_to_end(key)
                return self.svgs[key]
        svg = statistics_svg(fig)
        self._keep(key, svg)
        return svg

    def start_helper(self) -> None:
        """Start the helper process that draws half of a new page's charts (`draw_all`): the
        server's warm-up does, so `planner serve` uses the second core for them; without it
        (the tests) every chart is drawn in the server process when its URL is asked for."""
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        from ...io.workers import watch_parent
        from .. import solving
        from ..charts import statistics_svg

        with self._lock:
            if self.helper is not None:
                return
            # forked from the forkserver (never from this process, which has threads), which
            # loads what the solver processes load, matplotlib included: the same list as
            # theirs, whichever of them starts it
            ctx = mp.get_context("forkserver")
            ctx.set_forkserver_preload(list(solving.PRELOAD))
            # the helper ends when this process is gone, whatever the signal: the pipe's end of
            # file (its parent is the forkserver, as the solver processes')
            self._alive = ctx.Pipe(duplex=False)
            self.helper = ProcessPoolExecutor(1, mp_context=ctx, initializer=watch_parent, initargs=(self._alive[0],))
        helper = self.helper
        weakref.finalize(self, helper.shutdown, wait=False, cancel_futures=True)
        try:
            helper.submit(statistics_svg, None).result(timeout=120)  # started, matplotlib loaded
        except BaseException:
            self.helper = None  # every chart drawn here, as without a helper
            helper.shutdown(wait=False, cancel_futures=True)
            raise

    def stop_helper(self) -> None:
        """Stop the helper process and wait for it (the app's shutdown): its queues' semaphores
        are released, and nothing is left behind."""
        with self._lock:
            helper, alive = self.helper, self._alive
            self.helper = self._alive = None
        if helper is not None:
            helper.shutdown(wait=True, cancel_futures=True)
        for end in alive or ():
            end.close()

    def draw_all(self, built: Built) -> None:
        """Every chart of a page just built and not drawn before, half in the helper process
        (when started) and half here, at once, so the page's chart URLs are look-ups. A helper
        that fails leaves its charts to be drawn here."""
        from ...halfyear.charts import chart_data
        from ..charts import statistics_svg

        helper = self.helper
        if helper is None:
            return
        with self._lock:
            todo = [f for f in built.report.figures  # type: ignore[attr-defined]
                    if f.available and chart_data(f).panels and self._svg_key(f) not in self.svgs]
        try:
            sent = [(f, helper.submit(statistics_svg, f)) for f in todo[1::2]]
        except RuntimeError:  # shut down, or broken
            return
        for f in todo[0::2]:
            self.svg(f)
        for f, future in sent:
            try:
                self._keep(self._svg_key(f), future.result(timeout=60))
            except Exception as exc:  # noqa: BLE001 - drawn here on its URL instead
                log.warning("Statistikk chart helper failed (%s)", type(exc).__name__)

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
            self.draw_all(built)
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
    this, before = half_year(today())
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


def warm_up(web, day: date | None = None) -> None:
    """Before the server says it is ready (`Web.warm_up`, `planner serve`): the page of the two
    periods it offers (this half-year and the one before, by `day`, default today) built and
    every chart drawn, so their first view is a look-up; reading the store also fills the
    cases' memo (`read_cases`), so another period's first view parses no household; and the
    helper process that draws half of a new page's charts is started. A failure here is logged
    (its kind only) and left for the first view to meet and report."""
    try:
        cache_of(web).start_helper()
    except Exception as exc:  # noqa: BLE001 - without it the charts are drawn in this process
        log.warning("Statistikk chart helper did not start (%s)", type(exc).__name__)
    try:
        for period in half_year(day or today()):
            built = cache_of(web).get(web, period)
            for fig in built.report.figures:  # type: ignore[attr-defined]
                _chart(web, period, fig.key, built.version)
    except Exception as exc:  # noqa: BLE001 - a warm-up must never keep the server from starting
        log.warning("Statistikk warm-up failed (%s); the first view builds the page", type(exc).__name__)


def shutdown(web) -> None:
    """The app's shutdown (`create_app`'s lifespan): the chart helper stopped."""
    cache = _CACHES.get(web)
    if cache is not None:
        cache.stop_helper()


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

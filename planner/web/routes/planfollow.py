"""Closing the loop on the web page: a ledger draft opened as a new household and case in one
click (`/reskontro/sak`), and next month's ledger matched to the open cases (`/reskontro/oppfolging`,
the same as `planner follow-up`; `planner.web.planfollow`).

Its own router beside `routes/ledger.py` so the ledger page's upload stays as it is. The uploaded
ledger goes to a private temporary folder removed when the page is answered; what is stored is
the verdict per case and month, and a task per month needing follow-up. Bad input gives the page
again with the message (422), never a 500.
"""

from __future__ import annotations

import shutil
import tempfile
import tomllib
from datetime import date
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ...formatting import nb_date, parse_date
from ..core import today, web_of

router = APIRouter()
MAX_BYTES = 200 * 1024 * 1024


def _page(request: Request, ctx: dict, status: int = 200) -> HTMLResponse:
    from ..planfollow import VERDICT_NB, settings

    web = web_of(request)
    late_days, kept_months = settings(web.store.case.office())
    ctx = {"title": "Oppfølging av planer", "run": None, "error": None, "as_of": nb_date(today()),
           "VERDICT_NB": VERDICT_NB, "late_days": late_days, "kept_months": kept_months, **ctx}
    return web.render(request, "plan_followup.html", ctx, status=status)


@router.get("/reskontro/oppfolging", response_class=HTMLResponse)
def followup_page(request: Request):
    return _page(request, {})


@router.post("/reskontro/oppfolging", response_class=HTMLResponse)
async def followup_run(request: Request):
    from ...ledger.reading import LedgerInputError
    from ..planfollow import follow_up, month_words

    web = web_of(request)
    form = await request.form()
    upload = form.get("ledger")
    as_of_text = str(form.get("as_of") or "").strip()
    try:
        as_of = parse_date(as_of_text) if as_of_text else today()
    except ValueError:
        return _page(request, {"error": f"Ugyldig dato «{as_of_text[:20]}»: skriv dd.mm.åååå."}, 422)
    filename = str(getattr(upload, "filename", "") or "").strip()
    if upload is None or isinstance(upload, str) or not filename:
        return _page(request, {"error": "Velg en reskontrofil (CSV eller XLSX)."}, 422)
    name = Path(filename).name
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".txt", ".tsv", ".xlsx", ".xlsm"):
        return _page(request, {"error": f"{name}: ukjent filtype; bruk .csv eller .xlsx."}, 422)
    data = await upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return _page(request, {"error": f"{name}: filen er større enn {MAX_BYTES // 2**20} MB; bruk planner "
                                        "follow-up."}, 413)
    work = Path(tempfile.mkdtemp(prefix="planner-followup-"))  # 0700; removed below
    try:
        src = work / f"ledger{suffix}"
        src.write_bytes(data)
        try:
            run = await web.pool.run(follow_up, web.store, src, as_of, by=web.user(request), display_name=name,
                                     office=web.office(request))
        except LedgerInputError as exc:
            return _page(request, {"error": str(exc)}, 422)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    words = {c.household_id: [month_words(m, run.late_days) for m in c.months] for c in run.cases}
    return _page(request, {"run": run, "words": words, "as_of": nb_date(as_of), "file": name})


@router.post("/reskontro/sak", response_class=HTMLResponse)
async def open_case(request: Request):
    """A ledger draft (the household TOML `planner ledger` writes for a plan candidate) as the
    new-household form, filled in: the caseworker adds the incomes, saves and gets the plan. The
    household's id is the tenancy, which is how next month's ledger finds the case."""
    from .. import forms
    from .households import form_page

    web = web_of(request)
    data = await request.form()
    text = str(data.get("draft") or "")[:20_000]
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        doc = {}
    if not isinstance(doc.get("id"), str):
        return _page(request, {"error": "Utkastet fra reskontroen kunne ikke leses; last opp reskontroen på nytt."},
                     422)
    form = forms.form_from_document(doc)
    forms.date_form(form, today())
    web.flash(request, f"Ny sak for leieforhold {doc['id']} fra reskontroen: legg inn inntektene og lagre.")
    return form_page(web, request, form, None, None)


@router.get("/begjaeringer", response_class=HTMLResponse)
def upcoming_petitions(request: Request, dato: str = ""):
    """Every open case whose plan's "if nothing is done" reaches an eviction request (begjæring
    om fravikelse), soonest first, with the days left from `dato` (default today)."""
    import sqlalchemy as sa

    from ..casework import parse_day
    from ..store import households

    web = web_of(request)
    as_of = parse_day(dato) or today()
    stmt = (sa.select(households.c.id, households.c.label, households.c.eviction_request, households.c.priority,
                      households.c.status)
            .where(households.c.deleted.is_(None), households.c.outcome.is_(None),
                   households.c.eviction_request.isnot(None))
            .order_by(households.c.eviction_request, households.c.id))
    seen = web.visible(request)
    with web.store.engine.connect() as conn:
        rows = [r for r in conn.execute(stmt) if isinstance(r.eviction_request, date) and seen(r.id)]
    return web.render(request, "petitions.html", {
        "title": "Kommende begjæringer", "rows": rows, "as_of": as_of,
        "days": {r.id: (r.eviction_request - as_of).days for r in rows}})

"""The job pages: `/jobber` (the signed-in user's jobs; an administrator sees every one) and
`/jobber/{id}` (state and progress, updated in place every 2 seconds while the job runs by
static/job.js from `/jobber/{id}/status`; without JavaScript the page has an «Oppdater» link),
with the result when it is done: the import report, the ledger's worklist, the report file. A job belongs to its user and office: anyone else gets the 404 of an unknown id.
Every answer is read from the database, so any server process shows any job."""

from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from markupsafe import Markup

from ...formatting import nb_date
from .. import jobkinds
from ..core import Web, web_of
from ..jobs import DONE, FAILED, Job, JobStore

router = APIRouter()

STATE_NB = {"queued": "I kø", "running": "Kjører", "done": "Ferdig", "failed": "Feilet", "cancelled": "Avbrutt"}


def _store(web: Web) -> JobStore:
    return JobStore(web.store.engine)


def _job(request: Request, jid: str) -> Job:
    """The job if the signed-in user may see it (hers, from her office; an administrator: any),
    else 404 as for an id that does not exist."""
    web = web_of(request)
    job = _store(web).get(jid) if len(jid) <= 36 else None
    if job is None or not (web.is_admin(request) or (job.user == web.user(request)
                                                    and job.office == web.office(request))):
        raise HTTPException(404, "not found")
    return job


def _render(request: Request, name: str, ctx: dict, status: int = 200) -> HTMLResponse:
    return web_of(request).render(request, name, {"STATE_NB_JOB": STATE_NB, "KIND_NB": jobkinds.KIND_NB, **ctx},
                                  status=status)


@router.get("/jobber", response_class=HTMLResponse)
def job_list(request: Request):
    web = web_of(request)
    admin = web.is_admin(request)
    jobs = _store(web).listing(web.user(request), everyone=admin)
    if not admin:
        jobs = [j for j in jobs if j.office == web.office(request)]
    return _render(request, "jobs.html", {"title": "Jobber", "jobs": jobs, "everyone": admin})


@router.get("/jobber/{jid}", response_class=HTMLResponse)
def job_page(request: Request, jid: str, oppdater: str = ""):
    """The job's state and progress. While it runs, static/job.js updates the state, the
    progress bar and the message in place every 2 seconds (no reload: a screen reader keeps its
    place, and axe's meta-refresh rule, WCAG 2.2.1, has nothing to find), and loads the page once
    more when the job has ended, for its result. The user can turn the updating off
    (`?oppdater=nei`, kept in her session for every job page; `?oppdater=ja` turns it on again)
    and update with «Oppdater», as a browser without JavaScript does."""
    job = _job(request, jid)
    if oppdater in ("ja", "nei"):
        request.session["job_refresh"] = oppdater == "ja"
    refresh = bool(request.session.get("job_refresh", True))
    return _render(request, "job.html", {"title": jobkinds.KIND_NB.get(job.kind, "Jobb"), "job": job,
                                         "refresh": refresh and not job.ended})


@router.get("/jobber/{jid}/status")
def job_status(request: Request, jid: str):
    """What the job page shows of a running job, for static/job.js: state (and its Norwegian
    word), parts done of total, the message, whether it has ended. Never cached."""
    job = _job(request, jid)
    return JSONResponse({"state": job.state, "state_nb": STATE_NB.get(job.state, job.state), "done": job.done,
                         "total": job.total, "percent": job.percent, "message": job.message or "",
                         "ended": job.ended}, headers={"Cache-Control": "no-store"})


@router.post("/jobber/{jid}/avbryt")
def job_cancel(request: Request, jid: str):
    job = _job(request, jid)
    web = web_of(request)
    if _store(web).cancel(job.id):
        web.flash(request, "Jobben er avbrutt. Det som var ferdig før, er lagret.")
    return RedirectResponse(f"/jobber/{job.id}", status_code=303)


@router.get("/jobber/{jid}/resultat")
def job_result(request: Request, jid: str):
    """The job's result as its own page would have shown it (or the file, for a report)."""
    job = _job(request, jid)
    if job.result is None or not (job.state == DONE or (job.state == FAILED and job.kind.startswith("import-"))):
        return RedirectResponse(f"/jobber/{job.id}", status_code=303)  # an import refused whole has its report
    web = web_of(request)
    if job.kind in ("import-batch", "import-toml"):
        report = jobkinds.report_of(job.result)
        return web.render(request, "import.html", {"title": "Importer", "report": report, "job": job},
                          status=200 if report.ok else 422)
    if job.kind == "ledger":
        from ...ledger.patterns import PATTERN_NB

        result = job.result.get("ledger") or {}
        result["charts"] = {k: Markup(v) for k, v in (result.get("charts") or {}).items()}  # drawn by the server
        as_of = str((result.get("summary") or {}).get("as_of") or "")
        return web.render(request, "ledger.html", {
            "title": "Husleiereskontro", "PATTERN_NB": PATTERN_NB, "result": result, "error": None, "mapping": None,
            "as_of": nb_date_iso(as_of), "job": job})
    if job.kind == "report":
        try:
            data = base64.b64decode(str(job.result.get("file") or ""), validate=True)
        except (binascii.Error, ValueError):
            raise HTTPException(404, "not found") from None
        from .statistics import DOWNLOADS

        fmt = str(job.result.get("fmt") or "md")
        name = str(job.result.get("name") or f"halvarsrapport.{fmt}")
        return Response(data, media_type=DOWNLOADS.get(fmt, "application/octet-stream"),
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    raise HTTPException(404, "not found")


def nb_date_iso(text: str) -> str:
    from datetime import date

    try:
        return nb_date(date.fromisoformat(text))
    except ValueError:
        return text

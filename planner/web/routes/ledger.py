"""The rent-ledger import on the web page (`/reskontro`): its own router, so the application
factory only includes it.

A caseworker uploads the landlord's ledger (CSV or XLSX, optionally with a column map) and gets
what `planner ledger` writes: the counts, the patterns, this week's contact list with the reasons,
and the household drafts of the plan candidates. The run goes to a private temporary folder that
is removed when the page is rendered; nothing is stored (a job keeps its worklist 7 days). Bad input gives the page again with the
message (422), never a 500: the ledger run raises only `LedgerInputError`/`InputError` for input.
A ledger larger than `JOB_BYTES` is read as a background job (`jobkinds`): the page answers at
once with the job's page, which links to the same worklist when it is done.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile

from ...formatting import nb_date, parse_date
from ...ledger.patterns import PATTERN_NB
from .. import colmap as colpick  # the route's own `colmap` is the map file's path
from ..core import today, web_of
from ..ledgerwork import ledger_outcome

router = APIRouter()
MAX_BYTES = 200 * 1024 * 1024
#: a ledger larger than this is read as a background job (`/jobber`), not inside the request
JOB_BYTES = 1024 * 1024


def _page(request: Request, ctx: dict, status: int = 200) -> HTMLResponse:
    ctx = {"title": "Husleiereskontro", "PATTERN_NB": PATTERN_NB, "result": None, "error": None, "mapping": None,
           "as_of": nb_date(today()), **ctx}
    return web_of(request).render(request, "ledger.html", ctx, status=status)


@router.get("/reskontro", response_class=HTMLResponse)
def ledger_page(request: Request):
    return _page(request, {})


@router.post("/reskontro", response_class=HTMLResponse)
async def ledger_import(request: Request):
    form = await request.form()
    upload = form.get("ledger")
    as_of_text = str(form.get("as_of") or "").strip()
    try:
        as_of = parse_date(as_of_text) if as_of_text else today()
    except ValueError as exc:
        return _page(request, {"error": f"Ugyldig dato: {exc}."}, 422)
    if not isinstance(upload, UploadFile) or upload.filename is None or not upload.filename.strip():
        return _page(request, {"error": "Velg en reskontrofil (CSV eller XLSX)."}, 422)
    name = Path(upload.filename).name
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".txt", ".tsv", ".xlsx", ".xlsm"):
        return _page(request, {"error": f"{name}: ukjent filtype; bruk .csv eller .xlsx."}, 422)
    data = await upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return _page(request, {"error": f"{name}: filen er større enn {MAX_BYTES // 2**20} MB; bruk planner ledger."},
                     413)
    columns = form.get("columns")
    colmap_bytes = None
    if isinstance(columns, UploadFile) and (columns.filename or "").strip():
        colmap_bytes = await columns.read(1 << 20)
    chosen = colpick.posted(form, "ledger")  # columns chosen in the page (colmap.py)
    if chosen is not None:
        if problem := colpick.check("ledger", chosen):
            return _page(request, {"error": problem, "mapping": colpick.after_failure("ledger", data, name, chosen,
                                                                                      problem)}, 422)
        colmap_bytes = colpick.map_toml("ledger", chosen, name, colpick.separator_of(data, name)).encode()
    if len(data) > JOB_BYTES:  # a large ledger: a background job, the page answers at once
        from ..jobkinds import start_ledger_job

        return await start_ledger_job(request, data, name, suffix, colmap_bytes, as_of)
    # the run reads millions of rows: in the worker pool, never on the event loop
    outcome = await web_of(request).pool.run(ledger_outcome, data, name, suffix, colmap_bytes, as_of)
    if "error" in outcome:
        offer = colpick.after_failure("ledger", data, name, chosen) if chosen or outcome.get("columns") else None
        return _page(request, {"error": outcome["error"], "mapping": offer}, outcome["status"])
    result = outcome["result"]
    return _page(request, {"result": result, "as_of": nb_date(as_of),
                           "mapping": colpick.after_success("ledger", data, name, chosen)},
                 200 if result["summary"]["rows_used"] else 422)

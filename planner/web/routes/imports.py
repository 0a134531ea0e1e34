"""The import page: household files and batch results folders, each file accepted or refused on its own.
An upload of more than `IMPORT_JOB_HOUSEHOLDS` households is read and checked here and planned
and stored as a background job (`jobkinds`): the page answers at once with the job's page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData, UploadFile

from ..core import web_of
from ..imports import ImportReport, read_batch, read_households, store_batch, store_households
from ..jobkinds import IMPORT_JOB_HOUSEHOLDS, start_batch_import, start_toml_import
from ..store import StaleVersion

router = APIRouter()


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request):
    return web_of(request).render(request, "import.html", {"title": "Importer", "report": None})


async def _files(request: Request) -> tuple[list[tuple[str, bytes]], FormData]:
    data = await request.form(max_files=5000, max_fields=5000)
    files = []
    for f in data.getlist("files"):
        if not isinstance(f, UploadFile):
            continue
        content = await f.read()
        if f.filename or content:  # a file input left empty sends a nameless, empty part
            files.append((f.filename or "fil", content))
    return files, data


def _answer(request: Request, report: ImportReport):
    return web_of(request).render(request, "import.html", {"title": "Importer", "report": report},
                                  status=200 if report.ok else 422)


@router.post("/import/toml", response_class=HTMLResponse)
async def import_toml(request: Request):
    web = web_of(request)
    files, data = await _files(request)
    office = web.office(request)
    try:
        # read and checked in the pool; more than IMPORT_JOB_HOUSEHOLDS are planned as a job
        report, households = await web.pool.run(read_households, files, web, replace=bool(data.get("replace")),
                                                office=office, limits=web.settings.limits)
        if len(households) > IMPORT_JOB_HOUSEHOLDS:
            return await start_toml_import(request, report, households)
        if not households:  # each file stands on its own: the good ones go in, the bad ones are named
            report = report.refuse()
        else:
            report = await web.pool.run(store_households, report, households, web, office=office)
    except StaleVersion:
        report = ImportReport("toml", errors=["En av husstandene ble lagret av noen andre samtidig."]).refuse()
    return _answer(request, report)


@router.post("/import/batch", response_class=HTMLResponse)
async def import_batch(request: Request):
    web = web_of(request)
    files, _ = await _files(request)
    try:
        read = await web.pool.run(read_batch, files, web.settings.limits)
        if len(read.wanted) > IMPORT_JOB_HOUSEHOLDS:
            return await start_batch_import(request, read)
        report = read.report.refuse() if not read.wanted else \
            await web.pool.run(store_batch, read, web, office=web.office(request))
    except StaleVersion:
        report = ImportReport("batch", errors=["En av husstandene ble lagret av noen andre samtidig."]).refuse()
    return _answer(request, report)

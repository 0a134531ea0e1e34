"""The import page: household files and batch results folders, each file accepted or refused on its own.
An upload of more than `IMPORT_JOB_HOUSEHOLDS` households is read, checked, planned and stored as a
background job (`jobkinds`): the page answers at once with the job's page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData, UploadFile

from ..core import web_of
from ..imports import ImportReport, import_batch_files, import_households
from ..jobkinds import IMPORT_JOB_HOUSEHOLDS, household_count, start_import
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
    if await web.pool.run(household_count, files, web.settings.limits, batch=False) > IMPORT_JOB_HOUSEHOLDS:
        return await start_import(request, "import-toml", files, replace=bool(data.get("replace")))
    try:
        report = await web.pool.run(import_households, files, web, replace=bool(data.get("replace")),
                                    office=web.office(request),
                                    limits=web.settings.limits)
    except StaleVersion:
        report = ImportReport("toml", errors=["En av husstandene ble lagret av noen andre samtidig."]).refuse()
    return _answer(request, report)


@router.post("/import/batch", response_class=HTMLResponse)
async def import_batch(request: Request):
    web = web_of(request)
    files, _ = await _files(request)
    if await web.pool.run(household_count, files, web.settings.limits, batch=True) > IMPORT_JOB_HOUSEHOLDS:
        return await start_import(request, "import-batch", files)
    try:
        report = await web.pool.run(import_batch_files, files, web, limits=web.settings.limits,
                                    office=web.office(request))
    except StaleVersion:
        report = ImportReport("batch", errors=["En av husstandene ble lagret av noen andre samtidig."]).refuse()
    return _answer(request, report)

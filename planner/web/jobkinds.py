"""The kinds of background job (`jobs.py`) the web page starts, and the hand-off from a request.

- `import-batch`, `import-toml`: an import of more than `IMPORT_JOB_HOUSEHOLDS` households (counted
  in the request from the unzipped file names, nothing parsed). The request answers at once;
  the job's first part is the upload, read and checked as the request would (every refused
  file named), which adds one part per household (its results.csv row, plan and household
  document as JSON); each is planned and stored in its own transaction together with the
  part's "done", so a resumed job neither loses nor repeats a household.
- `ledger`: a Reskontro upload larger than `routes.ledger.JOB_BYTES`, one part (the file), read in
  a solver process (it may read millions of rows for minutes: it must not hold the GIL the
  pages need, and it can be stopped).
- `report`: a Statistikk download (PDF, Excel, Markdown), one part without input.
"""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Callable
from datetime import date
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import RedirectResponse

from .jobs import KINDS, Job, JobInputError, JobKind, PartContext, start_job
from .limits import Limits
from .uploads import ImportReport

if TYPE_CHECKING:
    from .core import Web

#: an import of more households than this runs as a job
IMPORT_JOB_HOUSEHOLDS = 20
#: seconds a ledger job may read in its solver process before it is stopped
LEDGER_LIMIT_S = 30 * 60.0

KIND_NB = {"import-batch": "Import av batch-resultater", "import-toml": "Import av husstandsfiler",
           "ledger": "Husleiereskontro", "report": "Halvårsrapport"}


# --------------------------------------------------------------------------- imports


def report_dict(report: ImportReport) -> dict[str, Any]:
    return {"kind": report.kind, "created": report.created, "updated": report.updated, "errors": report.errors,
            "notes": report.notes}


def report_of(d: dict[str, Any]) -> ImportReport:
    return ImportReport(str(d.get("kind") or "batch"), created=list(d.get("created") or []),
                        updated=list(d.get("updated") or []), errors=list(d.get("errors") or []),
                        notes=list(d.get("notes") or []))


def household_count(files: list[tuple[str, bytes]], limits: Limits, *, batch: bool) -> int:
    """About how many households an upload holds, from its (unzipped) file names and the lines
    of results.csv, nothing parsed: whether it is imported in the request or as a job."""
    from .imports import is_known_batch_file
    from .uploads import expand

    members = expand(files, ImportReport("batch"), limits)
    if not batch:
        return sum(PurePosixPath(n).suffix.lower() in (".toml", ".json") for n, _ in members)
    stems = {PurePosixPath(n).stem for n, _ in members
             if PurePosixPath(n).suffix.lower() == ".json" and not is_known_batch_file(n)}
    rows = max((d.count(b"\n") - 1 for n, d in members if PurePosixPath(n).name.lower() == "results.csv"), default=0)
    return max(len(stems), rows)


def pack_files(files: list[tuple[str, bytes]]) -> bytes:
    """The upload's files as one part's input (name and bytes, each with its length)."""
    out = bytearray()
    for name, data in files:
        raw = name.encode("utf-8")
        out += struct.pack(">IQ", len(raw), len(data)) + raw + data
    return bytes(out)


def unpack_files(blob: bytes) -> list[tuple[str, bytes]]:
    files, at = [], 0
    while at < len(blob):
        n, m = struct.unpack_from(">IQ", blob, at)
        at += 12
        files.append((blob[at:at + n].decode("utf-8"), blob[at + n:at + n + m]))
        at += n + m
    return files


async def start_import(request: Request, kind: str, files: list[tuple[str, bytes]],
                       replace: bool = False) -> RedirectResponse:
    """An import as a job: its first part is the upload itself, read and checked by the job
    (the schema check of 300 plans alone takes longer than a request should), which then adds
    one part per household."""
    return await start_job(request, kind, {"replace": replace}, [pack_files(files)])


def _read_batch_part(ctx: PartContext) -> None:
    from .imports import read_batch

    read = read_batch(unpack_files(ctx.input or b""), ctx.web.settings.limits)
    if not read.wanted:
        raise _nothing(read.report)
    _add_households(ctx, [read.part(hid) for hid in read.wanted], read.report)


def _read_toml_part(ctx: PartContext) -> None:
    from ..io.document import household_document
    from .imports import read_households

    report, households = read_households(unpack_files(ctx.input or b""), ctx.web,
                                         replace=bool(ctx.job.params.get("replace")),
                                         limits=ctx.web.settings.limits, office=ctx.job.office)
    if not households:
        raise _nothing(report)
    _add_households(ctx, [household_document(h) for h in households], report)


def _nothing(report: ImportReport) -> JobInputError:
    """Nothing to import: the job fails with the refusals, the report kept as its result."""
    report.refuse()
    return JobInputError(" ".join(report.errors), result=report_dict(report))


def _add_households(ctx: PartContext, parts: list[dict[str, Any]], report: ImportReport) -> None:
    """One part per household, added with the reading part marked done, in one transaction."""
    with ctx.web.store.transaction() as conn:
        ctx.store.add_parts(ctx.job.id, [json.dumps(p, ensure_ascii=False).encode() for p in parts], conn)
        ctx.done(json.dumps(report_dict(report), ensure_ascii=False), conn)


def _import_part(ctx: PartContext, store_one: Callable[[PartContext], ImportReport]) -> str | None:
    """One household of an import: stored with its part marked done in one transaction. A plan
    that cannot be made (stopped at its time limit, or broken) is this household's error in the
    report, never the whole job's."""
    from fastapi import HTTPException

    from ..io.plan_schema import InvalidPlan

    try:
        report = store_one(ctx)
    except HTTPException as exc:  # PlanStopped, WorkerLost: the pool's own Norwegian messages
        if ctx.stopping is not None and ctx.stopping.is_set():
            raise  # the server is stopping: the part runs again when the job is resumed
        return json.dumps({"errors": [f"{_label(ctx)}: {exc.detail}"]}, ensure_ascii=False)
    except InvalidPlan:
        return json.dumps({"errors": [f"{_label(ctx)}: planen kunne ikke lages (feilen er logget)."]},
                          ensure_ascii=False)
    del report
    return None


def _label(ctx: PartContext) -> str:
    doc = json.loads(ctx.input or b"{}")
    return str(doc.get("hid") or doc.get("id") or f"del {ctx.seq + 1}")


def _store_batch_part(ctx: PartContext) -> ImportReport:
    from .imports import BatchRead, store_batch

    read = BatchRead.of_part(json.loads(ctx.input or b"{}"))
    return store_batch(read, ctx.web, office=ctx.job.office,
                       then=lambda conn: ctx.done(json.dumps(report_dict(read.report), ensure_ascii=False), conn))


def _store_toml_part(ctx: PartContext) -> ImportReport:
    from ..io.household import household_from_dict
    from .imports import store_households

    doc = json.loads(ctx.input or b"{}")
    report = ImportReport("toml")
    h = household_from_dict(doc, f"{doc.get('id')}.json")
    return store_households(report, [h], ctx.web, office=ctx.job.office,
                            then=lambda conn: ctx.done(json.dumps(report_dict(report), ensure_ascii=False), conn))


def _finish_import(web: Web, job: Job, outputs: list[str]) -> dict[str, Any]:
    """The import's report: the upload's refusals (the reading part), then each household's
    outcome in order."""
    report = ImportReport(job.kind.removeprefix("import-"))
    for text in outputs:
        part = json.loads(text) if text else {}
        report.created += part.get("created") or []
        report.updated += part.get("updated") or []
        report.errors += part.get("errors") or []
        report.notes += part.get("notes") or []
    if not (report.created or report.updated):
        report.refuse()
    return report_dict(report)


def _import_message(done: int, total: int) -> str:
    return "Leser og kontrollerer filene" if done == 0 else f"Husstand {done - 1} av {total - 1} er importert"


def _import_run(read: Callable[[PartContext], None],
                store_one: Callable[[PartContext], ImportReport]) -> Callable[[PartContext], str | None]:
    def run(ctx: PartContext) -> str | None:
        if ctx.seq == 0:
            read(ctx)
            return None
        return _import_part(ctx, store_one)
    return run


KINDS["import-batch"] = JobKind(_import_run(_read_batch_part, _store_batch_part), _finish_import, _import_message)
KINDS["import-toml"] = JobKind(_import_run(_read_toml_part, _store_toml_part), _finish_import, _import_message)


# --------------------------------------------------------------------------- the ledger


async def start_ledger_job(request: Request, data: bytes, name: str, suffix: str, colmap: bytes | None,
                           as_of: date) -> RedirectResponse:
    params = {"name": name, "suffix": suffix, "as_of": as_of.isoformat(),
              "columns": colmap.decode("utf-8", "replace") if colmap is not None else None}
    return await start_job(request, "ledger", params, [data])


def _ledger_part(ctx: PartContext) -> str:
    from .ledgerwork import ledger_outcome
    from .pool import PlanStopped

    p = ctx.job.params
    colmap = p["columns"].encode() if p.get("columns") is not None else None
    try:
        outcome = ctx.web.solver.call(LEDGER_LIMIT_S, ledger_outcome, ctx.input or b"", str(p["name"]),
                                      str(p["suffix"]), colmap, date.fromisoformat(p["as_of"]))
    except PlanStopped:
        raise JobInputError(f"{p['name']}: reskontroen ble ikke ferdig lest innen {LEDGER_LIMIT_S / 60:g} minutter "
                            "og ble stoppet. Bruk planner ledger for så store filer.") from None
    if "error" in outcome:
        raise JobInputError(str(outcome["error"]))
    return json.dumps(outcome["result"], ensure_ascii=False)


def _finish_ledger(web: Web, job: Job, outputs: list[str]) -> dict[str, Any]:
    return {"ledger": json.loads(outputs[0])}


KINDS["ledger"] = JobKind(_ledger_part, _finish_ledger,
                          lambda done, total: "Reskontroen er lest" if done else "Leser reskontroen")


# --------------------------------------------------------------------------- the half-year report


def _report_part(ctx: PartContext) -> str:
    from .routes.statistics import report_file

    p = ctx.job.params
    data = report_file(ctx.web, str(p.get("fra", "")), str(p.get("til", "")), str(p["fmt"]), str(p.get("v", "")))
    if data is None:
        raise JobInputError("Ugyldig periode.")
    return base64.b64encode(data).decode("ascii")


def _finish_report(web: Web, job: Job, outputs: list[str]) -> dict[str, Any]:
    p = job.params
    return {"file": outputs[0], "name": f"halvarsrapport-{p['fra']}-{p['til']}.{p['fmt']}", "fmt": p["fmt"]}


KINDS["report"] = JobKind(_report_part, _finish_report,
                          lambda done, total: "Rapporten er laget" if done else "Lager rapporten")

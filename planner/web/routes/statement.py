"""The new-household form filled from an uploaded bank statement (router `/husstand/ny/kontoutskrift`).

The upload is read into memory, parsed and dropped: nothing of it is written to the store or
the log (the log line names only the route and status). What comes back is the ordinary
new-household form, pre-filled with the draft, each stream's evidence (dates and amounts)
beside its row for the caseworker to confirm, correct or drop (the row's «Fjern» button).
Nothing is saved until the caseworker saves the form.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile

from ...formatting import nb_date, parse_date
from ...io.tables import ColumnMap
from .. import colmap, forms
from ..core import today, web_of
from .households import form_page

log = logging.getLogger("planner.web")
router = APIRouter()

MAX_FILES = 12


@dataclass
class StatementSummary:
    """What the page shows about the statement as a whole (dates and amounts only)."""

    period: str
    files: int
    balance: str
    living: str
    excluded: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class DraftForm(forms.HouseholdForm):
    """The household form plus the statement's evidence (not posted back: it is not stored)."""

    statement: StatementSummary | None = None
    mapping: colmap.Offer | None = None  # columns to choose in the page (colmap.py)


def _problem_nb(text: str) -> str:
    return f"Kontoutskriften kunne ikke brukes: {text}"


def draft_form(items: list[tuple[str, bytes]], fmt: str | None, as_of: date | None,
               columns: ColumnMap | None = None) -> DraftForm:
    """The form filled from statement files; `StatementError` (or `InputError`) on bad input."""
    from ...formatting import format_kr
    from ...statement import default_as_of, detect, household_document, read_many
    from ...statement.draft import describe, evidence_text, excluded_line, living_evidence_text

    found = detect(read_many(items, fmt, columns))
    start = as_of or default_as_of(found)
    doc = household_document(found, start)
    base = forms.form_from_document(doc)
    form = DraftForm(values=base.values, income=base.income, expense=base.expense)
    for rows, streams in ((form.income, found.incomes), (form.expense, found.expenses)):
        for row, s in zip(rows, streams):
            notes = "".join(f" Merk: {n}." for n in s.notes)
            row["evidence"] = (f"Funnet: {describe(s)}. Bevis: {evidence_text(s.evidence)}.{notes} "
                               "Kontroller: behold, rett eller fjern raden.")
    warnings = list(found.warnings)  # benefits not named, rows not read: before anything else
    day = today()
    forms.date_form(form, day)  # the plan is made today ("Per dato"), whatever the statement's dates
    if start < day:
        warnings.append(f"Første dag i planen ({nb_date(start)}) er før i dag ({nb_date(day)}): planen lages per i "
                        "dag for det som er igjen av perioden, og brev lages ikke før planen er rullet fram. "
                        "Sett første dag til i dag, eller bruk «Rull fram» etter lagring.")
    if found.rent is None:
        form.expense.insert(0, forms.empty_form(start).expense[0])
        warnings.append("Fant ingen husleie i kontoutskriften: fyll inn husleien (betales den fra en annen konto?).")
    if start <= found.statement_end:
        warnings.append("Første dag i planen er før kontoutskriften slutter: saldoen gjelder "
                        f"{nb_date(found.statement_end)}.")
    form.statement = StatementSummary(
        period=f"{nb_date(found.statement_start)}–{nb_date(found.statement_end)}",
        files=len(items),
        balance=(format_kr(found.balance_ore) + f" ved utgangen av {nb_date(found.statement_end)}"
                 if found.balance_ore is not None else "ikke oppgitt i kontoutskriften: fyll inn saldoen"),
        living=f"{format_kr(found.living_ore)} (median av månedene: "
               + (living_evidence_text(found.living_evidence) or "ingen hel måned") + ")",
        excluded=[excluded_line(x) for x in found.excluded],
        warnings=warnings,
    )
    return form


@router.post("/husstand/ny/kontoutskrift")
async def from_statement(request: Request):
    """Read the uploaded statement(s) and answer with the pre-filled new-household form."""
    from ...io.errors import InputError
    from ...statement.read import FORMATS, MAX_BYTES

    def page(request: Request, form: forms.HouseholdForm, hid: str | None, status: int = 200):
        return form_page(web_of(request), request, form, hid, None, status=status)

    data = await request.form(max_files=MAX_FILES + 1, max_fields=50)
    uploads = [f for f in data.getlist("statement") if isinstance(f, UploadFile)]
    items: list[tuple[str, bytes]] = []
    try:
        for f in uploads[:MAX_FILES]:
            items.append((f.filename or "kontoutskrift", await f.read(MAX_BYTES + 1)))
    finally:
        for f in uploads:
            await f.close()  # a spooled upload's temporary file is deleted here: the file is not kept
    fmt = str(data.get("format") or "") or None
    as_of_text = str(data.get("as_of") or "").strip()
    error_form = DraftForm(**vars(forms.empty_form()))
    chosen = colmap.posted(data, "statement")  # columns chosen in the page (colmap.py)
    if not items or not any(content for _, content in items):
        error_form.general.append("Velg en kontoutskrift (CSV, camt.053 eller OFX) å laste opp.")
        return page(request, error_form, None, status=422)
    if fmt is not None and fmt not in FORMATS:
        error_form.general.append(f"Ukjent format «{fmt}»: velg CSV, camt.053 eller OFX.")
        return page(request, error_form, None, status=422)
    try:
        as_of = parse_date(as_of_text) if as_of_text else None
    except ValueError as exc:
        error_form.general.append(f"Første dag i planen: {exc}.")
        return page(request, error_form, None, status=422)
    name0, data0 = items[0]  # the columns are chosen for the first file
    if chosen is not None and (problem := colmap.check("statement", chosen)):
        error_form.mapping = colmap.after_failure("statement", data0, name0, chosen, problem)
        return page(request, error_form, None, status=422)
    try:
        form = draft_form(items, fmt, as_of, colmap.column_map("statement", chosen) if chosen else None)
        form.mapping = colmap.after_success("statement", data0, name0, chosen)
    except InputError as exc:
        from ...statement.csvfile import ColumnsProblem
        from ...statement.messages import norwegian

        error_form.general.extend(_problem_nb(norwegian(p)) for p in exc.problems)
        if chosen or any(isinstance(p, ColumnsProblem) for p in exc.problems):
            error_form.mapping = colmap.after_failure("statement", data0, name0, chosen)
        return page(request, error_form, None, status=422)
    except Exception as exc:  # noqa: BLE001 - a reader's library failed on a strange file: logged by type, never a 500
        log.warning("statement upload: unreadable file (%s)", type(exc).__name__)
        error_form.general.append(_problem_nb("filen kunne ikke leses som kontoutskrift."))
        return page(request, error_form, None, status=422)
    return page(request, form, None)

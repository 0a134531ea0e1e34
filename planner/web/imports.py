"""Import of household files (TOML/JSON, or a zip of them) and of a batch results folder
(`results.csv` and `plans/ID.json` from `planner batch`, uploaded as files or as one zip).

Each file is accepted or refused on its own: every file is read and checked first (households by
the same validation as `planner check`, plans against `docs/plan.schema.json` and the id rules),
the good ones are stored in one database transaction, and the report names every household
stored and every file refused with its reason, so a caseworker sees exactly which part of a
folder made it in (issue 23: one bad file storing nothing made a whole folder fail).

The upload's readers (zips, documents, the report) are `planner.web.uploads`; this module keeps
the bookkeeping: which file belongs to which household, and what is stored.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, TypeGuard

from ..formatting import nb_date
from ..io.plan_schema import plan_problem
from .form_errors import norwegian
from .form_fields import PASSED_NB
from .limits import Limits
from .pool import committing
from .store import PROBLEMS, STATUSES
from .uploads import ImportReport, expand, parse_document

if TYPE_CHECKING:
    from ..model import Household
    from .core import Web




def id_problem(hid: str) -> str | None:
    """Why `hid` is not an acceptable household id, by the model's own rules (the same check a
    household file's `id` gets), or None."""
    from ..io.errors import InputError
    from ..io.household import household_from_dict

    probe = {"id": hid, "start": "2026-01-01", "expense": [{"kind": "husleie", "amount": 1, "day": 1}]}
    try:
        household_from_dict(probe, "id")
    except InputError as exc:
        for p in exc.problems:
            if (p.field or "").split(".")[0] == "id":
                return norwegian(p)
        return norwegian(exc.problems[0])
    return None


# --------------------------------------------------------------------------- household files


def planned_today(h: Household, today: date) -> tuple[Household, str | None]:
    """`h` as the web page plans an imported household: as of `today`, unless its file names a
    later day; and the note for the report when the file's own earlier day was set aside.

    On the command line a file's `as_of` pins the plan (flag > file > today, `planner.asof`),
    so a scenario gives the same output on every day. On the web page an import is the
    caseworker taking the household up today: a plan as of the day the file was written would
    show past days as the future and date letters and tasks from then, so the import plans it
    from today and says so, asking for today's balance (the file's balance was that day's)."""
    if h.as_of is not None and h.as_of >= today:
        return h, None
    note = None if h.as_of is None else (
        f"{h.id}: planlagt per i dag ({nb_date(today)}), ikke per filens dato {nb_date(h.as_of)}; "
        "kontroller at saldoen er saldoen i dag.")
    return h.model_copy(update={"as_of": today}), note


def import_households(files: list[tuple[str, bytes]], web: Web, *, replace: bool, limits: Limits,
                      office: str | None = None) -> ImportReport:
    """Validate every household file of the upload, then store the valid ones in one
    transaction; each refused file is named with its reason (it is not stored)."""
    report, households = read_households(files, web, replace=replace, limits=limits, office=office)
    if not households:  # each file stands on its own: the good ones go in, the bad ones are named
        return report.refuse()
    return store_households(report, households, web, office=office)


def read_households(files: list[tuple[str, bytes]], web: Web, *, replace: bool, limits: Limits,
                    office: str | None = None) -> tuple[ImportReport, list[Household]]:
    """`import_households`' first half: every file read and checked (no plan made), the report
    of the refused ones and the households to store, planned as of today."""
    from ..io.errors import InputError
    from ..io.household import household_from_dict
    from .core import today

    report = ImportReport("toml")
    members = [(n, d) for n, d in expand(files, report, limits) if n.lower().endswith((".toml", ".json"))]
    if not members and not report.errors:
        report.errors.append("Ingen .toml- eller .json-filer i opplastingen.")
    households = []
    seen: dict[str, str] = {}
    for name, data in members:
        short = PurePosixPath(name).name
        is_toml = short.lower().endswith(".toml")
        raw, problem = parse_document(short, data, limits, toml=is_toml)
        if problem is not None or not isinstance(raw, dict):
            report.errors.append(problem or f"{short}: må inneholde én husstand.")
            continue
        try:
            h = household_from_dict(raw, short, data.decode("utf-8-sig") if is_toml else None)
        except InputError as exc:
            for p in exc.problems:
                where = short + (f", linje {p.line}" if p.line else "") + (f", {p.field}" if p.field else "")
                report.errors.append(f"{where}: {norwegian(p)}")
            continue
        if h.id in seen:
            report.errors.append(f"{short}: husstanden {h.id} finnes også i {seen[h.id]}.")
            continue
        h, note = planned_today(h, today())
        assert h.as_of is not None, "planned_today gives every household an as-of day"
        if h.end < h.as_of:
            report.errors.append(f"{short}: {PASSED_NB.format(end=h.end, as_of=h.as_of)}")
            continue
        seen[h.id] = short
        if not replace and web.store.exists(h.id):
            report.errors.append(f"{short}: husstanden {h.id} finnes fra før (kryss av for å erstatte).")
            continue
        if not web.store.seen(h.id, office):  # another office's case is never replaced from here
            report.errors.append(f"{short}: husstanden {h.id} finnes fra før hos et annet kontor.")
            continue
        households.append(h)
        if note:
            report.notes.append(note)
    return report, households


def store_households(report: ImportReport, households: list[Household], web: Web, *, office: str | None = None,
                     then: Callable[[Any], None] | None = None) -> ImportReport:
    """Plan and store `households` in one transaction, adding them to `report`; `then(conn)`
    runs last inside that transaction (a job marks its part done with the household)."""
    from .core import plan_requests

    # the plans (and when each change takes effect, for the follow-up), before the transaction
    rows = [(h, web.values_for(h, "toml"), plan_requests(h, web.compute(h))) for h in households]
    with committing(), web.store.transaction() as conn:
        for h, values, due in rows:
            was = web.store.exists(h.id, conn=conn)
            version = web.store.put(h.id, conn=conn, note="import", office=office, **values)
            web.store.case.sync_tasks(h.id, version, values["plan"], due, conn=conn)
            (report.updated if was else report.created).append(h.id)
        if then is not None:
            then(conn)
    return report


# --------------------------------------------------------------------------- batch results

_ID_COLS = ("id", "household", "husstand")
_PRIORITY_COLS = ("priority", "prioritet", "priority_score", "score")
_STATUS_COLS = ("status",)


def _col(header: Sequence[str], names: Sequence[str]) -> str | None:
    low = {h.strip().lower(): h for h in header if h is not None}
    for n in names:
        if n in low:
            return low[n]
    return None


def _priority(text) -> tuple[float | None, bool]:
    """(priority, ok): empty is None; else a finite number from 0 to 100."""
    text = str(text or "").strip()
    if not text:
        return None, True
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None, False
    return (value, True) if math.isfinite(value) and 0 <= value <= 100 else (None, False)


#: files `planner batch --out` writes besides results.csv, plans/ and households/: recognised,
#: not households (a caseworker choosing the whole folder should not see them refused)
BATCH_FILES = ("run.json", "summary.txt", "errors.csv", "results.xlsx", "journal.jsonl", "summary.json",
               "errors.txt", ".lock", "results-excel.csv", "errors-excel.csv")


def is_known_batch_file(name: str) -> bool:
    p = PurePosixPath(name)
    return p.name.lower() in BATCH_FILES or p.name.startswith(".")


def _read_plans(members, report: ImportReport, limits: Limits) -> dict[str, dict]:
    plans: dict[str, dict] = {}
    for name, data in members:
        p = PurePosixPath(name)
        if p.suffix.lower() != ".json" or is_known_batch_file(name):
            continue
        doc, problem = parse_document(p.name, data, limits, toml=False)
        if problem is not None:
            report.errors.append(problem)
            report.refused_ids.add(p.stem)
            continue
        if is_input(doc):  # households/ID.json: read by `_read_inputs`
            continue
        if not isinstance(doc, dict) or doc.get("format") != "planner.plan/1":
            report.errors.append(f"{p.name}: er ikke en plan (format planner.plan/1); filen er ikke importert.")
            continue
        problem = plan_problem(doc)
        if problem is not None:
            report.errors.append(f"{p.name}: er ikke en gyldig plan etter docs/plan.schema.json – {problem}.")
            report.refused_ids.add(str(doc.get("household") or p.stem))
            continue
        hid = doc["household"]
        bad_id = id_problem(hid)
        if bad_id is not None:
            report.errors.append(f"{p.name}: household: ugyldig ID – {bad_id}")
            continue
        if hid in plans:
            report.errors.append(f"{p.name}: en annen fil har også planen for {hid}.")
            continue
        plans[hid] = doc
    return plans


def is_input(doc: object) -> TypeGuard[dict[str, Any]]:
    """A household document (`households/ID.json` of a batch run), not a plan: it has no
    `format` and has `id` and `income`, as a household file does."""
    return isinstance(doc, dict) and "format" not in doc and "id" in doc and "income" in doc


def _read_inputs(members: list[tuple[str, bytes]], report: ImportReport,
                 limits: Limits) -> dict[str, tuple[dict[str, Any], Household]]:
    """`households/ID.json` (written by `planner batch` for each planned household): the
    household documents, validated as household files are. id -> (document, Household)."""
    from ..io.errors import InputError
    from ..io.household import household_from_dict

    out: dict[str, tuple[dict[str, Any], Household]] = {}
    for name, data in members:
        p = PurePosixPath(name)
        if p.suffix.lower() != ".json" or is_known_batch_file(name):
            continue
        doc, problem = parse_document(p.name, data, limits, toml=False)
        if problem is not None or not is_input(doc):
            continue  # reported by `_read_plans`
        hid = p.stem
        try:
            h = household_from_dict(doc, p.name)
        except InputError as exc:
            report.errors += [f"{p.name}" + (f", {q.field}" if q.field else "") + f": {norwegian(q)}"
                              for q in exc.problems]
            report.refused_ids.add(hid)
            continue
        if h.id != hid:
            report.errors.append(f"{p.name}: husstandens id er {h.id}, ikke {hid}.")
            report.refused_ids.add(hid)
            continue
        out[hid] = (doc, h)
    return out


def _batch_columns(row: dict, plan: dict | None) -> dict:
    """The list's columns from a results.csv row: eviction request date, monthly shortfall (an
    upper bound unless the note says it is the least sum) and who must act."""
    from datetime import date

    def day(text) -> date | None:
        try:
            return date.fromisoformat(str(text or "").strip())
        except ValueError:
            return None

    monthly = str(row.get("shortfall_monthly_ore") or "").strip()
    note = str(row.get("note") or "")
    actors = str(row.get("actors") or "").strip()
    if not actors and plan:
        actors = "; ".join(sorted({a for i in plan.get("interventions") or [] for a in i.get("actors") or []}))
    return dict(eviction_request=day(row.get("eviction_request")),
                shortfall_monthly_ore=int(monthly) if monthly.lstrip("-").isdigit() else None,
                shortfall_bound=("øvre grense" in note or "upper bound" in note) if monthly.lstrip("-").isdigit() else None,
                actors=actors[:200] or None)


def _read_results(results, report: ImportReport) -> tuple[dict[str, dict], str | None]:
    rows: dict[str, dict] = {}
    if not results:  # plans/ or households/ alone: imported without the batch's priority
        return rows, None
    _name, data = results[0]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.errors.append("results.csv: er ikke UTF-8-tekst.")
        return rows, None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = reader.fieldnames or []
    id_col = _col(header, _ID_COLS)
    if id_col is None:
        report.errors.append("results.csv: mangler kolonnen «id».")
        return rows, None
    # a table with an id column is not yet a batch result: without the batch's own columns
    # every row would become an empty household
    missing = [name for name, cols in (("status", _STATUS_COLS), ("priority", _PRIORITY_COLS))
               if _col(header, cols) is None]
    if missing:
        report.errors.append(
            "results.csv: mangler " + " og ".join(f"«{m}»" for m in missing)
            + (" – kolonnene" if len(missing) > 1 else " – kolonnen")
            + " som planner batch skriver. Dette ser ikke ut som results.csv fra planner batch;"
            " ingen husstander er importert fra filen.")
        return rows, None
    pri_col = _col(header, _PRIORITY_COLS)
    status_col = _col(header, _STATUS_COLS)
    try:
        for no, row in enumerate(reader, start=2):
            hid = str(row.get(id_col) or "").strip()
            if not hid:
                report.errors.append(f"results.csv, rad {no}: mangler id.")
                continue
            bad_id = id_problem(hid)
            if bad_id is not None:
                report.errors.append(f"results.csv, rad {no}, id: {bad_id}")
                continue
            if hid in rows:
                report.errors.append(f"results.csv, rad {no}: id {hid} står på en rad før.")
                continue
            priority, ok = _priority(row.get(pri_col))
            if not ok:
                report.errors.append(f"results.csv, rad {no}, {pri_col}: må være et tall fra 0 til 100.")
                continue
            status = str(row.get(status_col) or "").strip()
            if status and status not in STATUSES and status != "error":
                report.errors.append(f"results.csv, rad {no}, status: ukjent status; tillatt: {', '.join(STATUSES)}.")
                continue
            rows[hid] = {**row, "_priority": priority}
    except csv.Error as exc:
        report.errors.append(f"results.csv: kan ikke leses ({exc}).")
    return rows, pri_col


def _dated_document(doc: dict[str, Any], h: Household, plan: dict[str, Any] | None,
                    today: date) -> tuple[dict[str, Any], Household, str | None]:
    """A batch household's document and `Household` with the day its plan is made: today, unless
    its own `as_of` (else the batch run's `--as-of`, in the plan) is later (`planned_today`),
    and the report's note when an earlier day was set aside."""
    if h.as_of is None:
        try:
            h = h.model_copy(update={"as_of": date.fromisoformat(str((plan or {}).get("as_of") or ""))})
        except ValueError:
            pass
    h, note = planned_today(h, today)
    assert h.as_of is not None
    return {**doc, "as_of": h.as_of.isoformat()}, h, note


@dataclass
class BatchRead:
    """A batch upload read and checked, before anything is planned or stored: the report so
    far (every file refused, with its reason), what each household has (its results.csv row,
    its plan, its household document) and the households to store, in the report's order."""

    report: ImportReport
    rows: dict[str, dict] = field(default_factory=dict)
    plans: dict[str, dict] = field(default_factory=dict)
    inputs: dict[str, tuple[dict[str, Any], Household]] = field(default_factory=dict)
    wanted: list[str] = field(default_factory=list)

    def part(self, hid: str) -> dict[str, Any]:
        """What one household's import needs (JSON): a background job's part (`jobkinds`)."""
        return {"hid": hid, "row": self.rows.get(hid), "plan": self.plans.get(hid),
                "input": self.inputs[hid][0] if hid in self.inputs else None}

    @classmethod
    def of_part(cls, part: dict[str, Any]) -> BatchRead:
        """The `BatchRead` of one household from its `part` (read and checked already)."""
        from ..io.household import household_from_dict

        hid = str(part["hid"])
        read = cls(ImportReport("batch"), wanted=[hid])
        if part.get("row") is not None:
            read.rows[hid] = part["row"]
        if part.get("plan") is not None:
            read.plans[hid] = part["plan"]
        if part.get("input") is not None:
            read.inputs[hid] = (part["input"], household_from_dict(part["input"], f"{hid}.json"))
        return read


def read_batch(files: list[tuple[str, bytes]], limits: Limits) -> BatchRead:
    """Read and check a batch upload (`import_batch_files`' first half: parsing only, no plan)."""
    report = ImportReport("batch")
    members = expand(files, report, limits)
    results = [(n, d) for n, d in members if PurePosixPath(n).name.lower() == "results.csv"]
    for name, _ in members:
        p = PurePosixPath(name)
        if not (is_known_batch_file(name) or p.name.lower() == "results.csv" or p.suffix.lower() == ".json"):
            report.errors.append(f"{p.name}: er ikke en fil fra planner batch (results.csv, plans/, households/); "
                                 "filen er ikke importert.")
    plans = _read_plans(members, report, limits)
    inputs = _read_inputs(members, report, limits)
    rows, _ = _read_results(results, report)
    wanted = [h for h in list(rows) + [h for h in plans if h not in rows] + [h for h in inputs if h not in rows
                                                                             and h not in plans]]
    refused = [h for h in wanted if h in report.refused_ids]
    wanted = [h for h in wanted if h not in report.refused_ids]
    if refused:
        report.errors.append("Ikke importert fordi en fil for husstanden ble avvist: " + ", ".join(refused) + ".")
    if not wanted and not results and not plans and not inputs:
        report.errors.append("Fant ingen resultater fra planner batch: velg mappen, en zip av den, eller "
                             "results.csv med filene i plans/ og households/.")
    return BatchRead(report, rows, plans, inputs, wanted)


def import_batch_files(files: list[tuple[str, bytes]], web: Web, *, limits: Limits,
                       office: str | None = None) -> ImportReport:
    """Read a batch results folder (`results.csv`, `plans/*.json`, `households/*.json`; the
    folder, a zip of it or any subset) into the store. Each file is accepted or refused on its
    own, with the reason: a bad plan leaves out its household, a bad row of results.csv that
    row, and the rest goes in. The batch's other files (run.json, summary.txt, ...) are known
    and passed over.

    A household already stored with its document keeps its document and plan and takes the
    batch's priority; one with its household document (`households/ID.json`) becomes editable
    like one typed in; one known only from its plan is stored with the batch's plan (view only).
    """
    read = read_batch(files, limits)
    if not read.wanted:
        return read.report.refuse()
    return store_batch(read, web, office=office)


def store_batch(read: BatchRead, web: Web, *, office: str | None = None,
                then: Callable[[Any], None] | None = None) -> ImportReport:
    """Plan (as of today) and store the households of `read` in one transaction, adding what
    was done to `read.report`; `then(conn)` runs last inside that transaction (a job marks its
    part done with the household it stored)."""
    from .core import plan_requests, today

    report, rows, plans, inputs, wanted = read.report, read.rows, read.plans, read.inputs, read.wanted
    # an editable household is planned again as of today (`planned_today`), before the transaction
    replanned: dict[str, tuple[dict[str, Any], dict[str, Any], Any]] = {}
    passed: dict[str, dict[str, Any]] = {}
    for hid in wanted:
        if hid in inputs:
            doc, h, note = _dated_document(*inputs[hid], plans.get(hid), today())
            if h.as_of is not None and h.end < h.as_of:  # nothing left: the batch's plan; the page offers «Rull fram»
                report.notes.append(f"{hid}: {PASSED_NB.format(end=h.end, as_of=h.as_of)}")
                passed[hid] = doc
                continue
            replanned[hid] = (doc, web.values_for(h, "batch"), plan_requests(h, web.compute(h)))
            if note:
                report.notes.append(note)
    store = web.store
    with committing(), store.transaction() as conn:
        for hid in wanted:
            row = rows.get(hid, {})
            plan = plans.get(hid)
            status = (plan or {}).get("status") or str(row.get("status") or "").strip()
            problem = ((plan or {}).get("baseline") or {}).get("problem") or str(row.get("problem") or "").strip()
            rec = store.get(hid, conn=conn)
            if not store.seen(hid, office, conn=conn):  # another office's case: left as it is
                report.errors.append(f"{hid}: husstanden finnes fra før hos et annet kontor.")
                continue
            if rec is not None and rec.document is not None:
                if row:
                    store.put(hid, priority=row.get("_priority"), bump=False, conn=conn)
                report.updated.append(hid)
                continue
            values = dict(status=status if status in STATUSES else None,
                          problem=problem if problem in PROBLEMS else None, source="batch",
                          **_batch_columns(row, plan))
            if row:
                values["priority"] = row.get("_priority")
            if hid in replanned:  # the household document: editable like one typed in, planned today
                doc, planned, due = replanned[hid]
                values.update({k: v for k, v in planned.items() if k != "priority"}, document=doc)
                if "label" in inputs[hid][0]:
                    values["label"] = str(inputs[hid][0]["label"])[:200]
                version = store.put(hid, conn=conn, note="batch", office=office, **values)
                store.case.sync_tasks(hid, version, planned["plan"], due, conn=conn)
                (report.updated if rec is not None else report.created).append(hid)
                continue
            if hid in passed:
                values["document"] = passed[hid]
            if plan is not None:
                values["plan"] = plan
                values["min_before_ore"] = plan["baseline"]["min_balance_ore"]
                values["min_after_ore"] = None if plan["status"] == "infeasible" else plan["min_balance_ore"]
            store.put(hid, conn=conn, note="batch", office=office, **values)
            (report.updated if rec is not None else report.created).append(hid)
        if then is not None:
            then(conn)
    return report

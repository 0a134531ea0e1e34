"""Cases from `planner batch` output folders (README, "Output in DIR"): `results.csv` for
problem, status, shortfalls, arrears and priority, and `plans/ID.json` for the interventions,
the bridge, the income kinds and how long the landlord waits.

A batch knows no case dates beyond the horizon's start (the date of the collector's list), no
office, no follow-up and no outcome: those figures say "ikke i kilden" unless another source
holds them. A row in error (status `error`) is not a case and is left out, and the source line
on the report's front page says how many were (suppressed when fewer than five).
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

from .model import Case, Intervention

NO_PLAN = ("infeasible", "timeout", "failed")
REQUIRED = ("id", "start", "problem", "status")


class ReportInputError(Exception):
    """A source the report cannot read; the message names the file, row and column."""


def _int(value: str, where: str, column: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ReportInputError(f"{where}: {column}: {value!r} is not a whole number") from None


def _date(value: str, where: str, column: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ReportInputError(f"{where}: {column}: {value!r} is not a date (YYYY-MM-DD)") from None


def read_batch(folder: str | Path) -> tuple[list[Case], str]:
    """The cases of one batch output folder, and its line for the report's list of sources."""
    folder = Path(folder)
    results = folder / "results.csv"
    if not results.is_file():
        raise ReportInputError(f"{folder}: not a planner batch output folder (no results.csv)")
    cases: list[Case] = []
    errors = 0
    try:
        with open(results, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                raise ReportInputError(f"{results}: row 1: missing column(s) {', '.join(missing)}")
            for n, row in enumerate(reader, 2):
                if row.get("status") == "error":
                    errors += 1
                    continue
                cases.append(_case(folder, row, f"{results}:{n}"))
    except UnicodeDecodeError as e:
        raise ReportInputError(f"{results}: not UTF-8 text ({e.reason})") from None
    except csv.Error as e:
        raise ReportInputError(f"{results}: {e}") from None
    from .tables import HIDDEN, MIN_COUNT

    n = len(cases)
    line = f"planner batch: {folder.name}/ ({HIDDEN if n < MIN_COUNT else n} husholdninger"
    if errors:
        line += f"; {HIDDEN if errors < MIN_COUNT else errors} rader med feil er ikke tatt med"
    return cases, line + ")"


def _case(folder: Path, row: dict, where: str) -> Case:
    start = _date(row.get("start", ""), where, "start")
    if start is None:
        raise ReportInputError(f"{where}: start: empty")
    status = row.get("status", "")
    problem = row.get("problem") or None
    if problem not in (None, "none", "timing", "income"):
        raise ReportInputError(f"{where}: problem: {problem!r} is not none, timing or income")
    planned = status in ("solvent", "planned") or status in NO_PLAN
    before = _int(row.get("days_below_floor", ""), where, "days_below_floor")
    plan = _plan(folder, row, where) if planned else None
    interventions, kinds, wait, bridge = None, None, None, None
    doc = _document(folder, row["id"]) if planned else None
    size = document_size(doc)
    if plan is not None:
        interventions = tuple(Intervention(i["lever"], tuple(i.get("actors") or ()), None)
                              for i in plan.get("interventions") or ())
        kinds = document_kinds(doc) if doc is not None else income_kinds(plan)
        wait = landlord_wait(plan)
        bridge = sum(int(i.get("params", {}).get("amount_ore") or 0) for i in plan.get("interventions") or ()
                     if i.get("lever") == "opening_buffer") or None
    elif planned:
        interventions = _short_interventions(row.get("interventions", ""))
    return Case(
        key=row["id"], opened=start, list_date=start,
        arrears_ore=_int(row.get("arrears_ore", ""), where, "arrears_ore"),
        problem=problem,
        status="no_plan" if status in NO_PLAN or status == "not planned" else (status or None),
        interventions=interventions, income_kinds=kinds, household_size=size,
        days_below_before=before if planned else None,
        days_below_after=(0 if status in ("solvent", "planned") else before) if planned else None,
        landlord_wait_days=wait, bridge_ore=bridge,
        shortfall_monthly_ore=_int(row.get("shortfall_monthly_ore", ""), where, "shortfall_monthly_ore"),
        shortfall_one_time_ore=_int(row.get("shortfall_one_time_ore", ""), where, "shortfall_one_time_ore"),
        priority=_int(row.get("priority", ""), where, "priority"),
        unused_bostotte_ore=_unused_bostotte(row, where),
        has_plan_data=planned,
    )


def _unused_bostotte(row: dict, where: str) -> int | None:
    """The estimate of a row flagged "bostøtte ikke søkt?", 0 when not flagged, None when the
    results are from a batch before the column existed."""
    if "bostotte_ikke_sokt" not in row:
        return None
    if not (row.get("bostotte_ikke_sokt") or "").strip():
        return 0
    return _int(row.get("bostotte_estimate_ore", ""), where, "bostotte_estimate_ore") or 0


def _plan(folder: Path, row: dict, where: str) -> dict | None:
    rel = (row.get("plan_file") or "").strip()
    if not rel:
        return None
    path = (folder / rel).resolve()
    if folder.resolve() not in path.parents:
        raise ReportInputError(f"{where}: plan_file: {rel!r} is outside the folder")
    if not path.is_file():
        return None  # results.csv still gives the lever names
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise ReportInputError(f"{path}: not a plan file ({e})") from None


def _document(folder: Path, hid: str) -> dict | None:
    """`households/ID.json` (the household document the batch kept beside its plan), if any."""
    path = (folder / "households" / f"{hid}.json").resolve()
    if folder.resolve() / "households" != path.parent or not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise ReportInputError(f"{path}: not a household document ({e})") from None
    return doc if isinstance(doc, dict) else None


def _short_interventions(text: str) -> tuple[Intervention, ...]:
    """`rent_day(20); bostotte_to_landlord(bostotte)` -> interventions with the catalogue's actors."""
    from ..levers import catalogue

    cat = catalogue()
    out = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        lever = part.split("(")[0].strip()
        actors = tuple(cat[lever].actors) if lever in cat else (("sosialtjenesten",) if lever == "opening_buffer" else ())
        out.append(Intervention(lever, actors, None))
    return tuple(out)


def income_kinds(plan: dict) -> tuple[str, ...]:
    """The benefit kinds of the plan's income streams; a stream named otherwise than its kind
    (`name = "aap-mor"`) counts as its kind when the name starts with one, else as "annen"."""
    from ..benefits import catalogue

    known = set(catalogue().kinds)
    kinds = set()
    for t in plan.get("transactions") or ():
        if t.get("kind") != "income":
            continue
        s = str(t.get("stream") or "")
        kinds.add(s if s in known else next((k for k in sorted(known) if s.startswith(k + "-")), "annen"))
    return tuple(sorted(kinds))


def landlord_wait(plan: dict) -> int | None:
    """Days from the rent's original day to the day its last part is paid, for a plan that
    moves the rent (`rent_day`) or splits it (`rent_instalments`); None when neither."""
    try:
        for i in plan.get("interventions") or ():
            p = i.get("params") or {}
            if i.get("lever") == "rent_day" and p.get("from_day") is not None:
                return max(0, int(p["day"]) - int(p["from_day"]))
            if i.get("lever") == "rent_instalments" and p.get("from_day") is not None and p.get("days"):
                return max(0, max(int(d) for d in p["days"]) - int(p["from_day"]))
    except (TypeError, ValueError, AttributeError):
        return None  # a plan file edited by hand: the wait is not known
    return None


def document_kinds(doc: dict | None) -> tuple[str, ...] | None:
    """The benefit kinds of a household document's incomes (aliases resolved; unknown: "annen")."""
    if doc is None:
        return None
    from ..benefits import catalogue

    cat = catalogue()
    out = set()
    for i in doc.get("income") or ():
        if isinstance(i, dict) and isinstance(i.get("kind"), str):
            k = cat.aliases.get(i["kind"], i["kind"])
            out.add(k if k in cat.kinds else "annen")
    return tuple(sorted(out))


def document_size(doc: dict | None) -> int | None:
    """Adults + children of a household document (the file format's defaults: 1 and 0)."""
    if doc is None:
        return None
    adults, children = doc.get("adults", 1), doc.get("children", 0)
    if not isinstance(adults, int) or not isinstance(children, int):
        return None
    return adults + children

"""Import of household files (TOML/JSON, or a zip of them) and of a batch results folder
(`results.csv` and `plans/ID.json` from `planner batch`, uploaded as files or as one zip)."""

from __future__ import annotations

import csv
import io
import json
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from .forms import norwegian

MAX_FILE = 20 * 1024 * 1024


@dataclass
class ImportReport:
    kind: str  # "toml" or "batch"
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.created or self.updated) or not self.errors


def _expand(files: list[tuple[str, bytes]], report: ImportReport) -> list[tuple[str, bytes]]:
    """Zip files opened into their members (one level); other files as they are."""
    out = []
    for name, data in files:
        if name.lower().endswith(".zip"):
            try:
                with zipfile.ZipFile(io.BytesIO(data)) as zf:
                    for info in zf.infolist():
                        if info.is_dir() or info.file_size > MAX_FILE:
                            continue
                        out.append((info.filename, zf.read(info)))
            except zipfile.BadZipFile:
                report.errors.append(f"{name}: er ikke en gyldig zip-fil.")
        elif data or name:
            out.append((name, data))
    return out


def import_households(files, save, *, replace: bool, exists) -> ImportReport:
    """Validate and store each household file; a bad file is reported, never half-stored."""
    from ..io.errors import InputError
    from ..io.household import household_from_dict

    report = ImportReport("toml")
    members = [(n, d) for n, d in _expand(files, report) if n.lower().endswith((".toml", ".json"))]
    if not members and not report.errors:
        report.errors.append("Ingen .toml- eller .json-filer i opplastingen.")
    for name, data in members:
        short = PurePosixPath(name).name
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            report.errors.append(f"{short}: er ikke UTF-8-tekst.")
            continue
        try:
            raw = json.loads(text) if short.lower().endswith(".json") else tomllib.loads(text)
        except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
            report.errors.append(f"{short}: kan ikke leses ({exc}).")
            continue
        if not isinstance(raw, dict):
            report.errors.append(f"{short}: må inneholde én husstand.")
            continue
        try:
            h = household_from_dict(raw, short, text if short.lower().endswith(".toml") else None)
        except InputError as exc:
            for p in exc.problems:
                where = short + (f", linje {p.line}" if p.line else "") + (f", {p.field}" if p.field else "")
                report.errors.append(f"{where}: {norwegian(p.message)}")
            continue
        was = exists(h.id)
        if was and not replace:
            report.errors.append(f"{short}: husstanden {h.id} finnes fra før (kryss av for å erstatte).")
            continue
        save(h, "toml")
        (report.updated if was else report.created).append(h.id)
    return report


_ID_COLS = ("id", "household", "husstand")
_PRIORITY_COLS = ("priority", "prioritet", "priority_score", "score")
_STATUS_COLS = ("status",)


def _col(header: list[str], names) -> str | None:
    low = {h.strip().lower(): h for h in header}
    for n in names:
        if n in low:
            return low[n]
    return None


def _float(text) -> float | None:
    try:
        return float(str(text).replace(",", ".")) if str(text).strip() else None
    except ValueError:
        return None


def import_batch_files(files, store) -> ImportReport:
    """Read `results.csv` and `plans/*.json` of a batch results folder into the store.

    A household already stored with its document keeps its document and plan and takes the
    batch's priority; one known only from the batch is stored with the batch's plan (view only).
    """
    report = ImportReport("batch")
    members = _expand(files, report)
    results = [(n, d) for n, d in members if PurePosixPath(n).name.lower() == "results.csv"]
    plans: dict[str, dict] = {}
    for name, data in members:
        p = PurePosixPath(name)
        if p.suffix.lower() != ".json" or p.name.lower().startswith("."):
            continue
        try:
            doc = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            report.errors.append(f"{p.name}: er ikke gyldig JSON ({exc}).")
            continue
        if not isinstance(doc, dict) or doc.get("format") != "planner.plan/1" or not doc.get("household"):
            report.errors.append(f"{p.name}: er ikke en plan (format planner.plan/1).")
            continue
        plans[str(doc["household"])] = doc
    rows: dict[str, dict] = {}
    if not results:
        report.errors.append("Fant ikke results.csv: last opp results.csv og plans-mappen, eller en zip av mappen.")
    for name, data in results[:1]:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            report.errors.append("results.csv: er ikke UTF-8-tekst.")
            continue
        sample = text[:4096]
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.DictReader(io.StringIO(text), dialect=dialect)
        header = reader.fieldnames or []
        id_col = _col(header, _ID_COLS)
        if id_col is None:
            report.errors.append("results.csv: mangler kolonnen «id».")
            continue
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
            continue
        for no, row in enumerate(reader, start=2):
            hid = (row.get(id_col) or "").strip()
            if not hid:
                report.errors.append(f"results.csv, rad {no}: mangler id.")
                continue
            rows[hid] = row
    if not rows and not plans:
        return report
    pri_col = None
    if rows:
        pri_col = _col(list(next(iter(rows.values())).keys()), _PRIORITY_COLS)
    for hid in list(rows) + [h for h in plans if h not in rows]:
        row = rows.get(hid, {})
        plan = plans.get(hid)
        priority = _float(row.get(pri_col)) if pri_col else None
        status = (plan or {}).get("status") or (row.get("status") or "").strip() or None
        problem = ((plan or {}).get("baseline") or {}).get("problem") or (row.get("problem") or "").strip() or None
        rec = store.get(hid)
        if len(hid) > 80:
            report.errors.append(f"results.csv: id {hid[:20]}… er for lang.")
            continue
        if rec is not None and rec.document is not None:
            store.put(hid, priority=priority)
            report.updated.append(hid)
            continue
        values = dict(priority=priority, status=status if status in ("solvent", "planned", "infeasible") else None,
                      problem=problem if problem in ("none", "timing", "income") else None, source="batch")
        if plan is not None:
            values["plan"] = plan
            values["min_before_ore"] = (plan.get("baseline") or {}).get("min_balance_ore")
            if plan.get("status") != "infeasible":
                values["min_after_ore"] = plan.get("min_balance_ore")
        store.put(hid, **values)
        (report.updated if rec is not None else report.created).append(hid)
    return report

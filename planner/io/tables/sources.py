"""Batch inputs"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from .columns import ROLES, ColumnMap, RowError, norm_name

# --------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class Source:
    """One table to read: a CSV file, or one sheet of an XLSX file."""

    role: str  # "tenants" or "payouts"
    path: Path
    sheet: str | None = None
    #: the file as errors.csv names it (see `display_name`); default: the path as given
    shown: str | None = None

    @property
    def name(self) -> str:
        base = self.shown or str(self.path)
        return f"{base}[{self.sheet}]" if self.sheet else base


@dataclass
class Inputs:
    """What the command line named, sorted into sources; problems found on the way."""

    sources: list[Source] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)
    household_files: list[Path] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    #: roles whose table could not be read (an empty file, a missing sheet): households that
    #: depend on it are not planned from half their data
    failed_roles: set[str] = field(default_factory=set)
    files: list[Path] = field(default_factory=list)  # every input file, for the run's fingerprint
    #: each input file as the outputs name it: relative to the argument that named it
    shown: dict[Path, str] = field(default_factory=dict)

    def show(self, path: Path) -> str:
        return self.shown.get(path, str(path))


_TABLE_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm"}
_HOUSEHOLD_SUFFIXES = {".toml", ".json"}


def _role_from_name(path: Path, colmap: ColumnMap) -> str | None:
    stem = norm_name(path.stem)
    for role, words in (("payouts", ("payout", "utbetal", "ytelse", "inntekt")),
                        ("tenants", ("tenant", "leietak", "husstand", "leieforhold"))):
        names = words + (norm_name(colmap.sheet(role)),)
        if any(w and w in stem for w in names):
            return role
    return None


class UnreadableInput(Exception):
    """Input that cannot be used at all (missing path, unknown file type): exit 2."""


def display_names(paths: list[str | Path]) -> dict[Path, str]:
    """Each input file's name as errors.csv gives it: relative to the command-line argument
    that named it (a file argument: its name; a file in a folder argument: its name in the
    folder), so the output does not depend on the working directory or on how a path was
    typed, and holds no absolute path (which may name a caseworker's home folder). Two
    files of one name from different arguments keep their parent folder's name to tell
    them apart."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(p for p in sorted(path.iterdir()) if p.is_file())
        else:
            found.append(path)
    counts: dict[str, int] = {}
    for p in found:
        counts[p.name] = counts.get(p.name, 0) + 1
    return {p: (p.name if counts[p.name] == 1 else f"{p.parent.name}/{p.name}") for p in found}


def discover(paths: list[str | Path], colmap: ColumnMap) -> Inputs:
    """Sort INPUT arguments into table sources, household-file folders and household files."""
    out = Inputs()
    out.shown = display_names(paths)
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in _HOUSEHOLD_SUFFIXES and p.is_file())
            tables = sorted(p for p in path.iterdir() if p.suffix.lower() in _TABLE_SUFFIXES and p.is_file())
            if not files and tables:
                for t in tables:
                    _add_table(out, t, colmap)
                continue
            if not files:
                raise UnreadableInput(f"{path}: folder holds no household files (.toml) and no tables")
            out.folders.append(path)
            out.household_files.extend(files)
            out.files.extend(files)
            continue
        if not path.exists():
            raise UnreadableInput(f"{path}: file not found")
        suffix = path.suffix.lower()
        if suffix in _HOUSEHOLD_SUFFIXES:
            out.household_files.append(path)
            out.files.append(path)
        elif suffix in _TABLE_SUFFIXES:
            _add_table(out, path, colmap)
        else:
            raise UnreadableInput(
                f"{path}: unknown file type {path.suffix!r}; allowed: .csv, .xlsx (tables), .toml (households),"
                " or a folder of household files"
            )
    return out


def _add_table(out: Inputs, path: Path, colmap: ColumnMap) -> None:
    out.files.append(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from .limits import TableTooLarge, check_xlsx

        try:  # over a limit: refused before the workbook is parsed (limits.py)
            check_xlsx(path, out.show(path))
        except TableTooLarge as exc:
            out.errors.append(RowError(out.show(path), None, "", "", str(exc), reason_nb=exc.nb))
            out.failed_roles.add(_role_from_name(path, colmap) or "tenants")
            return
        try:
            import pandas as pd

            with pd.ExcelFile(path, engine="openpyxl") as xf:
                sheets = list(xf.sheet_names)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a corrupt file; reported with its type
            out.errors.append(RowError(out.show(path), None, "", "", f"cannot be read as an XLSX workbook ({type(exc).__name__})",
                                       reason_nb="Filen kan ikke leses som en XLSX-arbeidsbok."))
            role = _role_from_name(path, colmap)
            out.failed_roles.add(role or "tenants")
            return
        found = False
        by_norm = {norm_name(s): s for s in sheets}
        matched = set()
        for role in ROLES:
            want = colmap.sheet(role)
            if norm_name(want) in by_norm:
                out.sources.append(Source(role, path, by_norm[norm_name(want)], out.show(path)))
                matched.add(norm_name(want))
                found = True
        others = [s for s in sheets if norm_name(s) not in matched]
        missing = [r for r in ROLES if norm_name(colmap.sheet(r)) not in by_norm]
        if found and missing and others:
            # e.g. sheets "tenants" and "Utbetalinger": the payouts would be silently missing
            for role in missing:
                out.errors.append(RowError(
                    out.show(path), None, "sheet", ", ".join(others),
                    f"no sheet named '{colmap.sheet(role)}' (the {role}); the other sheets"
                    f" ({', '.join(repr(s) for s in others)}) are not used: rename the sheet, or map it in [sheets]"
                    " of the --columns file",
                    reason_nb=f"Ingen ark heter «{colmap.sheet(role)}»; de andre arkene"
                              f" ({', '.join(f'«{s}»' for s in others)}) brukes ikke: gi arket nytt navn,"
                              " eller knytt det i [sheets] i --columns-filen."))
                out.failed_roles.add(role)
        if not found:
            role = _role_from_name(path, colmap)
            expected = " and ".join(f"'{colmap.sheet(r)}'" for r in ROLES)
            out.errors.append(RowError(
                out.show(path), None, "sheet", ", ".join(sheets),
                f"no sheet named {expected}; the workbook has: {', '.join(repr(s) for s in sheets)}"
                " (rename the sheets, or map them in [sheets] of the --columns file)",
                reason_nb=f"Ingen ark heter {' eller '.join(f'«{colmap.sheet(r)}»' for r in ROLES)}; arbeidsboken har:"
                          f" {', '.join(f'«{s}»' for s in sheets)} (gi arkene nye navn, eller knytt dem i [sheets]"
                          " i --columns-filen)."))
            out.failed_roles.add(role or "tenants")
            if role is None:
                out.failed_roles.add("payouts")
        return
    role = _role_from_name(path, colmap)
    if role is None:
        role = _role_from_header(path, colmap)
    out.sources.append(Source(role, path, None, out.show(path)))


def _role_from_header(path: Path, colmap: ColumnMap) -> str:
    try:
        headers = _csv_headers(path, colmap)
    except (OSError, ValueError):
        return "tenants"
    ours, _ = colmap.rename("payouts", headers)
    return "payouts" if "household" in ours else "tenants"


def file_encoding(path: Path, colmap: ColumnMap) -> str:
    if colmap.encoding:
        return colmap.encoding
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the block's end
            return "cp1252"  # a Norwegian Excel export
    return "utf-8-sig"


def _csv_headers(path: Path, colmap: ColumnMap) -> list[str]:
    """The header of a CSV table: the first line, or the first below title lines that names a
    tenants' id or a payouts' household column."""
    from .office import HEADER_SEARCH, csv_header

    with open(path, encoding=file_encoding(path, colmap), newline="") as fh:
        lines = [fh.readline() for _ in range(HEADER_SEARCH)]

    def known(cells: list[str]) -> bool:
        return "household" in colmap.rename("payouts", cells)[0] or "id" in colmap.rename("tenants", cells)[0]

    head, sep = csv_header(lines, known, colmap.separator, guess_separator)
    return next(csv.reader([lines[head]], delimiter=sep), [])


def guess_separator(line: str) -> str:
    counts = {s: line.count(s) for s in (",", ";", "\t")}
    return max(counts, key=lambda s: (counts[s], s == ","))

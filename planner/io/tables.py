"""Batch input: a tenants table and a payouts table (CSV or XLSX), or a folder of household files.

A municipality's export never has our column names, so a column map (TOML) maps theirs to ours.
Every row is turned into the same dict a household file gives and validated by
`planner.io.household.household_from_dict`, so a table is held to exactly the rules of a file.

Nothing here stops on a bad row: every problem becomes a `RowError` naming the file, the row as
a spreadsheet user counts it (the header is row 1, the first household row 2), the column as
the file names it, the value and the reason. The rows are streamed: a CSV is read in chunks,
and all rows go to an on-disk spool (SQLite) from which households are assembled a chunk at a
time, so memory does not grow with the number of tenants (an XLSX sheet is read whole by
pandas, as raw cells, while it is spooled).

The columns (ours; see README.md, "planner batch", for an example):

tenants: id, start, rent (required); label, months, opening_balance, min_balance, adults,
children, profile, rent_day, living_monthly, arrears, arrears_since, arrears_creditor,
rent_days, rent_instalments, bostotte_to_landlord, deduction_from, move_payout, repay_months,
allow, forbid.

payouts: household, kind, amount (required); day, every_days, first, dates, shift, name,
month_amounts, month_day, flow ("in", the default: a payout to the tenant; "out": a fixed bill
from the tenant account, such as strom).
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import sqlite3
import tomllib
import unicodedata
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .errors import InputError

# --------------------------------------------------------------------------- the columns

TENANT_REQUIRED = ("id", "start", "rent")
PAYOUT_REQUIRED = ("household", "kind", "amount")

#: Our tenants columns, with what each holds (the README table is generated from the same words).
TENANT_COLUMNS: dict[str, str] = {
    "id": "household id, unique (no personal data needed)",
    "label": "optional free text (left out of the output when pseudonymising)",
    "start": "first planned day, YYYY-MM-DD or DD.MM.YYYY",
    "months": "horizon in months (default 12; --horizon-months overrides)",
    "opening_balance": "kroner on the account at the start",
    "min_balance": "floor the balance must not go below (default 0)",
    "adults": "adults in the household (default 1)",
    "children": "children in the household (default 0; counts in the priority)",
    "profile": "payout-day profile (e.g. seed-2006)",
    "rent": "monthly rent in kroner",
    "rent_day": "day of month the rent is debited (default 1)",
    "living_monthly": "everyday spending per month in kroner",
    "arrears": "arrears already owed, kroner",
    "arrears_since": "date the arrears have been owed from",
    "arrears_creditor": "who the arrears are owed to (default utleier)",
    "rent_days": "debit days the landlord accepts, e.g. 1;5;10;20",
    "rent_instalments": "at most this many rent debits a month (1 = no splitting)",
    "bostotte_to_landlord": "ja/nei: bostøtte may be paid to the kommune as landlord",
    "deduction_from": "benefits that may carry a husleietrekk, e.g. aap;uforetrygd",
    "move_payout": "benefits whose payout day may be requested moved",
    "repay_months": "months to clear the arrears within",
    "allow": "levers allowed, e.g. rent_day;rent_instalments",
    "forbid": "levers forbidden",
}
PAYOUT_COLUMNS: dict[str, str] = {
    "household": "the tenant's id",
    "kind": "benefit kind (aap, barnetrygd, bostotte, ...) or, with flow=out, an expense kind",
    "amount": "kroner per payout",
    "day": "monthly on this day (omit for the benefit's own rule)",
    "every_days": "every N days from `first` (AAP, dagpenger: 14)",
    "first": "date of one payout to count `every_days` from",
    "dates": "irregular payout dates, e.g. 2026-01-05;2026-02-03",
    "shift": "before/after/none: the weekend and holiday rule",
    "name": "tells two streams of one kind apart",
    "month_amounts": "per-month amounts, e.g. 12=26000;2026-06=1000",
    "month_day": "per-month days, e.g. 12=12",
    "flow": "in (default: paid to the tenant) or out (a bill paid from the account)",
}
#: Our columns of a bank statement CSV (`planner import-statement --columns`): the same map
#: file, table [statement]. Either `amount` (signed) or `in` and `out` is needed.
STATEMENT_COLUMNS: dict[str, str] = {
    "date": "booking date (DD.MM.YYYY, YYYY-MM-DD, DD.MM.YY)",
    "text": "booking text (read to group payouts; never copied out)",
    "amount": "signed amount: positive into the account",
    "in": "amount into the account",
    "out": "amount out of the account (with or without a minus)",
    "balance": "balance after the booking",
    "currency": "currency code (NOK)",
    "counterpart": "payer's or payee's name (read to group payouts; never copied out)",
    "type": "the bank's transaction type (AvtaleGiro, Varekjøp, ...)",
}
#: The landlord's rent ledger (`planner ledger`, planner/ledger/): one row per booking.
LEDGER_COLUMNS: dict[str, str] = {
    "tenancy": "the tenancy (leieforhold) id",
    "date": "booking date; for a charge, the date the rent falls due",
    "kind": "charge, payment, reversal, returned (failed AvtaleGiro), credit (credit note), instalment",
    "amount": "kroner; the sign is ignored (the kind says which way the money goes)",
    "text": "optional free text: recognised so that duplicates are found, never read or copied",
    "reference": "optional voucher number (bilag): tells two equal bookings apart",
}
ROLES = ("tenants", "payouts")
#: Roles a column map may name: the batch's two tables and the ledger.
MAP_ROLES = ROLES + ("ledger",)
_COLUMNS = {"tenants": TENANT_COLUMNS, "payouts": PAYOUT_COLUMNS, "statement": STATEMENT_COLUMNS,
            "ledger": LEDGER_COLUMNS}
_REQUIRED = {"tenants": TENANT_REQUIRED, "payouts": PAYOUT_REQUIRED}

_INT_COLS = {"months", "adults", "children", "rent_day", "rent_instalments", "repay_months", "day", "every_days"}
_DATE_COLS = {"start", "arrears_since", "first"}
_BOOL_COLS = {"bostotte_to_landlord"}
_LIST_INT_COLS = {"rent_days"}
_LIST_STR_COLS = {"deduction_from", "move_payout", "allow", "forbid"}
_LIST_DATE_COLS = {"dates"}
_MAP_COLS = {"month_amounts": False, "month_day": True}  # value is an int day?
_TRUE = {"ja", "j", "yes", "y", "true", "sann", "1", "x"}
_FALSE = {"nei", "n", "no", "false", "usann", "0"}
_DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$", re.ASCII)  # ASCII digits only, as everywhere
_ISO_DT = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]00:00(?::00)?$", re.ASCII)
_SPLIT = re.compile(r"[;,\s]+")


@dataclass(frozen=True, order=True)
class RowError:
    """One problem with one row (or a whole file when `row` is None)."""

    file: str
    row: int | None
    column: str
    value: str
    reason: str
    household: str | None = None  # the household this row belongs to, if known

    def to_csv(self) -> list[str]:
        return [self.file, "" if self.row is None else str(self.row), self.column, self.value, self.reason,
                self.household or ""]


ERROR_HEADER = ["file", "row", "column", "value", "reason", "household"]


# --------------------------------------------------------------------------- column map


@dataclass(frozen=True)
class ColumnMap:
    """Their column and sheet names -> ours, from a TOML file:

    [tenants]            # ours = "theirs"
    id = "Leieforhold"
    [payouts]
    household = "Leieforhold"
    [sheets]
    tenants = "Leietakere"
    [csv]
    separator = ";"      # default: guessed from the header line
    encoding = "cp1252"  # default: utf-8 (a BOM is skipped)
    """

    tenants: dict[str, str] = field(default_factory=dict)  # ours -> theirs
    payouts: dict[str, str] = field(default_factory=dict)
    sheets: dict[str, str] = field(default_factory=dict)
    separator: str | None = None
    encoding: str | None = None
    statement: dict[str, str] = field(default_factory=dict)  # bank statement CSV columns
    ledger: dict[str, str] = field(default_factory=dict)  # `planner ledger`: ours -> theirs
    #: `planner ledger`: their booking kinds -> ours ([kinds] charge = ["Husleie", "Leie"])
    kinds: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None) -> ColumnMap:
        if path is None:
            return cls()
        name = str(path)
        from .household import ParseError, load_toml

        try:
            raw = load_toml(Path(path).read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            raise InputError([_p(name, "column map not found")]) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError([_p(name, f"column map cannot be read: {exc}")]) from None
        except ParseError as exc:
            where = f" (line {exc.line})" if exc.line else ""
            raise InputError([_p(name, f"column map {exc}{where}".replace("column map is not a household file",
                                                                          "column map is not usable"))]) from None
        problems = []
        allowed = {"tenants", "payouts", "sheets", "csv", "statement", "ledger", "kinds"}
        for key in raw:
            if key not in allowed:
                problems.append(_p(name, f"unknown table [{key}]; allowed: {', '.join(sorted(allowed))}"))
        maps: dict[str, dict[str, str]] = {}
        for role in (*MAP_ROLES, "statement"):
            table = raw.get(role, {})
            if not isinstance(table, dict):
                problems.append(_p(name, f"[{role}] must be a table of ours = \"theirs\""))
                continue
            for ours, theirs in table.items():
                if ours not in _COLUMNS[role]:
                    problems.append(_p(name, f"[{role}] {ours}: not one of our columns; allowed: "
                                           + ", ".join(_COLUMNS[role])))
                elif not isinstance(theirs, str) or not theirs.strip():
                    problems.append(_p(name, f"[{role}] {ours}: give their column name as text"))
            maps[role] = {k: v.strip() for k, v in table.items() if isinstance(v, str)}
        sheets = raw.get("sheets", {})
        for role, sheet in sheets.items() if isinstance(sheets, dict) else ():
            if role not in MAP_ROLES or not isinstance(sheet, str):
                problems.append(_p(name, f"[sheets] {role}: use tenants = \"Their sheet\" or payouts = \"...\""
                                       " (or ledger = \"...\")"))
        csv_opts = raw.get("csv", {})
        sep = csv_opts.get("separator") if isinstance(csv_opts, dict) else None
        if sep is not None and (not isinstance(sep, str) or len(sep) != 1):
            problems.append(_p(name, "[csv] separator must be one character, such as \";\""))
        enc = csv_opts.get("encoding") if isinstance(csv_opts, dict) else None
        if enc is not None:
            try:
                "".encode(str(enc))
            except LookupError:
                problems.append(_p(name, f"[csv] encoding {enc!r} is not known"))
        kinds = _kinds_table(raw.get("kinds", {}), name, problems)
        if problems:
            raise InputError(problems)
        return cls(maps.get("tenants", {}), maps.get("payouts", {}),
                   {k: v for k, v in (sheets or {}).items() if isinstance(v, str)}, sep, enc,
                   maps.get("statement", {}), maps.get("ledger", {}), kinds)

    def rename(self, role: str, headers: list[str]) -> tuple[dict[str, str], list[str]]:
        """(ours -> their header as in the file, headers not used). Matching ignores case and
        surrounding spaces; a mapped name beats our own name appearing in the file."""
        by_norm = {}
        for h in headers:
            by_norm.setdefault(_norm(h), h)
        out: dict[str, str] = {}
        mapping = {"tenants": self.tenants, "payouts": self.payouts, "ledger": self.ledger,
                   "statement": self.statement}[role]
        for ours in _COLUMNS[role]:
            theirs = mapping.get(ours)
            for cand in ([theirs] if theirs else []) + [ours]:
                if _norm(cand) in by_norm:
                    out[ours] = by_norm[_norm(cand)]
                    break
        used = set(out.values())
        return out, [h for h in headers if h not in used]

    def sheet(self, role: str) -> str:
        return self.sheets.get(role, role)

    def fingerprint(self) -> str:
        return json.dumps([self.tenants, self.payouts, self.sheets, self.separator, self.encoding]
                          + ([self.statement] if self.statement else [])
                          + ([self.ledger, self.kinds] if self.ledger or self.kinds else []), sort_keys=True)


#: Our ledger booking kinds (planner/ledger/reading.py holds their usual Norwegian words).
LEDGER_KINDS = ("charge", "payment", "reversal", "returned", "credit", "instalment")


def _kinds_table(table: object, name: str, problems: list) -> dict[str, tuple[str, ...]]:
    """[kinds] ours = "theirs" or ["theirs", ...]: the ledger's own words for our booking kinds."""
    if not isinstance(table, dict):
        problems.append(_p(name, "[kinds] must be a table of ours = \"theirs\" or [\"theirs\", ...]"))
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for ours, theirs in table.items():
        words = [theirs] if isinstance(theirs, str) else theirs
        if ours not in LEDGER_KINDS:
            problems.append(_p(name, f"[kinds] {ours}: not one of our kinds; allowed: {', '.join(LEDGER_KINDS)}"))
        elif not isinstance(words, list) or not words or not all(isinstance(w, str) and w.strip() for w in words):
            problems.append(_p(name, f"[kinds] {ours}: give their word as text, or a list of words"))
        else:
            out[ours] = tuple(w.strip() for w in words)
    return out


def _p(file: str, message: str):
    from .errors import Problem

    return Problem(file, message)


def _norm(name: object) -> str:
    return str(name).strip().casefold()


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
    stem = _norm(path.stem)
    for role, words in (("payouts", ("payout", "utbetal", "ytelse", "inntekt")),
                        ("tenants", ("tenant", "leietak", "husstand", "leieforhold"))):
        names = words + (_norm(colmap.sheet(role)),)
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
        try:
            import pandas as pd

            with pd.ExcelFile(path, engine="openpyxl") as xf:
                sheets = list(xf.sheet_names)
        except Exception as exc:  # a corrupt or non-XLSX file: name it, never a traceback
            out.errors.append(RowError(out.show(path), None, "", "", f"cannot be read as an XLSX workbook ({type(exc).__name__})"))
            role = _role_from_name(path, colmap)
            out.failed_roles.add(role or "tenants")
            return
        found = False
        by_norm = {_norm(s): s for s in sheets}
        matched = set()
        for role in ROLES:
            want = colmap.sheet(role)
            if _norm(want) in by_norm:
                out.sources.append(Source(role, path, by_norm[_norm(want)], out.show(path)))
                matched.add(_norm(want))
                found = True
        others = [s for s in sheets if _norm(s) not in matched]
        missing = [r for r in ROLES if _norm(colmap.sheet(r)) not in by_norm]
        if found and missing and others:
            # e.g. sheets "tenants" and "Utbetalinger": the payouts would be silently missing
            for role in missing:
                out.errors.append(RowError(
                    out.show(path), None, "sheet", ", ".join(others),
                    f"no sheet named '{colmap.sheet(role)}' (the {role}); the other sheets"
                    f" ({', '.join(repr(s) for s in others)}) are not used: rename the sheet, or map it in [sheets]"
                    " of the --columns file"))
                out.failed_roles.add(role)
        if not found:
            role = _role_from_name(path, colmap)
            expected = " and ".join(f"'{colmap.sheet(r)}'" for r in ROLES)
            out.errors.append(RowError(
                out.show(path), None, "sheet", ", ".join(sheets),
                f"no sheet named {expected}; the workbook has: {', '.join(repr(s) for s in sheets)}"
                " (rename the sheets, or map them in [sheets] of the --columns file)"))
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


def _encoding(path: Path, colmap: ColumnMap) -> str:
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
    with open(path, encoding=_encoding(path, colmap), newline="") as fh:
        line = fh.readline()
    sep = colmap.separator or _guess_separator(line)
    return next(csv.reader([line], delimiter=sep), [])


def _guess_separator(line: str) -> str:
    counts = {s: line.count(s) for s in (",", ";", "\t")}
    return max(counts, key=lambda s: (counts[s], s == ","))


# --------------------------------------------------------------------------- reading tables


@dataclass
class TableChunk:
    source: Source
    first_row: int  # spreadsheet row number of the chunk's first row
    columns: dict[str, str]  # ours -> their header
    headers: list[str]  # every header of the file, in order
    cells: dict[str, list[str]]  # ours -> the column's cells as text, one per row
    blank: list[bool]  # per row: every cell (also of columns not used) is empty
    #: spreadsheet row number of each row (None: consecutive from `first_row`)
    rows: list[int] | None = None
    #: rows that could not be read (more fields than the header, a formula with no value):
    #: (row, key cell, reason) or (row, key cell, reason, their column)
    bad: list[tuple] = field(default_factory=list)


class TableError(Exception):
    def __init__(self, error: RowError):
        self.error = error


def read_table(source: Source, colmap: ColumnMap, chunk_rows: int = 20_000) -> Iterator[TableChunk]:
    """The rows of one table in chunks, cells as text or as the spreadsheet's value."""
    import pandas as pd

    name = source.name
    if source.sheet is not None:
        try:
            df = pd.read_excel(source.path, sheet_name=source.sheet, dtype=object, header=0, engine="openpyxl")
        except Exception as exc:
            raise TableError(RowError(name, None, "", "", f"sheet cannot be read ({type(exc).__name__})")) from None
        headers = [str(c) for c in df.columns]
        if not headers or all(h.startswith("Unnamed:") for h in headers):
            raise TableError(RowError(name, None, "", "", "the sheet is empty: expected a header row in row 1"))
        df.columns = headers
        ours, _ = colmap.rename(source.role, headers)
        used = {headers.index(t) for t in ours.values()}
        uncached = _uncached_formulas(source, df, used)
        yield from _chunks(source, colmap, headers, df, 2, chunk_rows, uncached=uncached)
        return
    try:
        if os.path.getsize(source.path) == 0:
            raise TableError(RowError(name, None, "", "", "the file is empty: expected a header row and one row per "
                                      + ("tenant" if source.role == "tenants" else "payout")))
        enc = _encoding(source.path, colmap)
        with open(source.path, encoding=enc, newline="") as fh:
            first_line = fh.readline()
        sep = colmap.separator or _guess_separator(first_line)
        headers = [h.strip() for h in next(csv.reader([first_line], delimiter=sep), [])]
        if not any(headers):
            raise TableError(RowError(name, None, "", "", "the file is empty: expected a header row in row 1"))
        # A row with more fields than the header is skipped by pandas with a warning naming
        # its row (records counted as a spreadsheet does, the header being 1); the other rows
        # are numbered around it, and the row itself is reported (see `_ragged_rows`).
        # Except the first data rows: from a longer first row pandas infers an index column
        # and shifts every column of the file, so those are found here and skipped.
        ragged: dict[int, int] = _leading_ragged(source.path, enc, sep, len(headers))
        reader = pd.read_csv(source.path, sep=sep, dtype=str, keep_default_na=False, na_filter=False,
                             skip_blank_lines=False, encoding=enc, chunksize=chunk_rows, header=0,
                             engine="c", quotechar='"', on_bad_lines="warn", index_col=False,
                             skiprows=[n - 1 for n in ragged] or None)
        row = 2
        any_rows = False
        while True:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", pd.errors.ParserWarning)
                df = next(reader, None)
            for w in caught:
                if issubclass(w.category, pd.errors.ParserWarning):
                    for m in _RAGGED.finditer(str(w.message)):
                        ragged[int(m.group(1))] = int(m.group(3))
                else:  # pragma: no cover - another warning: let it through
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            if df is None:
                break
            if len(df) == 0:
                continue
            any_rows = True
            df.columns = [str(c) for c in df.columns]
            numbers = []
            for _ in range(len(df)):
                while row in ragged:
                    row += 1
                numbers.append(row)
                row += 1
            yield from _chunks(source, colmap, list(df.columns), df, numbers[0], chunk_rows, numbers)
        if ragged:
            yield _ragged_rows(source, colmap, headers, sep, enc, ragged)
        elif not any_rows:  # a header and no rows
            yield from _chunks(source, colmap, headers, pd.DataFrame(columns=headers), 2, chunk_rows)
    except TableError:
        raise
    except pd.errors.EmptyDataError:
        raise TableError(RowError(name, None, "", "", "the file is empty: expected a header row")) from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TableError(RowError(name, None, "", "", f"cannot be read as CSV: {msg}")) from None


def _uncached_formulas(source: Source, df, used: set[int]) -> dict[int, tuple[str, str]]:
    """{sheet row: (their column, cell)} of formula cells in the used columns that hold no saved
    value. pandas reads a formula's last saved result; a file written by a program that does
    not calculate (a script, a converter) has none, and the cell would read as empty: an
    arrears of 0. Such a cell is an error, never a silent empty."""
    import openpyxl

    out: dict[int, tuple[str, str]] = {}
    wb = openpyxl.load_workbook(source.path, read_only=True, data_only=False)
    try:
        ws = wb[source.sheet]
        for cells in ws.iter_rows(min_row=2):
            for cell in cells:
                if getattr(cell, "data_type", None) != "f" or cell.column - 1 not in used:
                    continue
                r, c = cell.row, cell.column - 1
                value = df.iat[r - 2, c] if 0 <= r - 2 < len(df) and c < df.shape[1] else None
                if cell_text(value) == "" and r not in out:
                    out[r] = (str(df.columns[c]), cell.coordinate)
    finally:
        wb.close()
    return out


_RAGGED = re.compile(r"Skipping line (\d+): expected (\d+) fields, saw (\d+)")


def _leading_ragged(path: Path, enc: str, sep: str, width: int) -> dict[int, int]:
    """{row: fields} of the data rows right after the header that have more fields than it
    (rows numbered as a spreadsheet does, the header being 1)."""
    out: dict[int, int] = {}
    with open(path, encoding=enc, newline="") as fh:
        reader = csv.reader(fh, delimiter=sep, quotechar='"')
        next(reader, None)
        for n, fields in enumerate(reader, 2):
            if len(fields) <= width:
                break
            out[n] = len(fields)
    return out


def _ragged_rows(source: Source, colmap: ColumnMap, headers: list[str], sep: str, enc: str,
                 ragged: dict[int, int]) -> TableChunk:
    """The rows pandas skipped (more fields than the header), read again with the csv module
    for their id cell only, as a chunk with no cells and these rows in `bad`."""
    ours, _ = colmap.rename(source.role, headers)
    key = ours.get("id" if source.role == "tenants" else "household")
    k = headers.index(key) if key in headers else None
    bad = []
    last = max(ragged)
    with open(source.path, encoding=enc, newline="") as fh:
        for n, fields in enumerate(csv.reader(fh, delimiter=sep, quotechar='"'), 1):
            if n in ragged:
                hid = fields[k].strip() if k is not None and k < len(fields) else ""
                bad.append((n, hid, f"row has {ragged[n]} fields, the header has {len(headers)}"
                                    " (a separator inside a cell that is not quoted?); the row is not read"))
            if n >= last:
                break
    return TableChunk(source, 2, ours, headers, {o: [] for o in ours}, [], [], bad)


def _chunks(source: Source, colmap: ColumnMap, headers: list[str], df, first_row: int, chunk_rows: int,
            numbers: list[int] | None = None, uncached: dict[int, tuple[str, str]] | None = None):
    ours, _ = colmap.rename(source.role, headers)
    key = ours.get("id" if source.role == "tenants" else "household")
    text = source.sheet is not None  # an XLSX sheet holds typed cells; a CSV is read as text
    if len(df) == 0:  # a header and no rows
        yield TableChunk(source, first_row, ours, headers, {o: [] for o in ours}, [])
        return
    for lo in range(0, len(df), chunk_rows):
        part = df.iloc[lo:lo + chunk_rows]
        if text:
            every = {h: _texts(part[h].tolist(), True) for h in headers}
            blank = [not any(every[h][k] for h in headers) for k in range(len(part))]
        else:
            every = {h: _texts(part[h].tolist(), False) for h in set(ours.values())}
            blank = part.apply(lambda c: c.str.strip() == "").all(axis=1).tolist() if headers else []
        bad = []
        for r, (column, cell) in sorted((uncached or {}).items()):
            k = r - first_row - lo
            if 0 <= k < len(part):
                blank[k] = True  # not read as a row: reported as one that could not be read
                bad.append((r, every[key][k] if key else "",
                            f"cell {cell} holds a formula with no saved value (the file was written by a program"
                            " that does not calculate formulas), so its value is unknown: open and save the file"
                            " in Excel or LibreOffice, or type the value; the row is not read", column))
        yield TableChunk(source, first_row + lo, ours, headers, {o: every[t] for o, t in ours.items()}, blank,
                         numbers[lo:lo + chunk_rows] if numbers is not None else None, bad)


def _texts(values: list, typed: bool) -> list[str]:
    if typed:
        return [cell_text(v) for v in values]
    return [v.strip() if v else "" for v in values]


# --------------------------------------------------------------------------- cells


def cell_text(value: object) -> str:
    """A cell as the user would see it, for error messages and ids."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _date(text: str) -> object:
    m = _DMY.match(text)
    if m:
        d, mo, y = (int(g) for g in m.groups())
        return f"{y:04d}-{mo:02d}-{d:02d}"
    m = _ISO_DT.match(text)
    return m.group(1) if m else text


def _int(text: str) -> object:
    if text.isascii() and text.isdigit():  # (int() would also read Arabic-Indic or full-width digits)
        return int(text)
    t = text.replace(" ", "")
    if re.fullmatch(r"[+-]?[0-9]+(?:[.,]0+)?", t):
        return int(re.split(r"[.,]", t)[0])
    return text  # the model refuses it with the rule


def convert(col: str, text: str) -> object:
    """Our typed value for a column's text (what a TOML file would hold); bad text is passed
    on unchanged so that the model's own message explains what is allowed."""
    if col in _INT_COLS:
        return _int(text)
    if col in _DATE_COLS:
        return _date(text)
    if col in _BOOL_COLS:
        low = text.casefold()
        return True if low in _TRUE else False if low in _FALSE else text
    if col in _LIST_INT_COLS:
        return [_int(p) for p in _SPLIT.split(text) if p]
    if col in _LIST_STR_COLS:
        return [p.strip().lower() for p in re.split(r"[;,]", text) if p.strip()]
    if col in _LIST_DATE_COLS:
        return [_date(p) for p in _SPLIT.split(text) if p]
    if col in _MAP_COLS:
        out: dict = {}
        for part in re.split(r";", text):
            if not part.strip():
                continue
            key, sep, val = part.partition("=")
            if not sep:
                raise ValueError(f"expected MONTH=VALUE pairs separated by ';', such as 12=26000, got {part.strip()!r}")
            out[key.strip()] = _int(val.strip()) if _MAP_COLS[col] else val.strip()
        return out
    return text


# --------------------------------------------------------------------------- the spool


_SCHEMA = """
CREATE TABLE IF NOT EXISTS tenants (seq INTEGER PRIMARY KEY, src INTEGER, row INTEGER, hid TEXT, cells TEXT,
                                    nkey TEXT);
CREATE TABLE IF NOT EXISTS payouts (seq INTEGER PRIMARY KEY, src INTEGER, row INTEGER, hid TEXT, cells TEXT);
CREATE TABLE IF NOT EXISTS sources (src INTEGER PRIMARY KEY, role TEXT, name TEXT, columns TEXT, unused TEXT);
CREATE TABLE IF NOT EXISTS done (key TEXT PRIMARY KEY);
"""


_SEP = "\x1f"  # ASCII unit separator: a spooled row is its cells joined by it
_BAD_ROW = "\0"  # a spooled row starting with it could not be read; then the column, _SEP, the reason


def _bad(packed: str) -> tuple[str, str]:
    """(column, reason) of a spooled row that could not be read."""
    column, sep, reason = packed[1:].partition(_SEP)
    return (column, reason) if sep else ("", column)


def _where(file: str, row: int) -> str:
    return file if not row else f"{file} row {row}"


def id_key(hid: str) -> str:
    """An id as the duplicate check compares it: the model strips surrounding white space, and
    `plans/ID.json` is one file for ids that differ only in case on Windows and macOS, so
    `" hh-1"`, `"hh-1"` and `"HH-1"` are one id (Unicode NFC, so composed and decomposed `ø`
    are one too)."""
    return unicodedata.normalize("NFC", hid.strip()).casefold()


#: How many other rows a duplicate-id error names (then a count): one id on every row of a
#: 4 000-row file would otherwise make errors.csv grow with the square of the rows.
DUPLICATES_NAMED = 3


def _duplicate_reason(others: list[str], total_others: int, rows: bool) -> str:
    shown = ", ".join(others[:DUPLICATES_NAMED])
    more = total_others - min(len(others), DUPLICATES_NAMED)
    if more > 0:
        shown += f" and {more} more row" + ("s" if more > 1 else "")
    if rows:
        return f"duplicate id: also used on {shown}; ids must be unique (neither row is planned until one is changed)"
    return f"duplicate id: also used in {shown}; ids must be unique (neither is planned until one is changed)"


def _others(dup: tuple[int, list[tuple[str, int]]], name: str, row: int) -> tuple[list[str], int]:
    """The first few other rows with a duplicate id (not this one), and how many others there are."""
    n, first = dup
    return [_where(f, r) for f, r in first if (f, r) != (name, row)][:DUPLICATES_NAMED], n - 1


def _file_id(path: Path, text: str) -> str:
    """The id inside a household file, stripped as the model strips it ("" if unreadable):
    duplicates and --resume compare ids, not file names. A file the readers refuse (not TOML,
    too deep, a 5 000-digit number) has no id here, and its own error comes from `build`."""
    from .household import ParseError, load_json, load_toml

    if text.startswith("\0"):
        return ""
    try:
        data = load_toml(text) if path.suffix.lower() == ".toml" else load_json(text)
    except ParseError:
        return ""
    hid = data.get("id", "") if isinstance(data, dict) else ""
    return hid.strip() if isinstance(hid, str) else ""


def _unpack(cols: dict[str, str], packed: str) -> dict[str, str]:
    return {c: v for c, v in zip(cols, packed.split(_SEP)) if v}


@dataclass
class RawHousehold:
    """One household's raw rows, assembled from the spool; built into a `Household` by a worker."""

    seq: int  # input order
    hid: str  # the id as given (may be empty or bad)
    tenant: tuple[str, int, dict[str, str], dict[str, object]] | None  # (file, row, ours->theirs, cells)
    payouts: list[tuple[str, int, dict[str, str], dict[str, object]]] = field(default_factory=list)
    toml: tuple[str, str] | None = None  # (file name, text) for a household file
    errors: list[RowError] = field(default_factory=list)  # found while assembling (duplicate id, ...)
    #: False when its rows cannot be validated as a household (a required column is missing, the
    #: tenants row could not be read): only `errors` are reported
    validate: bool = True


class Spool:
    """Every input row on disk, so households are assembled a chunk at a time in input order."""

    def __init__(self, path: Path | None = None):
        """`path` None: an anonymous database (SQLite deletes its file as it opens it, so
        nothing is left behind even when the process is killed)."""
        self.path = path
        self.db = sqlite3.connect(str(path) if path is not None else "", isolation_level=None)
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.executescript(_SCHEMA)
        self.errors: list[RowError] = []
        self.unused_columns: dict[str, list[str]] = {}
        self._src = 0
        self.has_label = False

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------------ loading

    def load(self, inputs: Inputs, colmap: ColumnMap, chunk_rows: int = 20_000) -> None:
        self.errors.extend(inputs.errors)
        self.failed_roles = set(inputs.failed_roles)
        self.db.execute("BEGIN")
        for source in inputs.sources:
            self._load_table(source, colmap, chunk_rows)
        seq = self._next_seq()
        for path in inputs.household_files:
            try:
                text = path.read_bytes().decode("utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                text = "\0" + str(getattr(exc, "strerror", None) or "is not UTF-8 text")
            src = self._source("household", inputs.show(path), {}, [])
            hid = _file_id(path, text)
            self.db.execute("INSERT INTO tenants VALUES (?,?,?,?,?,?)", (seq, src, 0, hid, text, id_key(hid)))
            seq += 1
        self.db.execute("COMMIT")
        self.db.execute("CREATE INDEX IF NOT EXISTS p_hid ON payouts(hid, seq)")
        self.db.execute("CREATE INDEX IF NOT EXISTS t_hid ON tenants(hid)")
        self.db.execute("CREATE INDEX IF NOT EXISTS t_nkey ON tenants(nkey)")

    def _next_seq(self) -> int:
        return int(self.db.execute("SELECT coalesce(max(seq), 0) + 1 FROM tenants").fetchone()[0])

    def _source(self, role: str, name: str, columns: dict, unused: list[str]) -> int:
        self._src += 1
        self.db.execute("INSERT INTO sources VALUES (?,?,?,?,?)",
                        (self._src, role, name, json.dumps(columns, ensure_ascii=False),
                         json.dumps(unused, ensure_ascii=False)))
        return self._src

    def _load_table(self, source: Source, colmap: ColumnMap, chunk_rows: int) -> None:
        name = source.name
        table = source.role
        required = _REQUIRED[table]
        src = None
        any_rows = False
        try:
            for chunk in read_table(source, colmap, chunk_rows):
                if src is None:
                    _, unused = colmap.rename(table, chunk.headers)
                    src = self._source(table, name, chunk.columns, unused)
                    if unused:
                        self.unused_columns[name] = unused
                    if table == "tenants" and "label" in chunk.columns:
                        self.has_label = True
                    key = "id" if table == "tenants" else "household"
                    names = list(chunk.columns)
                    # input order: a row's seq follows from its row number, so a row read
                    # out of turn (a ragged row, reported at the end) keeps its place
                    base = int(self.db.execute(f"SELECT coalesce(max(seq), 0) + 1 FROM {table}").fetchone()[0]) - 2
                keys = chunk.cells.get(key)
                cols = [chunk.cells[c] for c in names]
                numbers = chunk.rows
                rows = []
                for k, blank in enumerate(chunk.blank):
                    if blank:
                        continue  # a blank line: nothing to read, nothing lost
                    any_rows = True
                    packed = _SEP.join([col[k] for col in cols])
                    if packed.count(_SEP) != len(cols) - 1 and cols:  # the separator inside a cell
                        packed = _SEP.join([col[k].replace(_SEP, " ") for col in cols])
                    hid = keys[k] if keys is not None else ""
                    row = numbers[k] if numbers is not None else chunk.first_row + k
                    rows.append((base + row, src, row, hid, packed))
                for row, hid, reason, *column in chunk.bad:  # a row that could not be read: reported per household
                    any_rows = True
                    rows.append((base + row, src, row, hid, _BAD_ROW + (column[0] if column else "") + _SEP + reason))
                if table == "tenants":
                    rows = [(*r, id_key(r[3])) for r in rows]
                self.db.executemany(f"INSERT INTO {table} VALUES ({','.join('?' * (6 if table == 'tenants' else 5))})",
                                    rows)
        except TableError as exc:
            self.errors.append(exc.error)
            self.failed_roles.add(table)
            return
        if src is None or (table == "tenants" and not any_rows):
            if src is None:
                self.errors.append(RowError(name, None, "", "", "the file has no header row"))
                self.failed_roles.add(table)
            elif table == "tenants":
                self.errors.append(RowError(name, None, "", "", "the file has a header but no tenant rows"))
            return
        missing = [c for c in required if c not in json.loads(
            self.db.execute("SELECT columns FROM sources WHERE src=?", (src,)).fetchone()[0])]
        if missing and table == "payouts":
            self.failed_roles.add(table)

    # ------------------------------------------------------------------ reading back

    def sources(self) -> dict[int, tuple[str, str, dict[str, str]]]:
        return {s: (role, name, json.loads(cols)) for s, role, name, cols, _ in self.db.execute("SELECT * FROM sources")}

    def count_households(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM tenants").fetchone()[0])

    def count_pending(self) -> int:
        return int(self.db.execute(
            "SELECT count(*) FROM tenants WHERE hid = '' OR hid NOT IN (SELECT key FROM done)").fetchone()[0])

    def mark_done(self, keys: Iterator[str]) -> None:
        self.db.execute("BEGIN")
        self.db.executemany("INSERT OR IGNORE INTO done VALUES (?)", ((k,) for k in keys))
        self.db.execute("COMMIT")

    def households(self, chunk: int = 500, pseudonym=None) -> Iterator[list[RawHousehold]]:
        """Households in input order, `chunk` at a time; those marked done are skipped.

        `pseudonym(id)` gives the key a finished household is journaled under (the id itself,
        or its keyed hash), so `done` is compared with the same key.
        """
        srcs = self.sources()
        dup = self.duplicate_ids()
        missing_cols = {s: [c for c in _REQUIRED[role] if c not in cols]
                        for s, (role, _, cols) in srcs.items() if role in ROLES}
        payout_missing = [(srcs[s][1], c) for s, (role, _, _) in srcs.items() if role == "payouts"
                          for c in missing_cols[s]]
        any_done = self.db.execute("SELECT 1 FROM done LIMIT 1").fetchone() is not None
        # payout rows no tenant claims (a mistyped id, an empty id): a tenant with no payout rows
        # may be the one they were meant for, and is not planned from the rent alone
        orphans = self.count_orphan_payouts()
        cur = self.db.execute("SELECT seq, src, row, hid, cells FROM tenants ORDER BY seq")
        while True:
            rows = cur.fetchmany(chunk)
            if not rows:
                return
            out: list[RawHousehold] = []
            for seq, src, row, hid, packed in rows:
                if any_done and hid and self._is_done(pseudonym(hid) if pseudonym else hid):
                    continue
                role, name, cols = srcs[src]
                if role == "household":
                    rh = RawHousehold(seq, hid, None, toml=(name, packed))
                    if id_key(hid) in dup:
                        others, n_others = _others(dup[id_key(hid)], name, row)
                        rh.errors.append(RowError(name, None, "id", hid, _duplicate_reason(others, n_others, False)))
                    out.append(rh)
                    continue
                if packed.startswith(_BAD_ROW):
                    rh = RawHousehold(seq, hid, (name, row, cols, {}), validate=False)
                    rh.errors.append(RowError(name, row, *_bad(packed)[:1], "", _bad(packed)[1], hid or None))
                else:
                    rh = RawHousehold(seq, hid, (name, row, cols, _unpack(cols, packed)))
                for c in missing_cols[src]:
                    rh.validate = False
                    rh.errors.append(RowError(name, row, c, "", f"the file has no column '{c}' (required"
                                              + (f"; map your column to '{c}' with --columns" if c != "id" else
                                                 "; map your id column to 'id' with --columns") + ")"))
                if id_key(hid) in dup:
                    others, n_others = _others(dup[id_key(hid)], name, row)
                    rh.errors.append(RowError(name, row, cols.get("id", "id"), hid,
                                              _duplicate_reason(others, n_others, True)))
                if "payouts" in self.failed_roles:
                    rh.errors.append(RowError(name, row, cols.get("id", "id"), hid,
                                              "the payouts table could not be read (see its error above);"
                                              " not planned from the rent alone"))
                for f, c in payout_missing:
                    if hid:
                        rh.validate = False
                        rh.errors.append(RowError(f, None, c, "", f"the payouts file has no column '{c}' (required);"
                                                  " this household's payouts cannot be read"))
                out.append(rh)
            # the chunk's payouts in one query
            ids = sorted({r.hid for r in out if r.tenant is not None and r.hid})
            by_id: dict[str, list] = {}
            bad_rows: dict[str, list[RowError]] = {}
            if ids:
                q = (f"SELECT hid, src, row, cells FROM payouts WHERE hid IN ({','.join('?' * len(ids))}) "
                     "ORDER BY seq")
                for hid, src, row, packed in self.db.execute(q, ids):
                    _, name, cols = srcs[src]
                    if packed.startswith(_BAD_ROW):
                        bad_rows.setdefault(hid, []).append(RowError(name, row, _bad(packed)[0], "", _bad(packed)[1], hid))
                    else:
                        by_id.setdefault(hid, []).append((name, row, cols, _unpack(cols, packed)))
            for r in out:
                if r.tenant is None:
                    continue
                r.payouts = by_id.get(r.hid, []) if r.hid else []
                r.errors.extend(bad_rows.get(r.hid, []) if r.hid else [])
                if orphans and r.hid and not r.payouts and r.hid not in bad_rows and r.validate:
                    name, row, cols, _ = r.tenant
                    r.errors.append(RowError(
                        name, row, cols.get("id", "id"), r.hid,
                        f"no payout rows for this household, while {orphans} payout row"
                        + (" names a household" if orphans == 1 else "s name households")
                        + " not in the tenants table (see errors.csv): is this id mistyped there?"
                        " Not planned from the rent alone", r.hid or None))
            yield out

    def duplicate_ids(self) -> dict[str, tuple[int, list[tuple[str, int]]]]:
        """{id key: (rows with it, the first few (file, row))} of ids used more than once."""
        srcs = self.sources()
        counts = dict(self.db.execute(
            "SELECT nkey, count(*) FROM tenants WHERE nkey != '' GROUP BY nkey HAVING count(*) > 1").fetchall())
        out: dict[str, tuple[int, list[tuple[str, int]]]] = {}
        for key, n in counts.items():
            first = self.db.execute("SELECT src, row FROM tenants WHERE nkey = ? ORDER BY seq LIMIT ?",
                                    (key, DUPLICATES_NAMED + 1)).fetchall()
            out[key] = (n, [(srcs[src][1], row) for src, row in first])
        return out

    def count_orphan_payouts(self) -> int:
        """Payout rows (of tables with a household column) whose household no tenant row has."""
        srcs = [s for s, (role, _, cols) in self.sources().items() if role == "payouts" and "household" in cols]
        if not srcs:
            return 0
        return int(self.db.execute(
            f"SELECT count(*) FROM payouts WHERE src IN ({','.join('?' * len(srcs))})"
            " AND hid NOT IN (SELECT hid FROM tenants)", srcs).fetchone()[0])

    def _is_done(self, key: str) -> bool:
        return self.db.execute("SELECT 1 FROM done WHERE key=?", (key,)).fetchone() is not None

    def orphan_payouts(self) -> Iterator[RowError]:
        """Payout rows whose household is not in any tenants table."""
        srcs = self.sources()
        known = self.db.execute("SELECT count(*) FROM sources WHERE role='tenants'").fetchone()[0]
        q = ("SELECT p.src, p.row, p.hid, p.cells FROM payouts p WHERE p.hid NOT IN (SELECT hid FROM tenants)"
             " ORDER BY p.seq")
        for src, row, hid, packed in self.db.execute(q):
            _, name, cols = srcs[src]
            if "household" not in cols:
                continue  # reported per household as a missing column
            if packed.startswith(_BAD_ROW):
                yield RowError(name, row, _bad(packed)[0], hid, _bad(packed)[1])
                continue
            if not hid:
                reason = "no household id in this row"
            elif known:
                reason = "payout for an unknown household: no tenant row has this id"
            else:
                reason = "payout for an unknown household: no tenants table was read"
            yield RowError(name, row, cols.get("household", "household"), hid, reason)


# --------------------------------------------------------------------------- building households


def build(raw: RawHousehold, months: int | None = None):
    """(Household | None, [RowError]): the household from its rows, validated as a file would be."""
    from ..model import Household
    from .household import _parse_json, _parse_toml, household_from_dict

    errors = list(raw.errors)
    if raw.toml is not None:
        name, text = raw.toml
        try:
            if text.startswith("\0"):
                raise InputError([_p(name, text[1:])])
            if not text.strip():
                raise InputError([_p(name, "is empty: a household file needs at least id, start and the rent")])
            data = _parse_json(text, name) if name.lower().endswith(".json") else _parse_toml(text, name)
            if months is not None:
                data["months"] = months
            h: Household = household_from_dict(data, name, None if name.lower().endswith(".json") else text)
        except InputError as exc:
            return None, errors + [RowError(p.file, p.line, p.field or "", _show(p.value) if p.has_value else "",
                                            p.message, raw.hid) for p in exc.problems]
        return (None, errors) if errors else (h, [])
    if not raw.validate:
        return None, _dedupe(errors)
    file, row, cols, cells = raw.tenant  # type: ignore[misc]
    data: dict = {}
    rent: dict = {"kind": "husleie", "day": 1}
    for col, text in cells.items():
        loc = _TENANT_LOC.get(col)
        if loc is None:
            continue
        try:
            value = convert(col, text) if col in _TYPED else text
        except ValueError as exc:
            errors.append(RowError(file, row, cols.get(col, col), text, str(exc), raw.hid))
            continue
        if loc[0] == "expense":
            rent[loc[2]] = value
        elif len(loc) == 1:
            data[loc[0]] = value
        else:
            data.setdefault(loc[0], {})[loc[1]] = value
    if months is not None:
        data["months"] = months
    if "arrears" in data and "amount" not in data["arrears"]:
        if set(data["arrears"]) - {"creditor"}:
            data["arrears"]["amount"] = "0"
        else:
            del data["arrears"]
    data["expense"] = [rent] if "rent" in cells else []
    data["income"] = []
    rows_of: dict[str, list] = {"income": [], "expense": [None]}  # which payout row each item came from
    for prow_ref in raw.payouts:
        pfile, prow, pcols, pcells = prow_ref
        flow = pcells.get("flow", "in").strip().casefold()
        if flow in ("in", "inn", "income", "inntekt"):
            group = "income"
        elif flow in ("out", "ut", "expense", "utgift"):
            group = "expense"
        else:
            errors.append(RowError(pfile, prow, pcols.get("flow", "flow"), pcells.get("flow", ""),
                                   "flow must be 'in' (a payout to the tenant) or 'out' (a bill)", raw.hid))
            continue
        item: dict = {}
        bad = False
        for col, text in pcells.items():
            if col == "household" or col == "flow":
                continue
            try:
                item[col] = convert(col, text) if col in _TYPED else text
            except ValueError as exc:
                errors.append(RowError(pfile, prow, pcols.get(col, col), text, str(exc), raw.hid))
                bad = True
        if bad:
            continue
        data[group].append(item)
        rows_of[group].append(prow_ref)
    # validated even when rows are already in error, so that every bad row is reported
    # (the rows in error are left out of `data`)
    try:
        h = household_from_dict(data, file)
    except InputError as exc:
        for p in exc.problems:
            f, r, c, value = _where_is(_parse_field(p.field or ""), raw, rows_of)
            if p.sensitive:
                value = ""  # looks like personal data: errors.csv must not copy it
            elif not value and p.has_value:
                value = _show(p.value)
            errors.append(RowError(f, r, c, value, p.message, raw.hid))
        return None, _in_row_order(_dedupe(errors), file)
    if errors:
        return None, _in_row_order(_dedupe(errors), file)
    return h, []


def _in_row_order(errors: list[RowError], tenants_file: str) -> list[RowError]:
    """A household's errors: its tenants row first, then its payout rows in file order (a
    stable sort: the errors of one row keep their order)."""
    return sorted(errors, key=lambda e: (e.file != tenants_file, e.file, -1 if e.row is None else e.row))


#: Our tenants columns -> where they go in the household dict.
_TENANT_LOC: dict[str, tuple] = {
    "id": ("id",), "label": ("label",), "start": ("start",), "months": ("months",),
    "opening_balance": ("opening_balance",), "min_balance": ("min_balance",), "adults": ("adults",),
    "children": ("children",), "profile": ("profile",),
    "living_monthly": ("living", "monthly"),
    "arrears": ("arrears", "amount"), "arrears_since": ("arrears", "since"),
    "arrears_creditor": ("arrears", "creditor"),
    "rent_days": ("levers", "rent_days"), "rent_instalments": ("levers", "rent_instalments"),
    "bostotte_to_landlord": ("levers", "bostotte_to_landlord"),
    "deduction_from": ("levers", "deduction_from"), "move_payout": ("levers", "move_payout"),
    "repay_months": ("levers", "repay_months"), "allow": ("levers", "allow"), "forbid": ("levers", "forbid"),
    "rent": ("expense", 0, "amount"), "rent_day": ("expense", 0, "day"),
}
_LOC_TENANT = {loc: col for col, loc in _TENANT_LOC.items()}
_TYPED = _INT_COLS | _DATE_COLS | _BOOL_COLS | _LIST_INT_COLS | _LIST_STR_COLS | _LIST_DATE_COLS | set(_MAP_COLS)


def _where_is(loc: tuple, raw: RawHousehold, rows_of: dict) -> tuple[str, int | None, str, str]:
    """(file, row, their column, cell text) of a model error's location."""
    file, row, cols, cells = raw.tenant  # type: ignore[misc]
    if loc and loc[0] in ("income", "expense") and len(loc) > 1 and isinstance(loc[1], int):
        ref = rows_of[loc[0]][loc[1]] if loc[1] < len(rows_of[loc[0]]) else None
        field_ = loc[2] if len(loc) > 2 and isinstance(loc[2], str) else None
        if ref is None:  # the rent, from the tenants row
            col = "rent_day" if field_ == "day" else "rent"
            return file, row, cols.get(col, col), cells.get(col, "")
        pfile, prow, pcols, pcells = ref
        col = field_ if field_ in pcells or field_ in PAYOUT_COLUMNS else "kind"
        return pfile, prow, pcols.get(col, col), pcells.get(col, "")
    if loc and loc[0] == "expense":  # no rent at all
        return file, row, cols.get("rent", "rent"), cells.get("rent", "")
    for n in range(len(loc), 0, -1):
        col = _LOC_TENANT.get(loc[:n])
        if col is not None:
            return file, row, cols.get(col, col), cells.get(col, "")
    col = str(loc[0]) if loc else "id"
    return file, row, cols.get(col, col), cells.get(col, "")


def _dedupe(errors: list[RowError]) -> list[RowError]:
    seen, out = set(), []
    for e in errors:
        if e not in seen:
            seen.add(e)
            out.append(e)
    return out


def _show(value: object) -> str:
    if isinstance(value, list):
        return ";".join(cell_text(v) for v in value)
    return cell_text(value)


def _parse_field(text: str) -> tuple:
    out: list = []
    for part in text.split("."):
        m = re.fullmatch(r"([^\[\]]+)((?:\[\d+\])*)", part)
        if not m:
            continue
        out.append(m.group(1))
        out.extend(int(i) - 1 for i in re.findall(r"\[(\d+)\]", m.group(2)))
    return tuple(out)


#: What a spreadsheet program reads as the start of a formula (OWASP, "CSV injection"): a cell
#: of text starting with one of these is written with a leading apostrophe, which Excel and
#: LibreOffice show as text and do not display. Plain numbers (-500, +47) are left alone: a
#: number cannot be a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?", re.ASCII)


def csv_safe(value: object) -> object:
    """A CSV cell that no spreadsheet program runs as a formula (text values only)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def write_errors_csv(path: Path, errors) -> int:
    """errors.csv via a temporary file and an atomic rename; returns the number of rows."""
    tmp = path.with_name(path.name + ".tmp")
    n = 0
    from .files import private_opener

    with open(tmp, "w", encoding="utf-8", newline="", opener=private_opener) as fh:
        w = csv.writer(fh)
        w.writerow(ERROR_HEADER)
        for e in errors:
            w.writerow([csv_safe(v) for v in e.to_csv()])
            n += 1
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return n


__all__ = [
    "ColumnMap", "Inputs", "RawHousehold", "RowError", "Source", "Spool", "TableChunk", "UnreadableInput",
    "build", "cell_text", "convert", "csv_safe", "discover", "read_table", "write_errors_csv", "ERROR_HEADER",
    "TENANT_COLUMNS", "PAYOUT_COLUMNS",
]

"""Which format a file is in, and several files of one account joined into one statement.

The format is told from the content, not the name (a net bank calls its camt export
`.xml`, `.053` or `.txt`), except a PDF kontoutskrift, told by its `.pdf` suffix or `%PDF`
start; `--format` overrides. Files are refused with a clear message when
they are in another currency, belong to different accounts, overlap or repeat each other
(a payout counted twice would invent a rhythm), leave a gap, or cover too short a period.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from ..io.errors import Problem
from ..io.tables import ColumnMap
from .model import MIN_DAYS, MIN_TEXT, Statement, StatementError, fail
from .xlsxfile import is_xlsx as _is_xlsx

FORMATS = ("csv", "camt053", "ofx", "pdf")
#: what a file starting like this is (for the "unknown format" message)
_MAGIC = ((b"%PDF", "a PDF document"), (b"PK\x03\x04", "a ZIP or XLSX/DOCX file"),
          (b"\xd0\xcf\x11\xe0", "an old Excel/Word file"), (b"\x89PNG", "a PNG image"), (b"\xff\xd8", "a JPEG image"))
MAX_BYTES = 20 * 1024 * 1024


def sniff(data: bytes, separator: str | None = None) -> str | None:
    """'camt053', 'ofx', 'csv' or None, from the first bytes of a file."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    low = head.lower()
    if low.startswith(b"ofxheader") or b"<ofx>" in low or b"<?ofx" in low:
        return "ofx"
    if low.startswith(b"<?xml") or low.startswith(b"<"):
        return "camt053"
    if _is_xlsx(data):
        return "csv"  # a bank's XLSX export: the CSV reader's columns and rules (csvfile.read_csv)
    if any(head.startswith(m) for m, _ in _MAGIC) or b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = head.decode("cp1252", errors="replace")
    # a preamble (account, owner, period) may stand above the header: any of the first lines
    lines = [line for line in text.splitlines() if line.strip()][:10]
    return "csv" if any(s in line for line in lines for s in (";", ",", "\t", separator or ";")) else None


def _by_suffix_or_magic(data: bytes, name: str) -> str | None:
    """'pdf' for a `.pdf` file or one starting with %PDF (the PDF kontoutskrift a tenant brings);
    the PDF reader refuses a `.pdf` that is no PDF in one line."""
    if name.casefold().endswith(".pdf") or data[:1024].lstrip().startswith(b"%PDF"):
        return "pdf"
    return None


def _what(data: bytes) -> str:
    head = data[:8].lstrip()
    return next((what for magic, what in _MAGIC if head.startswith(magic)), "not text in columns")


def read_bytes(data: bytes, name: str, fmt: str | None = None, columns: ColumnMap | None = None,
               account: str | None = None) -> Statement:
    """One file's statement; `fmt` is one of FORMATS or None to tell it from the content;
    `account` chooses one account of a camt or OFX file that holds several (last digits)."""
    if len(data) > MAX_BYTES:
        raise fail(name, f"is {len(data) // (1024 * 1024)} MB; a bank statement of a few months is far smaller "
                   f"(limit {MAX_BYTES // (1024 * 1024)} MB)", code="too_large", mb=len(data) // (1024 * 1024), limit=MAX_BYTES // (1024 * 1024))
    if not data.strip():
        raise fail(name, "is empty", code="empty")
    kind = fmt or _by_suffix_or_magic(data, name) or sniff(data, columns.separator if columns else None)
    if kind is None:
        raise fail(name, f"unknown format ({_what(data)}); export the statement from the net bank as "
                   "CSV, camt.053 (XML) or OFX, or give --format", code="unknown_format")
    if kind == "camt053":
        from .camt import read_camt

        st = read_camt(data, name, account)
    elif kind == "ofx":
        from .ofx import read_ofx

        st = read_ofx(data, name, account)
    elif kind == "pdf":
        from .pdf import read_pdf

        st = read_pdf(data, name)
    elif kind == "csv":
        from .csvfile import read_csv

        st = read_csv(data, name, columns)
    else:
        raise fail(name, f"unknown format {kind!r}; allowed: {', '.join(FORMATS)}", code="unknown_format")
    from ..io.dateparam import FIRST_YEAR, LAST_YEAR

    odd = next((e for e in st.entries if not FIRST_YEAR <= e.booked.year <= LAST_YEAR), None)
    if odd is not None or not (FIRST_YEAR <= st.start.year and st.end.year <= LAST_YEAR):
        # a corrupted date (9999-12-31): the calendar the payouts are read against ends in 2100
        where = odd.where.rpartition(":")[2] if odd is not None else ""
        raise fail(name, f"a booking dated {(odd.booked if odd else st.end).isoformat()} lies outside the years "
                   f"{FIRST_YEAR}-{LAST_YEAR} the program knows", line=int(where) if where.isdigit() else None,
                   code="date_range", day=(odd.booked if odd else st.end).strftime("%d.%m.%Y"), first=FIRST_YEAR,
                   last=LAST_YEAR)
    if st.currency != "NOK":
        raise fail(name, f"is a statement in {st.currency}; planner plans NOK accounts only: "
                   "give the statement of the account the benefits are paid to", code="currency", currency=st.currency)
    return st


def read_files(paths: Sequence[str | Path], fmt: str | None = None, columns: ColumnMap | None = None,
               account: str | None = None) -> Statement:
    """Read and join statement files; every problem of every file is reported at once."""
    items: list[tuple[str, bytes]] = []
    problems: list[Problem] = []
    for p in paths:
        name = str(p)
        try:
            items.append((name, Path(p).read_bytes()))
        except FileNotFoundError:
            problems.append(Problem(name, "file not found"))
        except IsADirectoryError:
            problems.append(Problem(name, "is a folder, not a statement file"))
        except OSError as exc:
            problems.append(Problem(name, f"cannot be read: {exc.strerror}"))
    if problems:
        raise StatementError(problems)
    return read_many(items, fmt, columns, account)


def read_many(items: Sequence[tuple[str, bytes]], fmt: str | None = None,
              columns: ColumnMap | None = None, account: str | None = None) -> Statement:
    statements, problems = [], []
    for name, data in items:
        try:
            statements.append(read_bytes(data, name, fmt, columns, account))
        except StatementError as exc:
            problems.extend(exc.problems)
    if problems:
        raise StatementError(problems)
    return join(statements)


def join(statements: Sequence[Statement]) -> Statement:
    """Statements of one account in date order, refused if they overlap, repeat or leave a gap."""
    if not statements:
        raise StatementError([Problem("(no file)", "give at least one statement file")])
    ordered = sorted(statements, key=lambda s: (s.start, s.end, s.files))
    problems = []
    keys = {s.account_key for s in ordered if s.account_key}
    if len(keys) > 1:
        problems.append(Problem(", ".join(f for s in ordered for f in s.files),
                                f"are statements of {len(keys)} different accounts; give the statements of "
                                "the one account the benefits are paid to", code="accounts", params={"count": len(keys)}))
    for a, b in zip(ordered, ordered[1:]):
        # a CSV states no period, only its first and last booking: a few days without bookings
        # between two exports (a weekend, Easter) is no gap
        slack = 1 if a.exact_period and b.exact_period else 7
        if b.start <= a.end:
            same = a.start == b.start and a.end == b.end
            what = "repeats" if same else "overlaps"
            problems.append(Problem(b.files[0], f"{what} {a.files[0]}: both cover {b.start.isoformat()} to "
                                    f"{min(a.end, b.end).isoformat()}; give each period once",
                                    code="repeats" if same else "overlaps",
                                    params={"other": a.files[0], "start": b.start, "end": min(a.end, b.end)}))
        elif (b.start - a.end).days > slack and not _only_non_bank_days(a, b):
            problems.append(Problem(b.files[0], f"leaves a gap after {a.files[0]}: nothing from "
                                    f"{(a.end + timedelta(days=1)).isoformat()} to "
                                    f"{(b.start - timedelta(days=1)).isoformat()}; give the missing statement",
                                    code="gap", params={"other": a.files[0], "start": a.end + timedelta(days=1),
                                                        "end": b.start - timedelta(days=1)}))
    if problems:
        raise StatementError(problems)
    merged = Statement(
        files=tuple(f for s in ordered for f in s.files),
        start=ordered[0].start,
        end=ordered[-1].end,
        entries=tuple(e for s in ordered for e in s.entries),
        currency="NOK",
        closing_ore=ordered[-1].closing_ore,
        account_key=next(iter(keys), None),
        exact_period=all(s.exact_period for s in ordered),
        rejected=tuple(r for s in ordered for r in s.rejected),
        notes=tuple(dict.fromkeys(n for s in ordered for n in s.notes)),
    )
    _duplicates(merged)
    if merged.days < MIN_DAYS:
        raise fail(", ".join(merged.files), f"covers only {merged.days} day{'' if merged.days == 1 else 's'} ({merged.start.isoformat()} to "
                   f"{merged.end.isoformat()}); detection needs {MIN_TEXT}: give a longer statement or "
                   "several consecutive ones", code="too_short", days=merged.days, start=merged.start, end=merged.end)
    return merged


def _only_non_bank_days(a: Statement, b: Statement) -> bool:
    """Daily (or weekly) camt files cover bank days: Friday's file, then Monday's. The days
    between two files with stated periods are no gap when none of them is a bank day (a
    weekend, a holiday); a CSV states no period, so this applies only to exact periods."""
    from ..calendar import any_bank_day

    if not (a.exact_period and b.exact_period):
        return False
    return not any_bank_day(a.end + timedelta(days=1), b.start)


def _duplicates(st: Statement) -> None:
    """A file that repeats itself: the same run of bookings twice (an export pasted twice)."""
    if len(st.entries) < 8:
        return
    half = len(st.entries) // 2
    seq = [(e.booked, e.amount_ore, e.text) for e in st.entries]
    ordered_file = sorted(seq)
    pairs = sum(1 for a, b in zip(ordered_file[::2], ordered_file[1::2]) if a == b)
    if pairs >= half * 0.9:
        raise fail(", ".join(st.files), "every booking appears twice: the same period is given twice; "
                   "give each period once", code="twice")

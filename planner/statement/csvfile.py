"""Norwegian banks' CSV exports: date, text, amounts in and out (or one signed amount), balance.

Every bank names its columns its own way (DNB `Dato;Forklaring;Rentedato;Ut fra konto;Inn på
konto`, Sbanken `BOKFØRINGSDATO;...;TEKST;UT FRA KONTO;INN PÅ KONTO`, Nordea
`Bokføringsdato;Beløp;...;Tittel;Valuta`), so the usual names are known here and any other
is mapped with the column map of `planner batch --columns` (table `[statement]`). Numbers come
Norwegian style (`1 234,56`, `-1.234,56`), the file in UTF-8 or the cp1252 of a Norwegian
Excel.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import date

from ..io.tables import STATEMENT_COLUMNS, ColumnMap
from ..money import MoneyError, kroner_to_ore
from .model import Entry, Statement, fail

#: The header names Norwegian banks use for our columns (compared case-blind, spaces trimmed).
KNOWN_HEADERS: dict[str, tuple[str, ...]] = {
    "date": ("dato", "bokføringsdato", "bokført dato", "bokført", "transaksjonsdato", "bokforingsdato",
             "booking date", "date"),
    "text": ("forklaring", "tekst", "beskrivelse", "tittel", "melding", "text", "description"),
    "amount": ("beløp", "belop", "beløp nok", "amount"),
    "in": ("inn", "inn på konto", "inn på kontoen", "innskudd", "inn (nok)", "in"),
    "out": ("ut", "ut fra konto", "ut av konto", "ut fra kontoen", "uttak", "ut (nok)", "out"),
    "balance": ("saldo", "balanse", "balance"),
    "currency": ("valuta", "currency"),
    "counterpart": ("navn", "mottaker/avsender", "motpart", "counterpart"),
    "type": ("type", "betalingstype", "transaksjonstype", "kategori"),
}
_HEADER_LINES = 10  # a preamble (account, period) may stand above the header
_DATE_FORMS = (
    (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$"), (3, 2, 1)),
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})"), (1, 2, 3)),
    (re.compile(r"^(\d{4})/(\d{2})/(\d{2})$"), (1, 2, 3)),
    (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2})$"), (3, 2, 1)),
)


def decode(data: bytes, name: str, encoding: str | None = None) -> str:
    """The file's text: the map's encoding, else UTF-8 (a BOM skipped), else cp1252."""
    if encoding:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise fail(name, f"is not {encoding} text (bad byte at position {exc.start}); "
                       "fix [csv] encoding in the --columns file") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse_date(text: str) -> date | None:
    text = text.strip()
    for pattern, (yi, mi, di) in _DATE_FORMS:
        m = pattern.match(text)
        if m:
            year = int(m.group(yi))
            year += 2000 if year < 100 else 0
            try:
                return date(year, int(m.group(mi)), int(m.group(di)))
            except ValueError:
                return None
    return None


def parse_amount(text: str) -> int | None:
    """Øre of a Norwegian amount (`1 234,56`, `-1.234,56`, `−50`, `1234.56`); None if empty."""
    text = text.strip().replace("\u2212", "-").replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if not text:
        return None
    if text.startswith("+"):
        text = text[1:]
    return kroner_to_ore(text)


def _norm(name: str) -> str:
    return name.strip().strip('"').casefold()


def _columns(headers: list[str], colmap: ColumnMap) -> dict[str, int]:
    """Our column -> index in the row; a mapped name beats the usual ones."""
    index = {}
    for i, h in enumerate(headers):
        index.setdefault(_norm(h), i)
    out: dict[str, int] = {}
    for ours in STATEMENT_COLUMNS:
        theirs = colmap.statement.get(ours)
        for cand in ([theirs] if theirs else []) + [ours, *KNOWN_HEADERS.get(ours, ())]:
            if _norm(cand) in index:
                out[ours] = index[_norm(cand)]
                break
    return out


def _usable(cols: dict[str, int]) -> bool:
    return "date" in cols and ("amount" in cols or ("in" in cols and "out" in cols))


def read_csv(data: bytes, name: str, colmap: ColumnMap | None = None) -> Statement:
    """A statement from a bank's CSV export."""
    colmap = colmap or ColumnMap()
    text = decode(data, name, colmap.encoding)
    lines = text.splitlines()
    head = next((i for i, line in enumerate(lines[:_HEADER_LINES]) if line.strip()), None)
    if head is None:
        raise fail(name, "is empty: a bank statement CSV needs a header line and one line per booking")
    sep = colmap.separator or guess_separator(lines[head])
    rows = list(csv.reader(io.StringIO(text), delimiter=sep))
    header_at, cols = None, {}
    for i, row in enumerate(rows[:_HEADER_LINES]):
        found = _columns(row, colmap)
        if _usable(found):
            header_at, cols = i, found
            break
    if header_at is None:
        shown = ", ".join(repr(h.strip()) for h in rows[head][:12]) if rows else ""
        raise fail(name, "is not a bank statement this reader knows: no date and amount columns in the first "
                   f"{_HEADER_LINES} lines (first line has {shown}); map your columns in a --columns file: "
                   '[statement] date = "...", amount = "..." (or in = "..." and out = "...")')
    return _rows_to_statement(rows, header_at, cols, name)


def _cell(row: list[str], cols: dict[str, int], key: str) -> str:
    i = cols.get(key)
    return row[i].strip() if i is not None and i < len(row) else ""


def _rows_to_statement(rows: list[list[str]], header_at: int, cols: dict[str, int], name: str) -> Statement:
    headers = rows[header_at]
    entries: list[Entry] = []
    balances: list[tuple[date, int, int]] = []  # (date, position, balance)
    currencies = set()
    for n, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        if not any(c.strip() for c in row):
            continue
        raw_date = _cell(row, cols, "date")
        booked = parse_date(raw_date)
        if booked is None:
            if not raw_date or raw_date.casefold() in ("reservert", "reserved", "ikke bokført"):
                continue  # a pending (reserved) booking: not on the account yet
            raise fail(name, f"not a date: {raw_date!r}; write DD.MM.YYYY or YYYY-MM-DD", line=n,
                       field_name=headers[cols["date"]].strip())
        try:
            amount = _row_amount(row, cols)
        except MoneyError as exc:
            col = "amount" if "amount" in cols else "in/out"
            raise fail(name, str(exc), line=n, field_name=col) from None
        if amount is None:
            raise fail(name, "no amount in this booking", line=n, field_name="amount" if "amount" in cols else "in/out")
        if cur := _cell(row, cols, "currency").upper():
            currencies.add(cur)
        bal = _cell(row, cols, "balance")
        if bal:
            try:
                value = parse_amount(bal)
            except MoneyError as exc:
                raise fail(name, str(exc), line=n, field_name=headers[cols["balance"]].strip()) from None
            if value is not None:
                balances.append((booked, n, value))
        entries.append(Entry(booked=booked, amount_ore=amount, text=_cell(row, cols, "text"),
                             counterpart=_cell(row, cols, "counterpart"), type=_cell(row, cols, "type").casefold(),
                             where=f"{name}:{n}"))
    if not entries:
        raise fail(name, "has a header but no bookings")
    currency = "NOK"
    others = sorted(currencies - {"NOK"})
    if others:
        currency = others[0]
    dates = [e.booked for e in entries]
    newest_first = all(a >= b for a, b in zip(dates, dates[1:])) and dates[0] != dates[-1]
    closing = None
    if balances:
        closing = balances[0][2] if newest_first else balances[-1][2]
    entries.sort(key=lambda e: e.booked)
    return Statement(files=(name,), start=min(dates), end=max(dates), entries=tuple(entries), currency=currency,
                     closing_ore=closing, account_key=None, exact_period=False)


def _row_amount(row: list[str], cols: dict[str, int]) -> int | None:
    if "amount" in cols and _cell(row, cols, "amount"):
        return parse_amount(_cell(row, cols, "amount"))
    inn = parse_amount(_cell(row, cols, "in")) if "in" in cols else None
    out = parse_amount(_cell(row, cols, "out")) if "out" in cols else None
    if inn is None and out is None:
        return None
    return abs(inn or 0) - abs(out or 0)


def guess_separator(line: str) -> str:
    counts = {s: line.count(s) for s in (";", "\t", ",")}
    return max(counts, key=lambda s: (counts[s], s == ";"))


def account_digest(number: str) -> str:
    """A short digest of an account number: tells two accounts apart without holding either."""
    return hashlib.sha256(re.sub(r"\D", "", number).encode()).hexdigest()[:16]

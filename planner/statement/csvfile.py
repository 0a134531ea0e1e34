"""Norwegian banks' CSV exports: date, text, amounts in and out (or one signed amount), balance.

Every bank names its columns its own way (DNB `Dato;Forklaring;Rentedato;Ut fra konto;Inn på
konto`, Sbanken `BOKFØRINGSDATO;...;TEKST;UT FRA KONTO;INN PÅ KONTO`, Nordea
`Bokføringsdato;Beløp;...;Tittel;Valuta`), so each bank's layout is a preset
(planner/data/bank_presets.toml, picked from the header), the usual names are known here and
any other is mapped with the column map of `planner batch --columns` (table `[statement]`); a
file nothing fits is refused with a sample map to correct (guess.py). XLSX exports are read
as rows by xlsxfile.py and go through the same header search and row rules. Numbers come
Norwegian style (`1 234,56`, `-1.234,56`), the file in UTF-8 or the cp1252 of a Norwegian
Excel.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..io.errors import Problem
from ..io.tables import STATEMENT_COLUMNS, ColumnMap
from ..money import MoneyError
from . import presets as _presets
from .cells import parse_amount, parse_date  # noqa: F401  (imported from here by readers and tests)
from .model import Entry, Rejected, Statement, StatementError, fail

#: The header names Norwegian banks use for our columns (compared case-blind, spaces trimmed).
KNOWN_HEADERS: dict[str, tuple[str, ...]] = {
    "date": ("dato", "bokføringsdato", "bokført dato", "bokført", "transaksjonsdato", "bokforingsdato",
             "booking date", "date"),
    "text": ("forklaring", "tekst", "beskrivelse", "tittel", "melding", "skildring", "beløpet gjelder",
             "forklaringstekst", "text", "description"),
    "amount": ("beløp", "belop", "beløp nok", "amount"),
    "in": ("inn", "beløp inn", "inn på konto", "inn på kontoen", "innskudd", "inn (nok)", "in"),
    "out": ("ut", "beløp ut", "ut fra konto", "ut av konto", "ut fra kontoen", "uttak", "ut (nok)", "out"),
    "balance": ("saldo", "balanse", "balance"),
    "currency": ("valuta", "currency"),
    "counterpart": ("navn", "mottaker/avsender", "motpart", "counterpart"),
    "type": ("type", "betalingstype", "transaksjonstype", "kategori"),
}
_HEADER_LINES = 10  # a preamble (account, period) may stand above the header
#: share of rows that may be refused before the file as a whole is refused: more than this
#: is a wrong column or a wrong file, not a few damaged rows
MAX_REJECTED_SHARE = 0.25


def decode(data: bytes, name: str, encoding: str | None = None) -> str:
    """The file's text: the map's encoding, else UTF-8 (a BOM skipped), else cp1252."""
    if encoding:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise fail(name, f"is not {encoding} text (bad byte at position {exc.start}); "
                       "fix [csv] encoding in the --columns file", code="encoding", encoding=encoding) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _norm(name: str) -> str:
    return _presets.norm(name)


@dataclass(frozen=True)
class Layout:
    """Where our columns stand in one file, and how its bank writes numbers and dates."""

    cols: dict[str, int]
    text: tuple[int, ...] = ()  # the text cells, joined in this order (SDC: Beskrivelse + Melding/KID)
    preset: _presets.Preset | None = None

    @property
    def decimal(self) -> str | None:
        return self.preset.decimal if self.preset else None


@dataclass(frozen=True)
class ColumnsProblem(Problem):
    """A file whose columns no preset or map fits: the CLI writes a sample map from `sample`."""

    sample: str = ""


def _columns(headers: list[str], colmap: ColumnMap) -> dict[str, int]:
    """Our column -> index in the row; a mapped name beats the usual ones."""
    index: dict[str, int] = {}
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


def _preset_columns(headers: list[str], preset: _presets.Preset, colmap: ColumnMap) -> Layout:
    """The preset's columns in this row; a --columns map still beats the preset column by column."""
    index: dict[str, int] = {}
    for i, h in enumerate(headers):
        index.setdefault(_norm(h), i)
    wanted = {**preset.columns, **colmap.statement}
    cols = {ours: index[_norm(theirs)] for ours, theirs in wanted.items() if _norm(theirs) in index}
    text_names = [colmap.statement["text"]] if "text" in colmap.statement else list(preset.text)
    text = tuple(index[_norm(t)] for t in text_names if _norm(t) in index)
    if text:
        cols.setdefault("text", text[0])
    return Layout(cols, text, preset)


def _usable(cols: dict[str, int]) -> bool:
    return "date" in cols and ("amount" in cols or ("in" in cols and "out" in cols))


def _layout(headers: list[str], colmap: ColumnMap, forced: _presets.Preset | None) -> Layout | None:
    """This row's layout if it is a header: a forced preset, else a matching preset (unless the
    map names columns: the person's own map is the last word), else the usual names."""
    preset = forced or (None if colmap.statement else _presets.matching(headers))
    if preset is not None:
        lay = _preset_columns(headers, preset, colmap)
        return lay if _usable(lay.cols) else None
    cols = _columns(headers, colmap)
    if not _usable(cols):
        return None
    return Layout(cols, (cols["text"],) if "text" in cols else ())


def _forced(colmap: ColumnMap, name: str) -> _presets.Preset | None:
    wanted = getattr(colmap, "preset", None)
    if not wanted:
        return None
    preset = _presets.by_name(wanted)
    if preset is None:
        raise fail(name, f"--preset {wanted}: no such bank preset; allowed: {', '.join(_presets.names())}", code="preset", preset=wanted)
    return preset


def cell_text(value: object, decimal: str | None) -> str:
    """A spreadsheet cell as the CSV reader reads it: a date as YYYY-MM-DD, a number exactly
    in the bank's decimal style (never through float formatting), text as it stands."""
    from datetime import datetime

    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        text = f"{Decimal(repr(value)):f}"
        return text.replace(".", ",") if decimal == "comma" else text
    return str(value)


def read_csv(data: bytes, name: str, colmap: ColumnMap | None = None) -> Statement:
    """A statement from a bank's CSV export (or its XLSX export: same columns, same rules).

    The header may stand below a few preamble lines (account, period, owner) or an XLSX's
    title rows: the separator is guessed from each of the first lines in turn until one gives
    a header with a date and an amount, so a preamble line without separators (or with commas
    in a `;` file) does not decide it. A bank preset whose header names all stand in the row
    is used (`--preset` forces one); else the usual names and the --columns map."""
    colmap = colmap or ColumnMap()
    forced = _forced(colmap, name)
    tables: list[list[list]]
    if data[:4] == b"PK\x03\x04":
        from .xlsxfile import sheet_rows

        tables = [sheet_rows(data, name)]
        sep = None
    else:
        text = decode(data, name, colmap.encoding)
        lines = text.splitlines()
        if not any(line.strip() for line in lines[:_HEADER_LINES]):
            raise fail(name, "is empty: a bank statement CSV needs a header line and one line per booking", code="csv_empty")
        seps = [colmap.separator] if colmap.separator else separators(lines[:_HEADER_LINES])
        if forced and forced.separator and not colmap.separator:
            seps = [forced.separator] + [s for s in seps if s != forced.separator]
        tables = [list(csv.reader(io.StringIO(text), delimiter=s)) for s in seps]
        sep = seps[0]
    for rows in tables:
        for i, row in enumerate(rows[:_HEADER_LINES]):
            lay = _layout([cell_text(c, None) for c in row], colmap, forced)
            if lay is not None:
                texts = [[cell_text(c, lay.decimal) for c in r] for r in rows]
                return _rows_to_statement(texts, i, lay, name)
    if sep is not None and not colmap.separator:  # the sample map's separator: the one giving most columns
        text = decode(data, name, colmap.encoding)
        cands = [(s, list(csv.reader(io.StringIO(text), delimiter=s))) for s in (*seps, "|")]
        sep, table = max(cands, key=lambda c: max((sum(1 for x in r if x.strip()) for r in c[1][:_HEADER_LINES]),
                                                  default=0))
        tables = [table]
    rows = [[cell_text(c, None).strip() for c in r] for r in tables[0]]
    raise StatementError([_no_fit(rows, name, forced, sep)])


def _no_fit(rows: list[list[str]], name: str, forced: _presets.Preset | None, sep: str | None) -> ColumnsProblem:
    """The refusal of a file no preset or map fits, naming the columns found, with a sample
    map guessed from them for the person to correct (the CLI writes it beside the file)."""
    from .guess import sample_map

    widths = [sum(1 for c in r if c) for r in rows[:_HEADER_LINES]]
    at = widths.index(max(widths)) if any(widths) else 0  # the first of the widest rows
    header = rows[at] if rows else []
    shown = ", ".join(repr(h) for h in header[:12] if h)
    if forced:
        why = (f"the {forced.name} preset's columns ({', '.join(forced.headers)}) are not in the first "
               f"{_HEADER_LINES} lines (columns found: {shown})")
    else:
        why = (f"no date and amount columns in the first {_HEADER_LINES} lines (first line has {shown}); "
               f"no bank preset fits ({', '.join(_presets.names())})")
    return ColumnsProblem(name, f"is not a bank statement this reader knows: {why}", code="columns",
                          params={"lines": _HEADER_LINES}, sample=sample_map(name, header, rows[at + 1:at + 41], sep))


def separators(lines: list[str]) -> list[str]:
    """Separators to try, most likely first: each non-empty line's best guess, in line order."""
    out: list[str] = []
    for line in lines:
        if line.strip():
            sep = guess_separator(line)
            if sep not in out and line.count(sep):
                out.append(sep)
    return out + [s for s in (";", "\t", ",") if s not in out]


def _cell(row: list[str], cols: dict[str, int], key: str) -> str:
    i = cols.get(key)
    return row[i].strip() if i is not None and i < len(row) else ""


def _text(row: list[str], lay: Layout) -> str:
    """The booking's text: the layout's text cells joined (a benefit named only in the KID
    and message column is still found), each once."""
    cells = [row[i].strip() for i in lay.text if i < len(row) and row[i].strip()]
    return " ".join(dict.fromkeys(cells))


#: a status that says the booking is not on the account yet
_PENDING = ("reservert", "reserved", "ikke bokført", "venter", "pending")


def _rows_to_statement(rows: list[list[str]], header_at: int, lay: Layout, name: str) -> Statement:
    cols, decimal = lay.cols, lay.decimal
    date_hint = lay.preset.date_format if lay.preset else "DD.MM.YYYY or YYYY-MM-DD"
    headers = rows[header_at]
    entries: list[Entry] = []
    rejected: list[Rejected] = []
    balances: list[tuple[date, int, int]] = []  # (date, position, balance)
    currencies = set()
    date_field = headers[cols["date"]].strip()
    amount_field = headers[cols["amount"]].strip() if "amount" in cols else \
        f"{headers[cols['in']].strip()}/{headers[cols['out']].strip()}"
    for n, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        if not any(c.strip() for c in row):
            continue
        if _cell(row, cols, "pending").casefold() in _PENDING:
            continue  # a reserved booking (SDC, Danske Bank status column): not on the account yet
        raw_date = _cell(row, cols, "date")
        booked = parse_date(raw_date)
        text, party = _text(row, lay), _cell(row, cols, "counterpart")
        try:
            amount: int | None = _row_amount(row, cols, decimal)
            amount_problem = "" if amount is not None else "no amount in this booking"
        except MoneyError as exc:
            amount, amount_problem = None, str(exc)
        if booked is None:
            if raw_date.casefold() in ("reservert", "reserved", "ikke bokført"):
                continue  # a pending (reserved) booking: not on the account yet
            if not raw_date and amount is None:
                continue  # a sum or note line without date and amount
            why = "no date" if not raw_date else "not a date"
            message = f"{why}: {raw_date!r}; write {date_hint}" if raw_date else \
                f"no date in a booking with an amount; write {date_hint}"
            rejected.append(Rejected(name, n, date_field, why, message, None, amount, text, party))
            continue
        if amount is None:
            rejected.append(Rejected(name, n, amount_field, "not an amount" if amount_problem != "no amount in "
                                     "this booking" else "no amount", amount_problem, booked, None, text, party))
            continue
        if cur := _cell(row, cols, "currency").upper():
            currencies.add(cur)
        bal = _cell(row, cols, "balance")
        if bal:
            try:
                value = parse_amount(bal, decimal)
            except MoneyError as exc:
                raise fail(name, str(exc), line=n, field_name=headers[cols["balance"]].strip(), code="bad_balance") from None
            if value is not None:
                balances.append((booked, n, value))
        entries.append(Entry(booked=booked, amount_ore=amount, text=text, counterpart=party,
                             type=_cell(row, cols, "type").casefold(), where=f"{name}:{n}"))
    _too_many_rejected(name, entries, rejected)
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
                     closing_ore=closing, account_key=None, exact_period=False, rejected=tuple(rejected))


def _too_many_rejected(name: str, entries: list[Entry], rejected: list[Rejected]) -> None:
    """Refuse the file (one line, the first bad row) when nothing or too little could be read:
    a few damaged rows are listed in the draft, a wrong column or file is not guessed around."""
    if not entries and not rejected:
        raise fail(name, "has a header but no bookings", code="no_bookings")
    total = len(entries) + len(rejected)
    if rejected and (not entries or len(rejected) > MAX_REJECTED_SHARE * total):
        first = rejected[0]
        more = f" ({len(rejected)} of {total} rows refused; nothing usable is left)" if not entries else \
            f" ({len(rejected)} of {total} rows refused: too many to draft from the rest)"
        raise fail(name, first.message + more, line=first.line, field_name=first.field, code="rows_refused", refused=len(rejected), total=total, reason=first.reason)


def _row_amount(row: list[str], cols: dict[str, int], decimal: str | None = None) -> int | None:
    if "amount" in cols and _cell(row, cols, "amount"):
        return parse_amount(_cell(row, cols, "amount"), decimal)
    inn = parse_amount(_cell(row, cols, "in"), decimal) if "in" in cols else None
    out = parse_amount(_cell(row, cols, "out"), decimal) if "out" in cols else None
    if inn is None and out is None:
        return None
    return abs(inn or 0) - abs(out or 0)


def guess_separator(line: str) -> str:
    counts = {s: line.count(s) for s in (";", "\t", ",")}
    return max(counts, key=lambda s: (counts[s], s == ";"))


def account_digest(number: str) -> str:
    """A short digest of an account number: tells two accounts apart without holding either."""
    return hashlib.sha256(re.sub(r"\D", "", number).encode()).hexdigest()[:16]

"""The bank's PDF kontoutskrift: rows of date, text and amount read from the PDF's text layer.

What an office mostly gets from a tenant is the PDF the net bank prints, not a CSV export. Its
text layer holds the same table a CSV holds, so the words are put back into lines and columns
by their positions on the page (pdfplumber), under a header line such as `Dato  Forklaring
Rentedato  Ut av konto  Inn på konto` or `Dato  Tekst  Beløp`, and read into the same
`Entry` rows as a CSV, with the same date and amount rules (`csvfile.parse_date`,
`csvfile.parse_amount`). A scanned PDF (an image, no text layer) is refused, not guessed at
with OCR: a misread digit is a wrong payout date or amount, and the bank's own PDF or CSV is
one click away for the tenant.

Nothing read here is logged: pdfminer's own logging and warnings are held back while a file is
read (they would show on stderr and could quote the page's text, which is personal data).
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from ..money import MoneyError
from .cells import parse_amount, parse_date
from .model import Entry, Rejected, Statement, fail

#: header words of each column, compared case-blind; longest first so that "Inn på konto" wins
#: over "Inn" and "Ut av konto" over "Ut"
_HEADERS: dict[str, tuple[str, ...]] = {
    "date": ("bokføringsdato", "bokført dato", "transaksjonsdato", "dato"),
    "text": ("forklaring", "tekst", "beskrivelse", "transaksjonstekst", "tittel"),
    "value_date": ("rentedato", "valuteringsdato", "valutadato", "rentedag"),
    "out": ("ut av konto", "ut fra konto", "ut av kontoen", "uttak", "ut"),
    "in": ("inn på konto", "inn på kontoen", "innskudd", "inn"),
    "amount": ("beløp i nok", "beløp nok", "beløp"),
    "balance": ("saldo",),
    "ref": ("arkivref.", "arkivref", "arkivreferanse", "referanse"),
}
#: a date in a row: `31.01.2026`, `31.01.26` or `31.01` (the year from the statement's period)
_SHORT_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.?$")
_DATEISH = re.compile(r"^\d{1,2}[./-]\d{1,2}")
_FULL_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")
#: an amount cell: digits, thousands spaces/dots, a decimal comma, a sign (what parse_amount reads)
_AMOUNTISH = re.compile(r"^[-+\u2212\u2013]?[\d .\u00a0\u202f]*\d(?:,\d{1,2})?-?$")
#: a line below the table that states the closing balance
_CLOSING_WORDS = ("utgående saldo", "ny saldo", "saldo i kroner", "saldo pr", "saldo per", "disponibel saldo")
#: lines without a date that are sums or carried balances, not bookings
_SUMMARY_WORDS = ("saldo", "sum ", "sum", "totalt", "overført", "inngående", "utgående", "side ")
_LINE_TOLERANCE = 3.0  # points: words whose tops differ by less are on one line
MAX_PAGES = 200
MAX_REJECTED_SHARE = 0.25


@dataclass
class _Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass
class _Column:
    key: str
    label: str
    x0: float
    x1: float


@dataclass
class _Row:
    page: int
    line: int
    cells: dict[str, str]
    top: float
    bottom: float


@contextmanager
def _quiet() -> Iterator[None]:
    """pdfminer logs warnings about odd PDFs ("CropBox missing", broken xref) and Python warns
    too: held back, so that stderr holds our one-line messages only and no page text reaches a
    log. The loggers stay silent for good (set, never restored: two uploads read at once on
    the web server must not restore each other's level); planner wants none of their output."""
    for n in ("pdfminer", "pdfplumber", "pypdfium2"):
        logging.getLogger(n).setLevel(logging.CRITICAL + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def read_pdf(data: bytes, name: str) -> Statement:
    """A statement from the bank's PDF kontoutskrift; refused in one line when the PDF has no
    text layer (a scan), is encrypted or broken, or holds no table of bookings."""
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise fail(name, "is not a PDF document (it does not start with %PDF); give the bank's PDF or a CSV export", code="not_pdf")
    with _quiet():
        pages = _pages(data, name)
    if not any(words for words, _ in pages):
        raise fail(name, "has no text layer (a scanned image): ask for the bank's PDF or a CSV export", code="pdf_scanned")
    return _statement(pages, name)


def _pages(data: bytes, name: str) -> list[tuple[list[_Word], bool]]:
    """Each page's words and whether it holds an image. Every library error of an encrypted or
    broken file becomes one line: which one pdfminer raises differs by the damage."""
    from ..extras import MissingExtra, require

    try:
        require("pdf")  # pdfplumber is an extra (`pip install 'planner[pdf]'`)
    except MissingExtra as exc:
        raise fail(name, str(exc), code="missing_extra") from None
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psparser import PSException
    from pdfplumber.utils.exceptions import PdfminerException

    encrypted = (PDFPasswordIncorrect, PDFEncryptionError)
    broken = (PDFSyntaxError, PSException, PdfminerException, ValueError, KeyError, TypeError, IndexError,
              AttributeError, AssertionError, RecursionError, OverflowError, ZeroDivisionError, EOFError)
    out: list[tuple[list[_Word], bool]] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) > MAX_PAGES:
                raise fail(name, f"has {len(pdf.pages)} pages; a bank statement of a few months is far "
                           f"shorter (limit {MAX_PAGES})", code="pdf_pages", pages=len(pdf.pages), limit=MAX_PAGES)
            for page in pdf.pages:
                # a word with its spaces is a table cell ("1 234,50", "Inn på konto"); cells
                # stand further apart than a space
                words = [_Word(" ".join(w["text"].split()), float(w["x0"]), float(w["x1"]), float(w["top"]),
                               float(w["bottom"]))
                         for w in page.extract_words(keep_blank_chars=True, x_tolerance=3)
                         if w["text"].strip()]
                out.append((words, bool(page.images)))
    except encrypted:
        raise fail(name, "is an encrypted (password-protected) PDF: ask for the bank's PDF without a password "
                   "or a CSV export", code="pdf_encrypted") from None
    except broken as exc:
        if _is_encryption(exc):
            raise fail(name, "is an encrypted (password-protected) PDF: ask for the bank's PDF without a "
                       "password or a CSV export", code="pdf_encrypted") from None
        raise fail(name, "is a broken PDF that cannot be read: ask for the bank's PDF again or a CSV "
                   "export", code="pdf_broken") from None
    return out


def _is_encryption(exc: BaseException) -> bool:
    """pdfplumber wraps pdfminer's password error in its own exception."""
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, (PDFPasswordIncorrect, PDFEncryptionError)):
            return True
        seen = seen.__cause__ or seen.__context__ or (seen.args[0] if seen.args and
                                                      isinstance(seen.args[0], BaseException) else None)
    return False


def _lines(words: list[_Word]) -> list[list[_Word]]:
    """Words grouped into lines by their top, each line left to right."""
    lines: list[list[_Word]] = []
    for w in sorted(words, key=lambda w: (w.top, w.x0)):
        if lines and abs(lines[-1][0].top - w.top) <= _LINE_TOLERANCE:
            lines[-1].append(w)
        else:
            lines.append([w])
    return [sorted(line, key=lambda w: w.x0) for line in lines]


def _header(line: list[_Word]) -> list[_Column] | None:
    """The columns of a header line (a date column and an amount or in/out columns), else None.
    Each cell is one phrase ("Ut av konto"): words are read with their spaces (see `_pages`)."""
    names = {label: key for key, labels in _HEADERS.items() for label in labels}
    cols: list[_Column] = []
    for w in line:
        key = names.get(" ".join(w.text.casefold().rstrip(":").split()))
        if key is not None and all(c.key != key for c in cols):
            cols.append(_Column(key, w.text.strip(), w.x0, w.x1))
    keys = {c.key for c in cols}
    if "date" in keys and ("amount" in keys or {"in", "out"} <= keys) and len(cols) >= 3:
        return cols
    return None


def _column_of(w: _Word, cols: list[_Column]) -> str:
    """The column a word stands in: the header it overlaps most; else the nearest header (an
    amount right-aligned under a short header, a long text running past its header)."""
    best, overlap = None, 0.0
    for c in cols:
        o = min(w.x1, c.x1) - max(w.x0, c.x0)
        if o > overlap:
            best, overlap = c.key, o
    if best is not None:
        return best
    # left of the first column's start belongs to it; otherwise the nearest header edge
    return min(cols, key=lambda c: max(c.x0 - w.x1, w.x0 - c.x1, 0.0)).key


_Band = tuple[float, float, "str | None"]


def _bands(lines: list[list[_Word]], cols: list[_Column]) -> list[_Band]:
    """The page's columns as bands of x between empty gutters, each with the header standing in
    it. A bank may left-align a header over right-aligned amounts (or centre it): the header
    and its amounts need not overlap, but nothing else stands between the gutters. The gutters
    are found from the header and the lines that start with a date (the bookings), not from
    footers or paragraphs that run across the page. A band with several headers (no gutter
    between them) is left to `_column_of`, word by word."""
    first = min(c.x0 for c in cols)
    text_x0 = next((c.x0 for c in cols if c.key == "text"), float("inf"))
    spans = [(c.x0, c.x1) for c in cols]
    for line in lines:
        if _DATEISH.match(line[0].text) and line[0].x0 < text_x0 and line[0].x1 >= first - 2:
            spans.extend((w.x0, w.x1) for w in line)
    merged: list[list[float]] = []
    for x0, x1 in sorted(spans):
        if merged and x0 <= merged[-1][1] + 1.0:
            merged[-1][1] = max(merged[-1][1], x1)
        else:
            merged.append([x0, x1])
    found = [[c for c in cols if min(x1, c.x1) - max(x0, c.x0) > 0] for x0, x1 in merged]
    # headers standing alone in their band: their data stands beside them, not under them
    lonely = [inside[0] for (x0, x1), inside in zip(merged, found)
              if len(inside) == 1 and (x0, x1) == (inside[0].x0, inside[0].x1)]
    claimed: set[str] = set()
    bands: list[_Band] = []
    for (x0, x1), inside in zip(merged, found):
        if len(inside) > 1:
            bands.append((x0, x1, None))
            continue
        if inside:
            bands.append((x0, x1, inside[0].key))
            continue
        # data under no header: a header left-aligned over right-aligned amounts stands to
        # its left (the usual print), else the nearest lone header; each claims one band
        free = [c for c in lonely if c.key not in claimed]
        left = [c for c in free if c.x1 <= x0]
        pick = max(left, key=lambda c: c.x1) if left else \
            min(free or cols, key=lambda c: max(c.x0 - x1, x0 - c.x1, 0.0))
        claimed.add(pick.key)
        bands.append((x0, x1, pick.key))
    return bands


def _cells(line: list[_Word], cols: list[_Column], bands: list[_Band]) -> dict[str, str]:
    """The line's text per column: by the band a word stands in, else by the headers."""
    parts: dict[str, list[str]] = {}
    for w in line:
        key = next((k for x0, x1, k in bands if x0 - 0.5 <= w.x0 and w.x1 <= x1 + 0.5), None)
        parts.setdefault(key or _column_of(w, cols), []).append(w.text)
    return {k: " ".join(v) for k, v in parts.items()}


def _table(pages: list[tuple[list[_Word], bool]]) -> tuple[list[_Row], list[str], list[_Column] | None]:
    """The table rows (below a header, page by page) and the text lines outside the table.
    A page without its own header continues with the last page's columns."""
    rows: list[_Row] = []
    outside: list[str] = []
    cols: list[_Column] | None = None
    for p, (words, _) in enumerate(pages, start=1):
        lines = _lines(words)
        headers = [h for h in map(_header, lines) if h is not None]
        page_cols = headers[0] if headers else cols
        bands = _bands(lines, page_cols) if page_cols else []
        for n, line in enumerate(lines, start=1):
            found = _header(line)
            if found is not None:
                cols = found
                continue
            text = " ".join(w.text for w in line)
            if cols is None:
                outside.append(text)
                continue
            cells = _cells(line, cols, bands)
            top, bottom = min(w.top for w in line), max(w.bottom for w in line)
            if _is_row(cells):
                rows.append(_Row(p, n, cells, top, bottom))
            elif rows and rows[-1].page == p and _continues(cells) and \
                    top - rows[-1].bottom < rows[-1].bottom - rows[-1].top:
                # the booking's text wrapped onto the next line (close below it, text only)
                rows[-1].cells["text"] = f"{rows[-1].cells.get('text', '')} {cells['text']}".strip()
                rows[-1].bottom = bottom
            else:
                outside.append(text)
    return rows, outside, cols


def _is_row(cells: dict[str, str]) -> bool:
    """A booking line: a date in the date column, or an amount beside something that is not a
    sum or balance line (a row with a bad or missing date must be reported, not dropped)."""
    date_cell = cells.get("date", "")
    if _DATEISH.match(date_cell):
        return True
    has_amount = any(_AMOUNTISH.match(cells.get(k, "")) for k in ("amount", "in", "out"))
    label = (date_cell or cells.get("text", "")).casefold()
    return has_amount and bool(label) and not label.startswith(_SUMMARY_WORDS)


def _continues(cells: dict[str, str]) -> bool:
    """Only text, no date and no amount: the previous booking's text wrapped."""
    return set(cells) == {"text"} and not cells["text"].casefold().startswith(_SUMMARY_WORDS)


def _period_years(outside: list[str], rows: list[_Row]) -> tuple[date, date] | None:
    """First and last full date written anywhere (the period line, the rows): the year of a
    `dd.mm` date is the one that puts it inside this span."""
    found = []
    for text in [*outside, *(r.cells.get("date", "") for r in rows), *(r.cells.get("value_date", "") for r in rows)]:
        for d, m, y in _FULL_DATE.findall(text):
            try:
                found.append(date(int(y), int(m), int(d)))
            except ValueError:
                continue
    return (min(found), max(found)) if found else None


def _row_date(cell: str, span: tuple[date, date] | None) -> date | None | str:
    """The booking day; 'no year' when a `dd.mm` date has no period to take its year from."""
    first = cell.split()[0] if cell.split() else ""
    full = parse_date(first)
    if full is not None:
        return full
    m = _SHORT_DATE.match(first)
    if m is None:
        return None
    if span is None:
        return "no year"
    day, month = int(m.group(1)), int(m.group(2))
    for year in range(span[0].year, span[1].year + 1):
        try:
            d = date(year, month, day)
        except ValueError:
            continue
        if span[0] - timedelta(days=7) <= d <= span[1] + timedelta(days=7):
            return d
    return None


def _amount(cells: dict[str, str]) -> int | None:
    """Signed øre of a row: a signed `Beløp`, or `Inn på konto` minus `Ut av konto` (a bank may
    print the out column with or without a minus)."""
    if cells.get("amount", "").strip():
        return parse_amount(cells["amount"])
    inn = parse_amount(cells.get("in", "")) if cells.get("in", "").strip() else None
    out = parse_amount(cells.get("out", "")) if cells.get("out", "").strip() else None
    if inn is None and out is None:
        return None
    return abs(inn or 0) - abs(out or 0)


def _closing(outside: list[str], rows: list[_Row], newest_first: bool) -> int | None:
    """The closing balance: the Saldo column of the last booking, else a line such as
    `Utgående saldo 12 345,67`."""
    with_balance = [r for r in rows if r.cells.get("balance", "").strip()]
    try:
        if with_balance:
            return parse_amount((with_balance[0] if newest_first else with_balance[-1]).cells["balance"])
        for text in outside:
            low = text.casefold()
            if any(low.startswith(w) or f" {w}" in low for w in _CLOSING_WORDS):
                m = re.search(r"(-?\s?\d{1,3}(?:[ .\u00a0]\d{3})*,\d{2})\s*(?:kr)?\s*$", text)
                if m:
                    return parse_amount(m.group(1))
    except MoneyError:
        return None
    return None


def _statement(pages: list[tuple[list[_Word], bool]], name: str) -> Statement:
    rows, outside, cols = _table(pages)
    if cols is None:
        raise fail(name, "is a PDF without a table of bookings this reader knows: no header line with "
                   "'Dato' and 'Beløp' (or 'Ut av konto' and 'Inn på konto'); give the bank's CSV export", code="pdf_no_table")
    labels = {c.key: c.label for c in cols}
    amount_field = labels.get("amount") or f"{labels.get('out', '')}/{labels.get('in', '')}"
    span = _period_years(outside, rows)
    entries: list[Entry] = []
    rejected: list[Rejected] = []
    for r in rows:
        where = f"page {r.page}, line {r.line}"
        text = r.cells.get("text", "")
        try:
            amount: int | None = _amount(r.cells)
            problem = "" if amount is not None else "no amount in this booking"
        except MoneyError as exc:
            amount, problem = None, str(exc)
        raw = r.cells.get("date", "")
        booked = _row_date(raw, span)
        if booked == "no year":
            raise fail(name, f"{where}: {labels['date']}: dates without a year ({raw!r}) and no period with a "
                       "year in the file; give the bank's CSV export", code="pdf_no_year")
        if not isinstance(booked, date):
            why = "no date" if not raw else "not a date"
            message = f"{why}: {raw!r}; write DD.MM.YYYY" if raw else "no date in a booking with an amount"
            rejected.append(Rejected(name, None, f"{where}: {labels['date']}", why, message, None, amount, text))
            continue
        if amount is None:
            rejected.append(Rejected(name, None, f"{where}: {amount_field}",
                                     "no amount" if problem == "no amount in this booking" else "not an amount",
                                     problem, booked, None, text))
            continue
        entries.append(Entry(booked=booked, amount_ore=amount, text=text, where=f"{name}, {where}"))
    _too_many_rejected(name, entries, rejected)
    dates = [e.booked for e in entries]
    newest_first = all(a >= b for a, b in zip(dates, dates[1:])) and dates[0] != dates[-1]
    closing = _closing(outside, [r for r in rows if isinstance(_row_date(r.cells.get("date", ""), span), date)],
                       newest_first)
    entries.sort(key=lambda e: e.booked)
    return Statement(files=(name,), start=min(dates), end=max(dates), entries=tuple(entries), currency="NOK",
                     closing_ore=closing, account_key=None, exact_period=False, rejected=tuple(rejected))


def _too_many_rejected(name: str, entries: list[Entry], rejected: list[Rejected]) -> None:
    """As for a CSV: a few damaged rows are listed in the draft; a table read wrongly (most rows
    refused) is refused as a whole, naming the first bad row."""
    if not entries and not rejected:
        raise fail(name, "has a table header but no bookings below it", code="no_bookings")
    total = len(entries) + len(rejected)
    if rejected and (not entries or len(rejected) > MAX_REJECTED_SHARE * total):
        first = rejected[0]
        raise fail(name, f"{first.message} ({len(rejected)} of {total} rows refused); give the bank's CSV export",
                   field_name=first.field, code="rows_refused", refused=len(rejected), total=total, reason=first.reason)

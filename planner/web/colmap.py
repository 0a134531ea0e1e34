"""Column mapping in the page: when no bank preset or column map fits an uploaded statement or
rent ledger, the page shows the columns found and a select per role (date, text, amount,
inn/ut, debet/kredit, ...); the person picks, sends the file again, and it is read with that
map. The map is the same TOML the CLI writes as FILE.kolonner.toml, offered for download so
that the next file from the same bank or landlord needs no picking.

Nothing of the file is kept: the columns are read from its first rows while the request runs
and only the header names go into the page and the map (never a cell of a booking).
"""

from __future__ import annotations

import csv
import io
import urllib.parse
from collections.abc import Mapping as MappingType
from dataclasses import dataclass, field

from ..io.tables import ColumnMap

#: rows searched for the header: a title or preamble may stand above it
HEAD_ROWS = 10
#: (ours, Norwegian label) per kind of file, in the order the page shows them
ROLES: dict[str, tuple[tuple[str, str], ...]] = {
    "statement": (("date", "Dato"), ("text", "Tekst"), ("amount", "Beløp med fortegn (+ inn, − ut)"),
                  ("in", "Inn på konto"), ("out", "Ut fra konto"), ("balance", "Saldo (valgfri)"),
                  ("counterpart", "Navn på betaler/mottaker (valgfri)")),
    "ledger": (("tenancy", "Leieforhold"), ("date", "Dato"), ("kind", "Type (husleie, innbetaling …)"),
               ("amount", "Beløp"), ("debit", "Debet"), ("credit", "Kredit"), ("text", "Tekst (valgfri)"),
               ("reference", "Bilag (valgfri)")),
}
#: the form fields' prefix: `kolonne-date`, `kolonne-in`, ...
PREFIX = "kolonne-"


@dataclass
class Offer:
    """What the page shows: the file's columns and a choice per role (pre-filled with a guess,
    or what the person chose), the problem with the choice if any, and the map as TOML."""

    kind: str  # "statement" or "ledger"
    file: str
    columns: list[str]
    chosen: dict[str, str] = field(default_factory=dict)
    problem: str = ""
    toml: str = ""
    used: bool = False  # the file was read with this map (the page offers it for download)

    @property
    def roles(self) -> tuple[tuple[str, str], ...]:
        return ROLES[self.kind]

    @property
    def download_name(self) -> str:
        return f"{self.file}.kolonner.toml"

    @property
    def download_href(self) -> str:
        """The map as a data: link, so nothing is stored on the server to be downloaded later."""
        return "data:text/plain;charset=utf-8," + urllib.parse.quote(self.toml)


def rows_of(data: bytes, name: str, limit: int = HEAD_ROWS + 40) -> tuple[list[list[str]], str | None]:
    """The first rows of a CSV or XLSX file as text cells, and the CSV separator (None for XLSX)."""
    from ..statement.csvfile import cell_text, decode, separators
    from ..statement.xlsxfile import is_xlsx, sheet_rows

    if is_xlsx(data):
        return [[cell_text(c, None).strip() for c in r] for r in sheet_rows(data, name)[:limit]], None
    text = decode(data, name)
    lines = text.splitlines()[:limit]
    best: tuple[int, str, list[list[str]]] = (-1, ";", [])
    for sep in separators(lines[:HEAD_ROWS]):
        rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO("\n".join(lines)), delimiter=sep)]
        width = max((sum(1 for c in r if c) for r in rows[:HEAD_ROWS]), default=0)
        if width > best[0]:
            best = (width, sep, rows)
    return best[2], best[1]


def header_at(rows: list[list[str]]) -> int:
    """The header row: the first of the widest among the first rows (a title row is narrower)."""
    widths = [sum(1 for c in r if c) for r in rows[:HEAD_ROWS]]
    return widths.index(max(widths)) if any(widths) else 0  # widths are counts: any() = some row has a cell


def offer(kind: str, data: bytes, name: str, chosen: MappingType[str, str] | None = None,
          problem: str = "") -> Offer | None:
    """The mapping form for this file, pre-filled with `chosen` or a guess; None when no header
    row with at least two named columns is found (then the page shows only the error)."""
    try:
        rows, _ = rows_of(data, name)
    except Exception:  # noqa: BLE001 - not a table at all: the reader's own message is shown instead
        return None
    if not rows:
        return None
    at = header_at(rows)
    columns = [c for c in dict.fromkeys(rows[at]) if c]
    if len(columns) < 2:
        return None
    return Offer(kind, name, columns, dict(chosen) if chosen else guess(kind, rows[at], rows[at + 1:]), problem)


def guess(kind: str, header: list[str], rows: list[list[str]]) -> dict[str, str]:
    """A first choice to correct: the statement's sample-map guess, or the ledger's usual names."""
    if kind == "statement":
        from ..statement.guess import guess_columns

        return guess_columns(header, rows)
    ours, _ = ColumnMap().rename("ledger", [h for h in header if h])
    return ours or _ledger_by_content(header, rows)


def _ledger_by_content(header: list[str], rows: list[list[str]]) -> dict[str, str]:
    """A ledger's columns told from what the first rows hold, when no header word is known:
    dates, amounts, booking-kind words (Husleie, Innbetaling ...), and the id that repeats."""
    from ..ledger.cells import fold_word, kind_lookup
    from ..money import MoneyError
    from ..statement.csvfile import parse_amount, parse_date

    def is_amount(c: str) -> bool:
        try:
            return parse_amount(c) is not None
        except MoneyError:
            return False

    def share(i: int, test) -> float:
        cells = [r[i] for r in rows if i < len(r) and r[i].strip()]
        return sum(1 for c in cells if test(c)) / len(cells) if cells else 0.0

    kinds = kind_lookup()
    free = [i for i, h in enumerate(header) if h]
    out: dict[str, str] = {}
    for ours, test, least in (("date", lambda c: parse_date(c) is not None, 0.8),
                              ("amount", is_amount, 0.8),
                              ("kind", lambda c: fold_word(c) in kinds, 0.5)):
        i = next((i for i in free if share(i, test) >= least), None)
        if i is not None:
            out[ours] = header[i]
            free.remove(i)
    # the tenancy id: the first other column whose values repeat (several bookings per tenancy)
    for i in free:
        cells = [r[i] for r in rows if i < len(r) and r[i].strip()]
        if cells and len(set(cells)) < len(cells):
            out["tenancy"] = header[i]
            break
    return out


def chosen_from(form: MappingType[str, object], kind: str, columns: list[str] | None = None) -> dict[str, str]:
    """Ours -> their column from the posted selects (empty when the person chose nothing)."""
    out = {}
    for ours, _ in ROLES[kind]:
        value = str(form.get(PREFIX + ours) or "").strip()
        if value and (columns is None or value in columns):
            out[ours] = value
    return out


def check(kind: str, chosen: dict[str, str]) -> str:
    """The Norwegian sentence saying what the choice lacks, or ''."""
    labels = dict(ROLES[kind])
    if "date" not in chosen:
        return f"Velg kolonnen for «{labels['date']}»."
    if len(set(chosen.values())) < len(chosen):
        return "Samme kolonne er valgt for to roller: velg én rolle per kolonne."
    if kind == "statement":
        if "amount" not in chosen and not ("in" in chosen and "out" in chosen):
            return "Velg «Beløp med fortegn», eller både «Inn på konto» og «Ut fra konto»."
        if "amount" in chosen and ("in" in chosen or "out" in chosen):
            return "Velg enten «Beløp med fortegn» eller «Inn»/«Ut», ikke begge."
    else:
        if "tenancy" not in chosen:
            return f"Velg kolonnen for «{labels['tenancy']}»."
        sides = "debit" in chosen and "credit" in chosen
        if not sides and not ("kind" in chosen and "amount" in chosen):
            return "Velg «Type» og «Beløp», eller både «Debet» og «Kredit»."
    return ""


def map_toml(kind: str, chosen: dict[str, str], file: str, separator: str | None = None) -> str:
    """The column map as the CLI reads it (`--columns FILE.kolonner.toml`)."""
    def q(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    command = "import-statement" if kind == "statement" else "ledger"
    lines = [f"# Kolonnekart for {file}, valgt på nettsiden.",
             f"#   planner {command} {file} --columns {file}.kolonner.toml ...",
             f"[{kind}]"]  # the map file's table has the kind's name: [statement] or [ledger]
    lines += [f"{ours} = {q(chosen[ours])}" for ours, _ in ROLES[kind] if ours in chosen]
    if separator:
        lines += ["", "[csv]", f"separator = {q(separator)}"]
    return "\n".join(lines) + "\n"


def column_map(kind: str, chosen: dict[str, str]) -> ColumnMap:
    """The chosen map as the readers take it."""
    return ColumnMap(statement=dict(chosen)) if kind == "statement" else ColumnMap(ledger=dict(chosen))


def separator_of(data: bytes, name: str) -> str | None:
    try:
        return rows_of(data, name)[1]
    except Exception:  # noqa: BLE001 - the map is then written without a separator (guessed on reading)
        return None


def posted(form: MappingType[str, object], kind: str) -> dict[str, str] | None:
    """The person's choice when this form came from the mapping form of `kind`, else None."""
    if str(form.get("kolonnekart") or "") != kind:
        return None
    return chosen_from(form, kind)


def after_failure(kind: str, data: bytes, name: str, chosen: dict[str, str] | None, problem: str = "") -> Offer | None:
    """The mapping form after a file no preset or map fits (or a choice that did not read)."""
    return offer(kind, data, name, chosen or None, problem)


def after_success(kind: str, data: bytes, name: str, chosen: dict[str, str] | None) -> Offer | None:
    """After a read with the chosen map: the map to download (None when no map was chosen)."""
    if not chosen:
        return None
    return Offer(kind, name, list(chosen.values()), dict(chosen),
                 toml=map_toml(kind, chosen, name, separator_of(data, name)), used=True)

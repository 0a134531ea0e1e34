"""A sample column map for a statement whose columns no preset or map fits.

As hledger writes a rules file to edit, the refusal leaves a map beside the file with the
columns filled in as well as they can be guessed from the header words and the first rows:
the person corrects a guess instead of learning the map format from nothing. Only column
names go in the map, never a cell of a booking.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..money import MoneyError

#: header words for our columns, most telling first (compared inside the header, case-blind)
_WORDS = {
    "date": ("bokført", "bokf", "dato", "date", "dag"),
    "in": ("inn", "kredit", "credit", "innskudd"),
    "out": ("ut", "debet", "debit", "uttak"),
    "amount": ("beløp", "belop", "sum", "amount", "kr"),
    "balance": ("saldo", "balance", "balanse"),
    "text": ("tekst", "beskrivelse", "forklaring", "melding", "tittel", "text", "info", "spesifikasjon"),
    "counterpart": ("navn", "mottaker", "avsender", "motpart"),
}
SUFFIX = ".kolonner.toml"


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _share(rows: list[list[str]], i: int, test) -> float:
    cells = [r[i] for r in rows if i < len(r) and r[i].strip()]
    return sum(1 for c in cells if test(c)) / len(cells) if cells else 0.0


def guess_columns(header: list[str], rows: list[list[str]]) -> dict[str, str]:
    """Ours -> their header, guessed from the header words, then from what the cells hold."""
    from .cells import parse_amount, parse_date

    def is_amount(c: str) -> bool:
        try:
            return parse_amount(c) is not None
        except MoneyError:
            return False

    out: dict[str, str] = {}
    used: set[int] = set()
    low = [h.casefold() for h in header]
    # a "header" holding dates or amounts is a first booking (a file without a header row):
    # its words say nothing (`Betalingsdato: 02.09.2015` is a text, not the date column)
    words_mean_nothing = any(parse_date(h) is not None or is_amount(h) for h in header if h)
    for ours in () if words_mean_nothing else ("date", "balance", "in", "out", "amount", "text", "counterpart"):
        for word in _WORDS[ours]:
            hit = next((i for i, h in enumerate(low) if i not in used and h and
                        (h == word or h.startswith(word + " ") or (len(word) > 3 and word in h))), None)
            if hit is not None:
                out[ours] = header[hit]
                used.add(hit)
                break
    if ("in" in out) != ("out" in out):
        out.pop("in", None)
        out.pop("out", None)
    if "in" in out and "amount" in out:
        out.pop("amount")
    free = [i for i, h in enumerate(header) if i not in used and h]
    if "date" not in out:
        i = next((i for i in free if _share(rows, i, lambda c: parse_date(c) is not None) > 0.8), None)
        if i is not None:
            out["date"] = header[i]
            free.remove(i)
    if "amount" not in out and "in" not in out:
        i = next((i for i in free if _share(rows, i, is_amount) > 0.8), None)
        if i is not None:
            out["amount"] = header[i]
            free.remove(i)
    if "text" not in out:
        i = next((i for i in free if _share(rows, i, lambda c: not is_amount(c) and parse_date(c) is None) > 0.8),
                 None)
        if i is not None:
            out["text"] = header[i]
    return out


def sample_map(name: str, header: list[str], rows: list[list[str]], separator: str | None) -> str:
    """The TOML text of the sample map for `name` (column names only)."""
    guess = guess_columns(header, rows)
    base = Path(name).name
    lines = [
        f"# Kolonnekart for {base}, laget av `planner import-statement`: ingen bankmal passet.",
        f"# Kolonner i filen: {', '.join(h for h in header if h)}",
        "# Gjettet under: rett navnene (til høyre) til kolonnene i filen og kjør",
        f"#   planner import-statement {base} --columns {base}{SUFFIX} --out utkast.toml",
        "# Våre kolonner: date (dato), text (tekst), amount (beløp med fortegn) ELLER in og out",
        "# (inn, ut), balance (saldo), counterpart (navn), currency (valuta), type.",
        "[statement]",
    ]
    for ours in ("date", "text", "amount", "in", "out", "balance", "counterpart"):
        if ours in guess:
            lines.append(f"{ours} = {_q(guess[ours])}")
        elif ours in ("date", "text") or (ours == "amount" and "in" not in guess):
            lines.append(f'# {ours} = "..."   # ikke funnet: skriv kolonnens navn')
    if separator:
        lines += ["", "[csv]", f"separator = {_q(separator)}"]
    return "\n".join(lines) + "\n"


def write_sample(file: str, text: str) -> str:
    """Write the sample map beside `file` (0600, never over an existing one); the sentence
    for the refusal saying where it is."""
    path = Path(file).with_name(Path(file).name + SUFFIX)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return f"; {path} already exists (not overwritten): correct it and give --columns {path}"
    except OSError as exc:
        return f"; no sample column map written ({path}: {exc.strerror}): give --columns MAP.toml"
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(path, 0o600)
    return f"; a sample column map is written to {path}: correct it and give --columns {path}"

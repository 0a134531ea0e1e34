"""Tables as offices export them: title rows above the header, Norwegian numbers and dates.

Why: a caseworker's file comes from the landlord's or NAV's system through Excel. It often has a
title ("Reskontro pr. 31.12.2026") and an empty line above the header, writes credits as
`9.500,00-` or `(9.500,00)`, dates with a time of day (`01.08.2025 00:00:00`) or a two-digit
year, and benefits by name ("Bostøtte") rather than code. Refusing such a file, or worse,
reading its payments as errors and judging the tenant on the rest, helps nobody; these helpers
put such cells into the one form the readers check. They are shared by the batch tables
(`planner batch`) and the rent ledger (`planner ledger`), so both accept the same forms.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Sequence
from functools import lru_cache

#: How many lines above the header a file may hold (title, date, blank lines, a filter line).
HEADER_SEARCH = 30

# --------------------------------------------------------------------------- the header row


def find_header(rows: Sequence[Sequence[object]], accept: Callable[[list[str]], bool]) -> int:
    """Index of the first of `rows` (at most `HEADER_SEARCH`) that `accept`s as the header (its
    cells stripped, None as ""). When none does, the row with the most filled cells (the likely
    header, not a one-cell title above it), so the reader's message names the columns found."""
    filled = []
    for i, row in enumerate(rows[:HEADER_SEARCH]):
        cells = ["" if c is None else str(c).strip() for c in row]
        if any(cells) and accept(cells):
            return i
        filled.append(sum(1 for c in cells if c))
    return max(range(len(filled)), key=lambda i: (filled[i], -i)) if filled else 0


def csv_header(lines: Sequence[str], accept: Callable[[list[str]], bool], separator: str | None,
               guess: Callable[[str], str]) -> tuple[int, str]:
    """(index of the header line, separator) among the first lines of a CSV file. The separator
    is guessed on the header line itself, not on a title line above it (which has none)."""
    best: tuple[int, int, str] = (-1, 0, separator or guess(lines[0] if lines else ""))
    for i, line in enumerate(lines[:HEADER_SEARCH]):
        if not line.strip():
            continue
        sep = separator or guess(line)
        cells = [c.strip() for c in next(csv.reader([line], delimiter=sep), [])]
        if any(cells) and accept(cells):
            return i, sep
        filled = sum(1 for c in cells if c)
        if filled > best[0]:  # none accepted: the widest line is the likely header (not a title)
            best = (filled, i, sep)
    return best[1], best[2]


# --------------------------------------------------------------------------- numbers and dates

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007]+")
_MINUS = re.compile(r"[\u2212\u2012\u2013]")  # minus sign, figure dash, en dash: all a minus
_CURRENCY = re.compile(r"(?i)^([+-]?)(?:kr\.?|nok)|(?:kr\.?|nok)$")


def normalise_amount(text: str) -> str:
    """An amount as an office writes it, in the form `planner.money` reads: `9.500,00-`,
    `(9.500,00)` and `−9 500,00` become `-9.500,00`; `kr 747,37` becomes `747,37`; `9500,-`
    becomes `9500`. Text that is not an amount is returned as it was (the reader refuses it
    with its own message)."""
    t = _SPACES.sub("", text)
    if not t:
        return text
    t = _MINUS.sub("-", t)
    neg = False
    if t.startswith("(") and t.endswith(")"):
        neg, t = True, t[1:-1]
    t = _CURRENCY.sub(lambda m: m.group(1) or "", t)
    if re.fullmatch(r"[+-]?\d[\d.,]*,-", t):  # whole kroner: 9500,- is 9500,00
        t = t[:-1] + "00"
    elif re.fullmatch(r"\d[\d.,]*-", t):
        if neg:  # (9.500,00)- : two signs
            return text
        neg, t = True, t[:-1]
    if not re.fullmatch(r"[+-]?\d[\d.,]*", t):
        return text
    if neg:
        t = t[1:] if t.startswith("-") else "-" + t.lstrip("+")
    return t


_TIME = re.compile(r"^(.+?\d)(?:[ T-]|\s*kl\.?\s*)\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:[.,]\d+)?)?$", re.ASCII)
_DMY = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{2}|\d{4})$", re.ASCII)
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$", re.ASCII)


def normalise_date(text: str) -> str:
    """A date as an office writes it, as `YYYY-MM-DD`: `01.08.2025`, `1.8.25`, `2025-08-01`, each
    with or without a time of day (`01.08.2025 00:00:00`, `01.08.2025-00:00:00`, `... kl. 12.00`).
    A two-digit year is 2000-2089 or 1990-1999. Other text is returned as it was."""
    t = text.strip()
    m = _TIME.match(t)
    if m:
        t = m.group(1)
    m = _DMY.match(t)
    if m:
        d, mo, y = m.groups()
        year = int(y) if len(y) == 4 else (1900 if int(y) >= 90 else 2000) + int(y)
        return f"{year:04d}-{int(mo):02d}-{int(d):02d}"
    m = _ISO.match(t)
    if m:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    return text.strip() if t == text.strip() else t


# --------------------------------------------------------------------------- benefit names


def _fold(word: str) -> str:
    w = word.casefold().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    return " ".join(re.sub(r"[^\w ]+", " ", w).split())


#: Common spellings of our kinds beyond the catalogue's codes and names (folded: æøå as ae/o/a).
_SPELLINGS = {
    "bostotte": ("bostotte husbanken", "husbanken", "statlig bostotte", "bostotte fra husbanken"),
    "aap": ("arbeidsavklaringspenger", "arbeidsavklaring", "attforing", "attforingspenger"),
    "barnetrygd": ("utvidet barnetrygd", "ordinaer barnetrygd"),
    "uforetrygd": ("uforepensjon", "ufore", "uforetrygd nav"),
    "sosialhjelp": ("okonomisk sosialhjelp", "okonomisk stonad"),
    "alderspensjon": ("pensjon", "alderspensjon nav", "garantipensjon", "minstepensjon"),
    "lonn": ("lon", "lonn", "arbeidsinntekt", "inntekt fra arbeid", "salary", "wage"),
    "dagpenger": ("dagpenger ved arbeidsloshet",),
    "overgangsstonad": ("overgangsstonad enslig forsorger",),
    "kontantstotte": (),
    "sykepenger": (),
    "foreldrepenger": ("foreldrepenger nav", "svangerskapspenger"),
    "bidragsforskudd": ("forskudd pa bidrag", "forskudd bidrag"),
    "barnebidrag": ("bidrag",),
    "strom": ("strom", "elektrisitet", "nettleie"),
    "telefon": ("mobil", "internett", "telefon og internett", "bredband"),
    "barnehage": ("barnehagebetaling",),
    "lan": ("lan og kreditt", "kreditt", "forbrukslan"),
    "inkasso": ("inkasso og trekk", "trekk"),
}


def kind_names(codes: dict[str, str]) -> dict[str, str]:
    """Folded name or spelling -> code, for the codes given with their Norwegian names
    ({"aap": "Arbeidsavklaringspenger (AAP)", ...}): the code, the name, the part of the name in
    parentheses and the part before it, and the common spellings above."""
    out: dict[str, str] = {}
    for code, name in codes.items():
        for w in (code, name, *re.findall(r"\(([^)]*)\)", name), re.sub(r"\([^)]*\)", "", name),
                  *_SPELLINGS.get(code, ())):
            if _fold(w):
                out.setdefault(_fold(w), code)
    return out


@lru_cache(maxsize=2)
def benefit_names(group: str = "income") -> dict[str, str]:
    """`kind_names` of the catalogue's benefits ("income") or bills ("expense")."""
    from ...benefits import catalogue

    cat = catalogue()
    kinds = cat.kinds if group == "income" else cat.expenses
    return kind_names({k: v.name for k, v in kinds.items()})


def kind_code(text: str, names: dict[str, str]) -> str:
    """The code for a benefit or bill written by name (`Bostøtte`, `AAP`, `Barnetrygd`), case and
    accents aside; the text unchanged when it names none (the model refuses it with the kinds it
    allows)."""
    return names.get(_fold(text), text)


__all__ = ["HEADER_SEARCH", "benefit_names", "csv_header", "find_header", "kind_code", "kind_names", "normalise_amount",
           "normalise_date"]

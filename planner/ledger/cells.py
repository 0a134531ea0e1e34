"""The cell checks of a rent ledger: every cell of a block checked and typed at once
(vectorised with pyarrow compute, no Python code per row), the booking words our kinds go by,
and the dates and amounts as an office writes them. A bad cell becomes one `RowError` naming the
row, the column and the reason; the readers (`reading`) only find the header and cut blocks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..io.tables import LEDGER_KINDS, ColumnMap, RowError
from ..personal import has_national_id

REQUIRED = ("tenancy", "date", "kind", "amount")
#: kind codes, in the order bookings of one day are applied (charges before payments)
KIND_CODE = {k: i for i, k in enumerate(LEDGER_KINDS)}
#: Their usual words for our kinds (case and spaces ignored); `[kinds]` in the column map adds more.
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "charge": ("charge", "rent", "husleie", "leie", "krav", "faktura", "belastning", "husleiekrav", "leiekrav",
               "husleiefaktura", "fakturert husleie", "faktura husleie", "månedsleie", "manedsleie", "leie bolig",
               "boligleie", "fakturering", "debet", "rent charge", "invoice"),
    "payment": ("payment", "innbetaling", "betaling", "innbet", "innbet.", "avtalegiro", "efaktura", "nettbank",
                "innbetalt", "betalt", "innbetaling avtalegiro", "innbetaling nettbank", "innbetaling efaktura",
                "ocr", "ocr innbetaling", "innbetaling ocr", "kid", "kid innbetaling", "bankinnbetaling",
                "innbetaling bank", "giro", "innbetaling giro", "kontant", "kontantinnbetaling", "vipps", "kredit",
                "avtalegiro trekk", "trekk avtalegiro", "direkte oppgjør", "nav", "innbetaling nav",
                "husbanken", "bostøtte", "bostotte"),
    "reversal": ("reversal", "tilbakeføring", "tilbakeforing", "reversering", "storno", "tilbakeført",
                 "tilbakefort", "tilbakeføring innbetaling", "feilføring", "feilforing", "korrigering innbetaling",
                 "ompostering"),
    "returned": ("returned", "failed", "failed avtalegiro", "avvist", "avvist avtalegiro", "returnert",
                 "retur", "avtalegiro avvist", "avtalegiro retur", "retur avtalegiro", "returnert avtalegiro",
                 "avtalegiro returnert", "avvist trekk", "ikke dekning", "manglende dekning", "avvist betaling"),
    "credit": ("credit", "credit note", "kreditnota", "kreditering", "kredittnota", "kreditnota husleie",
               "kreditert", "reduksjon", "husleiereduksjon", "avslag", "prisavslag"),
    "instalment": ("instalment", "installment", "avdrag", "nedbetaling", "betalingsavtale", "avdrag betalingsavtale",
                   "avdrag nedbetalingsavtale", "nedbetalingsavtale", "avdragsavtale", "termin"),
}
MAX_ORE = 100_000_000 * 100  # 100 million kroner: beyond it a cell is a mistake
HIDDEN = "(tekst ikke vist)"


@dataclass
class Chunk:
    """Checked rows of one block: typed columns of the used rows, and the errors of the others."""

    tenancy: object  # pyarrow string array
    day: np.ndarray  # int32: days since 1970-01-01
    kind: np.ndarray  # int8: KIND_CODE
    amount: np.ndarray  # int64 øre, positive
    row: np.ndarray  # int64: the row as a spreadsheet counts it
    dupkey: np.ndarray  # uint64: hash of every mapped cell (duplicates)
    errors: list[RowError] = field(default_factory=list)
    rows_read: int = 0
    blank: int = 0
    bad_rows: int = 0  # rows with at least one error


def kind_lookup(colmap: ColumnMap | None = None) -> dict[str, int]:
    """Their word (case-folded, spaces squeezed) -> our kind code."""
    out = {}
    for kind, words in KIND_WORDS.items():
        for w in words:
            out[fold_word(w)] = KIND_CODE[kind]
    for kind, words in (colmap.kinds if colmap else {}).items():
        for w in words:
            out[fold_word(w)] = KIND_CODE[kind]
    return out


def fold_word(word: str) -> str:
    """A booking word as looked up: case-folded, punctuation other than letters and digits
    dropped, spaces squeezed (`Innbetaling - AvtaleGiro.` = `innbetaling avtalegiro`)."""
    return " ".join(re.sub(r"[^\w]+", " ", word.casefold()).split())


def _fold_arrow(a):
    """`fold_word`, vectorised (the same result for every word a ledger uses)."""
    import pyarrow.compute as pc

    a = pc.utf8_lower(a)
    a = pc.replace_substring_regex(a, r"[^\p{L}\p{N}_]+", " ")
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(a, r"\s+", " "))


def check_cells(name: str, ours: dict[str, str], cells: dict, rows: np.ndarray, bad_encoding: set[int],
                skip_rows: set[int] | None = None, colmap: ColumnMap | None = None) -> Chunk:
    """Typed columns for the valid rows; a `RowError` per bad cell of the others.

    Vectorised with pyarrow compute (C++ string kernels): no Python code runs per row, except to
    write the errors of rows that have them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(rows)
    trimmed: dict[str, Any] = {}
    dictionaries: dict[str, object] = {}
    for o, v in cells.items():
        trimmed[o], enc = _trimmed(_arrow_text(v))
        if enc is not None:
            dictionaries[o] = enc
    bad = np.zeros(n, dtype=bool)
    errors: list[tuple] = []  # (row, order, column, value, reason, tenancy)
    tenancy = trimmed["tenancy"]

    def encoded(col: str):
        """The column's dictionary encoding, made once (the checks and the duplicate key share it)."""
        if col not in dictionaries:
            dictionaries[col] = pc.dictionary_encode(trimmed[col])
        return dictionaries[col]

    def empty(col: str) -> np.ndarray:
        """Which cells of the column are empty, looked up in its dictionary (a few distinct words)."""
        enc = encoded(col)
        words = np.flatnonzero(np.asarray(pc.equal(pc.utf8_length(enc.dictionary), 0).to_numpy(
            zero_copy_only=False), dtype=bool))
        if words.size == 0:
            return np.zeros(n, dtype=bool)
        return np.asarray(enc.indices.to_numpy(zero_copy_only=False)) == words[0]  # (a dictionary's words are distinct)

    blank = np.ones(n, dtype=bool)
    for col in trimmed:
        blank &= empty(col)

    skip = np.isin(rows, np.fromiter(skip_rows, dtype=np.int64)) if skip_rows else np.zeros(n, dtype=bool)

    def report(mask: np.ndarray, col: str, reason: str, show) -> None:
        nonlocal bad
        mask = mask & ~blank & ~skip  # a row already reported (a formula cell) is not reported twice
        if not mask.any():
            return
        bad |= mask
        idx = np.flatnonzero(mask)
        vals = trimmed[col].take(pa.array(idx)).to_pylist() if col in trimmed else [""] * len(idx)
        tids = tenancy.take(pa.array(idx)).to_pylist()
        order = list(REQUIRED).index(col) if col in REQUIRED else 9
        for i, v, t in zip(idx, vals, tids):
            errors.append((int(rows[i]), order, ours.get(col, col), show(v), reason, _safe_id(t)))

    def np_(a) -> np.ndarray:
        return np.asarray(a.to_numpy(zero_copy_only=False))

    if bad_encoding:
        report(np.isin(rows, np.fromiter(bad_encoding, dtype=np.int64)), "tenancy",
               "raden er ikke UTF-8, men resten av filen er det (blandet tegnkoding): lagre filen på nytt som"
               " UTF-8; raden er ikke lest", lambda v: "")
    bad |= skip & ~blank

    # tenancy
    empty_t = empty("tenancy")
    report(empty_t, "tenancy", "ingen leieforhold-id i denne raden", lambda v: "")
    fnr = _national_ids(tenancy, encoded("tenancy"))
    report(fnr & ~empty_t, "tenancy", "inneholder et fødselsnummer eller D-nummer: bruk leieforholdets nummer,"
           " ikke personopplysninger", lambda v: "")

    # date, kind, amount: few distinct values (a ledger has a few hundred dates), so each is
    # parsed once in the dictionary and looked up per row
    day, bad_date = _by_dictionary(encoded("date"), parse_dates)
    report(bad_date, "date", "ikke en dato: skriv dd.mm.åååå, dd.mm.åå eller ÅÅÅÅ-MM-DD, gjerne med klokkeslett (en"
           " dag som finnes, årene 1990–2100)", _show_number)

    # amount: one signed column, or Debet and Kredit (one of them filled in)
    amount_help = ("ikke et beløp: kroner med høyst to desimaler, for eksempel 9500, 9 500,50, 9.500,00-, (9.500,00)"
                   " eller kr 747,37 (høyst 100 000 000)")
    if "amount" in ours:
        ore, bad_amount = _by_dictionary(encoded("amount"), parse_amounts)
        report(bad_amount, "amount", amount_help, _show_number)
        side = np.zeros(n, dtype=np.int8)
    else:
        ore = np.zeros(n, dtype=np.int64)
        bad_amount = np.zeros(n, dtype=bool)
        side = np.zeros(n, dtype=np.int8)  # +1: debit (raises the balance), -1: credit (lowers it)
        filled = np.zeros(n, dtype=np.int8)
        for col, sign in (("debit", 1), ("credit", -1)):
            if col not in ours:
                continue
            here = np_(pc.greater(pc.utf8_length(trimmed[col]), 0))
            v, b = _by_dictionary(encoded(col), parse_amounts)
            report(b & here, col, amount_help, _show_number)
            bad_amount |= b & here
            nonzero = here & ~b & (v != 0)
            filled += nonzero.astype(np.int8)
            # the column gives the direction: a Kredit written -9 500,00 is still a credit
            ore = np.where(nonzero, np.abs(v) * sign, ore)
            side = np.where(nonzero, sign, side).astype(np.int8)
        both = filled > 1
        report(both, "credit" if "credit" in ours else "debit", "både Debet og Kredit har et beløp: en"
               " postering går én vei", _show_number)
        bad_amount |= both
        ore = np.where(both, 0, ore)
    report((ore == 0) & ~bad_amount, "amount" if "amount" in ours else ("debit" if "debit" in ours else "credit"),
           "beløpet er null (eller ingen beløp i Debet eller Kredit): en postering flytter penger", _show_number)

    # kind: their booking word; without a kind column, the side (Debet: a charge, Kredit: a payment)
    if "kind" in ours:
        lookup = kind_lookup(colmap)
        enc = encoded("kind")  # a ledger has a handful of words: fold each once
        idx = pc.index_in(_fold_arrow(enc.dictionary), value_set=pa.array(list(lookup)))
        per_word = np.asarray(list(lookup.values()), dtype=np.int8)[np_(pc.fill_null(idx, 0)).astype(np.int64)]
        word = np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
        bad_kind = np_(pc.is_null(idx))[word] if len(word) else np.zeros(0, dtype=bool)
        codes = per_word[word] if len(word) else np.zeros(0, dtype=np.int8)
        report(bad_kind, "kind", f"ukjent posteringstype; tillatt: {', '.join(LEDGER_KINDS)} (eller de norske"
               " ordene, eller kartlegg deres med [kinds] i --columns)", _show_word)
    else:
        codes = np.where(side < 0, KIND_CODE["payment"], KIND_CODE["charge"]).astype(np.int8)
    ore = np.abs(ore)

    good = ~bad & ~blank
    errs = [RowError(name, r, c, v, reason, tid) for r, _, c, v, reason, tid in sorted(errors, key=lambda e: e[:2])]
    gi = pa.array(np.flatnonzero(good))
    key = _dupkey({c: encoded(c) for c in trimmed}, np.flatnonzero(good))
    return Chunk(tenancy.take(gi), day[good].astype(np.int32), codes[good], ore[good], rows[good], key, errs, n,
                 int(blank.sum()), int((bad & ~blank).sum()))


def _trimmed(a):
    """The cells without spaces around them, and their dictionary encoding when it comes free.

    Why: trimming every cell was a fifth of the checks; a column has few distinct values (but
    free text), and a file's cells seldom have spaces around them. The distinct values are
    trimmed; where none changes, the cells are already trimmed and their encoding is the one made
    (else every cell is trimmed, and encoded later)."""
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(a)
    if pc.utf8_trim_whitespace(enc.dictionary).equals(enc.dictionary):
        return a, enc
    return pc.utf8_trim_whitespace(a), None


def _by_dictionary(enc, parse):
    """`parse` applied to the distinct values of a column only (`enc`: its dictionary encoding),
    then spread to every row."""
    idx = np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    return tuple(x[idx] for x in parse(enc.dictionary))


def _arrow_text(values):
    """Cells as a pyarrow string array (nulls as empty text)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    elif not isinstance(values, pa.Array):
        values = pa.array(["" if v is None else str(v) for v in values], type=pa.string())
    if values.type != pa.string():
        values = pc.cast(values, pa.string())
    return pc.fill_null(values, "") if values.null_count else values


def _dupkey(encoded: dict, good: np.ndarray) -> np.ndarray:
    """A hash of every mapped cell (free text included, never kept) of the rows `good` to find
    duplicated rows. The distinct values are hashed once (the columns' dictionary encodings,
    `encoded`), then looked up per row."""
    out = np.zeros(len(good), dtype=np.uint64)
    for c in sorted(encoded):
        enc = encoded[c]
        words = enc.dictionary.to_numpy(zero_copy_only=False).astype(object)
        h = pd.util.hash_array(words) if len(words) else np.zeros(0, np.uint64)
        idx = np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)[good]
        out = out * np.uint64(1_000_003) ^ h[idx]
    return out


def _national_ids(tenancy, enc=None) -> np.ndarray:
    """Which ids hold a fødselsnummer or D-number, by the project's one rule
    (`planner.personal.has_national_id`, python-stdnum), checked once per distinct id: the same
    rule as batch and the household files, so no spelling slips through and a case number that
    merely has eleven digits is not refused."""
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(tenancy) if enc is None else enc
    # a fødselsnummer has eleven digits: only the ids with as many go to the rule (most have fewer)
    maybe = np.flatnonzero(np.asarray(pc.greater_equal(pc.count_substring_regex(enc.dictionary, "[0-9]"), 11)
                                      .to_numpy(zero_copy_only=False), dtype=bool))
    hit = np.zeros(len(enc.dictionary), dtype=bool)
    if maybe.size:
        words = enc.dictionary.take(maybe).to_pylist()
        hit[maybe] = np.fromiter((has_national_id(w) for w in words), dtype=bool, count=len(words))
    idx = enc.indices.to_numpy(zero_copy_only=False)
    return hit[np.asarray(idx, dtype=np.int64)] if len(idx) else np.zeros(0, dtype=bool)


def _safe_id(t: str | None) -> str | None:
    return None if not t or has_national_id(t) else t


def _show_number(v: str) -> str:
    """A bad date or amount cell is shown only when it holds no letters (it may be free text
    that slid into the wrong column, such as a name)."""
    v = (v or "").strip()
    return v if v and not re.search(r"[^\W\d_]", v) and len(v) <= 30 else (HIDDEN if v else "")


def _show_word(v: str) -> str:
    v = (v or "").strip()
    return v if re.fullmatch(r"[\w\-/]{1,24}", v) and not has_national_id(v) else (HIDDEN if v else "")


def _normalised(a, plain: str, normalise: Callable[[str], str]):
    """`normalise` applied to the values of `a` that are not already `plain` (a regex): most of a
    ledger's cells are, and are left to the vectorised checks; Python runs only on the others."""
    import pyarrow as pa
    import pyarrow.compute as pc

    odd = np.flatnonzero(~np.asarray(pc.match_substring_regex(a, plain).to_numpy(zero_copy_only=False), dtype=bool))
    if odd.size == 0:
        return a
    values = np.asarray(a.to_numpy(zero_copy_only=False), dtype=object)
    values[odd] = [normalise(v) for v in values[odd]]
    return pa.array(values, type=pa.string())


def parse_dates(a) -> tuple[np.ndarray, np.ndarray]:
    """(days since 1970-01-01, bad mask) for the dates an office writes: DD.MM.YYYY, DD.MM.YY,
    YYYY-MM-DD, each with or without a time of day (`01.08.2025 00:00:00`, `01.08.2025-00:00:00`;
    a spreadsheet's date cell reads so). A day that does not exist (30.02) is bad: the parsed date
    must print back as the text it came from. The text is put into one form by
    `planner.io.tables.office.normalise_date`, once per distinct value (see `_by_dictionary`)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..io.tables.office import normalise_date

    a = _normalised(a, r"^\d{4}-\d\d-\d\d$", normalise_date)
    ts = pc.strptime(a, format="%Y-%m-%d", unit="s", error_is_null=True)
    back = pc.strftime(ts, format="%Y-%m-%d")
    ok = pc.fill_null(pc.and_(pc.equal(back, a), pc.match_substring_regex(a, r"^(199\d|20\d\d|2100)-")), False)
    okn = np.asarray(ok.to_numpy(zero_copy_only=False), dtype=bool)
    days = np.array(pc.fill_null(pc.cast(pc.cast(ts, pa.date32()), pa.int32()), 0).to_numpy(zero_copy_only=False),
                      dtype=np.int64)
    days[~okn] = 0
    return days, ~okn


def parse_amounts(a) -> tuple[np.ndarray, np.ndarray]:
    """(signed øre, bad mask): kroner with at most two decimals, as an office writes them:
    '9 500,50', '9.500,50', 'kr 9500,-', '-9500.00', credits as '9.500,00-', '(9.500,00)' or with a
    minus sign (U+2212), non-breaking spaces. The text is first put into one form by
    `planner.io.tables.office.normalise_amount` (once per distinct value), then checked here."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..io.tables.office import normalise_amount

    t = _normalised(a, r"^[+-]?\d{1,12}([.,]\d{1,2})?$", normalise_amount)
    t = pc.replace_substring_regex(t, r"[\s\x{00a0}]", "")
    # thousands separators only where they cannot be decimals: '9.500,00', '1.234.567', '9,500.00'
    # ('12.345' alone is refused: 12 345 kr or 12,345 kr?)
    dots = pc.match_substring_regex(t, r"^[+-]?\d{1,3}((\.\d{3})+,\d{1,2}|(\.\d{3}){2,})$")
    t = pc.if_else(dots, pc.replace_substring(t, ".", ""), t)
    commas = pc.match_substring_regex(t, r"^[+-]?\d{1,3}((,\d{3})+\.\d{1,2}|(,\d{3}){2,})$")
    t = pc.if_else(commas, pc.replace_substring(t, ",", ""), t)
    ok = pc.match_substring_regex(t, r"^[+-]?\d{1,12}([.,]\d{1,2})?$")
    neg = np.asarray(pc.starts_with(t, "-").to_numpy(zero_copy_only=False), dtype=bool)
    t = pc.replace_substring_regex(t, r"^[+-]", "")
    t = pc.replace_substring_regex(t, r"^(\d+)$", r"\100")
    t = pc.replace_substring_regex(t, r"^(\d+)[.,](\d)$", r"\1\20")
    t = pc.replace_substring_regex(t, r"^(\d+)[.,](\d\d)$", r"\1\2")
    t = pc.if_else(ok, t, "0")
    ore = np.array(pc.cast(t, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
    okn = np.asarray(ok.to_numpy(zero_copy_only=False), dtype=bool)
    bad = ~okn | (ore > MAX_ORE)
    ore[bad] = 0
    return np.where(neg, -ore, ore), bad


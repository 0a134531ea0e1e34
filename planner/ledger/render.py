"""patterns.jsonl and patterns.txt of a part of tenancies, written a column at a time.

Why: the evidence of 100 000 tenancies is about half a million months and as many bookings. As
dicts (`patterns.evidence`) encoded line by line (`json`) and worded line by line
(`patterns.evidence_text`), it cost more than the analysis that found it. Here each month,
booking, instalment and returned debit becomes its JSON object and its words in one pass of
pyarrow's string kernels over the column; a tenancy's pieces are joined through a list array
(its rows are contiguous: every table of `Analysis` is in tenancy order). Formatting that needs
Python (kroner, months, dates as a caseworker reads them) runs once per distinct value.

The bytes are those of `json_line({... "evidence": evidence(...)})` and of
`evidence_text(doc, pattern)`: those two stay the readable definition, and
tests/test_ledger_speed.py checks this module against them on generated ledgers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .analysis import GRACE_DAYS, Analysis, month_of
from .patterns import KIND_NAME, KIND_NB, RULES, formats, pattern_name

#: the tenancy figures patterns.jsonl repeats, in its order
_FIGURES = ("due_day", "arrears_ore", "trend_ore_per_month", "observed_months", "late_months")
#: patterns without evidence (`patterns.evidence` gives None)
_NO_EVIDENCE = ("on_time", "too_few_months")


def _pa():
    import pyarrow as pa
    import pyarrow.compute as pc

    return pa, pc


def _num(values) -> Any:
    """Whole numbers as text (as `json` and `str` write them)."""
    pa, pc = _pa()
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())


def by_value(values: np.ndarray, convert: Callable[[Any], str]) -> Any:
    """`convert` applied once per distinct value, spread to every row (an Arrow string array).
    Distinct values by Arrow's hashing (no sort)."""
    pa, pc = _pa()
    enc = pc.dictionary_encode(pa.array(np.asarray(values)))
    words = pa.array([convert(v) for v in enc.dictionary.to_pylist()], pa.string())
    return words.take(enc.indices)


def iso_days(days: np.ndarray) -> Any:
    """Days since 1970-01-01 as ISO dates (Arrow's date32 as text: 2026-02-01), each distinct
    day worded once (a part's 30 000 months have a few hundred due dates)."""
    pa, pc = _pa()
    enc = pc.dictionary_encode(pa.array(np.asarray(days, dtype=np.int32)))
    return pc.cast(pc.cast(enc.dictionary, pa.date32()), pa.string()).take(enc.indices)


def _cat(*parts) -> Any:
    _, pc = _pa()
    return pc.binary_join_element_wise(*parts, "")


def _choose(mask: np.ndarray, yes, no) -> Any:
    pa, pc = _pa()
    return pc.if_else(pa.array(np.asarray(mask, dtype=bool)), yes, no)


def _per_tenancy(values, owner: np.ndarray, n: int, sep: str) -> Any:
    """The rows of each tenancy 0..n-1 (`owner` sorted) joined by `sep`; '' for none."""
    pa, pc = _pa()
    offsets = np.searchsorted(np.asarray(owner, dtype=np.int64), np.arange(n + 1)).astype(np.int32)
    return pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), values), sep)


def _last(owner: np.ndarray, k: int) -> np.ndarray:
    """Which rows are among the last `k` of their tenancy (`owner` sorted)."""
    owner = np.asarray(owner, dtype=np.int64)
    if not len(owner):
        return np.zeros(0, dtype=bool)
    ends = np.searchsorted(owner, owner, side="right")
    return ends - np.arange(len(owner)) <= k


def pattern_lines(a: Analysis, pattern: np.ndarray, shown: np.ndarray, rent: np.ndarray, days: pd.Series,
                  as_of: int, pay_months: int = 6) -> tuple[list[str | None], list[str | None]]:
    """(patterns.jsonl line, patterns.txt entry) of every tenancy of `a`, in its order; a
    tenancy without evidence (on time, too few months) has no patterns.txt entry (None).
    `pattern` is the pattern each is judged by (its evidence chosen by it)."""
    pa, pc = _pa()
    format_kr, format_month, excel_date = formats()
    n = len(a.tenancies)
    pattern = np.asarray(pattern).astype(str)
    want = ~np.isin(pattern, _NO_EVIDENCE)

    # ---- months: the observed rent months of the window (at most the last 12)
    sel = np.flatnonzero(a.months["observed"].to_numpy() & want[a.months["tid"].to_numpy()])
    sel = sel[_last(a.months["tid"].to_numpy()[sel], 12)]
    m = {c: a.months[c].to_numpy()[sel] for c in ("tid", "mi", "due", "charged", "paid_in_month", "parts", "settled",
                                                    "settled_day", "days_late", "failed", "balance_end")}
    mt = m["tid"]
    mi = m["mi"]
    settled = m["settled"]
    late = m["days_late"]
    parts = m["parts"]
    month_iso = by_value(mi, lambda x: f"{1970 + x // 12}-{x % 12 + 1:02d}")
    m_json = _cat('{"month":"', month_iso, '","due":"', iso_days(m["due"]), '","charged_ore":',
                  _num(m["charged"]), ',"paid_in_month_ore":', _num(m["paid_in_month"]), ',"parts":', _num(parts),
                  ',"settled":', _choose(settled, _cat('"', iso_days(np.maximum(m["settled_day"], 0)), '"'),
                                         "null"),
                  ',"days_late":', _num(late), ',"failed_debits":', _num(m["failed"]), ',"balance_end_ore":',
                  _num(m["balance_end"]), "}")
    month_nb = by_value(mi, lambda x: format_month(f"{1970 + x // 12}-{x % 12 + 1:02d}"))
    is_late = late > GRACE_DAYS
    late_text = _cat(month_nb, " (", _num(late), " dager, ", _num(parts), " ",
                     _choose(parts != 1, "deler", "del"), ")").filter(pa.array(is_late))
    # the last six month-end balances, worded for a creeping tenancy only (the others show none)
    creeping_last = _last(mt, 6) & (pattern[mt] == "creeping")
    balance_text = _cat(month_nb.filter(pa.array(creeping_last)), " ",
                        by_value(m["balance_end"][creeping_last], format_kr))

    # ---- bookings: payments, reversals, returned debits of the last `pay_months` months
    p_day = a.payments["day"].to_numpy()
    sel = np.flatnonzero((month_of(p_day) > int(month_of(np.array([as_of]))[0]) - pay_months)
                         & want[a.payments["tid"].to_numpy()])
    p = {c: a.payments[c].to_numpy()[sel] for c in ("tid", "kind", "day", "amount", "row")}
    pt = p["tid"]
    kind = p["kind"]
    p_day = p["day"]
    p_amount = p["amount"]
    kind_name = by_value(kind, lambda k: KIND_NAME.get(k, "?"))
    p_json = _cat('{"date":"', iso_days(p_day), '","kind":"', kind_name, '","amount_ore":', _num(p_amount), ',"row":',
                  _num(p["row"]), "}")
    paid = kind == 1
    p_text = _cat(by_value(p_day, lambda d: excel_date(str(np.datetime64(int(d), "D")))), " ",
                  _choose(paid, "", "-"), by_value(p_amount, format_kr),
                  _choose(paid, "", by_value(kind, lambda k: " " + KIND_NB.get(KIND_NAME.get(k, "?"), "?"))))

    # ---- instalments and returned debits: all
    inst = a.instalments
    it = inst["tid"].to_numpy().astype(np.int64) if len(inst) else np.zeros(0, np.int64)
    i_json = i_text = None
    if len(inst):
        i_day = by_value(inst["day"].to_numpy(), lambda d: excel_date(str(np.datetime64(int(d), "D"))))
        kept = inst["kept"].to_numpy().astype(bool)
        i_json = _cat('{"date":"', iso_days(inst["day"].to_numpy()), '","amount_ore":', _num(inst["amount"]), ',"row":',
                      _num(inst["row"]), ',"checked":', _choose(inst["checked"].to_numpy(), "true", "false"),
                      ',"kept":', _choose(kept, "true", "false"), ',"shortfall_ore":', _num(inst["shortfall"]), "}")
        i_text = _cat(i_day, " ", by_value(inst["amount"].to_numpy(), format_kr), " (mangler ",
                      by_value(inst["shortfall"].to_numpy(), format_kr), ", rad ", _num(inst["row"]), ")"
                      ).filter(pa.array(~kept))
    ret = a.returned
    rt = ret["tid"].to_numpy().astype(np.int64) if len(ret) else np.zeros(0, np.int64)
    r_json = r_text = None
    if len(ret):
        dd = ret["debit_day"].to_numpy(dtype=np.float64)
        has = ~np.isnan(dd)
        debit = np.nan_to_num(dd).astype(np.int64)
        r_day = ret["day"].to_numpy().astype(np.int64)
        r_json = _cat('{"date":"', iso_days(r_day), '","amount_ore":', _num(ret["amount"]), ',"row":', _num(ret["row"]),
                      ',"debit_date":', _choose(has, _cat('"', iso_days(debit), '"'), "null"), ',"days_after_debit":',
                      _choose(has, _num(r_day - debit), "null"), "}")
        r_text = _cat(by_value(r_day, lambda d: excel_date(str(np.datetime64(int(d), "D")))), " ",
                      by_value(ret["amount"].to_numpy(), format_kr), " (trekk ",
                      _choose(has, by_value(debit, lambda d: excel_date(str(np.datetime64(int(d), "D")))), "-"),
                      ", rad ", _num(ret["row"]), ")").filter(pa.array(_last(rt, 6)))

    # ---- per tenancy
    def joined(values, owner, sep=",") -> Any:
        return _per_tenancy(values, owner, n, sep)

    i_count = np.bincount(it, minlength=n)[:n]
    r_count = np.bincount(rt, minlength=n)[:n]
    b_count = np.bincount(pt, minlength=n)[:n]
    evidence = _cat(',"evidence":{"months":[', joined(m_json, mt), '],"bookings":[', joined(p_json, pt), "]",
                    _choose(i_count > 0, _cat(',"instalments":[', joined(i_json, it), "]"), "")
                    if i_json is not None else "",
                    _choose(r_count > 0, _cat(',"returned_debits":[', joined(r_json, rt), "]"), "")
                    if r_json is not None else "", "}")
    from .output import json_line

    patterns = sorted(set(pattern.tolist()))
    pattern_json = by_value(pattern, lambda k: json_line(k))
    rule_json = by_value(pattern, lambda k: json_line(RULES.get(k, "")))
    t = a.tenancies
    figures: list = []
    for c in _FIGURES:
        figures += [f',"{c}":', _num(t[c])]
    lines = _cat('{"tenancy":', pa.array([json_line(s) for s in shown.tolist()], pa.string()), ',"pattern":',
                 pattern_json, ',"rule":', rule_json, ',"rent_ore":', _num(rent), *figures, ',"payment_days":[',
                 pa.array([",".join(map(str, d)) for d in days], pa.string()), "]",
                 _choose(want, evidence, ""), "}")

    # each line of the evidence text with its newline first, '' where it has none
    late_line = _choose(np.bincount(mt[is_late], minlength=n)[:n] > 0,
                        _cat("\n  måneder betalt for sent: ", joined(late_text, mt[is_late], "; ")), "")
    balance_line = _choose(pattern == "creeping",
                           _cat("\n  saldo ved månedsslutt: ", joined(balance_text, mt[creeping_last], "; ")), "")
    inst_line: Any = ""
    if i_text is not None:
        kept_rows = inst["kept"].to_numpy().astype(bool)
        broken = joined(i_text, it[~kept_rows], "; ")
        inst_line = _choose(i_count > 0, _cat("\n  avdrag som ikke ble holdt: ",
                                              pc.if_else(pc.equal(broken, ""), "ingen", broken)), "")
    ret_line: Any = ""
    if r_text is not None:
        ret_line = _choose(r_count > 0, _cat("\n  avviste trekk: ", joined(r_text, rt[_last(rt, 6)], "; ")), "")
    book_line = _choose(b_count > 0, _cat("\n  innbetalinger, siste måneder: ", joined(p_text, pt, "; ")), "")
    body = pc.utf8_slice_codeunits(_cat(late_line, balance_line, inst_line, ret_line, book_line), 1)
    heads = {k: f": {pattern_name(k)} ({RULES[k]})\n" for k in patterns if k in RULES}
    texts = _cat(pa.array(shown.tolist(), pa.string()), by_value(pattern, lambda k: heads.get(k, "")), body)
    text_list: list[str | None] = texts.to_pylist()
    for k in np.flatnonzero(~want).tolist():
        text_list[k] = None
    return lines.to_pylist(), text_list


__all__: Sequence[str] = ["by_value", "iso_days", "pattern_lines"]

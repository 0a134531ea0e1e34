"""One part of a ledger run's bucket judged: duplicates, the as-of cut, `analysis.analyse` ->
`patterns.classify` -> `warning.early_warning`, the part's rows of the tenancy table, and its
months and evidence written to the outputs it is given (the run's files, or text in memory in
the helper process: `helper`). A pure function of the part's rows: the same rows give the same
bytes in whichever process they are judged."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..io.tables import RowError
from . import output
from .analysis import analyse
from .patterns import classify, payment_days
from .render import by_value, iso_days, pattern_lines
from .summary import INCOMPLETE
from .warning import early_warning

#: Figures of an incomplete tenancy that would judge it from part of its rows: left empty.
JUDGING = ("balance_ore", "arrears_ore", "arrears_months", "trend_ore_per_month", "late_months", "open_months",
           "split_months", "median_days_late", "failed_months", "broken_instalments", "payment_days",
           "collector_date", "request_date")


def pseudonymiser(key: bytes | None) -> Callable[[str], str]:
    from ..batch import pseudonym

    if key is None:
        return lambda s: s
    return lambda s: pseudonym(key, s)


def iso_or_empty(days) -> list[str]:
    """Days since 1970-01-01 as ISO dates ('' for a negative day: none), all at once."""
    d = np.asarray(days, dtype=np.int64)
    text = np.datetime_as_string(np.maximum(d, 0).astype("datetime64[D]")).astype(object)
    text[d < 0] = ""
    return text.tolist()


def months_table(m: pd.DataFrame, shown: np.ndarray):
    """months.csv's rows of a part as an Arrow table, the columns typed as the CSV writes them
    (text quoted, numbers bare). Built from numpy without a pandas frame between: the ids (made
    `csv_safe` once per tenancy), months and dates are turned into text once per distinct value
    and taken per row."""
    import pyarrow as pa

    from ..io.tables import csv_safe

    tid = m["tid"].to_numpy()
    ids = pa.array([csv_safe(x) for x in shown.tolist()], pa.string())
    settled = np.where(m["settled"].to_numpy(), np.maximum(m["settled_day"].to_numpy(), 0), -1)
    return pa.table({
        "tenancy": ids.take(pa.array(tid)),
        "month": text_of(m["mi"].to_numpy(), "datetime64[M]"),
        "due": text_of(m["due"].to_numpy(), "datetime64[D]"),
        "charged_ore": m["charged"].to_numpy(), "paid_in_month_ore": m["paid_in_month"].to_numpy(),
        "parts": m["parts"].to_numpy(), "settled": text_of(settled, "datetime64[D]"),
        "days_late": m["days_late"].to_numpy(), "failed_debits": m["failed"].to_numpy(),
        "balance_end_ore": m["balance_end"].to_numpy(),
    })


def text_of(values: np.ndarray, unit: str):
    """Months or days since 1970 as ISO text ('' for a negative value: none), as an Arrow string
    array, each distinct value worded once: days by Arrow's date type, months by Python."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = np.asarray(values, dtype=np.int64)
    if unit == "datetime64[M]":
        return by_value(values, lambda x: f"{1970 + x // 12}-{x % 12 + 1:02d}" if x >= 0 else "")
    enc = pc.dictionary_encode(pa.array(values))
    d = enc.dictionary.to_numpy()
    text = iso_days(np.maximum(d, 0))
    return (pc.if_else(pa.array(d < 0), "", text) if (d < 0).any() else text).take(enc.indices)


def judge(cols: dict, name: str, as_of: int, alias, months_out, json_out, text_out,
            incomplete: dict[str, tuple[int, str]] | None = None):
    """One bucket: duplicates, as-of cut, analysis, patterns, warning; months and evidence written.
    A tenancy in `incomplete` (a rejected row) is not judged: pattern `incomplete`, no dates, no
    priority, no months or evidence. Returns (tenancy table, duplicate errors, rows after as-of)."""
    incomplete = incomplete or {}
    import pyarrow.compute as pc

    row = cols["row"]
    if len(row) and (row[1:] < row[:-1]).any():  # (a run's parts come in row order: nothing to sort)
        order = np.argsort(row, kind="stable")
        cols = {c: (v.take(order) if c == "tenancy" else v[order]) for c, v in cols.items()}
    # a repeat of an earlier row (by row number): by hashing, the sort only when there is one
    dup = pd.Series(cols["dupkey"]).duplicated(keep="first").to_numpy()
    dup_errors = []
    if dup.any():
        _, first, inv = np.unique(cols["dupkey"], return_index=True, return_inverse=True)
        di = np.flatnonzero(dup)
        tids = cols["tenancy"].take(di).to_pylist()
        for i, t in zip(di, tids):
            dup_errors.append(RowError(name, int(cols["row"][i]), "", "",
                                       f"lik rad {int(cols['row'][first[inv[i]]])}: alle kolonnene som leses er like"
                                       " (legg til en bilagskolonne, kartlagt som 'reference', hvis begge er"
                                       " ekte); telt én gang", t))
    keep = ~dup & (cols["day"] <= as_of)
    after = int((~dup & (cols["day"] > as_of)).sum())
    if not keep.any():
        return None, dup_errors, after
    enc = pc.dictionary_encode(cols["tenancy"])
    ids = enc.dictionary.to_numpy(zero_copy_only=False)
    tid = np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    a = analyse(tid[keep], ids, cols["day"][keep], cols["kind"][keep], cols["amount"][keep], cols["row"][keep], as_of)
    t = a.tenancies
    pattern = classify(t)
    w = early_warning(a, pattern, as_of)
    days = payment_days(a, as_of)
    raw = [str(x) for x in t["tenancy"].tolist()]
    inc = np.array([x in incomplete for x in raw], dtype=bool)
    if inc.any():  # not judged from part of its rows
        pattern = np.where(inc, INCOMPLETE, pattern).astype(object)
        for c in ("collector_day", "request_day"):
            w[c] = np.where(inc, -1, w[c].to_numpy())
        for c in ("priority", "priority_urgency", "priority_arrears", "priority_pattern"):
            w[c] = np.where(inc, 0, w[c].to_numpy())
        w["plan_candidate"] = w["plan_candidate"].to_numpy() & ~inc
        days = days.where(~inc, pd.Series([[] for _ in range(len(days))], index=days.index))
    shown = np.array([alias(x) for x in raw], dtype=object)
    rent = t["rent_ore"].to_numpy()
    table = pd.DataFrame({
        "tenancy": shown, "pattern": pattern, "rent_ore": rent, "due_day": t["due_day"],
        "balance_ore": t["balance_ore"], "arrears_ore": t["arrears_ore"],
        "arrears_months": [f"{x:.2f}" for x in np.where(rent > 0, t["arrears_ore"] / np.maximum(rent, 1), 0).tolist()],
        "trend_ore_per_month": t["trend_ore_per_month"], "observed_months": t["observed_months"],
        "late_months": t["late_months"], "open_months": t["open_months"], "split_months": t["split_months"],
        "median_days_late": t["median_days_late"], "failed_debits": t["failed_debits"],
        "failed_months": t["failed_months"], "instalments": t["instalments"],
        "broken_instalments": t["broken_instalments"],
        "payment_days": [";".join(map(str, d)) for d in days],
        "collector_date": iso_or_empty(w["collector_day"]), "request_date": iso_or_empty(w["request_day"]),
        "priority": w["priority"], "priority_urgency": w["priority_urgency"], "priority_arrears": w["priority_arrears"],
        "priority_pattern": w["priority_pattern"], "plan_candidate": w["plan_candidate"].astype(int),
        "rows": t["rows"], "first_row": t["first_row"],
        # kept for the contact list, not written to tenancies.csv
        "x_collector_day": w["collector_day"], "x_request_day": w["request_day"],
        "x_collector_line_ore": w["collector_line_ore"], "x_rises": t["rises"],
        "x_days": days,
        "rejected_rows": [incomplete[x][0] if x in incomplete else 0 for x in raw],
        "incomplete_reason": [incomplete[x][1] if x in incomplete else "" for x in raw],
    })
    if inc.any():
        for c in JUDGING:
            table[c] = table[c].astype(object).where(~inc, "")
    table.attrs["raw"] = set(raw)
    m = a.months
    m = m[~inc[m["tid"].to_numpy()]]
    months_out.table(months_table(m, shown))
    lines, texts = pattern_lines(a, np.where(inc, "on_time", pattern), shown, rent, days, as_of)
    for k in np.flatnonzero(inc).tolist():  # not judged: the reason, no figures
        lines[k] = output.json_line({"tenancy": shown[k], "pattern": INCOMPLETE, "rule": incomplete[raw[k]][1],
                                     "rejected_rows": incomplete[raw[k]][0]})
        texts[k] = f"{shown[k]}: {incomplete[raw[k]][1]}"
    json_out.lines(lines)
    text_out.lines(x for x in texts if x is not None)
    return table, dup_errors, after


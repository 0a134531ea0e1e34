"""`planner ledger`: a rent ledger in, patterns, early warning and a ranked contact list out.

The run, with memory flat in the number of rows:

1. `reading.open_ledger` streams the file in blocks and checks every cell (vectorised); bad rows
   become errors, good rows typed columns;
2. each block's good rows are spread over buckets by a hash of the tenancy id, so every booking
   of a tenancy lands in the same bucket. A small ledger is one bucket in memory; a large one
   spills its buckets to Arrow files in DIR (removed at the end), about `bucket_rows` rows each;
3. each bucket in turn: duplicated rows found (to errors, counted once), bookings after the
   as-of date counted and left out, then `analysis.analyse` → `patterns.classify` →
   `warning.early_warning`, and its months and evidence appended to the output;
4. at the end the tenancy table (one small row per tenancy) is ranked into the contact list
   (`contact`), drafts are written for the plan candidates, and errors.csv and the summary
   (`summary`).

Every row is accounted for: rows read = used + blank + in errors (bad cells, ragged rows,
duplicates); `summary.json` holds the counts and the run checks that they add up.
"""

from __future__ import annotations

import json
import math
import os
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..io.files import remove_leftovers
from ..io.tables import ColumnMap, RowError
from . import output
from .analysis import analyse, month_of
from .contact import contact_list
from .memory import concat, give_back, parts
from .patterns import PATTERNS, classify, payment_days
from .reading import LedgerInputError, open_ledger
from .render import by_value, iso_days, pattern_lines
from .summary import INCOMPLETE, LedgerOptions, LedgerSummary, console_lines, summary_text
from .warning import early_warning, to_day

#: bytes of CSV per booking, about (to size the buckets before reading)
_BYTES_PER_ROW = 40
#: Figures of an incomplete tenancy that would judge it from part of its rows: left empty.
_JUDGING = ("balance_ore", "arrears_ore", "arrears_months", "trend_ore_per_month", "late_months", "open_months",
            "split_months", "median_days_late", "failed_months", "broken_instalments", "payment_days",
            "collector_date", "request_date")
_HIDDEN_COLUMNS = ["x_collector_day", "x_request_day", "x_collector_line_ore", "x_rises", "x_days"]
_ALL_COLUMNS = output.TENANCY_COLUMNS + _HIDDEN_COLUMNS
#: What a killed run leaves in the output folder (the spool, a cleaned copy of the ledger,
#: half-written outputs): removed by the next run (`remove_leftovers`: ended processes only).
LEFTOVERS = (".spool-ledger-*", ".ledger-*.csv", ".*.tmp")


def pseudonymiser(key: bytes | None) -> Callable[[str], str]:
    from ..batch import pseudonym

    if key is None:
        return lambda s: s
    return lambda s: pseudonym(key, s)


def run_ledger(path: str | Path, opts: LedgerOptions) -> LedgerSummary:
    """Run the ledger analysis; raises `LedgerInputError` (or `InputError` for a bad column map)
    for a ledger that cannot be used at all: the CLI prints it and exits 2."""
    from ..extras import require

    require("ledger")  # pyarrow is an extra: say so before anything is read or written
    t0 = time.perf_counter()
    colmap = ColumnMap.load(opts.columns)
    out = Path(opts.out)
    created = _new_parts(out)
    output.prepare(out)
    remove_leftovers(out, LEFTOVERS)
    remove_leftovers(out / "drafts", [".*.tmp"])
    try:
        ledger = open_ledger(path, colmap, opts.chunk_rows, opts.display_name, work_dir=out, limits=opts.limits,
                             late_rows=True)
        return _run(path, opts, ledger, out, t0)
    except (LedgerInputError, OSError):  # bad input, or a full disk: what this run made is removed
        for p in created:
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
        raise


def _new_parts(out: Path) -> list[Path]:
    """What `output.prepare` would create (the folder, or its drafts/), to remove on failure."""
    if not out.exists():
        return [out]
    return [] if (out / "drafts").exists() else [out / "drafts"]


def _run(path: str | Path, opts: LedgerOptions, ledger, out: Path, t0: float) -> LedgerSummary:
    s = LedgerSummary(ledger.name, opts.as_of, unused_columns=ledger.unused, pseudonymised=opts.key is not None)
    size = os.path.getsize(path)
    k = max(1, math.ceil(size / _BYTES_PER_ROW / opts.bucket_rows))
    if Path(path).suffix.lower() in (".xlsx", ".xlsm"):
        k = max(1, math.ceil(size * 4 / _BYTES_PER_ROW / opts.bucket_rows))
    s.buckets = k
    alias = pseudonymiser(opts.key)
    as_of = to_day(opts.as_of)
    errors: list[RowError] = []
    spool_dir = Path(tempfile.mkdtemp(prefix=f".spool-ledger-{os.getpid()}-", dir=out))
    try:
        buckets = _Buckets(k, spool_dir)
        done_bytes = 0
        for chunk in ledger.chunks:
            if ledger.row_map is not None and buckets.row_map is None:  # ragged rows: renumber the rows so far
                buckets.row_map = ledger.row_map
                errors = [replace(e, row=int(ledger.row_map(np.array([e.row]))[0])) if e.row else e for e in errors]
            s.rows_read += chunk.rows_read
            s.rows_blank += chunk.blank
            s.rows_in_errors += chunk.bad_rows
            errors.extend(chunk.errors)
            buckets.add(chunk)
            done_bytes += chunk.rows_read * _BYTES_PER_ROW
            del chunk
            give_back()
            if opts.progress:
                opts.progress("read", min(done_bytes, size), size)
        s.rows_used = s.rows_read - s.rows_blank - s.rows_in_errors
        if s.rows_used == 0:
            raise LedgerInputError(_no_usable_row(ledger.name, s, errors))
        incomplete, s.rejected_without_tenancy = _incomplete(errors)
        tables: list[pd.DataFrame] = []
        appenders: list[output.Appender] = []
        ok = False
        try:
            months_out = output.Appender(out / "months.csv", output.MONTH_COLUMNS)
            appenders.append(months_out)
            json_out = output.Appender(out / "patterns.jsonl")
            appenders.append(json_out)
            text_out = output.Appender(out / "patterns.txt")
            appenders.append(text_out)
            for b, bucket in enumerate(buckets.read()):
                for cols in parts(bucket, opts.part_rows):
                    t, dup_errors, after = _bucket(cols, ledger.name, as_of, alias, months_out, json_out, text_out,
                                                   incomplete)
                    s.duplicates += len(dup_errors)
                    s.rows_after_as_of += after
                    errors.extend(dup_errors)
                    if t is not None:
                        tables.append(t)
                    give_back()
                del bucket
                if opts.progress:
                    opts.progress("analyse", b + 1, k)
            if not tables and s.rows_after_as_of and not incomplete:
                raise LedgerInputError(f"{ledger.name}: nothing to judge: every booking is dated after the as-of date"
                                       f" {opts.as_of.isoformat()} (give a later --as-of); nothing was written")
            ok = True
        finally:
            failed: OSError | None = None
            for a in appenders:  # a full disk while closing one: the others are removed, the run fails
                try:
                    a.close(ok and failed is None)
                except OSError as exc:
                    failed = failed or exc
            if failed is not None and sys.exc_info()[0] is None:
                raise failed
        s.rows_used -= s.duplicates
        s.rows_in_errors += s.duplicates
    finally:
        shutil.rmtree(spool_dir, ignore_errors=True)
    seen = set().union(*(t.attrs.get("raw", set()) for t in tables)) if tables else set()
    only_rejected = [tid for tid in incomplete if tid not in seen]  # every row of it rejected
    if only_rejected:
        tables.append(_rejected_only(only_rejected, incomplete, alias))
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=_ALL_COLUMNS)
    del tables  # one copy of the tenancy table from here
    table = table.sort_values("tenancy", kind="stable").reset_index(drop=True)
    give_back()
    s.tenancies = len(table)
    counts = Counter(table["pattern"].tolist())
    s.by_pattern = {p: int(counts.get(p, 0)) for p in (*PATTERNS, INCOMPLETE)}
    s.incomplete = s.by_pattern[INCOMPLETE]
    pending: list[output.SheetAside] = []  # contact.xlsx, written by a child while the rest is written here
    try:
        contact = contact_list(table, opts, out, pending)
        output.write_frame(out / "tenancies.csv", table, output.TENANCY_COLUMNS)
        output.write_excel_frame(out / "tenancies-excel.csv", table, output.TENANCY_COLUMNS)
        s.contact = len(contact)
        s.candidates = int(table["plan_candidate"].sum()) if len(table) else 0
        errors = [RowError(e.file, e.row, e.column, alias(e.value) if e.value and e.column == ledger.columns.get(
            "tenancy") else e.value, e.reason, alias(e.household) if e.household else None) for e in errors]
        errors.sort(key=lambda e: e.row or 0)  # stable: the cells of a row keep the order of the columns
        s.error_lines = output.write_errors(out / "errors.csv", errors)
    finally:
        for p in pending:  # also after a failure here: no child left writing
            p.thread.join()
    for p in pending:
        p.wait()
    s.seconds = time.perf_counter() - t0
    s.peak_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    output.write_text(out / "summary.json", json.dumps(s.to_json(), indent=2, ensure_ascii=False) + "\n")
    output.write_text(out / "summary.txt", summary_text(s, contact))
    return s


class _Buckets:
    """Good rows spread over `k` buckets by tenancy; in memory for one bucket, else Arrow files."""

    def __init__(self, k: int, folder: Path):
        self.k = k
        self.folder = folder
        self.mem: list[dict] = []
        self.writers: dict[int, Any] = {}  # pyarrow.ipc stream writers (pyarrow ships no type hints)
        #: the reader's rows to the rows a spreadsheet shows, when it met ragged rows (`Ledger.row_map`)
        self.row_map: Callable[[np.ndarray], np.ndarray] | None = None

    def add(self, chunk) -> None:
        import pyarrow as pa

        cols = {"tenancy": chunk.tenancy, "day": chunk.day, "kind": chunk.kind, "amount": chunk.amount,
                "row": chunk.row, "dupkey": chunk.dupkey}
        if len(chunk.day) == 0:
            return
        if self.k == 1:
            self.mem.append(cols)
            return
        import pyarrow.compute as pc
        import pyarrow.ipc as ipc

        enc = pc.dictionary_encode(chunk.tenancy)
        words = enc.dictionary.to_numpy(zero_copy_only=False).astype(object)
        h = pd.util.hash_array(words) % np.uint64(self.k)
        bucket = h[np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)].astype(np.int64)
        batch = pa.record_batch({"tenancy": chunk.tenancy, "day": pa.array(chunk.day), "kind": pa.array(chunk.kind),
                                 "amount": pa.array(chunk.amount), "row": pa.array(chunk.row),
                                 "dupkey": pa.array(chunk.dupkey)})
        order = np.argsort(bucket, kind="stable")
        bounds = np.searchsorted(bucket[order], np.arange(self.k + 1))
        for b in range(self.k):
            if bounds[b + 1] == bounds[b]:
                continue
            part = batch.take(pa.array(order[bounds[b]:bounds[b + 1]]))
            w = self.writers.get(b)
            if w is None:
                w = ipc.new_stream(str(self.folder / f"b{b:04d}.arrow"), part.schema)
                self.writers[b] = w
            w.write_batch(part)

    def read(self):
        import pyarrow as pa
        import pyarrow.ipc as ipc

        if self.k == 1:
            if self.mem:
                yield self._renumbered(concat(self.mem))
            return
        for w in self.writers.values():
            w.close()
        for b in range(self.k):
            path = self.folder / f"b{b:04d}.arrow"
            if not path.exists():
                continue
            with pa.memory_map(str(path)) as src:
                table = ipc.open_stream(src).read_all()
            cols = {c: table.column(c).combine_chunks() for c in table.column_names}
            yield self._renumbered({"tenancy": cols["tenancy"], **{c: np.asarray(cols[c].to_numpy(
                zero_copy_only=False)) for c in ("day", "kind", "amount", "row", "dupkey")}})
            path.unlink()

    def _renumbered(self, cols: dict) -> dict:
        if self.row_map is not None:
            cols["row"] = self.row_map(cols["row"])
        return cols


def _no_usable_row(name: str, s: LedgerSummary, errors: list[RowError]) -> str:
    """One line for a ledger of which no row can be used: the counts and the first problem."""
    if s.rows_read == 0:
        return f"{name}: ingen rad kan brukes: filen har en overskriftsrad og ingen posteringer"
    first = min(errors, key=lambda e: e.row or 0) if errors else None
    where = (f"; den første: rad {first.row}" + (f", kolonne «{first.column}»" if first.column else "")
             + (f", verdi «{first.value}»" if first.value else "") + f": {first.reason}") if first else ""
    return (f"{name}: ingen rad kan brukes: {s.rows_read} rader lest, {s.rows_blank} tomme, {s.rows_in_errors} med"
            f" feil{where}; ingenting ble skrevet")


def _incomplete(errors: list[RowError]) -> tuple[dict[str, tuple[int, str]], int]:
    """{tenancy: (rows rejected, the text "ufullstendig: N rader avvist, første: ...")} and the
    count of rejected rows that name no tenancy.

    Why: a tenancy judged on the rows that could be read is judged on a ledger where its payments
    (or charges) are missing: a good payer whose payments were rejected looks like arrears that
    creep up. Such a tenancy gets no pattern, no dates and no priority; it is listed apart, with
    what to fix."""
    rows: dict[str, set[int]] = {}
    first: dict[str, RowError] = {}
    orphans: set[int] = set()
    for e in errors:
        if not e.household:
            orphans.add(e.row or 0)
            continue
        rows.setdefault(e.household, set()).add(e.row or 0)
        if e.household not in first or (e.row or 0) < (first[e.household].row or 0):
            first[e.household] = e
    out = {}
    for tid, rs in rows.items():
        e = first[tid]
        where = f"rad {e.row}" + (f", {e.column}" if e.column else "") + (f" = {e.value!r}" if e.value else "")
        out[tid] = (len(rs), f"ufullstendig: {len(rs)} rader avvist, første: {where}: {e.reason}")
    return out, len(orphans)


def _rejected_only(ids: list[str], incomplete: dict[str, tuple[int, str]], alias) -> pd.DataFrame:
    """Rows of the tenancy table for tenancies none of whose rows could be used."""
    recs = []
    for tid in sorted(ids):
        rec: dict[str, object] = {c: "" for c in _ALL_COLUMNS}
        rec.update(tenancy=alias(tid), pattern=INCOMPLETE, priority=0, priority_urgency=0, priority_arrears=0,
                   priority_pattern=0, plan_candidate=0, rows=0, rejected_rows=incomplete[tid][0],
                   incomplete_reason=incomplete[tid][1], x_collector_day=-1, x_request_day=-1, x_days=[])
        recs.append(rec)
    return pd.DataFrame(recs)


def _iso_or_empty(days) -> list[str]:
    """Days since 1970-01-01 as ISO dates ('' for a negative day: none), all at once."""
    d = np.asarray(days, dtype=np.int64)
    text = np.datetime_as_string(np.maximum(d, 0).astype("datetime64[D]")).astype(object)
    text[d < 0] = ""
    return text.tolist()


def _months_table(m: pd.DataFrame, shown: np.ndarray):
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
        "month": _text_of(m["mi"].to_numpy(), "datetime64[M]"),
        "due": _text_of(m["due"].to_numpy(), "datetime64[D]"),
        "charged_ore": m["charged"].to_numpy(), "paid_in_month_ore": m["paid_in_month"].to_numpy(),
        "parts": m["parts"].to_numpy(), "settled": _text_of(settled, "datetime64[D]"),
        "days_late": m["days_late"].to_numpy(), "failed_debits": m["failed"].to_numpy(),
        "balance_end_ore": m["balance_end"].to_numpy(),
    })


def _text_of(values: np.ndarray, unit: str):
    """Months or days since 1970 as ISO text ('' for a negative value: none), as an Arrow string
    array: days by Arrow's date type, months once per distinct value."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = np.asarray(values, dtype=np.int64)
    if unit == "datetime64[M]":
        return by_value(values, lambda x: f"{1970 + x // 12}-{x % 12 + 1:02d}" if x >= 0 else "")
    text = iso_days(np.maximum(values, 0))
    return pc.if_else(pa.array(values < 0), "", text) if (values < 0).any() else text


def _bucket(cols: dict, name: str, as_of: int, alias, months_out, json_out, text_out,
            incomplete: dict[str, tuple[int, str]] | None = None):
    """One bucket: duplicates, as-of cut, analysis, patterns, warning; months and evidence written.
    A tenancy in `incomplete` (a rejected row) is not judged: pattern `incomplete`, no dates, no
    priority, no months or evidence. Returns (tenancy table, duplicate errors, rows after as-of)."""
    incomplete = incomplete or {}
    import pyarrow.compute as pc

    row = cols["row"]
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
    raw = [str(x) for x in t["tenancy"]]
    inc = np.array([x in incomplete for x in raw], dtype=bool)
    if inc.any():  # not judged from part of its rows
        pattern = np.where(inc, INCOMPLETE, pattern).astype(object)
        for c in ("collector_day", "request_day"):
            w[c] = np.where(inc, -1, w[c].to_numpy())
        for c in ("priority", "priority_urgency", "priority_arrears", "priority_pattern"):
            w[c] = np.where(inc, 0, w[c].to_numpy())
        w["plan_candidate"] = w["plan_candidate"].to_numpy() & ~inc
        days = days.where(~inc, pd.Series([[] for _ in range(len(days))], index=days.index))
    shown = np.array([alias(str(x)) for x in t["tenancy"]], dtype=object)
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
        "collector_date": _iso_or_empty(w["collector_day"]), "request_date": _iso_or_empty(w["request_day"]),
        "priority": w["priority"], "priority_urgency": w["priority_urgency"], "priority_arrears": w["priority_arrears"],
        "priority_pattern": w["priority_pattern"], "plan_candidate": w["plan_candidate"].astype(int),
        "rows": t["rows"], "first_row": t["first_row"],
        # kept for the contact list, not written to tenancies.csv
        "x_collector_day": w["collector_day"], "x_request_day": w["request_day"],
        "x_collector_line_ore": w["collector_line_ore"], "x_rises": t["rises"],
        "x_days": days,
    })
    table["rejected_rows"] = [incomplete[x][0] if x in incomplete else 0 for x in raw]
    table["incomplete_reason"] = [incomplete[x][1] if x in incomplete else "" for x in raw]
    if inc.any():
        for c in _JUDGING:
            table[c] = table[c].astype(object).where(~inc, "")
    table.attrs["raw"] = set(raw)
    m = a.months
    m = m[~inc[m["tid"].to_numpy()]]
    months_out.table(_months_table(m, shown))
    lines, texts = pattern_lines(a, np.where(inc, "on_time", pattern), shown, rent, days, as_of)
    for k in np.flatnonzero(inc).tolist():  # not judged: the reason, no figures
        lines[k] = output.json_line({"tenancy": shown[k], "pattern": INCOMPLETE, "rule": incomplete[raw[k]][1],
                                     "rejected_rows": incomplete[raw[k]][0]})
        texts[k] = f"{shown[k]}: {incomplete[raw[k]][1]}"
    json_out.lines(lines)
    text_out.lines(x for x in texts if x is not None)
    return table, dup_errors, after



__all__ = ["INCOMPLETE", "LedgerInputError", "LedgerOptions", "LedgerSummary", "console_lines", "month_of", "run_ledger",
           "summary_text"]

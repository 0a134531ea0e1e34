"""`planner ledger`: a rent ledger in, patterns, early warning and a ranked contact list out.

The run, with memory flat in the number of rows:

1. `reading.open_ledger` streams the file in blocks and checks every cell (vectorised); bad rows
   become errors, good rows typed columns;
2. each block's good rows are spread over buckets by a hash of the tenancy id (`buckets`), so
   every booking of a tenancy lands in the same bucket. A small ledger is one bucket in memory; a
   large one spills its buckets to Arrow files in DIR (removed at the end), about `bucket_rows`
   rows each. There, with a helper process (`parallel`), the helper checks and spills about half
   of the blocks into files of its own while this process reads the next blocks and checks the
   others (`_read`); the blocks' counts and errors are taken in the file's order, and a bucket's
   batches from both are put in file order: the same rows as one process;
3. each bucket in turn, cut into parts of whole tenancies (`judge.judge`): duplicated rows found
   (to errors, counted once), bookings after the as-of date counted and left out, then
   `analysis.analyse` → `patterns.classify` → `warning.early_warning`, and its months and
   evidence appended to the output. Where there are several parts, a helper process judges
   some of them (`parallel`), and the outputs are written in the parts' order: the same bytes;
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
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..io.files import private_dir, remove_leftovers
from ..io.tables import ColumnMap, RowError
from ..io.xlsx import start_writers
from . import output
from .analysis import month_of
from .blocks import Block, Counts
from .buckets import Buckets
from .contact import ASIDE_ROWS, contact_list
from .judge import pseudonymiser
from .lines import LineSpool, tenancy_lines
from .memory import give_back, system_pool
from .parallel import Context, Helper, judge_all
from .patterns import PATTERNS
from .reading import Chunk, LedgerInputError, open_ledger
from .summary import INCOMPLETE, LedgerOptions, LedgerSummary, console_lines, summary_text
from .warning import to_day

#: bytes of CSV per booking, about (to size the buckets before reading)
_BYTES_PER_ROW = 40
#: With the helper (`parallel`), parts of at most this many rows: two parts are judged at once,
#: each costing ~0.75 KB a row at its peak (the tree of a 5.5 M-row run stays under 600 MB:
#: 514-533 MiB PSS at 100 000 with Arrow in glibc's heap, `memory.system_pool`; it was 75 000
#: before); smaller parts cost more time a row (pandas' fixed cost per call).
HELPED_PART_ROWS = 100_000
#: With the helper, blocks of at most this many rows read at a time: the helper's memory is
#: taken while the ledger is read, so the reading holds less.
HELPED_CHUNK_ROWS = 250_000
#: ... and where the helper checks some of the blocks while the ledger is read (buckets on disk,
#: `_read`): two processes hold blocks at once, and a block waits in the spool for the helper;
#: at 250 000 the tree's peak PSS on 5.5 M rows was ~670 MiB while reading, at 125 000 below
#: the judging's (~550 MiB), for the same time.
HELPED_READ_ROWS = 125_000
_HIDDEN_COLUMNS = ["x_collector_day", "x_request_day", "x_collector_line_ore", "x_rises", "x_days", "x_why", "x_unused",
                   "x_limit"]
_ALL_COLUMNS = output.TENANCY_COLUMNS + _HIDDEN_COLUMNS
#: What a killed run leaves in the output folder (the spool, a cleaned copy of the ledger,
#: half-written outputs): removed by the next run (`remove_leftovers`: ended processes only).
LEFTOVERS = (".spool-ledger-*", ".ledger-*.csv", ".*.tmp")


def run_ledger(path: str | Path, opts: LedgerOptions) -> LedgerSummary:
    """Run the ledger analysis; raises `LedgerInputError` (or `InputError` for a bad column map)
    for a ledger that cannot be used at all: the CLI prints it and exits 2."""
    from ..extras import require

    require("ledger")  # pyarrow is an extra: say so before anything is read or written
    with system_pool():  # (`memory.give_back`)
        return _run_ledger(path, opts)


def _run_ledger(path: str | Path, opts: LedgerOptions) -> LedgerSummary:
    t0 = time.perf_counter()
    colmap = ColumnMap.load(opts.columns)
    out = Path(opts.out)
    created = _new_parts(out)
    output.prepare(out)
    remove_leftovers(out, LEFTOVERS)
    remove_leftovers(out / "drafts", [".*.tmp"])
    # a second process judges parts where there are several (`parallel`), started now, while this one is
    # small; the blocks are read smaller then. So is the forkserver that starts contact.xlsx's writer,
    # for a ledger with rows enough for a contact list written aside (`contact.ASIDE_ROWS`)
    rows = _rows_about(path)
    if rows >= ASIDE_ROWS:
        start_writers()
    helper = Helper.start() if _workers(opts) > 1 and rows > opts.part_rows else None
    try:
        chunk_rows = opts.chunk_rows if helper is None else min(opts.chunk_rows, HELPED_READ_ROWS if _buckets(
            path, opts) > 1 else HELPED_CHUNK_ROWS)
        ledger = open_ledger(path, colmap, chunk_rows, opts.display_name, work_dir=out, limits=opts.limits,
                             late_rows=True)
        return _run(path, opts, ledger, out, t0, helper)
    except (LedgerInputError, OSError):  # bad input, or a full disk: what this run made is removed
        for p in created:
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
        raise
    finally:
        if helper is not None:
            helper.close()


def _new_parts(out: Path) -> list[Path]:
    """What `output.prepare` would create (the folder, or its drafts/), to remove on failure."""
    if not out.exists():
        return [out]
    return [] if (out / "drafts").exists() else [out / "drafts"]


def _rows_about(path: str | Path) -> float:
    """The ledger's rows, about, from its size (to size the buckets before reading)."""
    try:
        size = os.path.getsize(path)
    except OSError:  # (the reader says what is wrong with the path)
        return 0
    return size * (4 if Path(path).suffix.lower() in (".xlsx", ".xlsm") else 1) / _BYTES_PER_ROW


def _buckets(path: str | Path, opts: LedgerOptions) -> int:
    """How many buckets the rows are spread over (one: in memory)."""
    return max(1, math.ceil(_rows_about(path) / opts.bucket_rows))


def _run(path: str | Path, opts: LedgerOptions, ledger, out: Path, t0: float, helper: Helper | None) -> LedgerSummary:
    s = LedgerSummary(ledger.name, opts.as_of, unused_columns=ledger.unused, pseudonymised=opts.key is not None)
    size = os.path.getsize(path)
    k = s.buckets = _buckets(path, opts)
    spool_dir = Path(tempfile.mkdtemp(prefix=f".spool-ledger-{os.getpid()}-", dir=out))
    lines: LineSpool | None = None
    try:
        buckets = Buckets(k, spool_dir)
        errors = _read(ledger, buckets, s, opts, size, helper)
        incomplete, s.rejected_without_tenancy = _incomplete(errors)
        if helper is not None:  # then the rows of tenancies.csv and its twin are rendered part by part
            private_dir(spool_dir / "lines")
            lines = LineSpool(spool_dir / "lines")
        tables, seen = _judge(buckets, s, opts, ledger.name, out, errors, incomplete, helper, lines)
        if helper is not None:
            helper.close()  # now: its memory is not needed for the outputs
        return _finish(opts, s, out, t0, tables, seen, incomplete, errors, ledger, lines)
    finally:
        if helper is not None:
            helper.close()
        if lines is not None:
            lines.close()
        shutil.rmtree(spool_dir, ignore_errors=True)


def _finish(opts: LedgerOptions, s: LedgerSummary, out: Path, t0: float, tables: list[pd.DataFrame], seen: set[str],
            incomplete: dict[str, tuple[int, str]], errors: list[RowError], ledger,
            lines: LineSpool | None) -> LedgerSummary:
    """The tenancy table, the contact list, tenancies.csv, errors.csv and the summary."""
    alias = pseudonymiser(opts.key)
    only_rejected = [tid for tid in incomplete if tid not in seen]  # every row of it rejected
    if only_rejected:
        tables.append(_rejected_only(only_rejected, incomplete, alias))
        if lines is not None:
            lines.add(tenancy_lines(tables[-1]))
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=_ALL_COLUMNS)
    del tables  # one copy of the tenancy table from here
    table = table.sort_values("tenancy", kind="stable")
    order = table.index.to_numpy()  # (the rows of `lines` are in the order of the parts)
    table = table.reset_index(drop=True)
    give_back()
    s.tenancies = len(table)
    counts = Counter(table["pattern"].tolist())
    s.by_pattern = {p: int(counts.get(p, 0)) for p in (*PATTERNS, INCOMPLETE)}
    s.incomplete = s.by_pattern[INCOMPLETE]
    pending: list[output.SheetAside] = []  # contact.xlsx, written by a child while the rest is written here
    try:
        contact = contact_list(table, opts, out, pending)
        if lines is not None and lines.complete and len(table):
            lines.write(out, order)
        else:
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


def _workers(opts: LedgerOptions) -> int:
    """Processes judging parts: `opts.workers`, or two where this process may use two cores or more."""
    if opts.workers is not None:
        return opts.workers
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return min(2, cores)


def _read(ledger, buckets: Buckets, s: LedgerSummary, opts: LedgerOptions, size: int,
          helper: Helper | None = None) -> list[RowError]:
    """The ledger read into the buckets, its rows counted; the errors of its bad rows.

    With a helper (and buckets on disk), the helper checks and spills a block whenever it has
    fewer than `parallel.DEPTH` in hand, and this process the others, while it reads the next
    (`parallel`); the blocks' counts and errors are taken in the file's order either way."""
    errors: list[RowError] = []
    done_bytes = 0
    done: dict[int, Counts] = {}
    nxt = 0
    mapped: int | None = None  # the first block read after `ledger.row_map` was set (ragged rows)

    def here(block: Block | Chunk) -> Counts:
        chunk = block.check() if isinstance(block, Block) else block
        buckets.add(chunk)
        counts = Counts.of(chunk)
        del chunk
        give_back()  # (the reader's buffers: the next block's are not where these were)
        return counts

    def take(seq: int, c: Counts) -> None:
        nonlocal errors, done_bytes
        if mapped is not None and seq >= mapped and buckets.row_map is None:  # ragged rows: renumber the rows so far
            buckets.row_map = ledger.row_map
            errors = [replace(e, row=int(ledger.row_map(np.array([e.row]))[0])) if e.row else e for e in errors]
        s.rows_read += c.rows_read
        s.rows_blank += c.blank
        s.rows_in_errors += c.bad_rows
        errors.extend(c.errors)
        if c.span is not None:
            buckets.helped.append(c.span)
        done_bytes += c.rows_read * _BYTES_PER_ROW
        if opts.progress:
            opts.progress("read", min(done_bytes, size), size)

    blocks = ledger.blocks if ledger.blocks is not None else ledger.chunks
    helped = helper if helper is not None and buckets.k > 1 and helper.read_into(buckets.folder, buckets.k,
                                                                                 here) else None
    for seq, block in enumerate(blocks):
        if mapped is None and ledger.row_map is not None:
            mapped = seq
        if helped is not None and isinstance(block, Block) and helped.takes():
            helped.check(seq, block)
        else:
            done[seq] = here(block)
        del block
        if helped is not None:
            done.update(helped.ready())
        while nxt in done:
            take(nxt, done.pop(nxt))
            nxt += 1
    if helped is not None:
        back, buckets.helper_closed = helped.end_reading()
        done.update(back)
    while nxt in done:
        take(nxt, done.pop(nxt))
        nxt += 1
    s.rows_used = s.rows_read - s.rows_blank - s.rows_in_errors
    if s.rows_used == 0:
        raise LedgerInputError(_no_usable_row(ledger.name, s, errors))
    return errors


def _judge(buckets: Buckets, s: LedgerSummary, opts: LedgerOptions, name: str, out: Path, errors: list[RowError],
           incomplete: dict[str, tuple[int, str]], helper: Helper | None,
           lines: LineSpool | None) -> tuple[list[pd.DataFrame], set[str]]:
    """Every part judged (`parallel.judge_all`), months.csv and patterns.* written in the parts'
    order; the duplicates go to `errors`. Returns the parts' tenancy tables and the tenancy ids
    judged."""
    tables: list[pd.DataFrame] = []
    seen: set[str] = set()
    appenders: list[output.Appender] = []
    ok = False
    try:
        appenders.append(output.Appender(out / "months.csv", output.MONTH_COLUMNS))
        appenders.append(output.Appender(out / "patterns.jsonl"))
        appenders.append(output.Appender(out / "patterns.txt"))
        ctx = Context(name, to_day(opts.as_of), opts.key, incomplete, lines=lines is not None)
        if helper is not None:
            helper.setup(ctx)
        part_rows = opts.part_rows if helper is None else min(opts.part_rows, HELPED_PART_ROWS)
        for j in judge_all(_parts(buckets, part_rows, opts.progress), ctx, helper):
            s.duplicates += len(j.dup_errors)
            s.rows_after_as_of += j.after
            errors.extend(j.dup_errors)
            if j.table is not None:
                tables.append(j.table)
                seen |= j.raw
                if lines is not None:
                    lines.add(j.lines)
            for a, text in zip(appenders, (j.months, j.json, j.text)):
                a.write(text)
        if not tables and s.rows_after_as_of and not incomplete:
            raise LedgerInputError(f"{name}: nothing to judge: every booking is dated after the as-of date"
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
    return tables, seen


def _parts(buckets: Buckets, part_rows: int, progress) -> Iterator[dict]:
    """The buckets' rows in parts, in order; progress once a bucket."""
    for b, cut in enumerate(buckets.cut(part_rows)):
        while cut:
            yield cut.pop(0)
        if progress:
            progress("analyse", b + 1, buckets.k)


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



__all__ = ["INCOMPLETE", "LedgerInputError", "LedgerOptions", "LedgerSummary", "console_lines", "month_of", "run_ledger",
           "summary_text"]

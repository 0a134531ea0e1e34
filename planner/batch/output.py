"""The outputs"""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import orjson

from ..formatting import excel_date, format_decimal, format_kr, nb_date
from ..io.excelcsv import ExcelCsv, cell, excel_name, kroner
from ..io.files import atomic_file, write_atomic
from ..io.tables import (
    ERROR_HEADER,
    Spool,
    csv_safe,
    csv_safe_cells,
)
from ..vocabulary import actors_nb, problem_nb, status_nb
from .common import (
    DATE_COLUMNS,
    EXCEL_ERROR_HEADER,
    EXCEL_HEADER,
    INT_COLUMNS,
    ORE_COLUMNS,
    RESULT_COLUMNS,
    BatchOptions,
    BatchSummary,
)
from .journal import Journal

#: results.xlsx of at least this many rows is written by two processes side by side
SPLIT_ROWS = 20_000

# --------------------------------------------------------------------------- outputs


def rank_key(row: dict) -> tuple[object, object, int, str]:
    """(id, seq, priority, request date or "9999"): where a finished row goes in the results."""
    return (row.get("id"), row.get("seq"), int(row.get("priority") or 0), row.get("eviction_request") or "9999")


class Ranked:
    """The finished rows in the order the results list them (priority, then request date, then
    input order), kept in the spool as they are journaled. The sheet and the list can then start
    the moment the last household is done, with no sort in between. The first row journaled
    for an id wins, as in the journal."""

    def __init__(self, spool: Spool, batch: int = 5000) -> None:
        self.db = spool.db
        self.db.execute("CREATE TABLE IF NOT EXISTS res (id TEXT PRIMARY KEY, seq INTEGER, priority INTEGER, "
                        "req TEXT, row TEXT)")
        self.db.execute("CREATE INDEX IF NOT EXISTS res_order ON res (priority DESC, req, seq)")
        self.batch = batch
        self.pending: list[tuple] = []

    def add(self, line: str, row: dict) -> None:
        self.add_key(rank_key(row), line)

    def add_key(self, key: tuple[object, object, int, str], line: str) -> None:
        """A row by its `rank_key` (worked out by the worker that finished it) and journal line."""
        self.pending.append((*key, line))
        if len(self.pending) >= self.batch:
            self.flush()

    def add_journal(self, journal: Journal) -> None:
        """The rows a resumed run finished before."""
        for line, row in journal.lines():
            self.add(line, row)

    def flush(self) -> None:
        if self.pending:
            with self.db:
                self.db.executemany("INSERT OR IGNORE INTO res VALUES (?,?,?,?,?)", self.pending)
            self.pending = []


def finish(out: Path, spool: Spool, ranked: Ranked, opts: BatchOptions, rows_in: int, orphans: int,
            t_start: float, warnings: list[str] | None = None, invalid_plans: int = 0) -> BatchSummary:
    db = spool.db
    ranked.flush()
    db.execute("BEGIN")
    # households in errors: one row each, after the checked ones of equal priority
    for seq, row_json in db.execute("SELECT seq, row FROM bad ORDER BY seq").fetchall():
        r = json.loads(row_json)
        full = {"seq": seq, **{c: r.get(c, "") for c in RESULT_COLUMNS}}
        full["priority"] = 0
        db.execute("INSERT INTO res VALUES (?,?,?,?,?)", (f"\0error:{seq}", seq, -1, "9999",
                                                          json.dumps(full, ensure_ascii=False)))
    db.execute("COMMIT")
    columns = [c for c in RESULT_COLUMNS if c != "label" or (spool.has_label and opts.key is None)]

    def ordered(limit: int = -1, offset: int = 0):
        for (row_json,) in db.execute("SELECT row FROM res ORDER BY priority DESC, req, seq LIMIT ? OFFSET ?",
                                      (limit, offset)):
            yield _loads(row_json)

    # results.csv and results.xlsx in one pass over the sorted rows; a long sheet in two parts
    # written side by side (`write_xlsx_aside`), the second part's CSV lines kept in an anonymous
    # file (0600, in DIR, gone when closed) until the first part's are written
    total = db.execute("SELECT count(*) FROM res").fetchone()[0]
    k = total // 2 if total >= SPLIT_ROWS else total
    by_status: Counter = Counter()
    by_problem: Counter = Counter()
    n_ok = n_bad = 0
    unused = [0, 0]  # households flagged "bostøtte ikke søkt?", the sum of their estimates
    with atomic_file(out / "results.csv", newline="") as fh, \
            atomic_file(out / excel_name("results.csv"), newline="") as xfh:
        w = csv.writer(fh)
        w.writerow(columns)
        xw = ExcelCsv(xfh, [EXCEL_HEADER[c] for c in columns])
        excel_cells = ExcelCells(columns)
        later = tempfile.TemporaryFile("w+", encoding="utf-8", newline="", dir=out)
        xlater = tempfile.TemporaryFile("w+", encoding="utf-8", newline="", dir=out)

        def rows_to_csv(rows, w, xw):
            nonlocal n_ok, n_bad
            for r in rows:
                cells = [r.get(c, "") for c in columns]
                w.writerow(csv_safe_cells(cells))
                xw.writerow(excel_cells.of(cells))  # (the cells as `ExcelCsv.row` makes them)
                by_status[r["status"]] += 1
                if r["status"] == "error":
                    n_bad += 1
                else:
                    n_ok += 1
                    by_problem[r["problem"]] += 1
                    if r.get("bostotte_ikke_sokt"):
                        unused[0] += 1
                        unused[1] += int(r.get("bostotte_estimate_ore") or 0)
                yield cells

        head = rows_to_csv(ordered(k), w, xw.w)
        tail = rows_to_csv(ordered(-1, k), csv.writer(later), csv.writer(xlater, dialect=xw.w.dialect))
        with later, xlater:
            _write_xlsx(out / "results.xlsx", columns, head, (k, tail) if k < total else None)
            for part, whole in ((later, fh), (xlater, xfh)):
                part.seek(0)
                shutil.copyfileobj(part, whole, 1 << 20)
    # errors.csv: file-level problems first, then by household input order, then orphan payouts
    n_err = 0
    in_errors = db.execute("SELECT count(*) FROM bad").fetchone()[0]
    with atomic_file(out / "errors.csv", newline="") as fh, \
            atomic_file(out / excel_name("errors.csv"), newline="") as xfh:
        w = csv.writer(fh)
        w.writerow(ERROR_HEADER)
        xw = ExcelCsv(xfh, EXCEL_ERROR_HEADER)
        for file, row, col, value, reason, hh, reason_nb in db.execute(
                "SELECT file, row, col, value, reason, household, reason_nb FROM errs ORDER BY seq, n"):
            cells = (file, "" if row is None else row, col, value, reason, hh or "")
            w.writerow([csv_safe(v) for v in cells])
            xw.row((*cells[:4], reason_nb or reason, cells[5]))  # the caseworker's copy: Norwegian where known
            n_err += 1
    summary = BatchSummary(rows_in=rows_in, planned=n_ok, in_errors=in_errors, error_rows=n_err,
                           payout_orphans=orphans, by_status=dict(by_status), by_problem=dict(by_problem),
                           seconds=time.perf_counter() - t_start, unused_columns=spool.unused_columns, out=out,
                           warnings=list(warnings or []), invalid_plans=invalid_plans,
                           unused_bostotte=unused[0], unused_bostotte_ore=unused[1])
    write_atomic(out / "summary.txt", summary_text(summary, list(_top(db, 20)), opts))
    return summary


def _loads(line: str) -> dict:
    """A journaled row back: orjson reads the lines `journal_line` writes (text, integers, null)
    into the same dict as `json.loads` in a third of the time. Whatever it refuses (a lone
    surrogate, NaN) and any row with a float (orjson reads an integer past 64 bits as a float;
    a journaled row holds none) is read by `json` (tested on generated rows)."""
    try:
        row = orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line)
    return json.loads(line) if float in set(map(type, row.values())) else row


def _top(db, n: int):
    for (row_json,) in db.execute("SELECT row FROM res WHERE priority >= 0 ORDER BY priority DESC, req, seq LIMIT ?",
                                  (n,)):
        yield json.loads(row_json)


def summary_text(s: BatchSummary, top: list[dict], opts: BatchOptions) -> str:
    """summary.txt: deterministic (no times), counts and the top of the priority list, in Norwegian
    (the keys of results.csv are named by `planner.vocabulary`)."""
    lines = [
        "planner batch: sammendrag",
        "",
        f"rader inn: {s.rows_in} = husstander planlagt {s.planned} + husstander med feil {s.in_errors}"
        + ("" if s.consistent else "  (STEMMER IKKE: se journal.jsonl og errors.csv)"),
        f"rader i errors.csv: {s.error_rows} (utbetalingsrader for ukjente husstander: {s.payout_orphans})",
    ]
    if s.invalid_plans:
        lines.append(f"feil: {s.invalid_plans} planer brøt docs/plan.schema.json og ble ikke skrevet"
                     " (husstandene står i errors.csv; en feil i planner: meld den fra)")
    lines += [f"advarsel: {w}" for w in s.warnings]
    lines += [
        "",
        "husstander etter problem:",
    ]
    for k in ("none", "timing", "income"):
        lines.append(f"  {problem_nb(k):<20} {s.by_problem.get(k, 0):>8}")
    from ..entitlement import entitlement_rules

    known = nb_date(entitlement_rules().statlig_known_until)
    lines += ["", f"bostøtte ikke søkt? {s.unused_bostotte} husstander, anslått {format_kr(s.unused_bostotte_ore)} "
                  f"i måneden til sammen (anslag, ikke vedtak; Husbankens satser kjent til {known}; "
                  "planner entitlement FIL viser hvert anslag)"]
    lines += ["", "husstander etter status:"]
    for k in sorted(s.by_status):
        lines.append(f"  {status_nb(k):<20} {s.by_status[k]:>8}")
    lines += ["", f"de {len(top)} første etter prioritet (prioritet = hast + restanse + barn + tiltak + bostøtte):",
              f"  {'#':>3}  {'id':<24} {'prio':>4} = {'has':>3} + {'res':>3} + {'bar':>3} + {'tilt':>4} + {'bos':>3}  "
              f"{'begjæring':<10}  {'problem':<15} {'status':<18} hvem må handle"]
    for rank, r in enumerate(top, 1):
        lines.append(
            f"  {rank:>3}  {str(r['id'])[:24]:<24} {r['priority']:>4} = {r['priority_urgency']:>3} + "
            f"{r['priority_arrears']:>3} + {r['priority_children']:>3} + {r['priority_levers']:>4} + "
            f"{r.get('priority_bostotte', 0):>3}  "
            f"{excel_date(r['eviction_request'] or '') or '-':<10}  {problem_nb(r['problem'] or '-'):<15} "
            f"{status_nb(r['status']):<18} {actors_nb(r['actors'] or '') or '-'}")
    lines += ["", "prioritet: se docs/reference/batch.md (prioritet); beløp i results.csv er øre (*_ore),"
                  " i results-excel.csv og results.xlsx kroner."]
    if opts.key is not None:
        lines.append("id-ene er pseudonymisert (HMAC-SHA256 med kjøringens nøkkel).")
    return "\n".join(lines) + "\n"


def console_lines(s: BatchSummary) -> list[str]:
    """What `planner batch` prints when it is done (Norwegian; the figures as in summary.txt)."""
    statuses = ", ".join(f"{status_nb(k).lower()} {v}" for k, v in sorted(s.by_status.items()))
    return [f"rader inn: {s.rows_in} = husstander planlagt {s.planned} + husstander med feil {s.in_errors}",
            f"status: {statuses or '-'}; errors.csv: {s.error_rows} rader",
            f"resultater: {s.out / 'results.csv'}, {s.out / excel_name('results.csv')} (Excel),"
            f" {s.out / 'results.xlsx'}, sammendrag: {s.out / 'summary.txt'} ({format_decimal(s.seconds, 1)} s)",
            f"mest minne: hovedprosessen {s.main_rss_kib // 1024} MiB, største arbeider {s.worker_rss_kib // 1024} MiB"]


#: results.csv's columns whose values repeat from row to row (their Excel cells are worked out
#: once per distinct value); the rest (ids, amounts, counts) are nearly all distinct
_FEW_VALUES = frozenset({"start", "end", "problem", "first_shortfall", "min_balance_before_date", "status",
                         "interventions", "actors", "eviction_request", "bostotte_ikke_sokt", "note"})


#: columns whose cell is worked out from the value's text (amounts, the words of `_cell`)
_WORDED = ORE_COLUMNS | {"status", "problem", "actors"}


class ExcelCells:
    """A results row's cells for results-excel.csv (kroner, dd.mm.åååå, the Norwegian words, text
    made safe from formulas: `excelcsv.kroner`, the vocabulary and `excelcsv.cell`), made for
    100 000 rows: an amount in øre by integer arithmetic, the same text `kroner` makes (tested);
    a count as it is; a cell of a column whose values repeat, once per value."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        self.memo: dict[tuple[str, object], object] = {}
        self.exact = _grouping_is_babel_default()
        # per column: an amount in øre written by integer arithmetic; worked out from its text;
        # few values
        self.kinds = [(c in ORE_COLUMNS and self.exact, c in _WORDED, c in _FEW_VALUES) for c in columns]

    def __call__(self, r: dict) -> list[object]:
        return self.of([r.get(c, "") for c in self.columns])

    def of(self, values: list) -> list[object]:
        """The cells of a row given as its values in `columns`' order."""
        out: list[object] = []
        memo = self.memo
        for c, v, (ore, worded, few) in zip(self.columns, values, self.kinds):
            if type(v) is int:
                if ore:
                    a = -v if v < 0 else v
                    out.append(f"{'-' if v < 0 else ''}{a // 100},{a % 100:02d}")
                    continue
                if not worded:
                    out.append(v)  # (`cell` keeps a number as it is)
                    continue
            if few or v == "":  # (an empty cell is empty in every column: worked out once)
                key = (c, v)
                got = memo.get(key, memo)
                if got is memo:
                    got = memo[key] = self._cell(c, v)
                out.append(got)
            else:
                out.append(self._cell(c, v))
        return out

    @staticmethod
    def _cell(c: str, v: object) -> object:
        if c in ORE_COLUMNS:
            v = kroner(v)
        elif c == "status":
            v = status_nb(str(v))
        elif c == "problem":
            v = problem_nb(str(v)) if v else v
        elif c == "actors":
            v = actors_nb(str(v or ""))
        return cell(v)


def _grouping_is_babel_default() -> bool:
    """Whether `format_decimal` formats by Decimal's own rules (the integer route's premise)."""
    from .. import formatting

    return getattr(formatting, "_GROUPING", None) == (3, 3)


def _write_xlsx(path: Path, columns: list[str], rows: Iterable[list],
                tail: tuple[int, Iterable[list]] | None = None) -> None:
    """results.xlsx, streamed from the rows' values in `columns`' order (each list made into the
    sheet's cells in place): amounts shown in kroner (columns *_kr; øre / 100 is exact to the
    øre in a double), counts as numbers, dates as Excel dates, everything else as text. Written by a child process
    while this one writes results.csv from the same rows (`write_xlsx_aside`)."""
    from ..io.xlsx import write_xlsx_aside

    header = [c[:-4] + "_kr" if c in ORE_COLUMNS else c for c in columns]
    ore_idx = [k for k, c in enumerate(columns) if c in ORE_COLUMNS]
    int_idx = [k for k, c in enumerate(columns) if c in INT_COLUMNS and c not in ORE_COLUMNS]

    date_idx = [k for k, c in enumerate(columns) if c in DATE_COLUMNS]

    def values(rows):
        for v in rows:
            for k in date_idx:
                if v[k]:
                    v[k] = date.fromisoformat(str(v[k]))
            for k in int_idx:
                if v[k] != "" and v[k] is not None:
                    v[k] = int(v[k])
            for k in ore_idx:
                if v[k] != "" and v[k] is not None:
                    v[k] = int(v[k]) / 100
            yield v

    write_xlsx_aside(path, header, values(rows), sheet="results", money_columns=ore_idx,
                     tail=None if tail is None else (tail[0], values(tail[1])))

"""The outputs"""

from __future__ import annotations

import csv
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from operator import itemgetter
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
#: rows read from the spool and made into the outputs' cells at a time
_BLOCK = 1000

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

    def add_finished(self, finished: list[tuple[tuple, str]]) -> None:
        """Rows as a worker finished them: (`rank_key`, journal line) each."""
        self.pending.extend([(*key, line) for key, line in finished])
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

    def ordered(limit: int = -1, offset: int = 0) -> Iterator[list[dict]]:
        """The rows in the results' order, a block at a time."""
        cur = db.execute("SELECT row FROM res ORDER BY priority DESC, req, seq LIMIT ? OFFSET ?", (limit, offset))
        while block := cur.fetchmany(_BLOCK):
            yield [_loads(row_json) for (row_json,) in block]

    # results.csv and results.xlsx in one pass over the sorted rows; a long sheet in two parts
    # written side by side (`write_xlsx_aside`), whose second part's CSV lines are written once
    # its rows are fed (`_AfterFeeding`)
    total = db.execute("SELECT count(*) FROM res").fetchone()[0]
    k = total // 2 if total >= SPLIT_ROWS else total
    by_status: Counter = Counter()
    by_problem: Counter = Counter()
    unused = [0, 0]  # households flagged "bostøtte ikke søkt?", the sum of their estimates
    with atomic_file(out / "results.csv", newline="") as fh, \
            atomic_file(out / excel_name("results.csv"), newline="") as xfh:
        w = csv.writer(fh)
        w.writerow(columns)
        xlines = ExcelCsv(xfh, [EXCEL_HEADER[c] for c in columns]).w
        excel_cells = ExcelCells(columns)
        sheet_values = SheetValues(columns)

        def lines(cols: list[list]) -> None:
            """A block's lines to results.csv and results-excel.csv, written a block at a time
            from its cells made a column at a time (`ExcelCells.column`)."""
            w.writerows(zip(*map(csv_safe_cells, cols)))
            xlines.writerows(zip(*excel_cells.of_columns(cols)))

        def sheet_rows(blocks: Iterator[list[dict]], write: bool) -> Iterator[tuple]:
            """The blocks' rows as the sheet's values (`SheetValues`), their counts taken, and
            their lines written (`write`)."""
            for rows in blocks:
                cols = value_columns(rows, columns)
                if write:
                    lines(cols)
                for r in rows:
                    status = r["status"]
                    by_status[status] += 1
                    if status != "error":
                        by_problem[r["problem"]] += 1
                        if r.get("bostotte_ikke_sokt"):
                            unused[0] += 1
                            unused[1] += int(r.get("bostotte_estimate_ore") or 0)
                yield from zip(*sheet_values.of_columns(cols))
            after.fed()

        def tail_lines() -> None:
            for rows in ordered(-1, k):
                lines(value_columns(rows, columns))

        after = _AfterFeeding(tail_lines, parts=2) if k < total else _AfterFeeding(lambda: None, parts=1)
        try:
            _write_xlsx(out / "results.xlsx", columns, sheet_rows(ordered(k), True),
                        (k, sheet_rows(ordered(-1, k), False)) if k < total else None)
        except BaseException:
            after.join(raise_error=False)  # (the sheet's error is the one raised)
            raise
        try:
            after.join()
        except BaseException:
            (out / "results.xlsx").unlink(missing_ok=True)  # (no sheet without its lists)
            raise
    n_bad = by_status["error"]
    n_ok = sum(by_status.values()) - n_bad
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


class _AfterFeeding:
    """The second part's CSV lines, written by a thread once every row has been fed to the
    sheet's writers (`fed` called by each part's rows when they end). While the rows are fed,
    this process and the two writers keep both cores busy; afterwards the sheet's last steps
    (the parts merged, the sheet compressed) take one, and the lines are written on the other.
    They follow the first part's, which are written as its rows are fed. The spool is read by
    the thread while this one waits for the writers: never at once."""

    def __init__(self, work: Callable[[], object], parts: int) -> None:
        import threading

        self.work, self.left = work, parts
        self.thread = threading.Thread(target=self._run, name="planner-results-lines", daemon=True)
        self.error: BaseException | None = None

    def fed(self) -> None:
        self.left -= 1
        if self.left == 0:
            self.thread.start()

    def _run(self) -> None:
        try:
            self.work()
        except BaseException as exc:  # noqa: BLE001 - raised by `join`
            self.error = exc

    def join(self, raise_error: bool = True) -> None:
        """Wait for the lines, if they were started (not when the rows were not all fed: the
        sheet's error is then on its way); their failure raised here (`raise_error`)."""
        if self.thread.ident is not None:
            self.thread.join()
            if self.error is not None and raise_error:
                raise self.error


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

    def of_columns(self, values: list[list]) -> list[list]:
        """The cells of many rows given as their values a column at a time (`value_columns`):
        the cells `of` makes, made for each column by one comprehension for its kind (tested
        against `of`)."""
        return [self.column(k, col) for k, col in enumerate(values)]

    def column(self, k: int, col: list) -> list:
        """`of`'s cells of column `k`, for the column's values `col`."""
        c = self.columns[k]
        ore, worded, few = self.kinds[k]
        empty = self._memo(c, "")
        if ore:
            return [_kroner_ore(v) if type(v) is int else empty if v == "" else self._cell(c, v) for v in col]
        if few:
            # (each new value once, then the column by look-up)
            memo = self.memo
            for v in {v for v in col if (c, v) not in memo}:
                memo[(c, v)] = self._cell(c, v)
            if worded:
                return [memo[(c, v)] for v in col]
            return [v if type(v) is int else memo[(c, v)] for v in col]
        if worded:
            return [empty if v == "" else self._cell(c, v) for v in col]
        return [v if type(v) is int else empty if v == "" else self._cell(c, v) for v in col]

    def _memo(self, c: str, v: object) -> object:
        got = self.memo.get((c, v), self.memo)
        if got is self.memo:
            got = self.memo[(c, v)] = self._cell(c, v)
        return got

    def of(self, values: list) -> list[object]:
        """The cells of a row given as its values in `columns`' order."""
        out: list[object] = []
        memo = self.memo
        for c, v, (ore, worded, few) in zip(self.columns, values, self.kinds):
            if type(v) is int:
                if ore:
                    out.append(_kroner_ore(v))
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
        """A cell as `excelcsv.cell` makes it, amounts in kroner and words in Norwegian."""
        if c in ORE_COLUMNS:
            v = kroner(v)
        elif c == "status":
            v = status_nb(str(v))
        elif c == "problem":
            v = problem_nb(str(v)) if v else v
        elif c == "actors":
            v = actors_nb(str(v or ""))
        return cell(v)


def _kroner_ore(v: int) -> str:
    """An amount in øre as `excelcsv.kroner` writes it (when `_grouping_is_babel_default`), by
    integer arithmetic."""
    a = -v if v < 0 else v
    return f"{'-' if v < 0 else ''}{a // 100},{a % 100:02d}"


def value_columns(rows: list[dict], columns: list[str]) -> list[list]:
    """The rows' values in `columns` (an absent key: ""), a column at a time. The rows a batch
    journals hold every column: they are read by one getter, and only a block with a row short
    of one, cell by cell."""
    try:
        return [list(col) for col in zip(*map(itemgetter(*columns), rows))] if len(columns) > 1 else \
            [[r[columns[0]] for r in rows]]
    except KeyError:
        return [[r.get(c, "") for r in rows] for c in columns]


class SheetValues:
    """A block's values as results.xlsx holds them (`_write_xlsx`), a column at a time: ISO
    dates as dates (each distinct text read once), counts as numbers, amounts in kroner (øre /
    100 is exact to the øre in a double); everything else as it is."""

    def __init__(self, columns: list[str]) -> None:
        self.kinds = ["date" if c in DATE_COLUMNS else "ore" if c in ORE_COLUMNS else "int" if c in INT_COLUMNS
                      else "" for c in columns]
        self.days: dict[object, date] = {}

    def of_columns(self, values: list[list]) -> list[list]:
        return [self.column(kind, col) for kind, col in zip(self.kinds, values)]

    def column(self, kind: str, col: list) -> list:
        if kind == "date":
            days = self.days
            for v in {v for v in col if v and v not in days}:
                days[v] = date.fromisoformat(str(v))
            return [days[v] if v else v for v in col]
        if kind == "ore":
            return [int(v) / 100 if v != "" and v is not None else v for v in col]
        if kind == "int":
            return [int(v) if v != "" and v is not None else v for v in col]
        return col


def _grouping_is_babel_default() -> bool:
    """Whether `format_decimal` formats by Decimal's own rules (the integer route's premise)."""
    from .. import formatting

    return getattr(formatting, "_GROUPING", None) == (3, 3)


def _write_xlsx(path: Path, columns: list[str], rows: Iterable[tuple],
                tail: tuple[int, Iterable[tuple]] | None = None) -> None:
    """results.xlsx, streamed from the rows' values in `columns`' order as `SheetValues` makes
    them: amounts shown in kroner (columns *_kr), counts as numbers, dates as Excel dates,
    everything else as text. Written by a child process (two for a long sheet) while this one
    writes results.csv from the same rows (`write_xlsx_aside`)."""
    from ..io.xlsx import write_xlsx_aside

    header = [c[:-4] + "_kr" if c in ORE_COLUMNS else c for c in columns]
    ore_idx = [k for k, c in enumerate(columns) if c in ORE_COLUMNS]
    write_xlsx_aside(path, header, rows, sheet="results", money_columns=ore_idx, tail=tail)

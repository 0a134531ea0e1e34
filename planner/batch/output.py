"""The outputs"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..formatting import excel_date, format_decimal, format_kr, nb_date
from ..io.excelcsv import ExcelCsv, excel_name
from ..io.files import atomic_file, write_atomic
from ..io.tables import (
    ERROR_HEADER,
    Spool,
    csv_safe,
)
from ..vocabulary import actors_nb, problem_nb, status_nb
from .common import (
    EXCEL_ERROR_HEADER,
    EXCEL_HEADER,
    ORE_COLUMNS,
    RESULT_COLUMNS,
    BatchOptions,
    BatchSummary,
)
from .journal import Journal
from .result_lines import ResultLines, TailLines, loads_row

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

    def ordered(limit: int = -1, offset: int = 0) -> Iterator[list[str]]:
        """The rows in the results' order as journaled, a block at a time."""
        cur = db.execute("SELECT row FROM res ORDER BY priority DESC, req, seq LIMIT ? OFFSET ?", (limit, offset))
        while block := cur.fetchmany(_BLOCK):
            yield [row_json for (row_json,) in block]

    # results.csv and results.xlsx in one pass over the sorted rows; a long sheet in two parts
    # written side by side (`write_xlsx_aside`): the second part's writer is sent its rows as
    # journaled and makes their CSV lines too (`TailLines`), written here after the first part's
    total = db.execute("SELECT count(*) FROM res").fetchone()[0]
    k = total // 2 if total >= SPLIT_ROWS else total
    with atomic_file(out / "results.csv", newline="") as fh, \
            atomic_file(out / excel_name("results.csv"), newline="") as xfh:
        csv.writer(fh).writerow(columns)
        ExcelCsv(xfh, [EXCEL_HEADER[c] for c in columns])
        made = ResultLines(columns, fh, xfh)

        def sheet_rows(blocks: Iterator[list[str]]) -> Iterator[tuple]:
            for lines in blocks:
                yield from made.block([loads_row(line) for line in lines])

        tail = TailLines(columns) if k < total else None
        _write_xlsx(out / "results.xlsx", columns, sheet_rows(ordered(k)),
                    None if tail is None else (k, (line for lines in ordered(-1, k) for line in lines), tail))
        if tail is not None:
            try:
                csv_text, excel_text, by_status, by_problem, unused = tail.outcome()
                fh.write(csv_text)
                xfh.write(excel_text)
                made.add_counts(by_status, by_problem, unused)
            except BaseException:
                (out / "results.xlsx").unlink(missing_ok=True)  # (no sheet without its lists)
                raise
    by_status, by_problem, unused = made.by_status, made.by_problem, made.unused
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


def _write_xlsx(path: Path, columns: list[str], rows: Iterable[tuple],
                tail: tuple[int, Iterable[str], TailLines] | None = None) -> None:
    """results.xlsx, streamed from the rows' values in `columns`' order as `SheetValues` makes
    them: amounts shown in kroner (columns *_kr), counts as numbers, dates as Excel dates,
    everything else as text. Written by a child process (two for a long sheet) while this one
    writes results.csv from the same rows (`write_xlsx_aside`)."""
    from ..io.xlsx import write_xlsx_aside

    header = [c[:-4] + "_kr" if c in ORE_COLUMNS else c for c in columns]
    ore_idx = [k for k, c in enumerate(columns) if c in ORE_COLUMNS]
    write_xlsx_aside(path, header, rows, sheet="results", money_columns=ore_idx,
                     tail=None if tail is None else tail[:2], tail_maker=None if tail is None else tail[2])

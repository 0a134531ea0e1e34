"""The run"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import shutil
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from ..io.files import private_dir, private_opener, write_atomic
from ..io.tables import (
    ColumnMap,
    RowError,
    Spool,
    discover,
)
from ..io.tables.aside import AsideReader
from ..report import printable
from .common import (
    FORMAT,
    JOURNAL,
    MANIFEST,
    BatchError,
    BatchOptions,
    BatchRow,
    BatchSummary,
    pseudonym,
)
from .engines import DaskEngine, InlineEngine, LocalEngine
from .journal import Journal
from .output import Ranked, finish
from .worker import ChunkResult, check_chunk, invalid_plan_error, peak_rss, plan_one, scrub, warm_up_check

# --------------------------------------------------------------------------- the run


def _fingerprint(files: list[Path], colmap: ColumnMap, opts: BatchOptions) -> dict:
    digests = []
    for f in files:
        h = hashlib.sha256()
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        digests.append([f.name, h.hexdigest()])  # the name only: a moved folder can still resume
    return {
        "format": FORMAT,
        "inputs": digests,
        "columns": colmap.fingerprint(),
        "horizon_months": opts.horizon_months,
        "pseudonymised": opts.key is not None,
        "key_check": pseudonym(opts.key, "planner-key-check") if opts.key else None,
        "check_only": opts.check_only,
        "same_day_credit": opts.same_day_credit,
        "shortfall": opts.shortfall,
        # a household's result depends on its work limit: a resumed run must use the same
        "time_limit_s": opts.time_limit_s,
        # and on the day its plan is made (lead times count from it) and how late payouts may be
        "as_of": opts.as_of.isoformat() if opts.as_of else None,
        "roll_forward": opts.roll_forward,
        "on_time": opts.on_time,
    }


def run_batch(inputs: list[str | Path], opts: BatchOptions, echo: Callable[[str], None] = print,
              warn: Callable[[str], None] | None = None) -> BatchSummary:
    """Run a batch; see the module docstring. Raises `BatchError`/`UnreadableInput`/`InputError`
    for a run that cannot start (the CLI prints them and exits 2). `warn` (default: stderr)
    gets the warnings, which summary.txt repeats."""
    if warn is None:
        def warn(text: str) -> None:
            print(text, file=sys.stderr)
    t_start = time.perf_counter()
    out = Path(opts.out)
    private_dir(out)
    private_dir(out / "plans")
    colmap = ColumnMap.load(opts.columns)
    found = discover(list(inputs), colmap)
    warnings = _input_warnings(found)
    manifest = _fingerprint(found.files, colmap, opts)
    journal = Journal(out / JOURNAL)
    man_path = out / MANIFEST
    if journal.path.exists() and journal.path.stat().st_size > 0:
        if not opts.resume:
            raise BatchError(f"{out} already holds a run ({JOURNAL}); use --resume to continue it,"
                             " or give another --out folder")
        if man_path.exists():
            old = json.loads(man_path.read_text(encoding="utf-8"))
            if old != manifest:
                diff = sorted(k for k in manifest if old.get(k) != manifest[k])
                raise BatchError(f"--resume: {out} holds a run of other input or options "
                                 f"({', '.join(_OPTION_NAMES.get(k, k) for k in diff)}); {_resume_hint(diff, old)}")
    lock = _lock(out)
    for w in warnings:
        warn(f"advarsel: {w}")
    write_atomic(man_path, json.dumps(manifest, indent=2, sort_keys=True))
    for stale in out.glob(".spool-*"):  # left by a killed run: its rows are read again
        shutil.rmtree(stale, ignore_errors=True)
    for stale in out.glob(".results.xlsx.spill-*"):  # a killed run's spreadsheet spill files
        shutil.rmtree(stale, ignore_errors=True)
    for stale in out.glob(".*.tmp"):  # a killed run's half-written outputs
        stale.unlink(missing_ok=True)
    for stale in (out / "plans").glob(".*.tmp"):
        stale.unlink(missing_ok=True)

    # The spool (a copy of every input row) is an anonymous SQLite database: a file in the
    # temporary folder that is deleted as it is opened, so no copy of the input is left behind
    # when the run ends or is killed.
    spool = Spool(None)
    starting: _Starting | None = None
    frozen = False
    try:
        starting = _read(spool, found, colmap, opts)
        # What lives now (the modules, the spool) lives to the end: out of the collector's
        # sight, whose collections as chunks cross to the workers and rows to the outputs then
        # walk only those (a second in all of the main process's time for 100 000 households)
        gc.freeze()
        frozen = True
        rows_in = spool.count_households()
        for name, cols in sorted(spool.unused_columns.items()):
            echo(printable(f"{name}: kolonner som ikke brukes: {', '.join(cols)}"))
        if opts.resume:
            journal.repair()
            keys = (r["id"] for r in journal.rows() if "id" in r)
            spool.mark_done(keys)
        pending = spool.count_pending()
        done_before = rows_in - pending
        if opts.resume and done_before:
            echo(f"fortsetter: {done_before} husstander er allerede ferdige i {out / JOURNAL}")
        ranked = Ranked(spool)
        ranked.add_journal(journal)
        journal.open()
        error_sink = _ErrorSink(spool)
        for e in spool.errors:
            error_sink.add(-1, "", e)
        stats = {"worker_rss_kib": 0}
        if rows_in:
            _process(spool, opts, journal, ranked, error_sink, pending, stats, starting.engine())
        journal.close()
        orphans = 0
        for e in spool.orphan_payouts():
            error_sink.add(10**12, "", RowError(e.file, e.row, e.column,
                                                pseudonym(opts.key, e.value) if opts.key and e.value else scrub(e.value),
                                                e.reason, reason_nb=e.reason_nb))
            orphans += 1
        error_sink.flush()
        summary = finish(out, spool, ranked, opts, rows_in, orphans, t_start, warnings,
                          invalid_plans=stats.get("invalid_plans", 0))
        summary.main_rss_kib = peak_rss()
        summary.worker_rss_kib = stats["worker_rss_kib"]
    finally:
        if frozen:
            gc.unfreeze()  # (collectable again: `run_batch` is also called by a long-lived process)
        if starting is not None:
            starting.close()
        journal.close()
        spool.close()
        lock.close()
    return summary


def _read(spool: Spool, found, colmap: ColumnMap, opts: BatchOptions) -> _Starting:
    """The input into the spool; the workers started meanwhile (`_Starting`), and the payouts
    tables read by a forked process while this one reads the tenants (`AsideReader`; forked
    first: a fork copies only the calling thread)."""
    aside = AsideReader.start(found, colmap)
    starting = _Starting(opts)
    try:
        spool.load(found, colmap, aside=aside)
    except BaseException:
        starting.close()
        raise
    finally:
        if aside is not None:
            aside.close()
    return starting


class _Starting:
    """The local engine's workers, started by a thread of their own while the main process reads
    the input: starting the forkserver (it imports the planner) and each worker's first imports
    take a second or two that would otherwise come after the reading. Other engines start in
    `_process`, as the reading has found rows to check."""

    def __init__(self, opts: BatchOptions) -> None:
        import threading

        self._engine: LocalEngine | None = None
        self._error: BaseException | None = None
        self._thread = None
        if opts.engine == "local":
            self._thread = threading.Thread(target=self._start, args=(opts.workers or os.cpu_count() or 1,),
                                            name="planner-batch-start", daemon=True)
            self._thread.start()

    def _start(self, workers: int) -> None:
        try:
            self._engine = LocalEngine(workers)
            for _ in range(workers):
                self._engine.submit(warm_up_check)
        except BaseException as exc:  # noqa: BLE001 - raised in the main thread by `engine`
            self._error = exc

    def engine(self) -> LocalEngine | None:
        """The started engine (None: `_process` starts its own); a failure to start is raised here."""
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        engine, self._engine = self._engine, None
        return engine

    def close(self) -> None:
        """Stop an engine that was never used (no rows, or an error while reading)."""
        if self._thread is not None:
            self._thread.join()
        if self._engine is not None:
            self._engine.close(cancel=True)
            self._engine = None


#: run.json's keys as the options that set them
_OPTION_NAMES = {"as_of": "--as-of", "on_time": "--on-time", "roll_forward": "--roll-forward",
                 "time_limit_s": "--time-limit", "horizon_months": "--horizon-months", "check_only": "--check-only",
                 "same_day_credit": "--same-day-credit", "shortfall": "--exact-shortfall",
                 "pseudonymised": "--pseudonymise", "key_check": "the pseudonymisation key", "columns": "--columns"}


def _resume_hint(diff: list[str], old: dict) -> str:
    """What to give to continue a run that differs from this one only in how it plans."""
    flags = {"on_time": "--on-time", "roll_forward": "--roll-forward"}
    if diff and set(diff) <= {"as_of", *flags}:
        given = ([f"--as-of {old['as_of']}"] if old.get("as_of") else []) + [f for k, f in flags.items() if old.get(k)]
        return f"to continue it, give the options it was made with: {' '.join(given) or 'neither --on-time nor --roll-forward'}"
    return "give another --out folder"


def _input_warnings(found) -> list[str]:
    """What the run will do that the user probably did not mean (the run goes on)."""
    roles = {s.role for s in found.sources}
    out = []
    if "tenants" in roles and "payouts" not in roles and "payouts" not in found.failed_roles:
        out.append("ingen utbetalingstabell er gitt, så ingen husstand fra leietakertabellen har inntekt"
                   " (problemet blir «inntektsproblem»); gi utbetalingstabellen også, for eksempel"
                   " planner batch tenants.csv payouts.csv --out MAPPE")
    return out


def _lock(out: Path):
    """An exclusive lock on DIR for the run (two runs writing one journal would mix it up)."""
    fh = open(out / ".lock", "w", opener=private_opener)  # noqa: SIM115 - held until the run ends
    try:
        import fcntl

        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except ImportError:  # pragma: no cover - not POSIX
        pass
    except OSError:
        fh.close()
        raise BatchError(f"{out} is in use by another planner batch run") from None
    return fh


class _ErrorSink:
    """Errors (and the rows of households in errors) into the spool, sorted at the end."""

    def __init__(self, spool: Spool):
        self.db = spool.db
        self.db.execute("CREATE TABLE IF NOT EXISTS errs (n INTEGER PRIMARY KEY, seq INTEGER, file TEXT, row INTEGER,"
                        " col TEXT, value TEXT, reason TEXT, household TEXT, reason_nb TEXT)")
        self.db.execute("CREATE TABLE IF NOT EXISTS bad (seq INTEGER PRIMARY KEY, row TEXT)")
        self.buf: list = []
        self.bad: list = []

    def add(self, seq: int, input_row: str, e: RowError) -> None:
        self.buf.append((None, seq, e.file, e.row, e.column, e.value, e.reason, e.household, e.reason_nb))
        if len(self.buf) >= 5000:
            self.flush()

    def add_bad(self, row: BatchRow) -> None:
        self.bad.append((row.seq, json.dumps(row.failed_row(), ensure_ascii=False)))

    def flush(self) -> None:
        self.db.execute("BEGIN")
        self.db.executemany("INSERT INTO errs VALUES (?,?,?,?,?,?,?,?,?)", self.buf)
        self.db.executemany("INSERT OR REPLACE INTO bad VALUES (?,?)", self.bad)
        self.db.execute("COMMIT")
        self.buf, self.bad = [], []


def _process(spool: Spool, opts: BatchOptions, journal: Journal, ranked: Ranked, errors: _ErrorSink, pending: int,
             stats: dict, started: LocalEngine | None = None) -> None:
    engine: DaskEngine | InlineEngine | LocalEngine
    if started is not None:
        engine = started
    elif opts.engine == "dask":
        if not opts.scheduler:
            raise BatchError("--engine dask needs --scheduler ADDRESS")
        engine = DaskEngine(opts.scheduler)
    elif opts.engine == "inline":
        engine = InlineEngine()
    else:
        engine = LocalEngine(opts.workers or os.cpu_count() or 1)
    plans_dir = Path(opts.out) / "plans"
    key = opts.key
    chunks = spool.households(opts.chunk_size, (lambda hid: pseudonym(key, hid)) if key else None)
    exhausted = False
    checks: dict = {}
    plans: dict = {}
    queue: deque = deque()
    max_checks = engine.slots + 1
    max_plans = engine.slots * 3
    progress = _Progress(opts.progress, pending)
    ok = False
    try:
        while True:
            while queue and len(plans) < max_plans:
                h, row = queue.popleft()
                if key is None:  # the web page imports it as an editable household (issue 12)
                    keep_input(Path(opts.out) / "households", h)
                plans[engine.submit(plan_one, h, row, opts.time_limit_s, opts.same_day_credit,
                                    opts.shortfall, opts.as_of, opts.roll_forward, opts.on_time)] = row.seq
            while not exhausted and len(checks) < max_checks and len(queue) < max_plans * 4:
                nxt = next(chunks, None)
                if nxt is None:
                    exhausted = True
                    break
                if nxt:
                    checks[engine.submit(check_chunk, nxt, opts.horizon_months, key, opts.same_day_credit,
                                         opts.check_only)] = len(nxt)
            if not checks and not plans and not queue and exhausted:
                break
            done = engine.wait(set(checks) | set(plans), 0.5)
            if not done:
                journal.sync(force=True)  # nothing finished for a while: what is finished goes to disk
            for fut in sorted(done, key=lambda f: (f not in checks, checks.get(f, 0) or plans.get(f, 0))):
                if fut in checks:
                    n = checks.pop(fut)
                    res: ChunkResult = fut.result()
                    stats["worker_rss_kib"] = max(stats["worker_rss_kib"], res.rss_kib)
                    for seq, input_row, e in res.errors:
                        errors.add(seq, input_row, e)
                    for row in res.bad:
                        errors.add_bad(row)
                    journal.write_lines([line for _, line in res.finished])
                    ranked.add_finished(res.finished)
                    queue.extend(res.jobs)
                    progress.checked(n, len(res.jobs))
                    journal.sync(force=True)
                    errors.flush()
                else:
                    plans.pop(fut)
                    row, text, rss = fut.result()
                    stats["worker_rss_kib"] = max(stats["worker_rss_kib"], rss)
                    invalid = invalid_plan_error(row)
                    if invalid is not None:
                        # a household in errors, not journaled: a resumed run plans it again
                        errors.add(row.seq, row.input_row, invalid)
                        errors.add_bad(row)
                        errors.flush()
                        stats["invalid_plans"] = stats.get("invalid_plans", 0) + 1
                        progress.planned()
                        continue
                    if text is not None:
                        write_atomic(plans_dir / f"{row.id}.json", text)
                    done_row = row.finished()
                    ranked.add(journal.write(done_row), done_row)
                    progress.planned()
                    journal.sync()
        ok = True
    finally:
        journal.sync(force=True)
        progress.close()
        engine.close(cancel=not ok)


def keep_input(folder: Path, h) -> None:
    """`households/ID.json`: the household document `plans/ID.json` was made from (not for a
    pseudonymised run: the document would tie the amounts back to a known person)."""
    from ..io.document import household_document

    private_dir(folder)
    write_atomic(folder / f"{h.id}.json",
                 json.dumps(household_document(h), ensure_ascii=False, sort_keys=True, separators=(",", ":")))


class _Progress:
    """A progress bar with ETA on stderr (rich), when stderr is a terminal."""

    def __init__(self, enabled: bool, total: int):
        self.bar = None
        if not enabled or not sys.stderr.isatty():
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(TextColumn("{task.description:<9}"), BarColumn(), MofNCompleteColumn(),
                            TaskProgressColumn(), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                            console=Console(stderr=True), transient=False)
        self.bar.start()
        self.t_check = self.bar.add_task("sjekket", total=total)
        self.t_plan = self.bar.add_task("planlagt", total=0)

    def checked(self, n: int, jobs: int) -> None:
        if self.bar:
            self.bar.advance(self.t_check, n)
            self.bar.update(self.t_plan, total=(self.bar.tasks[self.t_plan].total or 0) + jobs)

    def planned(self) -> None:
        if self.bar:
            self.bar.advance(self.t_plan, 1)

    def close(self) -> None:
        if self.bar:
            self.bar.stop()

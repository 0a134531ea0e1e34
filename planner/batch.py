"""Batch check of every tenant: tables in, a prioritised list out.

    planner batch INPUT... --out DIR [--workers N] [--horizon-months M] [--resume]
                  [--pseudonymise] [--engine local|dask --scheduler ADDRESS] [--time-limit S]

The work, a chunk of households at a time (memory stays flat in the number of tenants):

1. `planner.io.tables` spools every input row to disk and assembles households in input order;
2. a worker builds and validates each chunk's households (exactly as household files are
   validated), checks them all at once with the vectorised engine (`compile_households` +
   `check_table`), and finds the date an eviction request would come if nothing is done;
3. households with a problem (or arrears) are planned one per task by `solver.plan`, one
   CP-SAT worker each, in parallel processes (or on a Dask cluster), with a time limit per
   household: one that hits it is reported with status `timeout`, never lost;
4. every finished household is appended to `DIR/journal.jsonl` (flushed and fsynced per chunk),
   after its `plans/ID.json` is in place (temporary file + `os.replace`), so a killed run keeps
   every finished household and `--resume` continues without duplicates;
5. at the end the journal and the errors become `results.csv`, `results.xlsx`, `errors.csv` and
   `summary.txt`, sorted by priority (stable: priority, eviction request date, input order).

Nothing here prints personal data: the terminal gets counts and file names only.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import os
import shutil
import signal
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from .io.files import private_dir, private_opener, write_atomic
from .report import printable
from .io.tables import (
    ERROR_HEADER,
    ColumnMap,
    RawHousehold,
    RowError,
    Spool,
    UnreadableInput,
    build,
    csv_safe,
    discover,
)

JOURNAL = "journal.jsonl"
MANIFEST = "run.json"
KEY_ENV = "PLANNER_PSEUDONYM_KEY"
FORMAT = "planner.batch/1"
#: A plan whose interventions cost at most this much counts as "solved by cheap levers".
CHEAP_COST = 2
DEFAULT_TIME_LIMIT_S = 10.0

#: Columns of results.csv, in order (`label` only when the input has one and ids are not
#: pseudonymised). Amounts are integer øre (`_ore`), dates ISO.
RESULT_COLUMNS = [
    "id", "label", "input_row", "start", "end", "problem", "first_shortfall", "days_below_floor",
    "min_balance_before_ore", "min_balance_before_date", "min_balance_after_ore", "status", "interventions",
    "cost", "actors", "shortfall_monthly_ore", "shortfall_one_time_ore", "eviction_request", "days_to_request",
    "arrears_ore", "children", "priority", "priority_urgency", "priority_arrears", "priority_children",
    "priority_levers", "plan_file", "note",
]
_ORE_COLUMNS = {c for c in RESULT_COLUMNS if c.endswith("_ore")}
_INT_COLUMNS = _ORE_COLUMNS | {"cost", "days_to_request", "children", "days_below_floor", "priority",
                               "priority_urgency", "priority_arrears", "priority_children", "priority_levers"}


class BatchError(Exception):
    """A run that cannot start or continue (exit status 2); the message says what to do."""


# --------------------------------------------------------------------------- pseudonyms


def pseudonym(key: bytes, household_id: str) -> str:
    """A stable keyed hash of an id: HMAC-SHA256(key, id), first 80 bits in hex, prefixed "p-".

    The same key gives the same pseudonym in every run (results can be joined over time); without
    the key the id cannot be recovered or confirmed by hashing guesses.
    """
    return "p-" + hmac.new(key, household_id.encode("utf-8"), hashlib.sha256).hexdigest()[:20]


def load_key(key_file: str | Path | None = None) -> bytes:
    """The pseudonymisation key: from `key_file`, or else the environment variable."""
    if key_file is not None:
        try:
            key = Path(key_file).read_bytes().strip()
        except OSError as exc:
            raise BatchError(f"{key_file}: key file cannot be read ({exc.strerror})") from None
    else:
        key = os.environ.get(KEY_ENV, "").strip().encode("utf-8")
    if len(key) < 16:
        raise BatchError(
            f"--pseudonymise needs a secret key of at least 16 characters: set {KEY_ENV} or give --key-file"
            " (for example: python -c 'import secrets; print(secrets.token_hex(32))' > pseudonym.key)"
        )
    return key


# --------------------------------------------------------------------------- priority


def priority_parts(row: dict) -> dict[str, int]:
    """The priority (0-100) and its four parts; see README.md, "Priority". Each part is
    rounded half up to a whole number.

    urgency  (0-40): 40 × (1 − d/365), d = days from the horizon start to the eviction request
                     (clamped to 0..365); 0 when no request would come.
    arrears  (0-25): 25 × arrears / (3 × monthly rent), at most 25.
    children (0-20): 0 without children; 10 for one, +5 for each further child, at most 20.
    levers   (0-15): 15 when a plan of cost ≤ 2 (cheap levers) solves it, 8 when a dearer plan
                     does, 0 when none does (infeasible: more money is needed) or it was not planned.
    A household with no problem, no arrears and no eviction request has priority 0.
    """
    urgency = arrears = children = levers = 0
    problem = row.get("problem")
    arrears_ore = int(row.get("arrears_ore") or 0)
    at_risk = (problem not in (None, "", "none")) or arrears_ore > 0 or bool(row.get("eviction_request"))
    if at_risk:
        d = row.get("days_to_request")
        if d is not None and d != "":
            urgency = _half_up(40 * (365 - min(max(int(d), 0), 365)), 365)
        rent = int(row.get("_rent_ore") or 0)
        if arrears_ore > 0 and rent > 0:
            arrears = min(25, _half_up(25 * arrears_ore, 3 * rent))
        elif arrears_ore > 0:
            arrears = 25
        kids = int(row.get("children") or 0)
        children = 0 if kids <= 0 else min(20, 10 + 5 * (kids - 1))
        if row.get("status") == "planned":
            levers = 15 if int(row.get("cost") or 0) <= CHEAP_COST else 8
    return {"priority": urgency + arrears + children + levers, "priority_urgency": urgency,
            "priority_arrears": arrears, "priority_children": children, "priority_levers": levers}


def _half_up(num: int, den: int) -> int:
    """num / den rounded half up, in integers (no float, no banker's rounding)."""
    return (2 * num + den) // (2 * den)


# --------------------------------------------------------------------------- worker side


def scrub(text: str) -> str:
    """`text`, or "" when it holds a fødselsnummer or D-number (an id or a cell in error):
    such a value is refused by the model and must not be copied into any output either."""
    from .personal import has_national_id

    return "" if has_national_id(text) else text


@lru_cache(maxsize=4096)
def _request_after(first_due: date) -> date:
    from .eviction import REQUEST_STEP, step_dates

    return step_dates(first_due)[REQUEST_STEP]


@dataclass
class ChunkResult:
    rows: list[dict] = field(default_factory=list)  # finished: no plan needed (or check only)
    jobs: list[tuple] = field(default_factory=list)  # (Household, row) to plan
    errors: list[tuple[int, str, RowError]] = field(default_factory=list)  # (seq, input_row, error)
    bad: list[dict] = field(default_factory=list)  # rows of households in errors
    rss_kib: int = 0  # the worker's peak memory so far


def check_chunk(raws: list[RawHousehold], months: int | None, key: bytes | None, same_day_credit: bool,
                check_only: bool) -> ChunkResult:
    """Build, validate and check a chunk of households; the pure part of a batch (runs in a worker)."""
    import numpy as np

    from .calendar import occurrences, resolve_expense
    from .cashflow import PROBLEMS, check_table, compile_households

    out = ChunkResult()
    built = []
    for raw in raws:
        h, errors = build(raw, months)
        key_id = pseudonym(key, raw.hid) if (key and raw.hid) else scrub(raw.hid)
        input_row = _input_row(raw)
        if errors or h is None:
            for e in errors:
                value = key_id if (key and raw.hid and e.value == raw.hid) else scrub(e.value)
                out.errors.append((raw.seq, input_row,
                                   RowError(e.file, e.row, e.column, value, e.reason, key_id or None)))
            first = errors[0] if errors else None
            where = f"see errors.csv, {len(errors)} rows" if len(errors) > 1 else "see errors.csv"
            note = (f"{first.column}: {first.reason}" if first.column else first.reason) if first else "not readable"
            out.bad.append({"seq": raw.seq, "id": key_id, "input_row": input_row, "status": "error",
                            "note": f"{note} ({where})"})
            continue
        if key:
            h = h.model_copy(update={"id": key_id, "label": None})
        built.append((raw.seq, input_row, h))
    groups: dict[tuple[date, date], list[int]] = {}
    for k, (_, _, h) in enumerate(built):
        groups.setdefault((h.start, h.end), []).append(k)
    rent_occ: dict = {}
    for (start, end), idx in groups.items():
        res = check_table(compile_households([built[k][2] for k in idx]), same_day_credit)
        problem = res.problem.tolist()
        min_bal = res.min_balance.tolist()
        min_day = res.min_day.tolist()
        first_short = res.first_short.tolist()
        days_below = res.days_below.tolist()
        series = res.series
        for j, k in enumerate(idx):
            seq, input_row, h = built[k]
            sched = resolve_expense(h.rent)
            occ = rent_occ.get((sched, start, end))
            if occ is None:
                occ = rent_occ[(sched, start, end)] = occurrences(sched, start, end)
            # the eviction projection's first unpaid rent: the first rent debit that finds the
            # balance (after the day's debits) below zero (planner.eviction, module docstring)
            first_due = None
            if occ:
                offs = np.fromiter(((o.effective - start).days for o in occ), dtype=np.int64, count=len(occ))
                neg = np.nonzero(series[j, offs] < 0)[0]
                if len(neg):
                    first_due = occ[int(neg[0])].nominal
            arrears = h.arrears.amount if h.arrears is not None else 0
            if arrears > 0:
                since = h.arrears.since or h.start
                first_due = since if first_due is None else min(first_due, since)
            request = _request_after(first_due) if first_due is not None else None
            if request is not None:
                # a claim the account can pay by a notice's deadline stops the process (issue 13):
                # only the full projection knows, and only households heading for a request need it
                from .eviction import project_household

                request = project_household(h, same_day_credit).request_date
            t0 = first_short[j]
            row = {
                "seq": seq, "id": h.id, "label": h.label or "", "input_row": input_row,
                "start": start.isoformat(), "end": end.isoformat(),
                "problem": PROBLEMS[problem[j]],
                "first_shortfall": (start.fromordinal(start.toordinal() + t0)).isoformat() if t0 >= 0 else "",
                "days_below_floor": days_below[j],
                "min_balance_before_ore": min_bal[j],
                "min_balance_before_date": start.fromordinal(start.toordinal() + min_day[j]).isoformat(),
                "eviction_request": request.isoformat() if request else "",
                "days_to_request": (request - start).days if request else "",
                "arrears_ore": arrears, "children": h.children, "_rent_ore": h.rent.amount,
            }
            needs_plan = row["problem"] != "none" or arrears > 0
            if not needs_plan:
                row.update(status="solvent", min_balance_after_ore=min_bal[j], cost=0)
                out.rows.append(row)
            elif check_only:
                row.update(status="not planned", note="check only")
                out.rows.append(row)
            else:
                out.jobs.append((h, row))
    out.rss_kib = _peak_rss()
    return out


def _peak_rss() -> int:
    try:
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    except (ImportError, OSError):  # pragma: no cover - not on Linux/macOS
        return 0


def _input_row(raw: RawHousehold) -> str:
    """The household's file and row, by the file's base name (`tenants.csv:6`,
    `batch.xlsx[tenants]:6`, `hh-0001.toml`): the same whatever the working directory or
    however the path was typed, so a run's output depends on its input only."""
    if raw.toml is not None:
        return os.path.basename(raw.toml[0])
    file, row, _, _ = raw.tenant  # type: ignore[misc]
    return f"{os.path.basename(file)}:{row}"


#: A household runs at most this many solver phases (three, the early dip, two shortfall sums).
HOUSEHOLD_WALL_PHASES = 6


class _HouseholdTimeout(BaseException):
    """The per-household wall-clock limit (a BaseException, so no `except Exception` eats it)."""


def _alarm(signum, frame):  # pragma: no cover - runs inside a worker
    raise _HouseholdTimeout()


def plan_one(h, row: dict, time_limit_s: float, same_day_credit: bool,
             shortfall: str = "bound") -> tuple[dict, str | None, int]:
    """Plan one household; each solver phase may do `time_limit_s` deterministic seconds of
    work (the same on every machine), so the result depends on the input only. In a worker
    process's main thread a wall-clock timer is the safety net (`HOUSEHOLD_WALL_PHASES`
    phases' wall limits): a household it stops, or one that finds no plan within the work
    limit, has status "timeout". Returns the finished row and the plan JSON text."""
    from .solver import WALL_FACTOR, SolverTimeout, plan

    row = dict(row)
    use_alarm = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    if use_alarm:
        _warm_up(same_day_credit)
    old = None
    try:
        if use_alarm:
            old = signal.signal(signal.SIGALRM, _alarm)
            signal.setitimer(signal.ITIMER_REAL, max(0.001, time_limit_s * WALL_FACTOR * HOUSEHOLD_WALL_PHASES))
        try:
            p = plan(h, same_day_credit=same_day_credit, time_limit_s=time_limit_s, shortfall=shortfall)
        finally:
            if use_alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
    except (_HouseholdTimeout, SolverTimeout):
        row.update(status="timeout", note=f"no plan within the time limit of {time_limit_s:g} s (CP-SAT work seconds)")
        return row, None, _peak_rss()
    except Exception as exc:  # a bug in one household must not stop the other 99 999
        row.update(status="failed", note=f"planner error: {type(exc).__name__}")
        return row, None, _peak_rss()
    finally:
        if use_alarm and old is not None:
            signal.signal(signal.SIGALRM, old)
    actors = sorted({a for i in p.interventions for a in i.actors})
    row.update(
        status=p.status,
        min_balance_after_ore=p.min_balance_ore,
        interventions="; ".join(_short(i) for i in p.interventions),
        cost=p.cost,
        actors="; ".join(actors),
        shortfall_monthly_ore=p.shortfall.monthly_ore if p.shortfall and p.shortfall.monthly_ore is not None else "",
        shortfall_one_time_ore=p.shortfall.one_time_ore if p.shortfall else "",
        plan_file=f"plans/{h.id}.json",
        note=_plan_note(p, shortfall),
    )
    return row, json.dumps(p.to_json(), ensure_ascii=False, separators=(",", ":")), _peak_rss()


def _plan_note(p, shortfall: str) -> str:
    """results.csv `note` for a planned household: what `optimal` false means for this plan."""
    if p.status == "infeasible":
        if shortfall == "bound":  # (the bound is not minimised, whatever `optimal` says)
            return "no plan under the allowed levers; shortfall is an upper bound (no levers)"
        if p.optimal:
            return "no plan under the allowed levers; shortfall is the least extra sum"
        return "no plan under the allowed levers; shortfall is an upper bound (not proven least within the time limit)"
    return "" if p.optimal else "best plan found within the time limit (not proven optimal)"


_WARM = False


def _warm_up(same_day_credit: bool) -> None:
    """Plan one small household once per process before any timer is armed: every lazy import
    and cache of the planner is then in place, so a timer firing can never interrupt an import
    (which would leave a half-imported module behind for the next household)."""
    global _WARM
    if _WARM:
        return
    _WARM = True
    from .model import Household
    from .solver import plan

    h = Household.model_validate({
        "id": "warm-up", "start": date(2026, 1, 1), "months": 2, "opening_balance": 100,
        "income": [{"kind": "uforetrygd", "amount": 15000}, {"kind": "aap", "amount": 100, "every_days": 14,
                                                             "first": date(2026, 1, 9)}],
        "expense": [{"kind": "husleie", "amount": 8000, "day": 1}], "living": {"monthly": 5000},
        "arrears": {"amount": 1000}, "levers": {"deduction_from": ["aap"]},
    })
    try:
        plan(h, same_day_credit=same_day_credit, time_limit_s=5.0)
    except Exception:  # noqa: BLE001 - only a warm-up; the real households report their own errors
        pass


def _short(i) -> str:
    """An intervention in a few characters: rent_instalments(1,20), deduction(aap 1500 kr)."""
    p = i.params
    if i.lever == "rent_day":
        return f"rent_day({p.get('day')})"
    if i.lever == "rent_instalments":
        return "rent_instalments(" + ",".join(str(d) for d in p.get("days", [])) + ")"
    if i.lever == "bostotte_to_landlord":
        return f"bostotte_to_landlord({p.get('stream', '')})"
    if i.lever == "deduction":
        return f"deduction({p.get('stream', '')} {int(p.get('amount_ore', 0)) // 100} kr)"
    if i.lever == "move_payout":
        return f"move_payout({p.get('stream', '')} {p.get('from_day')}->{p.get('to_day')})"
    if i.lever == "repayment_plan":
        return f"repayment_plan({int(p.get('amount_ore', 0)) // 100} kr x {p.get('months')} on {p.get('day')})"
    return i.lever


# --------------------------------------------------------------------------- engines


class LocalEngine:
    """Worker processes on this machine (one CP-SAT worker each)."""

    def __init__(self, workers: int):
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["planner.batch", "planner.solver", "planner.cashflow"])
        self.slots = workers
        # Workers exit when this process dies (even by SIGKILL): each holds the read end of a
        # pipe whose only write end is here, and a thread in it waits for the end of file.
        self._alive_r, self._alive_w = ctx.Pipe(duplex=False)
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_watch_parent,
                                        initargs=(self._alive_r,))

    def submit(self, fn, *args):
        return self.pool.submit(fn, *args)

    def wait(self, futures, timeout: float):
        from concurrent.futures import FIRST_COMPLETED, wait

        done, _ = wait(futures, timeout=timeout, return_when=FIRST_COMPLETED)
        return done

    def close(self, cancel: bool = False) -> None:
        self.pool.shutdown(wait=not cancel, cancel_futures=cancel)
        self._alive_w.close()  # (after a cancel, this stops the workers still planning)
        self._alive_r.close()


def _watch_parent(alive) -> None:
    """Worker initializer: a daemon thread that ends this worker when the batch's main
    process is gone. (Its parent is the forkserver, so PR_SET_PDEATHSIG or getppid would
    watch the wrong process; the pipe's end of file is the main process's death, whatever
    the signal.)"""

    def watch() -> None:
        try:
            alive.recv()  # nothing is ever sent: this returns with EOFError when the writer is gone
        except (EOFError, OSError):
            pass
        os._exit(1)

    threading.Thread(target=watch, name="planner-parent-watch", daemon=True).start()


class InlineEngine:
    """Everything in this process, one task at a time (tests, tiny runs, debugging)."""

    slots = 1

    def submit(self, fn, *args):
        from concurrent.futures import Future

        fut: Future = Future()
        try:
            fut.set_result(fn(*args))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            fut.set_exception(exc)
        return fut

    def wait(self, futures, timeout: float):
        return {f for f in futures if f.done()}

    def close(self, cancel: bool = False) -> None:
        pass


class DaskEngine:
    """The same tasks on a Dask distributed cluster (`pip install 'planner[dask]'`)."""

    def __init__(self, address: str):
        try:
            from distributed import Client
        except ImportError:
            raise BatchError("--engine dask needs Dask: pip install 'planner[dask]'") from None
        try:
            self.client = Client(address, timeout=30, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise BatchError(f"--scheduler {address}: cannot reach the Dask scheduler ({type(exc).__name__})") from None
        self.slots = max(1, sum(self.client.nthreads().values()))

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False)

    def wait(self, futures, timeout: float):
        # (distributed.wait needs a default client; this engine keeps its client to itself)
        deadline = time.monotonic() + timeout
        while True:
            done = {f for f in futures if f.done()}
            if done or time.monotonic() >= deadline:
                return done
            time.sleep(0.01)

    def close(self, cancel: bool = False) -> None:
        self.client.close()


# --------------------------------------------------------------------------- journal


class Journal:
    """Append-only JSONL of finished households; a torn last line (a killed write) is cut off."""

    def __init__(self, path: Path):
        self.path = path
        self.fh = None
        self.last_sync = time.monotonic()
        self.unsynced = 0

    def repair(self) -> None:
        if not self.path.exists():
            return
        size = self.path.stat().st_size
        if size == 0:
            return
        with open(self.path, "rb+") as fh:
            fh.seek(max(0, size - 1))
            if fh.read(1) == b"\n":
                return
            # find the last newline and cut after it
            pos = size
            block = 1 << 16
            while pos > 0:
                lo = max(0, pos - block)
                fh.seek(lo)
                data = fh.read(pos - lo)
                k = data.rfind(b"\n")
                if k >= 0:
                    fh.truncate(lo + k + 1)
                    return
                pos = lo
            fh.truncate(0)

    def rows(self) -> Iterable[dict]:
        for _, row in self.lines():
            yield row

    def lines(self) -> Iterable[tuple[str, dict]]:
        """(line, row) of every complete journal line."""
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if line:
                    try:
                        yield line, json.loads(line)
                    except json.JSONDecodeError:
                        continue

    def open(self) -> None:
        self.fh = open(self.path, "a", encoding="utf-8", opener=private_opener)

    def write(self, row: dict) -> None:
        self.fh.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
        self.unsynced += 1

    def sync(self, force: bool = False) -> None:
        if self.fh is None or not self.unsynced:
            return
        now = time.monotonic()
        if force or now - self.last_sync > 0.25:
            self.fh.flush()
            os.fsync(self.fh.fileno())
            self.last_sync = now
            self.unsynced = 0

    def close(self) -> None:
        if self.fh is not None:
            self.sync(force=True)
            self.fh.close()
            self.fh = None




# --------------------------------------------------------------------------- the run


@dataclass
class BatchOptions:
    out: Path
    workers: int | None = None
    horizon_months: int | None = None
    resume: bool = False
    key: bytes | None = None  # set: pseudonymise ids with this key
    engine: str = "local"  # "local" (processes), "dask" (cluster), "inline" (this process: tests)
    scheduler: str | None = None
    time_limit_s: float = DEFAULT_TIME_LIMIT_S
    check_only: bool = False
    columns: Path | None = None
    same_day_credit: bool = False
    chunk_size: int = 1000
    progress: bool = True
    #: for households without a plan: "bound" (default) reports the no-lever shortfall, an
    #: upper bound; "exact" solves for the least extra sums (slower; `planner plan` does this)
    shortfall: str = "bound"


@dataclass
class BatchSummary:
    rows_in: int
    planned: int  # households with a result (checked, and planned where needed)
    in_errors: int
    error_rows: int
    payout_orphans: int
    by_status: dict[str, int]
    by_problem: dict[str, int]
    seconds: float
    unused_columns: dict[str, list[str]]
    out: Path
    main_rss_kib: int = 0
    worker_rss_kib: int = 0
    warnings: list[str] = field(default_factory=list)  # said on stderr and in summary.txt

    @property
    def consistent(self) -> bool:
        return self.rows_in == self.planned + self.in_errors


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
                raise BatchError(f"--resume: {out} holds a run of other input or options ({', '.join(diff)});"
                                 " give another --out folder")
    lock = _lock(out)
    for w in warnings:
        warn(f"warning: {w}")
    write_atomic(man_path, json.dumps(manifest, indent=2, sort_keys=True))
    for stale in out.glob(".spool-*"):  # left by a killed run: its rows are read again
        shutil.rmtree(stale, ignore_errors=True)
    for stale in (out / "plans").glob(".*.tmp"):
        stale.unlink(missing_ok=True)

    # The spool (a copy of every input row) is an anonymous SQLite database: a file in the
    # temporary folder that is deleted as it is opened, so no copy of the input is left behind
    # when the run ends or is killed.
    spool = Spool(None)
    try:
        spool.load(found, colmap)
        rows_in = spool.count_households()
        for name, cols in sorted(spool.unused_columns.items()):
            echo(printable(f"{name}: columns not used: {', '.join(cols)}"))
        if opts.resume:
            journal.repair()
            keys = (r["id"] for r in journal.rows() if "id" in r)
            spool.mark_done(keys)
        pending = spool.count_pending()
        done_before = rows_in - pending
        if opts.resume and done_before:
            echo(f"resuming: {done_before} households already finished in {out / JOURNAL}")
        journal.open()
        error_sink = _ErrorSink(spool)
        for e in spool.errors:
            error_sink.add(-1, "", e)
        stats = {"worker_rss_kib": 0}
        if rows_in:
            _process(spool, opts, journal, error_sink, pending, stats)
        journal.close()
        orphans = 0
        for e in spool.orphan_payouts():
            error_sink.add(10**12, "", RowError(e.file, e.row, e.column,
                                                pseudonym(opts.key, e.value) if opts.key and e.value else scrub(e.value),
                                                e.reason))
            orphans += 1
        error_sink.flush()
        summary = _finish(out, spool, journal, opts, rows_in, orphans, t_start, warnings)
        summary.main_rss_kib = _peak_rss()
        summary.worker_rss_kib = stats["worker_rss_kib"]
    finally:
        journal.close()
        spool.close()
        lock.close()
    return summary


def _input_warnings(found) -> list[str]:
    """What the run will do that the user probably did not mean (the run goes on)."""
    roles = {s.role for s in found.sources}
    out = []
    if "tenants" in roles and "payouts" not in roles and "payouts" not in found.failed_roles:
        out.append("no payouts table was given, so every household from the tenants table has no income"
                   " (its problem will be 'income'); give the payouts table too, e.g."
                   " planner batch tenants.csv payouts.csv --out DIR")
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
                        " col TEXT, value TEXT, reason TEXT, household TEXT)")
        self.db.execute("CREATE TABLE IF NOT EXISTS bad (seq INTEGER PRIMARY KEY, row TEXT)")
        self.buf: list = []
        self.bad: list = []

    def add(self, seq: int, input_row: str, e: RowError) -> None:
        self.buf.append((None, seq, e.file, e.row, e.column, e.value, e.reason, e.household))
        if len(self.buf) >= 5000:
            self.flush()

    def add_bad(self, row: dict) -> None:
        self.bad.append((row["seq"], json.dumps(row, ensure_ascii=False)))

    def flush(self) -> None:
        self.db.execute("BEGIN")
        self.db.executemany("INSERT INTO errs VALUES (?,?,?,?,?,?,?,?)", self.buf)
        self.db.executemany("INSERT OR REPLACE INTO bad VALUES (?,?)", self.bad)
        self.db.execute("COMMIT")
        self.buf, self.bad = [], []


def _process(spool: Spool, opts: BatchOptions, journal: Journal, errors: _ErrorSink, pending: int,
             stats: dict) -> None:
    if opts.engine == "dask":
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
                                    opts.shortfall)] = row["seq"]
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
                    for row in res.rows:
                        journal.write(_finished(row))
                    queue.extend(res.jobs)
                    progress.checked(n, len(res.jobs))
                    journal.sync(force=True)
                    errors.flush()
                else:
                    plans.pop(fut)
                    row, text, rss = fut.result()
                    stats["worker_rss_kib"] = max(stats["worker_rss_kib"], rss)
                    if text is not None:
                        write_atomic(plans_dir / f"{row['id']}.json", text)
                    journal.write(_finished(row))
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
    from .web.forms import household_document

    folder.mkdir(exist_ok=True)
    write_atomic(folder / f"{h.id}.json",
                 json.dumps(household_document(h), ensure_ascii=False, sort_keys=True, separators=(",", ":")))


def _finished(row: dict) -> dict:
    """A journal row: the priority filled in, every result column present, in order."""
    row = dict(row)
    row.update(priority_parts(row))
    row.pop("_rent_ore", None)
    return {"seq": row["seq"], **{c: row.get(c, "") for c in RESULT_COLUMNS}}


class _Progress:
    """A progress bar with ETA on stderr (rich), when stderr is a terminal."""

    def __init__(self, enabled: bool, total: int):
        self.bar = None
        if not enabled or not sys.stderr.isatty():
            return
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        self.bar = Progress(TextColumn("{task.description:<9}"), BarColumn(), MofNCompleteColumn(),
                            TaskProgressColumn(), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                            console=Console(stderr=True), transient=False)
        self.bar.start()
        self.t_check = self.bar.add_task("checked", total=total)
        self.t_plan = self.bar.add_task("planned", total=0)

    def checked(self, n: int, jobs: int) -> None:
        if self.bar:
            self.bar.advance(self.t_check, n)
            self.bar.update(self.t_plan, total=self.bar.tasks[self.t_plan].total + jobs)

    def planned(self) -> None:
        if self.bar:
            self.bar.advance(self.t_plan, 1)

    def close(self) -> None:
        if self.bar:
            self.bar.stop()


# --------------------------------------------------------------------------- outputs


def _finish(out: Path, spool: Spool, journal: Journal, opts: BatchOptions, rows_in: int, orphans: int,
            t_start: float, warnings: list[str] | None = None) -> BatchSummary:
    db = spool.db
    db.execute("CREATE TABLE IF NOT EXISTS res (id TEXT PRIMARY KEY, seq INTEGER, priority INTEGER, req TEXT, row TEXT)")
    db.execute("BEGIN")
    batch: list = []
    for line, r in journal.lines():
        batch.append((r.get("id"), r.get("seq"), int(r.get("priority") or 0), r.get("eviction_request") or "9999",
                      line))
        if len(batch) >= 5000:
            db.executemany("INSERT OR IGNORE INTO res VALUES (?,?,?,?,?)", batch)
            batch = []
    db.executemany("INSERT OR IGNORE INTO res VALUES (?,?,?,?,?)", batch)
    # households in errors: one row each, after the checked ones of equal priority
    for seq, row_json in db.execute("SELECT seq, row FROM bad ORDER BY seq").fetchall():
        r = json.loads(row_json)
        full = {"seq": seq, **{c: r.get(c, "") for c in RESULT_COLUMNS}}
        full["priority"] = 0
        db.execute("INSERT INTO res VALUES (?,?,?,?,?)", (f"\0error:{seq}", seq, -1, "9999",
                                                          json.dumps(full, ensure_ascii=False)))
    db.execute("COMMIT")
    columns = [c for c in RESULT_COLUMNS if c != "label" or (spool.has_label and opts.key is None)]

    def ordered():
        for (row_json,) in db.execute("SELECT row FROM res ORDER BY priority DESC, req, seq"):
            yield json.loads(row_json)

    # results.csv and results.xlsx in one pass over the sorted rows
    tmp = out / ".results.csv.tmp"
    by_status: Counter = Counter()
    by_problem: Counter = Counter()
    n_ok = n_bad = 0
    with open(tmp, "w", encoding="utf-8", newline="", opener=private_opener) as fh:
        w = csv.writer(fh)
        w.writerow(columns)

        def rows_to_csv():
            nonlocal n_ok, n_bad
            for r in ordered():
                w.writerow([csv_safe(r.get(c, "")) for c in columns])
                by_status[r["status"]] += 1
                if r["status"] == "error":
                    n_bad += 1
                else:
                    n_ok += 1
                    by_problem[r["problem"]] += 1
                yield r

        _write_xlsx(out / "results.xlsx", columns, rows_to_csv())
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, out / "results.csv")
    # errors.csv: file-level problems first, then by household input order, then orphan payouts
    n_err = 0
    tmp = out / ".errors.csv.tmp"
    in_errors = db.execute("SELECT count(*) FROM bad").fetchone()[0]
    with open(tmp, "w", encoding="utf-8", newline="", opener=private_opener) as fh:
        w = csv.writer(fh)
        w.writerow(ERROR_HEADER)
        for file, row, col, value, reason, hh in db.execute(
                "SELECT file, row, col, value, reason, household FROM errs ORDER BY seq, n"):
            w.writerow([csv_safe(v) for v in (file, "" if row is None else row, col, value, reason, hh or "")])
            n_err += 1
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, out / "errors.csv")
    summary = BatchSummary(rows_in=rows_in, planned=n_ok, in_errors=in_errors, error_rows=n_err,
                           payout_orphans=orphans, by_status=dict(by_status), by_problem=dict(by_problem),
                           seconds=time.perf_counter() - t_start, unused_columns=spool.unused_columns, out=out,
                           warnings=list(warnings or []))
    write_atomic(out / "summary.txt", summary_text(summary, list(_top(db, 20)), opts))
    return summary


def _top(db, n: int):
    for (row_json,) in db.execute("SELECT row FROM res WHERE priority >= 0 ORDER BY priority DESC, req, seq LIMIT ?",
                                  (n,)):
        yield json.loads(row_json)


def summary_text(s: BatchSummary, top: list[dict], opts: BatchOptions) -> str:
    """summary.txt: deterministic (no times), counts and the top of the priority list."""
    lines = [
        "planner batch: summary",
        "",
        f"rows in: {s.rows_in} = households planned {s.planned} + households in errors {s.in_errors}"
        + ("" if s.consistent else "  (MISMATCH: see journal.jsonl and errors.csv)"),
        f"error rows in errors.csv: {s.error_rows} (payout rows for unknown households: {s.payout_orphans})",
    ]
    lines += [f"warning: {w}" for w in s.warnings]
    lines += [
        "",
        "households by problem:",
    ]
    for k in ("none", "timing", "income"):
        lines.append(f"  {k:<12} {s.by_problem.get(k, 0):>8}")
    lines += ["", "households by status:"]
    for k in sorted(s.by_status):
        lines.append(f"  {k:<12} {s.by_status[k]:>8}")
    lines += ["", f"top {len(top)} by priority (priority = urgency + arrears + children + levers):",
              f"  {'#':>3}  {'id':<24} {'prio':>4} = {'urg':>3} + {'arr':>3} + {'chi':>3} + {'lev':>3}  "
              f"{'request':<10}  {'problem':<7} {'status':<11} actors"]
    for k, r in enumerate(top, 1):
        lines.append(
            f"  {k:>3}  {str(r['id'])[:24]:<24} {r['priority']:>4} = {r['priority_urgency']:>3} + "
            f"{r['priority_arrears']:>3} + {r['priority_children']:>3} + {r['priority_levers']:>3}  "
            f"{r['eviction_request'] or '-':<10}  {r['problem']:<7} {r['status']:<11} {r['actors'] or '-'}")
    lines += ["", "priority: see README.md (planner batch, Priority); amounts in results.csv are øre (*_ore)."]
    if opts.key is not None:
        lines.append("ids are pseudonymised (HMAC-SHA256 with the run's key).")
    return "\n".join(lines) + "\n"


def _write_xlsx(path: Path, columns: list[str], rows: Iterable[dict]) -> None:
    """results.xlsx, streamed: amounts shown in kroner (columns *_kr; øre / 100 is exact to the
    øre in a double), counts as numbers, everything else as text."""
    from .io.xlsx import write_xlsx

    header = [c[:-4] + "_kr" if c in _ORE_COLUMNS else c for c in columns]
    ore_idx = [k for k, c in enumerate(columns) if c in _ORE_COLUMNS]
    int_idx = [k for k, c in enumerate(columns) if c in _INT_COLUMNS and c not in _ORE_COLUMNS]

    def values():
        for r in rows:
            v = [r.get(c, "") for c in columns]
            for k in int_idx:
                if v[k] != "" and v[k] is not None:
                    v[k] = int(v[k])
            for k in ore_idx:
                if v[k] != "" and v[k] is not None:
                    v[k] = int(v[k]) / 100
            yield v

    write_xlsx(path, header, values(), sheet="results", money_columns=ore_idx)


__all__ = [
    "BatchError", "BatchOptions", "BatchSummary", "CHEAP_COST", "KEY_ENV", "RESULT_COLUMNS", "UnreadableInput",
    "check_chunk", "load_key", "plan_one", "priority_parts", "pseudonym", "run_batch",
]

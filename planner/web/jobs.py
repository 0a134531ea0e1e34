"""Background jobs: long work (a large import, a ledger, a report) that runs beside the pages,
with its progress in the database, so that any server process shows it and any can finish it.

Why in the database and in parts: a request that plans 300 households cannot finish inside the
request's time limit, and a server process can die (a deployment, the OOM killer) half-way. A
job is a row in `jobs` (state, progress, heartbeat) and its input split into `job_parts` (one
household, one ledger file); a `JobRunner` thread in every server process claims a job
atomically (an UPDATE whose WHERE says "queued, or running with a stale heartbeat", counted by
its rowcount), runs the parts not yet done, each writing its output as it ends, and keeps the
heartbeat fresh meanwhile. A process that dies leaves its heartbeat to go stale; another
process then claims the job and resumes at the first part not done. Nothing about a job lives
only in a process's memory.

States: queued -> running -> done | failed | cancelled (a running job whose process died is
running with a stale heartbeat until another process takes it). The message is short and holds
no personal data (it is shown in lists; "Husstand 12 av 300"); a part's input and output are
personal data and are erased when the job ends (the result, which the job page links to, is
kept `KEEP_DAYS`, then the job is erased with it).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from .schema import job_parts, jobs

if TYPE_CHECKING:
    from .core import Web

log = logging.getLogger("planner.web")

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
ENDED = (DONE, FAILED, CANCELLED)
#: days a finished job's result (an import report, a ledger worklist, a report file) is kept
KEEP_DAYS = 7
#: seconds without a heartbeat after which a running job counts as abandoned by its process
STALE_S = 60.0
#: seconds between heartbeats of a running job (well inside `STALE_S`)
HEARTBEAT_S = 5.0


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back (stored as UTC), PostgreSQL aware ones."""
    return value if value is None or value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


@dataclass
class Job:
    id: str
    kind: str
    state: str
    user: str | None
    office: str | None
    params: dict[str, Any]
    done: int
    total: int
    message: str | None
    result: dict[str, Any] | None
    worker: str | None
    created: datetime
    updated: datetime
    heartbeat: datetime | None
    finished: datetime | None

    @property
    def ended(self) -> bool:
        return self.state in ENDED

    @property
    def percent(self) -> int:
        return 100 if self.state == DONE else (100 * self.done // self.total if self.total else 0)


@dataclass
class Part:
    seq: int
    state: str
    input: bytes | None
    output: str | None


def _load(text: Any) -> dict[str, Any] | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _job(row: Any) -> Job:
    m = row._mapping
    return Job(id=m["id"], kind=m["kind"], state=m["state"], user=m["user"], office=m["office"],
               params=_load(m["params"]) or {}, done=int(m["done"] or 0), total=int(m["total"] or 0),
               message=m["message"], result=_load(m["result"]), worker=m["worker"],
               created=_aware(m["created"]) or _now(), updated=_aware(m["updated"]) or _now(),
               heartbeat=_aware(m["heartbeat"]), finished=_aware(m["finished"]))


class PartTaken(Exception):
    """The part was done (or the job taken, cancelled) by someone else meanwhile: roll back."""


class JobStore:
    """The `jobs` and `job_parts` tables (SQLAlchemy Core: SQLite and PostgreSQL)."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    # ------------------------------------------------------------------ making and reading

    def create(self, kind: str, params: dict[str, Any], parts: Sequence[bytes | None], *, user: str | None,
               office: str | None, message: str = "I kø") -> str:
        """A queued job with its input in parts (seq 0, 1, ...), in one transaction."""
        jid = str(uuid.uuid4())
        now = _now()
        with self.engine.begin() as conn:
            conn.execute(jobs.insert().values(
                id=jid, kind=kind, state=QUEUED, user=user, office=office,
                params=json.dumps(params, ensure_ascii=False, sort_keys=True), done=0, total=len(parts),
                message=message, created=now, updated=now))
            if parts:
                conn.execute(job_parts.insert(), [dict(job_id=jid, seq=i, state=QUEUED, input=data, updated=now)
                                                  for i, data in enumerate(parts)])
        return jid

    def get(self, jid: str) -> Job | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(jobs).where(jobs.c.id == jid)).first()
        return _job(row) if row is not None else None

    def listing(self, user: str | None = None, *, everyone: bool = False, limit: int = 200) -> list[Job]:
        """The newest jobs first: `user`'s own, or with `everyone` (an administrator) all."""
        q = sa.select(jobs).order_by(jobs.c.created.desc(), jobs.c.id).limit(limit)
        if not everyone:
            q = q.where(jobs.c.user == user)
        with self.engine.connect() as conn:
            return [_job(r) for r in conn.execute(q)]

    def parts(self, jid: str, *, with_input: bool = True) -> list[Part]:
        cols = [job_parts.c.seq, job_parts.c.state, job_parts.c.output]
        if with_input:
            cols.append(job_parts.c.input)
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(*cols).where(job_parts.c.job_id == jid).order_by(job_parts.c.seq))
            return [Part(r.seq, r.state, bytes(r.input) if with_input and r.input is not None else None, r.output)
                    for r in rows]

    # ------------------------------------------------------------------ one process's claim

    def claim(self, worker: str, stale_s: float = STALE_S, *, kinds: Sequence[str] | None = None) -> Job | None:
        """Take one job: the oldest queued, or a running one whose heartbeat is older than
        `stale_s` (its process died). The UPDATE repeats the condition and its rowcount says
        whether this process won: two processes never both take a job."""
        now = _now()
        free = sa.or_(jobs.c.state == QUEUED,
                      sa.and_(jobs.c.state == RUNNING,
                              sa.or_(jobs.c.heartbeat.is_(None), jobs.c.heartbeat < now - timedelta(seconds=stale_s))))
        q = sa.select(jobs.c.id).where(free).order_by(jobs.c.created, jobs.c.id).limit(5)
        if kinds is not None:
            q = q.where(jobs.c.kind.in_(list(kinds)))
        with self.engine.connect() as conn:
            candidates = [r[0] for r in conn.execute(q)]
        for jid in candidates:
            with self.engine.begin() as conn:
                won = conn.execute(jobs.update().where(jobs.c.id == jid, free).values(
                    state=RUNNING, worker=worker, heartbeat=now, updated=now)).rowcount
            if won == 1:
                return self.get(jid)
        return None

    def _mine(self, jid: str, worker: str) -> sa.ColumnElement[bool]:
        return sa.and_(jobs.c.id == jid, jobs.c.worker == worker, jobs.c.state == RUNNING)

    def heartbeat(self, jid: str, worker: str) -> bool:
        """Keep the claim fresh; False if the job is no longer this process's (cancelled, or
        taken by another process after a stale heartbeat): stop working on it."""
        now = _now()
        with self.engine.begin() as conn:
            return conn.execute(jobs.update().where(self._mine(jid, worker)).values(heartbeat=now)).rowcount == 1

    def progress(self, jid: str, worker: str, done: int, message: str, total: int | None = None) -> bool:
        now = _now()
        values: dict[str, Any] = dict(done=done, message=message[:200], heartbeat=now, updated=now)
        if total is not None:
            values["total"] = total
        with self.engine.begin() as conn:
            return conn.execute(jobs.update().where(self._mine(jid, worker)).values(**values)).rowcount == 1

    def part_states(self, jid: str) -> list[tuple[int, str]]:
        with self.engine.connect() as conn:
            return [(r.seq, r.state) for r in conn.execute(
                sa.select(job_parts.c.seq, job_parts.c.state).where(job_parts.c.job_id == jid).order_by(job_parts.c.seq))]

    def add_parts(self, jid: str, inputs: Sequence[bytes | None], conn: sa.Connection) -> None:
        """More parts after the last one, in the caller's transaction (with the part that made
        them marked done: a resumed job never adds them twice)."""
        last = conn.execute(sa.select(sa.func.max(job_parts.c.seq)).where(job_parts.c.job_id == jid)).scalar()
        first = 0 if last is None else int(last) + 1
        now = _now()
        if inputs:
            conn.execute(job_parts.insert(), [dict(job_id=jid, seq=first + i, state=QUEUED, input=data, updated=now)
                                              for i, data in enumerate(inputs)])
        conn.execute(jobs.update().where(jobs.c.id == jid).values(total=first + len(inputs)))

    def start_part(self, jid: str, seq: int) -> None:
        """Mark a part running (a process killed now leaves it so; it is run again on resume)."""
        with self.engine.begin() as conn:
            conn.execute(job_parts.update().where(job_parts.c.job_id == jid, job_parts.c.seq == seq,
                                                  job_parts.c.state != DONE).values(state=RUNNING, updated=_now()))

    def finish_part(self, jid: str, seq: int, output: str, worker: str, *, conn: sa.Connection | None = None) -> None:
        """The part's output, written once: in `conn`'s transaction when given (an import stores
        its household and marks its part done together). `PartTaken` if the part is done
        already or the job is no longer this process's: the caller's transaction rolls back."""
        def write(c: sa.Connection) -> None:
            ours = c.execute(sa.select(jobs.c.id).where(self._mine(jid, worker))).first()
            n = c.execute(job_parts.update().where(job_parts.c.job_id == jid, job_parts.c.seq == seq,
                                                   job_parts.c.state != DONE)
                          .values(state=DONE, output=output, updated=_now())).rowcount
            if ours is None or n != 1:
                raise PartTaken(jid)

        if conn is not None:
            write(conn)
        else:
            with self.engine.begin() as own:
                write(own)

    def finish(self, jid: str, worker: str, result: dict[str, Any], message: str = "Ferdig") -> bool:
        """Done: the result kept, the parts (the input: personal data) erased, in one transaction."""
        now = _now()
        with self.engine.begin() as conn:
            n = conn.execute(jobs.update().where(self._mine(jid, worker)).values(
                state=DONE, result=json.dumps(result, ensure_ascii=False, sort_keys=True), message=message[:200],
                done=jobs.c.total, finished=now, updated=now, heartbeat=now)).rowcount
            if n == 1:
                conn.execute(job_parts.delete().where(job_parts.c.job_id == jid))
        return n == 1

    def fail(self, jid: str, worker: str | None, message: str, result: dict[str, Any] | None = None) -> bool:
        """Failed, with the message the caseworker reads (the request's own message for bad
        input); the parts erased."""
        now = _now()
        where = self._mine(jid, worker) if worker is not None else sa.and_(jobs.c.id == jid, jobs.c.state.in_((QUEUED, RUNNING)))
        with self.engine.begin() as conn:
            n = conn.execute(jobs.update().where(where).values(
                state=FAILED, message=message[:2000], finished=now, updated=now,
                result=json.dumps(result, ensure_ascii=False, sort_keys=True) if result is not None else None)).rowcount
            if n == 1:
                conn.execute(job_parts.delete().where(job_parts.c.job_id == jid))
        return n == 1

    def cancel(self, jid: str) -> bool:
        """Stop a queued or running job (its runner sees it at the next heartbeat or part); what
        its parts stored stays stored. The parts are erased."""
        now = _now()
        with self.engine.begin() as conn:
            n = conn.execute(jobs.update().where(jobs.c.id == jid, jobs.c.state.in_((QUEUED, RUNNING))).values(
                state=CANCELLED, message="Avbrutt", finished=now, updated=now)).rowcount
            if n == 1:
                conn.execute(job_parts.delete().where(job_parts.c.job_id == jid))
        return n == 1

    # ------------------------------------------------------------------ retention

    def sweep(self, now: datetime | None = None, keep_days: int = KEEP_DAYS) -> int:
        """Erase jobs (with their results and any parts left) that ended more than `keep_days`
        ago, and jobs never finished that were made that long ago; also the parts of any ended
        job (a process that died between ending a job and erasing them). Returns the jobs erased."""
        now = now or _now()
        cutoff = now - timedelta(days=keep_days)
        old = sa.or_(sa.and_(jobs.c.state.in_(ENDED), jobs.c.finished < cutoff), jobs.c.created < cutoff)
        ended = sa.select(jobs.c.id).where(jobs.c.state.in_(ENDED)).scalar_subquery()
        with self.engine.connect() as conn:  # read first: most sweeps find nothing and write nothing
            ids = [r[0] for r in conn.execute(sa.select(jobs.c.id).where(old))]
            leftover = conn.execute(sa.select(job_parts.c.job_id).where(job_parts.c.job_id.in_(ended)).limit(1)).first()
        if not ids and leftover is None:
            return 0
        with self.engine.begin() as conn:
            conn.execute(job_parts.delete().where(job_parts.c.job_id.in_(ended)))
            for chunk in range(0, len(ids), 500):
                part = ids[chunk:chunk + 500]
                conn.execute(job_parts.delete().where(job_parts.c.job_id.in_(part)))
                conn.execute(jobs.delete().where(jobs.c.id.in_(part)))
        return len(ids)


# --------------------------------------------------------------------------- what a job does


class JobInputError(Exception):
    """Bad input found while the job runs: the job ends 'failed' with this message (Norwegian,
    naming the file, row and field as the request would), and `result` if given (an import's
    report of every file refused)."""

    def __init__(self, message: str, result: dict[str, Any] | None = None):
        super().__init__(message)
        self.result = result


@dataclass
class PartContext:
    """What a kind's `run_part` gets: the app, the job, the part and a way to mark it done in
    the caller's own transaction (`done(output, conn)`)."""

    web: Web
    job: Job
    seq: int
    input: bytes | None
    store: JobStore
    worker: str
    #: set when the server process is shutting down: an interrupted part is not the part's fault
    stopping: threading.Event | None = None

    def done(self, output: str, conn: sa.Connection) -> None:
        self.store.finish_part(self.job.id, self.seq, output, self.worker, conn=conn)


@dataclass(frozen=True)
class JobKind:
    """One kind of job. `run_part(ctx)` does one part and returns its output (the runner writes
    it), or calls `ctx.done(output, conn)` inside its own transaction and returns None.
    `finish(web, job, outputs)` makes the result from every part's output, in order.
    `message(done, total)`: the progress line (no personal data)."""

    run_part: Callable[[PartContext], str | None]
    finish: Callable[[Web, Job, list[str]], dict[str, Any]]
    message: Callable[[int, int], str]


#: the kinds this server runs, by name (filled by `jobkinds`)
KINDS: dict[str, JobKind] = {}


async def start_job(request: Any, kind: str, params: dict[str, Any], parts: list[bytes | None],
                    message: str = "I kø") -> Any:
    """Make a job for the signed-in user and her office, and send the browser to its page (303)."""
    from fastapi.responses import RedirectResponse
    from starlette.concurrency import run_in_threadpool

    from .core import web_of

    web = web_of(request)
    jid = await run_in_threadpool(JobStore(web.store.engine).create, kind, params, parts, user=web.user(request),
                                  office=web.office(request), message=message)
    return RedirectResponse(f"/jobber/{jid}", status_code=303)


def worker_name() -> str:
    """This process's name in `jobs.worker`: host, pid and a random tag (no personal data)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


class JobRunner:
    """One per server process: a thread that claims jobs and runs their parts, heartbeating
    meanwhile. Started at the app's start-up, stopped at its shutdown; `run_once` runs one job
    in the caller's thread (tests)."""

    def __init__(self, web: Web, *, poll_s: float = 1.0, heartbeat_s: float = HEARTBEAT_S,
                 stale_s: float = STALE_S, worker: str | None = None):
        self.web = web
        self.store = JobStore(web.store.engine)
        self.poll_s = poll_s
        self.heartbeat_s = heartbeat_s
        self.stale_s = stale_s
        self.worker = worker or worker_name()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._swept: datetime | None = None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="planner-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._sweep_now_and_then()
                ran = self.run_once()
            except Exception as exc:  # noqa: BLE001 - the runner lives on; logged by type only (no personal data)
                log.error("job runner: %s", type(exc).__name__)
                ran = False
            if not ran:
                self._stop.wait(self.poll_s)

    def _sweep_now_and_then(self) -> None:
        now = _now()
        if self._swept is None or now - self._swept > timedelta(hours=1):
            self._swept = now
            n = self.store.sweep(now)
            if n:
                log.info("jobs erased after %d days: %d", KEEP_DAYS, n)

    def run_once(self) -> bool:
        """Claim one job and run it to its end (or until it is no longer ours); False if there
        was none."""
        job = self.store.claim(self.worker, self.stale_s, kinds=list(KINDS))
        if job is None:
            return False
        self.run(job)
        return True

    def run(self, job: Job) -> None:
        kind = KINDS[job.kind]
        alive = threading.Event()  # set when the job is no longer ours: stop after this part
        beat_stop = threading.Event()

        def beat() -> None:
            while not beat_stop.wait(self.heartbeat_s):
                if not self.store.heartbeat(job.id, self.worker):
                    alive.set()
                    return

        beater = threading.Thread(target=beat, name="planner-jobs-heartbeat", daemon=True)
        beater.start()
        try:
            while True:  # parts may be added by a part (an import's reading adds one per household)
                states = self.store.part_states(job.id)
                done = sum(state == DONE for _, state in states)
                if not self.store.progress(job.id, self.worker, done, kind.message(done, len(states)),
                                           total=len(states)):
                    return
                seq = next((q for q, state in states if state != DONE), None)  # the first part not done
                if seq is None:
                    break
                if alive.is_set() or self._stop.is_set():
                    return
                self.store.start_part(job.id, seq)
                ctx = PartContext(self.web, job, seq, self._input(job.id, seq), self.store, self.worker, self._stop)
                try:
                    # in the worker pool's threads, as a request's work (plans go on to the solver processes)
                    output = self.web.pool.executor.submit(kind.run_part, ctx).result()
                    if output is not None:
                        self.store.finish_part(job.id, seq, output, self.worker)
                except PartTaken:
                    return
                except JobInputError as exc:
                    self.store.fail(job.id, self.worker, str(exc), exc.result)
                    return
            outputs = [p.output or "" for p in self.store.parts(job.id, with_input=False)]
            try:
                result = kind.finish(self.web, job, outputs)
            except JobInputError as exc:
                self.store.fail(job.id, self.worker, str(exc), exc.result)
                return
            self.store.finish(job.id, self.worker, result, kind.message(done, done))
        except Exception as exc:  # noqa: BLE001 - a job that breaks ends 'failed', never takes the runner with it
            if self._stop.is_set():  # the server is stopping (its solver processes killed): resumed later
                log.info("job %s left to resume after shutdown", job.kind)
                return
            log.error("job %s failed: %s", job.kind, type(exc).__name__)
            detail = getattr(exc, "detail", None)  # the pool's own Norwegian messages (PlanStopped, WorkerLost)
            self.store.fail(job.id, self.worker, str(detail) if isinstance(detail, str) else
                            "Jobben stoppet på grunn av en feil. Feilen er logget uten persondata; prøv igjen.")
        finally:
            beat_stop.set()
            beater.join(1.0)

    def _input(self, jid: str, seq: int) -> bytes | None:
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(job_parts.c.input).where(job_parts.c.job_id == jid,
                                                                  job_parts.c.seq == seq)).first()
        return bytes(row[0]) if row is not None and row[0] is not None else None

"""The worker pools that keep the event loop free: threads for the request's work, and
processes for the solver (`SolverProcesses`, below).

Solving a plan (CP-SAT), drawing its chart and checking a password (scrypt) take from
milliseconds to seconds; run on the event loop they would stop every other request meanwhile.
They run here instead, in a small pool of threads (CP-SAT and scrypt release the GIL while
they work), and a request waits for its job at most `time_limit_s` seconds, queue included,
before it is answered with a message (503). A job that is still queued then is dropped; one
that runs ends by itself within the solver's own time limit, and stores nothing: a job writes
only inside `committing()`, which refuses once the request has given up (and a request whose
job is already writing waits the few milliseconds for it instead of giving up).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import queue
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from typing import Any, Callable, ContextManager, Iterator, TypeVar

from starlette.exceptions import HTTPException

from ..io.workers import watch_parent

T = TypeVar("T")

log = logging.getLogger("planner.web")


class TooSlow(HTTPException):
    def __init__(self, seconds: float):
        super().__init__(503, f"Beregningen tok mer enn {seconds:g} sekunder og ble avbrutt. Serveren kan være "
                              "travel: prøv igjen om litt. Ingenting er lagret.")


class Abandoned(Exception):
    """The request gave up waiting: the job must not store anything."""


class Job:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.cancelled = False
        self.committed = False

    @contextmanager
    def commit(self) -> Iterator[None]:
        with self._lock:
            if self.cancelled:
                raise Abandoned
            yield
            self.committed = True

    def cancel(self) -> bool:
        """Give up the job; False if it is writing or has written (then its answer is wanted)."""
        if not self._lock.acquire(blocking=False):
            return False
        try:
            if self.committed:
                return False
            self.cancelled = True
            return True
        finally:
            self._lock.release()


_local = threading.local()


def committing() -> ContextManager[None]:
    """Wrap a job's writes: raises `Abandoned` if its request has stopped waiting."""
    job = getattr(_local, "job", None)
    return job.commit() if job is not None else nullcontext()


def _as_job(job: Job, fn: Callable[[], T]) -> T:
    _local.job = job
    try:
        return fn()
    finally:
        _local.job = None


class WorkerPool:
    def __init__(self, workers: int, time_limit_s: float):
        self.workers = workers
        self.time_limit_s = time_limit_s
        self._executor: ThreadPoolExecutor | None = None

    @property
    def executor(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="planner-worker")
        return self._executor

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(*args, **kwargs)` in the pool; `TooSlow` after the per-request time limit."""
        loop = asyncio.get_running_loop()
        job = Job()
        future = loop.run_in_executor(self.executor, _as_job, job, functools.partial(fn, *args, **kwargs))
        done, _ = await asyncio.wait({future}, timeout=self.time_limit_s)
        if done or not job.cancel():
            return await future
        future.cancel()  # still queued: never starts
        future.add_done_callback(lambda f: f.cancelled() or f.exception())  # its Abandoned is expected
        raise TooSlow(self.time_limit_s)

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


# --------------------------------------------------------------------------- solver processes


class PlanStopped(HTTPException):
    """A plan ran past its time limit: its process was killed (and replaced). 503, in Norwegian."""

    def __init__(self, seconds: float):
        super().__init__(503, f"Planen ble ikke ferdig innen tidsgrensen på {seconds:g} sekunder, og beregningen "
                              "ble stoppet. Ingenting er lagret. Prøv igjen, eller prøv med færre tiltak (Hva om); "
                              "administratoren kan gi planene mer tid (planner serve --request-time-limit).")


class WorkerLost(HTTPException):
    """The worker process died under the plan (killed from outside, out of memory)."""

    def __init__(self) -> None:
        super().__init__(503, "Beregningen ble avbrutt fordi arbeidsprosessen stoppet. Ingenting er lagret. "
                              "Prøv igjen om litt.")


class _Worker:
    def __init__(self, process: Any, conn: Any):
        self.process = process
        self.conn = conn

    @property
    def pid(self) -> int:
        return int(self.process.pid)

    def kill(self) -> None:
        try:
            self.process.kill()
            self.process.join(5)
        finally:
            self.conn.close()


class SolverProcesses:
    """Pre-warmed worker processes for the solver (and the chart, drawn beside it).

    Why processes, not threads: a thread cannot be stopped, so a plan past its limit went on
    using a core (and memory) after its request had given up; and the chart's Python drawing
    holds the GIL the event loop needs. A process can be killed. Each worker runs `warm` when it
    starts (imports OR-Tools and the engine and solves a tiny household) and says "ready" only
    then; `call` waits for its answer at most `limit_s` seconds and otherwise kills the worker
    (its pid is gone when `call` raises `PlanStopped`) and starts a fresh one in the background.

    The workers are forked from a forkserver that has imported the engine (`preload`), never
    from the server process itself (which has threads and database connections), and end when
    the server does, whatever the signal (`planner.io.workers.watch_parent`)."""

    def __init__(self, workers: int, warm: Callable[[], None] | None = None, preload: tuple[str, ...] = ()):
        self.workers = max(1, workers)
        self._warm = warm
        self._preload = list(preload)
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._started = False
        self._generation = 0  # bumped by `shutdown`: a replacement started before it is dropped
        self._ctx: Any = None
        self._alive: tuple[Any, Any] | None = None
        weakref.finalize(self, SolverProcesses._kill_all, self._all)

    def start(self, wait: bool = True) -> None:
        """Start the workers (once, and again after `shutdown`: an app whose lifespan runs
        twice); with `wait`, return when every one has warmed up."""
        with self._lock:
            if self._started:
                return
            import multiprocessing as mp

            self._ctx = mp.get_context("forkserver")
            if self._preload:
                self._ctx.set_forkserver_preload(self._preload)
            self._alive = self._ctx.Pipe(duplex=False)
            self._started = True
            starting = [self._spawn() for _ in range(self.workers)]
        for w in starting:
            if wait:
                self._await_ready(w)
            else:
                threading.Thread(target=self._await_ready, args=(w,), daemon=True).start()

    def pids(self) -> list[int]:
        return sorted(w.pid for w in list(self._all))

    def call(self, limit_s: float, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in a worker process (both picklable); `PlanStopped` after `limit_s`
        seconds of work, the worker killed. Waiting for a free worker is not counted (the
        request's own limit, `WorkerPool`, covers the queue)."""
        self.start(wait=False)
        try:
            worker = self._idle.get(timeout=300)
        except queue.Empty:  # no worker has started for minutes: say so rather than hang
            raise WorkerLost() from None
        try:
            worker.conn.send((fn, args))
            if not worker.conn.poll(limit_s):
                log.warning("plan stopped after %.3g s (worker %d killed)", limit_s, worker.pid)
                self._retire(worker)
                raise PlanStopped(limit_s)
            ok, value = worker.conn.recv()
        except (EOFError, OSError):
            log.error("worker %d lost", worker.pid)
            self._retire(worker)
            raise WorkerLost() from None
        self._idle.put(worker)
        if ok:
            return value
        raise value

    def shutdown(self) -> None:
        with self._lock:
            self._generation += 1
            self._started = False
            SolverProcesses._kill_all(self._all)
            while not self._idle.empty():
                self._idle.get_nowait()
            if self._alive is not None:
                for end in self._alive:
                    end.close()
                self._alive = None

    # ------------------------------------------------------------------ internals

    def _spawn(self) -> _Worker:
        assert self._alive is not None
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(target=_worker_main, args=(child, self._alive[0], self._warm),
                                    name="planner-solver", daemon=True)
        process.start()
        child.close()
        worker = _Worker(process, parent)
        self._all.add(worker)
        return worker

    def _await_ready(self, worker: _Worker) -> None:
        """Wait for the worker's "ready"; put it in the idle queue (or replace a worker that
        died while warming up, after a pause so a broken installation does not spin)."""
        generation = self._generation
        try:
            if worker.conn.poll(300) and worker.conn.recv() == "ready":
                with self._lock:
                    if generation == self._generation:
                        self._idle.put(worker)
                        return
        except (EOFError, OSError):
            pass
        self._all.discard(worker)
        worker.kill()
        if generation == self._generation:
            log.error("a solver worker did not start")
            time.sleep(1.0)
            self._replace(generation)

    def _retire(self, worker: _Worker) -> None:
        generation = self._generation
        self._all.discard(worker)
        worker.kill()
        self._replace(generation)

    def _replace(self, generation: int) -> None:
        with self._lock:
            if generation != self._generation or not self._started:
                return
            fresh = self._spawn()
        threading.Thread(target=self._await_ready, args=(fresh,), name="planner-solver-start", daemon=True).start()

    @staticmethod
    def _kill_all(workers: set[_Worker]) -> None:
        for w in list(workers):
            try:
                w.kill()
            except Exception:  # noqa: BLE001 - already gone
                pass
        workers.clear()


def _worker_main(conn: Any, alive: Any, warm: Callable[[], None] | None) -> None:
    """A solver worker: warm up, say "ready", then answer `(fn, args)` requests until the
    server closes the pipe. An exception goes back to the caller (or its type, if it cannot
    be pickled)."""
    watch_parent(alive, "planner-server-watch")
    if warm is not None:
        warm()
    conn.send("ready")
    while True:
        try:
            fn, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            answer: tuple[bool, Any] = (True, fn(*args))
        except Exception as exc:  # noqa: BLE001 - handed to the caller, who raises it
            answer = (False, exc)
        try:
            conn.send(answer)
        except Exception as exc:  # noqa: BLE001 - an answer that cannot be pickled
            conn.send((False, RuntimeError(f"{type(exc).__name__} in the solver worker")))

"""The worker pool that keeps the event loop free.

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
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from typing import Any, Callable, ContextManager, Iterator, TypeVar

from starlette.exceptions import HTTPException

T = TypeVar("T")


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

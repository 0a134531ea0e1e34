"""The worker pool that keeps the event loop free.

Solving a plan (CP-SAT), drawing its chart and checking a password (scrypt) take from
milliseconds to seconds; run on the event loop they would stop every other request meanwhile.
They run here instead, in a small pool of threads (CP-SAT and scrypt release the GIL while
they work), and a request waits for its job at most `time_limit_s` seconds, queue included,
before it is answered with a message (503). A job that is still queued then is dropped; one
that runs ends by itself within the solver's own time limit.
"""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, TypeVar

from starlette.exceptions import HTTPException

T = TypeVar("T")


class TooSlow(HTTPException):
    def __init__(self, seconds: float):
        super().__init__(503, f"Beregningen tok mer enn {seconds:g} sekunder og ble avbrutt. Serveren kan være "
                              "travel: prøv igjen om litt. Ingenting er lagret.")


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
        future = loop.run_in_executor(self.executor, functools.partial(fn, *args, **kwargs))
        try:
            return await asyncio.wait_for(future, self.time_limit_s)
        except asyncio.TimeoutError:
            raise TooSlow(self.time_limit_s) from None

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

"""Where the work runs"""

from __future__ import annotations

import time

from ..io.workers import watch_parent
from .common import BatchError

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
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=watch_parent,
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

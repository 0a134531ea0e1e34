"""A list's work shared with a forked child: `planner report` on two cores.

A report command is one thread that spends most of its time in two loops whose items are
independent: a case per household row (parsing and validating its documents) and a chart per
figure (matplotlib). `split_map` forks a child made by `os.fork` (it shares the parent's memory,
so the function and its data need no pickling; only the results come back, pickled, through a
pipe). Parent and child take the items a chunk at a time from a counter they share, so the one
that is further along takes more (the parent may first do other work, `meanwhile`, such as
loading the libraries the next step needs), and the results are put back in the items' order:
the output is the one a plain loop gives, so the report's bytes do not change.

Only for a process with one thread (a command): forking a process whose other threads may hold
a lock (the web server's pools) can leave the child waiting for that lock forever, so the web
page never asks for it. Where there is one core, no `fork`, or a child that fails, the work is
done in the parent alone: slower, never different.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: below this many items a child costs more than it saves
MIN_ITEMS = 4


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def split_map(fn: Callable[[T], R], items: Iterable[T], *, parallel: bool = True, chunk: int = 1,
              meanwhile: Callable[[], object] | None = None) -> list[R]:
    """`[fn(x) for x in items]`, shared with a forked child when `parallel` and the machine has
    two cores, `chunk` items at a time. `meanwhile()` runs in the parent first (the child meanwhile
    takes chunks). `fn` must be pure (what it does in the child stays there) and its results
    picklable."""
    items = list(items)
    if not parallel or len(items) < MIN_ITEMS or not hasattr(os, "fork") or cores() < 2:
        if meanwhile is not None:
            meanwhile()
        return [fn(x) for x in items]
    import multiprocessing

    chunk = max(1, chunk)
    starts = list(range(0, len(items), chunk))
    counter: Any = multiprocessing.get_context("fork").Value("l", 0)  # the next chunk to take

    def take() -> int | None:
        with counter.get_lock():
            k = counter.value
            if k >= len(starts):
                return None
            counter.value = k + 1
            return k

    def work() -> dict[int, list[R]]:
        done: dict[int, list[R]] = {}
        while (k := take()) is not None:
            done[k] = [fn(x) for x in items[starts[k]:starts[k] + chunk]]
        return done

    read_end, write_end = os.pipe()
    gc.freeze()  # the objects so far out of the collector's sight: the child's collections do not touch (and copy) them
    pid = os.fork()
    if pid == 0:  # the child: its chunks, pickled into the pipe, then gone without any clean-up
        code = 1
        try:
            gc.disable()  # short-lived: a collection would only copy the parent's pages
            os.close(read_end)
            data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(data)
            code = 0
        finally:
            os._exit(code)
    gc.unfreeze()
    os.close(write_end)
    try:
        if meanwhile is not None:
            meanwhile()
        done = work()
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        os.close(read_end)
        os.waitpid(pid, 0)
        raise
    with os.fdopen(read_end, "rb") as src:
        data = src.read()
    _, status = os.waitpid(pid, 0)
    try:
        theirs: dict[int, list[R]] = pickle.loads(data) if status == 0 else {}
    except Exception:  # noqa: BLE001 - a half-written answer: the parent does those chunks itself
        theirs = {}
    out: list[R] = []
    for k, start in enumerate(starts):
        part = done.get(k)
        if part is None:
            part = theirs.get(k)
        if part is None:  # the child failed: the same work here (and its error, if any)
            part = [fn(x) for x in items[start:start + chunk]]
        out.extend(part)
    return out

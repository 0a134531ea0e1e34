"""Half of a list's work in a forked child: `planner report` on two cores.

A report command is one thread that spends most of its time in two loops whose items are
independent: a case per household row (parsing and validating its documents) and a chart per
figure (matplotlib). `split_map` runs every second item in a child made by `os.fork` (it shares
the parent's memory, so the function and its data need no pickling; only the results come back,
pickled, through a pipe) while the parent does the others, and puts the results back in order:
the output is the one a plain loop gives, so the report's bytes do not change.

Only for a process with one thread (a command): forking a process whose other threads may hold
a lock (the web server's pools) can leave the child waiting for that lock forever, so the web
page never asks for it. Where there is one core, no `fork`, or a child that fails, the work is
done in the parent alone: slower, never different.
"""

from __future__ import annotations

import os
import pickle
import signal
from collections.abc import Callable, Iterable
from typing import TypeVar

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


def split_map(fn: Callable[[T], R], items: Iterable[T], *, parallel: bool = True) -> list[R]:
    """`[fn(x) for x in items]`, every second item computed in a forked child when `parallel`
    and the machine has two cores. `fn` must be pure (what it does in the child stays there)
    and its results picklable."""
    items = list(items)
    if not parallel or len(items) < MIN_ITEMS or not hasattr(os, "fork") or cores() < 2:
        return [fn(x) for x in items]
    mine, theirs = items[0::2], items[1::2]
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its share, pickled into the pipe, then gone without any clean-up
        code = 1
        try:
            os.close(read_end)
            data = pickle.dumps([fn(x) for x in theirs], protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        done = [fn(x) for x in mine]
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        os.close(read_end)
        os.waitpid(pid, 0)
        raise
    with os.fdopen(read_end, "rb") as src:
        data = src.read()
    _, status = os.waitpid(pid, 0)
    try:
        other: list[R] = pickle.loads(data) if status == 0 else []
    except Exception:  # noqa: BLE001 - a half-written answer: the parent does that share itself
        other = []
    if len(other) != len(theirs):
        other = [fn(x) for x in theirs]  # the child failed: the same work here (and its error, if any)
    return [done[k // 2] if k % 2 == 0 else other[k // 2] for k in range(len(items))]

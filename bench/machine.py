"""How fast this machine runs Python at the moment, printed beside a benchmark's figures.

The project's VM shares its host: the same code on the same files runs 10–30 % slower in some
hours than in others, which the VM's own load average does not show. A fixed pure-Python loop
run on both cores at once, timed just before a benchmark, says how fast the hour was, so that
figures from different hours can be read side by side (0.50–0.60 s per loop has been seen)."""

from __future__ import annotations

import multiprocessing as mp
import time


def _loop(_: int) -> float:
    t = time.perf_counter()
    x = 0
    for i in range(20_000_000):
        x += i
    return time.perf_counter() - t


def speed_line() -> str:
    """The probe's result as one line for a benchmark's output."""
    with mp.get_context("fork").Pool(2) as pool:
        times = pool.map(_loop, [0, 1])
    return (f"machine speed now: a 20 M-step Python loop on each of 2 cores took {times[0]:.2f} s and {times[1]:.2f} s"
            " (lower is faster; see bench/machine.py)")

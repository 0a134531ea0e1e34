"""A ledger's rows in memory-sized parts: a bucket cut into parts of whole tenancies, parts
joined again, and the memory a part freed handed back to the system (`run.py` uses them)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np


def give_back() -> None:
    """Hand the memory freed by a phase of the run back to the system (Arrow's pool, glibc's
    heap): called after each block read and where a phase ends (a bucket loaded, the outputs
    written), not after each part judged.

    Why: a block's checks and a part's analysis make and drop hundreds of megabytes of arrays;
    the allocators keep much of it for reuse, scattered, so the process's resident size grew
    with the run to its peak instead of staying at one part's worth. Not after every part: what
    is handed back there, the next part takes again at once, a page fault and a cleared page at
    a time. With Arrow's arrays in glibc's heap too (`system_pool`), the
    memory one part frees is the next part's, and the heap stays at one part's worth (on 5.5 M
    rows the tree's peak PSS ~475 MiB against ~500 before, for 2-3 CPU seconds less of ~27)."""
    import ctypes

    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None).malloc_trim(0)  # glibc; another C library has none: nothing to do
        except (OSError, AttributeError):
            pass


@contextmanager
def system_pool() -> Iterator[None]:
    """Arrow's allocations from the C library's heap (where numpy's arrays are) while the block
    runs, then from the pool before (for a run in a long-lived process: a web server).

    Why: Arrow's default pool (mimalloc) and glibc's heap each kept what the other could have
    reused; one heap, trimmed between phases (`give_back`), holds less and faults less."""
    import pyarrow as pa

    before = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(before)


def parts(cols: dict, max_rows: int) -> Iterator[dict]:
    """A bucket's rows in parts of about `max_rows`, each holding whole tenancies, in the order
    `analysis.analyse` puts tenancies (their ids sorted as text).

    Why: the analysis of a bucket costs memory in proportion to its rows (pandas tables of its
    months, evidence), and the bucket count cannot change without changing the order of
    months.csv and patterns.*. Parts in id order append exactly what the whole bucket would
    (every figure is per tenancy; a duplicated row is a repeat of the same tenancy's row), so the
    bytes stay the same while memory holds one part."""
    n = len(cols["day"])
    if n <= max_rows:
        yield cols
        return
    import pyarrow as pa
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(cols["tenancy"])
    ids = np.asarray(enc.dictionary.to_numpy(zero_copy_only=False), dtype=object)
    rank = np.empty(len(ids), dtype=np.int64)
    rank[np.argsort(ids.astype(str), kind="stable")] = np.arange(len(ids))
    row_rank = rank[np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)]
    rows_before = np.cumsum(np.bincount(row_rank, minlength=len(ids))) - 1  # by rank: rows up to its last
    part = (rows_before // max_rows)[row_rank]  # non-decreasing in rank: each part whole tenancies
    order = np.argsort(part, kind="stable")
    bounds = np.flatnonzero(np.diff(part[order])) + 1
    for sel in np.split(order, bounds):
        yield {c: (v.take(pa.array(sel)) if c == "tenancy" else v[sel]) for c, v in cols.items()}


def concat(parts: list[dict]) -> dict:
    import pyarrow as pa

    return {"tenancy": pa.concat_arrays([p["tenancy"] for p in parts]),
            **{c: np.concatenate([p[c] for p in parts]) for c in ("day", "kind", "amount", "row", "dupkey")}}

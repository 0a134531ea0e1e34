"""A ledger's rows in memory-sized parts: a bucket cut into parts of whole tenancies, parts
joined again, and the memory a part freed handed back to the system (`run.py` uses them)."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import numpy as np


def give_back(trim: bool = True) -> None:
    """Hand the memory freed by a block or a part back to the system: Arrow's pool always, and
    glibc's heap where `trim`.

    Why: a block's checks and a part's analysis make and drop hundreds of megabytes of arrays;
    Arrow's pool keeps much of it for reuse, scattered, so the process's resident size grew with
    the run to its peak instead of staying at one part's worth. glibc's heap is trimmed
    (`malloc_trim`) where a phase of the run ends (a bucket loaded, the outputs written), not
    after every block and part (`trim=False`): what it hands back there, the next block or part
    takes again at once, a page fault and a cleared page at a time (on 5.5 M rows about three CPU
    seconds of the run's thirty, for a peak lower by a few per cent: the tree's peak PSS was
    515-520 MiB without, 490-505 MiB with)."""
    import ctypes

    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    if trim and sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None).malloc_trim(0)  # glibc; another C library has none: nothing to do
        except (OSError, AttributeError):
            pass


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

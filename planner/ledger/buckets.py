"""A ledger's good rows spread over buckets by a hash of the tenancy id (`run`, step 2), so every
booking of a tenancy lands in the same bucket.

A small ledger is one bucket in memory; a large one spills its buckets to Arrow stream files in
the run's spool folder. Two processes may spill while the ledger is read (`parallel`: the helper
checks some of the blocks and spills their rows itself): each writes its own files
(`b0003.arrow`, `b0003.h.arrow`), and a bucket is loaded with the batches of both put in file
order. Why that gives the rows of one process: a block's rows are in file order and blocks are
disjoint ranges of rows, so ordering the batches by their first row puts them back as one
process wrote them, and every figure after that is the same bytes.
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..io.files import private_opener
from .memory import concat, give_back, parts

#: what the helper's files are called beside the run's (`b0003.h.arrow`)
HELPER_SUFFIX = ".h"
_COLUMNS = ("day", "kind", "amount", "row", "dupkey")


def bucket_of(tenancy, k: int) -> np.ndarray:
    """The bucket (0 … k-1) of every row, from a hash of its tenancy id (the same in every process:
    `pandas.util.hash_array` with its fixed key)."""
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(tenancy)
    words = enc.dictionary.to_numpy(zero_copy_only=False).astype(object)
    h = pd.util.hash_array(words) % np.uint64(k)
    return h[np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)].astype(np.int64)


class Spill:
    """One process's Arrow stream files, one per bucket, in `folder`: a checked block's good rows
    appended to the files of their buckets."""

    def __init__(self, k: int, folder: Path, suffix: str = ""):
        self.k = k
        self.folder = Path(folder)
        self.suffix = suffix
        self.writers: dict[int, Any] = {}  # pyarrow.ipc stream writers (pyarrow ships no type hints)

    def path(self, b: int) -> Path:
        return self.folder / f"b{b:04d}{self.suffix}.arrow"

    def add(self, chunk) -> None:
        import pyarrow as pa
        import pyarrow.ipc as ipc

        if len(chunk.day) == 0:
            return
        bucket = bucket_of(chunk.tenancy, self.k)
        batch = pa.record_batch({"tenancy": chunk.tenancy, "day": pa.array(chunk.day), "kind": pa.array(chunk.kind),
                                 "amount": pa.array(chunk.amount), "row": pa.array(chunk.row),
                                 "dupkey": pa.array(chunk.dupkey)})
        order = np.argsort(bucket, kind="stable")
        bounds = np.searchsorted(bucket[order], np.arange(self.k + 1))
        for b in range(self.k):
            if bounds[b + 1] == bounds[b]:
                continue
            part = batch.take(pa.array(order[bounds[b]:bounds[b + 1]]))
            w = self.writers.get(b)
            if w is None:
                w = ipc.new_stream(str(created(self.path(b))), part.schema)
                self.writers[b] = w
            w.write_batch(part)

    def close(self) -> None:
        for w in self.writers.values():
            w.close()
        self.writers = {}


class Buckets:
    """Good rows spread over `k` buckets by tenancy; in memory for one bucket, else Arrow files
    (this process's, and the helper's where it spilled blocks while the ledger was read)."""

    def __init__(self, k: int, folder: Path):
        self.k = k
        self.folder = folder
        self.mem: list[dict] = []
        self.spill = Spill(k, folder)
        #: the reader's rows to the rows a spreadsheet shows, when it met ragged rows (`Ledger.row_map`)
        self.row_map: Callable[[np.ndarray], np.ndarray] | None = None
        #: (first row, last row) of each block the helper said it spilled, sorted on loading: its
        #: files' batches of any other block (one it was spilling when it died) are left out,
        #: as the run checked and spilled that block itself
        self.helped: list[tuple[int, int]] = []
        #: whether the helper closed its files (else it died: a file may end inside a batch)
        self.helper_closed = True

    def add(self, chunk) -> None:
        if len(chunk.day) == 0:
            return
        if self.k == 1:
            self.mem.append({"tenancy": chunk.tenancy, "day": chunk.day, "kind": chunk.kind, "amount": chunk.amount,
                             "row": chunk.row, "dupkey": chunk.dupkey})
            return
        self.spill.add(chunk)

    def cut(self, part_rows: int) -> Iterator[list[dict]]:
        """Each bucket's rows as a list of parts (`memory.parts`: copies), the bucket itself (a
        mapped file) let go before they are judged; the caller pops the parts off the list."""
        for b in range(self.k):
            bucket = self._load(b)
            if bucket is None:
                continue
            cut = list(parts(bucket, part_rows))
            del bucket
            give_back()
            yield cut

    def _load(self, b: int) -> dict | None:
        import pyarrow as pa

        if self.k == 1:
            bucket, self.mem = (concat(self.mem) if self.mem else None), []
            return None if bucket is None else self._renumbered(bucket)
        self.spill.close()
        ours = self.spill.path(b)
        theirs = Spill(self.k, self.folder, HELPER_SUFFIX).path(b)
        batches = _batches(ours, whole=True)
        if theirs.exists():
            self.helped.sort()
            batches += [x for x in _batches(theirs, whole=self.helper_closed) if self._helped(x)]
        if not batches:
            return None
        batches.sort(key=lambda x: x.column("row")[0].as_py())  # file order (see the module's docstring)
        table = pa.Table.from_batches(batches)
        del batches
        cols = {c: table.column(c).combine_chunks() for c in table.column_names}
        del table
        ours.unlink(missing_ok=True)
        theirs.unlink(missing_ok=True)
        return self._renumbered({"tenancy": cols["tenancy"], **{c: np.asarray(cols[c].to_numpy(
            zero_copy_only=False)) for c in _COLUMNS}})

    def _helped(self, batch) -> bool:
        """Whether `batch` (of the helper's files) belongs to a block the helper said it spilled."""
        first = batch.column("row")[0].as_py()
        i = bisect.bisect_right(self.helped, (first, np.iinfo(np.int64).max)) - 1
        return i >= 0 and self.helped[i][0] <= first <= self.helped[i][1]

    def _renumbered(self, cols: dict) -> dict:
        if self.row_map is not None:
            cols["row"] = self.row_map(cols["row"])
        return cols


def created(path: Path) -> Path:
    """`path` created empty with mode 0600 (pyarrow then writes it, keeping the mode): the rows
    of a ledger are personal data, like every file of the run."""
    os.close(private_opener(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC))
    return path


def _batches(path: Path, whole: bool) -> list:
    """The record batches of an Arrow stream file (mapped, not copied); of a file that may end
    inside a batch (`whole` false: its writer was killed), those before the cut."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    if not path.exists():
        return []
    out: list = []
    with pa.memory_map(str(path)) as src:
        try:
            reader = ipc.open_stream(src)
            while True:
                batch = reader.read_next_batch()
                if batch.num_rows:
                    out.append(batch)
        except StopIteration:
            pass
        except (OSError, pa.ArrowInvalid):
            if whole:
                raise
    return out

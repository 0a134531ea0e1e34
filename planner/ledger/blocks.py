"""A CSV ledger's blocks between reading and checking, and what a checked block tells the run.

Why a module of their own: a block is read in the run and checked there or in the helper process
(`parallel`), so it travels: `Block.sent` writes its cells to a file, `Block.received` maps them
back, and `Counts` is what comes back besides the good rows (those went to the buckets).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..io.tables import ColumnMap, RowError
from .cells import Chunk, check_cells


@dataclass
class Block:
    """A block of a CSV as read, its cells not checked yet: `check` it here, or send it to another
    process to check (`parallel.Helper.check`, through a file: `sent`, `received`). Its rows are
    numbered where it was read (the reader's count, ragged rows, limits: see `_open_csv`)."""

    name: str
    ours: dict[str, str]
    cells: dict  # ours -> pyarrow string array of the block's cells
    rows: np.ndarray  # int64: the row of each cell as a spreadsheet counts it
    bad_encoding: set[int]  # the block's rows that were not UTF-8 (a file of mixed encodings)
    colmap: ColumnMap | None = None
    path: str | None = None  # where its cells and rows wait for the other process (`sent`)

    def check(self) -> Chunk:
        return check_cells(self.name, self.ours, self.cells, self.rows, self.bad_encoding, colmap=self.colmap)

    def sent(self, path: Path) -> Block:
        """The block to send another process: its cells and rows written to an Arrow file at `path`
        (private: in the run's spool folder), the rest as it is. Why a file: a block pickled
        through a pipe cost both processes several times the CPU of writing it once and mapping it
        (pickle's copy, the pipe's 64 KB writes, the copy out)."""
        import pyarrow as pa
        import pyarrow.ipc as ipc

        from .buckets import created

        table = pa.table({**self.cells, _ROW: self.rows})
        with pa.OSFile(str(created(path)), "wb") as f, ipc.new_file(f, table.schema) as w:
            w.write_table(table)
        return Block(self.name, self.ours, {}, np.empty(0, dtype=np.int64), self.bad_encoding, self.colmap, str(path))

    def received(self) -> Block:
        """A block `sent` here: its cells and rows mapped from its file (removed)."""
        import pyarrow as pa
        import pyarrow.ipc as ipc

        if self.path is None:
            return self
        with pa.memory_map(self.path) as src:
            table = ipc.open_file(src).read_all()
        os.unlink(self.path)
        cells = {c: table.column(c) for c in table.column_names if c != _ROW}
        rows = np.asarray(table.column(_ROW).to_numpy())
        return Block(self.name, self.ours, cells, rows, self.bad_encoding, self.colmap)


_ROW = "__row__"  # the rows' column in a block's file (no column of ours is named so)


@dataclass
class Counts:
    """What a checked block tells the run besides its good rows (those went to the buckets):
    its counts and the errors of its bad rows; `span`, the first and last row of a block the
    helper checked and spilled (`buckets.Buckets.helped`)."""

    rows_read: int
    blank: int
    bad_rows: int
    errors: list[RowError]
    span: tuple[int, int] | None = None

    @classmethod
    def of(cls, chunk: Chunk, span: tuple[int, int] | None = None) -> Counts:
        return cls(chunk.rows_read, chunk.blank, chunk.bad_rows, chunk.errors, span)

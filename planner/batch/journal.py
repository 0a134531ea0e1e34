"""The journal"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

import orjson

from ..io.files import private_opener

# --------------------------------------------------------------------------- journal


def journal_line(row: dict) -> str:
    """A finished row as its journal line (without the newline): compact JSON, keys in order,
    `json.dumps(row, ensure_ascii=False, separators=(",", ":"))` byte for byte. A row of str
    keys and str, int or None values (every row a batch journals) is written by orjson, which
    writes such a row as `json` does (tested on generated rows) in a fifth of the time; any
    other, by `json`."""
    if _ORJSON_PLAIN.issuperset(map(type, row.values())) and _STR.issuperset(map(type, row)):
        try:
            return orjson.dumps(row).decode("utf-8")
        except orjson.JSONEncodeError:  # (a lone surrogate, an int past 64 bits: json writes them)
            pass
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


def plain_line(row: dict[str, object]) -> str:
    """`journal_line` of a row whose keys are str and whose values are str or int (never a
    bool or another subclass) by how it was made (`finished_row`): written by orjson without
    looking at each key and value first (a lone surrogate or an int past 64 bits still goes to
    `json`)."""
    try:
        return orjson.dumps(row).decode("utf-8")
    except orjson.JSONEncodeError:
        return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


_ORJSON_PLAIN = frozenset({str, int, type(None)})  # (exactly these types: a bool or an int subclass goes to json)
_STR = frozenset({str})


class Journal:
    """Append-only JSONL of finished households; a torn last line (a killed write) is cut off."""

    def __init__(self, path: Path):
        self.path = path
        self.fh: TextIO | None = None
        self.last_sync = time.monotonic()
        self.unsynced = 0

    def repair(self) -> None:
        if not self.path.exists():
            return
        size = self.path.stat().st_size
        if size == 0:
            return
        with open(self.path, "rb+") as fh:
            fh.seek(max(0, size - 1))
            if fh.read(1) == b"\n":
                return
            # find the last newline and cut after it
            pos = size
            block = 1 << 16
            while pos > 0:
                lo = max(0, pos - block)
                fh.seek(lo)
                data = fh.read(pos - lo)
                k = data.rfind(b"\n")
                if k >= 0:
                    fh.truncate(lo + k + 1)
                    return
                pos = lo
            fh.truncate(0)

    def rows(self) -> Iterable[dict]:
        for _, row in self.lines():
            yield row

    def lines(self) -> Iterable[tuple[str, dict]]:
        """(line, row) of every complete journal line."""
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if line:
                    try:
                        yield line, json.loads(line)
                    except json.JSONDecodeError:
                        continue

    def open(self) -> None:
        self.fh = open(self.path, "a", encoding="utf-8", opener=private_opener)

    def write(self, row: dict) -> str:
        """Append `row`; returns its line (without the newline)."""
        return self.write_line(journal_line(row))

    def write_line(self, line: str) -> str:
        """Append a line made by `journal_line` (in a worker: the main process only writes it)."""
        assert self.fh is not None, "open() the journal first"
        self.fh.write(line + "\n")
        self.unsynced += 1
        return line

    def write_lines(self, lines: list[str]) -> None:
        """Append lines made by `journal_line`, at once (a worker's chunk of finished rows)."""
        assert self.fh is not None, "open() the journal first"
        if lines:
            self.fh.write("\n".join(lines) + "\n")
            self.unsynced += len(lines)

    def sync(self, force: bool = False) -> None:
        if self.fh is None or not self.unsynced:
            return
        now = time.monotonic()
        if force or now - self.last_sync > 0.25:
            self.fh.flush()
            os.fsync(self.fh.fileno())
            self.last_sync = now
            self.unsynced = 0

    def close(self) -> None:
        if self.fh is not None:
            self.sync(force=True)
            self.fh.close()
            self.fh = None

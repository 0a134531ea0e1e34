"""Output files that only their owner can read: batch results, plans, journals, errors.

The outputs of a batch name households, arrears and the dates an eviction would be requested:
files are created 0600 and folders 0700 whatever the umask (an existing file is narrowed too),
so another account on a shared office server cannot read them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_opener(path: str, flags: int) -> int:
    """`open(..., opener=private_opener)`: create with mode 0600, and narrow an existing file."""
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    except OSError:  # pragma: no cover - a file system without modes
        pass
    return fd


def private_dir(path: Path) -> None:
    """Create `path` (and parents) as 0700; narrow it if it exists and is ours to change."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    try:
        os.chmod(path, DIR_MODE)
    except OSError:  # pragma: no cover - not our folder: its files are still 0600
        pass


def write_atomic(path: Path, text: str) -> None:
    """`text` to `path` via a 0600 temporary file, fsync and an atomic rename."""
    with atomic_file(path) as fh:
        fh.write(text)


@contextmanager
def atomic_file(path: Path, mode: str = "w", newline: str | None = None) -> Iterator[IO[Any]]:
    """A file written in place of `path` at once (`mode` "w", text in UTF-8, or "wb"): a 0600
    temporary file beside it, fsynced and renamed when the block ends; removed if the block
    fails, so neither a half-written `path` nor a stray copy of its contents is left."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    text = {} if "b" in mode else {"encoding": "utf-8", "newline": newline}
    try:
        with open(tmp, mode, opener=private_opener, **text) as fh:  # type: ignore[call-overload]
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


#: The process id in a temporary's name: `.NAME.PID.tmp` (atomic_file) or `PREFIX-PID-RANDOM`
#: (spool folders, spill folders, cleaned copies).
_PID_IN_NAME = re.compile(r"\.([0-9]+)\.tmp$|-([0-9]+)-")


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def remove_leftovers(folder: Path, patterns: Iterable[str]) -> int:
    """Remove the temporaries (files or folders matching `patterns` in `folder`) of runs that
    were killed: a kill skips every `finally`, and such a temporary is a full copy of the input
    or output, names included. Only those whose process (the id in the name) has ended are
    removed, so a run writing beside this one keeps its own. Returns how many were removed."""
    import shutil

    n = 0
    if not folder.is_dir():
        return 0
    for pattern in patterns:
        for p in folder.glob(pattern):
            m = _PID_IN_NAME.search(p.name)
            if m is None or _running(int(m.group(1) or m.group(2))):
                continue
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
            n += 1
    return n


__all__ = ["DIR_MODE", "FILE_MODE", "atomic_file", "private_dir", "private_opener", "remove_leftovers",
           "write_atomic"]

"""One-sheet XLSX tables, streamed with XlsxWriter in constant-memory mode.

The batch's `results.xlsx` can hold 100 000 rows: constant-memory mode keeps one row in memory
at a time and writes strings inline (no shared-string table to hold), so memory stays flat.
The output is deterministic: XlsxWriter stamps every zip member with a fixed 1980 date, and
the workbook's "created" property is fixed here, so the same rows give the same bytes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, NoReturn

#: the workbook's "created" property (fixed: see the module docstring)
CREATED = datetime(1980, 1, 1, tzinfo=timezone.utc)


def write_xlsx(path: str | Path, header: list[str], rows: Iterable[list], *, sheet: str = "results",
               money_columns: Iterable[int] = (), widths: list[int] | None = None) -> int:
    """Write `header` and `rows` (lists of str / int / float / None) to `path` atomically, 0600.

    A bold header row, frozen with the first column, and a filter over the table; values in
    `money_columns` (0-based) get a two-decimal number format with a thousands separator.
    XlsxWriter's spill files go to a private folder inside `path`'s own folder (0700, removed
    when done or interrupted), so a tenant's data is never copied to a shared temporary folder
    nor left behind. Returns the row count.
    """
    import shutil
    import tempfile

    path = Path(path)
    tmp, spill_prefix = _leftovers(path, os.getpid())
    # XlsxWriter's spill files in a private folder of their own (mkdtemp: 0700), removed
    # whatever happens: an interrupted write leaves no copy of the rows behind
    spill = Path(tempfile.mkdtemp(prefix=spill_prefix, dir=path.parent))
    try:
        n = _write(tmp, spill, header, rows, sheet, set(money_columns), widths)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    return n


def _leftovers(path: Path, pid: int) -> tuple[Path, str]:
    """The temporary file and the spill folders' name prefix of process `pid` writing `path`."""
    return path.with_name(f".{path.name}.{pid}.tmp"), f".{path.name}.spill-{pid}-"


def _write(tmp: Path, spill: Path, header: list[str], rows: Iterable[list], sheet: str, money: set[int],
           widths: list[int] | None) -> int:
    import xlsxwriter

    from .files import private_opener

    n = 0
    with open(tmp, "wb", opener=private_opener) as fh:
        wb = xlsxwriter.Workbook(fh, {"constant_memory": True, "tmpdir": str(spill.resolve())})
        wb.set_properties({"created": CREATED})
        ws = wb.add_worksheet(sheet[:31])
        bold, fmt = wb.add_format({"bold": True}), wb.add_format({"num_format": "#,##0.00"})
        day_fmt = wb.add_format({"num_format": "dd.mm.yyyy"})
        for k, w in enumerate(widths or [max(10, min(40, len(h) + 2)) for h in header]):
            ws.set_column(k, k, w)
        ws.freeze_panes(1, 1)
        ws.write_row(0, 0, header, bold)
        number, text, boolean = ws.write_number, ws.write_string, ws.write_boolean
        for n, values in enumerate(rows, 1):
            for k, v in enumerate(values):
                if v is None or v == "":
                    continue
                if isinstance(v, bool):
                    boolean(n, k, v)
                elif isinstance(v, (int, float)):
                    number(n, k, v, fmt if k in money else None)
                elif isinstance(v, date):  # a real Excel date (sorts, filters), shown dd.mm.åååå
                    serial = _serial(v) if type(v) is date else None
                    if serial is None:
                        ws.write_datetime(n, k, datetime(v.year, v.month, v.day), day_fmt)
                    else:
                        number(n, k, serial, day_fmt)
                else:
                    text(n, k, str(v))
        ws.autofilter(0, 0, n, max(0, len(header) - 1))
        wb.close()
        fh.flush()
        os.fsync(fh.fileno())
    return n


@lru_cache(maxsize=4096)
def _serial(day: date) -> float | None:
    """The Excel serial number XlsxWriter's `write_datetime` stores for `day` (days since
    1899-12-31, one more from March 1900: Excel's leap day 1900-02-29), worked out once per
    date: a sheet of 100 000 rows holds a few hundred distinct dates in 500 000 date cells.
    XlsxWriter writes a date cell and a number cell of the same value and format alike. None
    before 1901 (XlsxWriter's own special cases for 1900; `write_datetime` then)."""
    if day.year < 1901:
        return None
    return float((day - _EPOCH).days + 1)


_EPOCH = date(1899, 12, 31)


def write_xlsx_aside(path: str | Path, header: list[str], rows: Iterable[list], *, sheet: str = "results",
                     money_columns: Iterable[int] = (), widths: list[int] | None = None, batch: int = 1000) -> int:
    """`write_xlsx`, with the writing done by a child process that this one feeds `rows` through
    a pipe, `batch` rows at a time. This process goes on producing the rows (the batch writes
    results.csv in the same pass) while the child spends XlsxWriter's few µs a cell, so a
    100 000-row sheet adds little to the run's time on a machine with a core to spare. The
    same bytes as `write_xlsx`. The rows live only in memory and the pipe.

    A failure in the child is raised here: an OSError as the same OSError (errno, file name).
    An error while making the rows is raised as it is, after the child has stopped. A child
    that dies (killed) is an OSError, and what it had written is removed."""
    import multiprocessing as mp

    path = Path(path)
    if not _main_importable():  # a child would fail to start: write here
        return write_xlsx(path, header, rows, sheet=sheet, money_columns=money_columns, widths=widths)
    ctx: Any = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
    rows_r, rows_w = ctx.Pipe(duplex=False)
    done_r, done_w = ctx.Pipe(duplex=False)
    money = list(money_columns)
    child = ctx.Process(target=_write_from_pipe, name="planner-xlsx", daemon=True,
                        args=(rows_r, done_w, str(path), header, sheet, money, widths))
    try:
        child.start()
    except (OSError, RuntimeError, AssertionError):  # no child here (a sandbox, a daemon, an unguarded script)
        for end in (rows_r, rows_w, done_r, done_w):
            end.close()
        return write_xlsx(path, header, rows, sheet=sheet, money_columns=money, widths=widths)
    rows_r.close()
    done_w.close()
    try:
        ready = done_r.recv()[0] == "ready"
    except EOFError:  # the child could not start (e.g. a main script it cannot import again)
        ready = False
    if not ready:
        child.join()
        for end in (rows_w, done_r):
            end.close()
        return write_xlsx(path, header, rows, sheet=sheet, money_columns=money, widths=widths)
    try:
        _feed(rows_w, rows, batch)
    except BaseException:
        rows_w.close()  # the child reads the end of the pipe, stops, and removes its file
        child.join(30)
        if child.is_alive():  # pragma: no cover - a child that does not stop
            child.kill()
            child.join()
        done_r.close()
        raise
    finally:
        rows_w.close()
    try:
        report = done_r.recv()
    except EOFError:  # the child died without a word (killed): what it wrote goes too
        report = ("oserror", None, f"{path.name}: the process writing it ended unexpectedly", None, None)
    finally:
        done_r.close()
    child.join()
    if report[0] == "ok":
        return int(report[1])
    _child_failed(path, child.pid or 0, report)


def start_writers() -> None:
    """Start now the process `write_xlsx_aside` starts its writers from (the forkserver), for a
    run that is small now and large when it writes its sheet (`planner ledger`).

    Why: starting the forkserver forks this process and executes Python in the child; for that
    moment the child shows this process's whole resident memory, so a run holding 480 MiB when
    its sheet is written looked, to anyone summing the memory of its processes, like 960 MiB. A
    forkserver already running costs 15 MiB and nothing more."""
    import multiprocessing as mp

    if "forkserver" in mp.get_all_start_methods() and _main_importable():
        from multiprocessing import forkserver

        try:
            forkserver.ensure_running()
        except (OSError, RuntimeError, AssertionError):  # no child here: `write_xlsx_aside` writes in-process
            pass


def _child_failed(path: Path, pid: int, report: tuple) -> NoReturn:
    """Remove what the child `pid` left of `path` (a killed child cleans nothing) and raise its
    failure here: an OSError as the same OSError, anything else as a RuntimeError."""
    import shutil

    tmp, spill_prefix = _leftovers(path, pid)
    tmp.unlink(missing_ok=True)
    for spill in path.parent.glob(spill_prefix + "*"):
        shutil.rmtree(spill, ignore_errors=True)
    if report[0] == "oserror":
        _, errno, message, filename, filename2 = report
        raise OSError(errno, message, filename, None, filename2) if errno is not None else OSError(message)
    raise RuntimeError(report[1])


def _main_importable() -> bool:
    """Whether a new process can import this one's main module again, as the forkserver and
    spawn start methods do: not for code read from standard input or an interactive session
    (then `planner batch` is used as a library, and the sheet is written in this process)."""
    import sys

    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__spec__", None) is not None:
        return True
    file = getattr(main, "__file__", None)
    return file is None or os.path.exists(file)


def _feed(rows_w, rows: Iterable[list], batch: int) -> None:
    """Send `rows` down the pipe, `batch` at a time, then the end mark. A pipe the child has
    closed (it stopped early) ends the sending; the child's report says why."""
    buf: list[list] = []

    def send(item) -> bool:
        try:
            rows_w.send(item)
            return True
        except BrokenPipeError:
            return False

    for row in rows:
        buf.append(row)
        if len(buf) >= batch:
            if not send(buf):
                return
            buf = []
    if send(buf):
        send(None)


def _write_from_pipe(rows_r, done_w, path: str, header: list[str], sheet: str, money: list[int],
                     widths: list[int] | None) -> None:  # pragma: no cover - runs in the child process
    def rows():
        while True:
            part = rows_r.recv()
            if part is None:
                return
            yield from part

    done_w.send(("ready",))
    try:
        n = write_xlsx(path, header, rows(), sheet=sheet, money_columns=money, widths=widths)
        done_w.send(("ok", n))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises it
        report = (("oserror", exc.errno, exc.strerror or str(exc), exc.filename, exc.filename2)
                  if isinstance(exc, OSError) else ("error", f"{type(exc).__name__}: {exc}"))
        try:
            done_w.send(report)
        except OSError:
            pass

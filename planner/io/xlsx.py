"""One-sheet XLSX tables, streamed with XlsxWriter in constant-memory mode.

The batch's `results.xlsx` can hold 100 000 rows: constant-memory mode keeps one row in memory
at a time and writes strings inline (no shared-string table to hold), so memory stays flat.
The output is deterministic: XlsxWriter stamps every zip member with a fixed 1980 date, and
the workbook's "created" property is fixed here, so the same rows give the same bytes.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timezone
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any, NoReturn, Protocol

from .xlsx_sheet import merge_tail, mergeable

#: the workbook's "created" property (fixed: see the module docstring)
CREATED = datetime(1980, 1, 1, tzinfo=timezone.utc)


def write_xlsx(path: str | Path, header: list[str], rows: Iterable[Sequence], *, sheet: str = "results",
               money_columns: Iterable[int] = (), widths: list[int] | None = None) -> int:
    """Write `header` and `rows` (lists of str / int / float / None) to `path` atomically, 0600.

    A bold header row, frozen with the first column, and a filter over the table; values in
    `money_columns` (0-based) get a two-decimal number format with a thousands separator.
    XlsxWriter's spill files go to a private folder inside `path`'s own folder (0700, removed
    when done or interrupted), so a tenant's data is never copied to a shared temporary folder
    nor left behind. Returns the row count.
    """
    return _write_file(Path(path), header, rows, sheet, set(money_columns), widths)


def _write_file(path: Path, header: list[str], rows: Iterable[Sequence], sheet: str, money: set[int],
                widths: list[int] | None, part: _Part | None = None) -> int:
    """`write_xlsx`, or a part of a sheet written by two processes (`part`); the last row's
    number (the row count of a whole sheet)."""
    import shutil
    import tempfile

    tmp, spill_prefix = _leftovers(path, os.getpid())
    # XlsxWriter's spill files in a private folder of their own (mkdtemp: 0700), removed
    # whatever happens: an interrupted write leaves no copy of the rows behind
    spill = Path(tempfile.mkdtemp(prefix=spill_prefix, dir=path.parent))
    try:
        n = _write(tmp, spill, header, rows, sheet, money, widths, _Part() if part is None else part)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    return n


class _Part:
    """Which part of a sheet a writer writes (`_write_split`): the whole sheet by default; the
    tail (`rows_only`) its rows from row `first_row` (and the header) as the sheet's XML rows,
    not a workbook, telling in `used` the format index each of its formats got and in `cols`
    its columns; the head calls `merge` with its worksheet, its last row and its formats
    after its rows, and gets the sheet's last row."""

    def __init__(self, first_row: int = 1, merge=None, rows_only: bool = False) -> None:
        self.first_row, self.merge, self.rows_only = first_row, merge, rows_only
        self.used: dict[str, int] = {}
        self.cols: tuple[int | None, int | None] = (None, None)


def _leftovers(path: Path, pid: int) -> tuple[Path, str]:
    """The temporary file and the spill folders' name prefix of process `pid` writing `path`."""
    return path.with_name(f".{path.name}.{pid}.tmp"), f".{path.name}.spill-{pid}-"


def _write(tmp: Path, spill: Path, header: list[str], rows: Iterable[Sequence], sheet: str, money: set[int],
           widths: list[int] | None, part: _Part) -> int:
    import xlsxwriter

    from .files import private_opener
    from .xlsx_sheet import fast_sheet_class

    with open(tmp, "wb", opener=private_opener) as fh:
        wb = xlsxwriter.Workbook(io.BytesIO() if part.rows_only else fh,
                                 {"constant_memory": True, "tmpdir": str(spill.resolve())})
        wb.set_properties({"created": CREATED})
        ws = wb.add_worksheet(sheet[:31], worksheet_class=fast_sheet_class())
        bold, fmt = wb.add_format({"bold": True}), wb.add_format({"num_format": "#,##0.00"})
        day_fmt = wb.add_format({"num_format": "dd.mm.yyyy"})
        for k, w in enumerate(widths or [max(10, min(40, len(h) + 2)) for h in header]):
            ws.set_column(k, k, w)
        ws.freeze_panes(1, 1)
        ws.write_row(0, 0, header, bold)
        # XlsxWriter's undecorated writers where it has them: the public ones first try each
        # call's row as "A1" text, a tenth of a cell's cost (same bytes: they call these)
        number = getattr(ws, "_write_number", ws.write_number)
        text = getattr(ws, "_write_string", ws.write_string)
        boolean = getattr(ws, "_write_boolean", ws.write_boolean)

        def put(n: int, values: Sequence) -> None:
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

        fast = getattr(ws, "write_values", None)  # (`xlsx_sheet.FastSheet`: a plain row at once)
        number_formats = [fmt if k in money else None for k in range(len(header) + 64)]
        serial = _serial
        n = part.first_row - 1
        for n, values in enumerate(rows, part.first_row):
            if fast is None or not fast(n, values, number_formats, day_fmt, serial):
                put(n, values)
        formats = {"bold": bold, "money": fmt, "day": day_fmt}
        if part.rows_only:  # the rows' XML (the worksheet's spill file) becomes `tmp`; no workbook
            ws._write_single_row()  # (the last row goes to the spill file)
            ws.row_data_fh.close()
            os.replace(ws.row_data_filename, tmp)
        else:
            if part.merge is not None:
                n = part.merge(ws, n, formats)
            ws.autofilter(0, 0, n, max(0, len(header) - 1))
            if hasattr(ws, "close_spill"):
                ws.close_spill()
            wb.close()
        part.used = {name: f.xf_index for name, f in formats.items() if f.xf_index is not None}
        part.cols = (ws.dim_colmin, ws.dim_colmax)
        fh.flush()
        if not part.rows_only:  # (the tail's rows are read back at once and removed: nothing to keep)
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


def write_xlsx_aside(path: str | Path, header: list[str], rows: Iterable[Sequence], *, sheet: str = "results",
                     money_columns: Iterable[int] = (), widths: list[int] | None = None, batch: int = 1000,
                     tail: tuple[int, Iterable] | None = None, tail_maker: TailMaker | None = None) -> int:
    """`write_xlsx`, with the writing done by a child process that this one feeds `rows` through
    a pipe, `batch` rows at a time. This process goes on producing the rows (the batch writes
    results.csv in the same pass) while the child spends XlsxWriter's few µs a cell, so a
    100 000-row sheet adds little to the run's time on a machine with a core to spare. The
    same bytes as `write_xlsx`. The rows live only in memory and the pipe.

    `tail` = (k, more rows): `rows` are the sheet's first k rows and the others follow. Two
    children then write the sheet, each its part, fed in turn (`_write_split`): a sheet that
    can start only when its last row is known takes half the time on two cores. With
    `tail_maker` the tail's items are not rows but what its `rows` makes them into, in the
    second child (where it can do more for the caller: see `TailMaker`).

    A failure in the child is raised here: an OSError as the same OSError (errno, file name).
    An error while making the rows is raised as it is, after the child has stopped. A child
    that dies (killed) is an OSError, and what it had written is removed."""
    path = Path(path)
    money = list(money_columns)
    every = rows if tail is None else _chain(rows, _made(tail_maker, tail[1], batch))
    if not _main_importable():  # a child would fail to start: write here
        return write_xlsx(path, header, every, sheet=sheet, money_columns=money, widths=widths)
    if tail is not None and mergeable():
        return _write_split(path, header, iter(rows), tail[0], iter(tail[1]), sheet, money, widths, batch, tail_maker)
    try:
        child = _Child(path, (str(path), header, sheet, money, widths))
    except _NoChild:
        return write_xlsx(path, header, every, sheet=sheet, money_columns=money, widths=widths)
    child.feed(every, batch)
    return child.result()


class _NoChild(Exception):
    """No writer process could start here (a sandbox, a daemon, a main script that cannot be
    imported again): the sheet is written in this process."""


class _Child:
    """One writer process (`_write_from_pipe`) fed rows through a pipe."""

    def __init__(self, path: Path, args: tuple) -> None:
        import multiprocessing as mp

        ctx: Any = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
        self.path = path
        rows_r, self.rows_w = ctx.Pipe(duplex=False)
        self.done_r, done_w = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_write_from_pipe, name="planner-xlsx", daemon=True,
                                args=(rows_r, done_w, *args))
        try:
            self.proc.start()
        except (OSError, RuntimeError, AssertionError):  # no child here
            for end in (rows_r, self.rows_w, self.done_r, done_w):
                end.close()
            raise _NoChild() from None
        rows_r.close()
        done_w.close()
        try:
            ready = self.done_r.recv()[0] == "ready"
        except EOFError:  # the child could not start (e.g. a main script it cannot import again)
            ready = False
        if not ready:
            self.proc.join()
            self.rows_w.close()
            self.done_r.close()
            raise _NoChild()

    def send(self, item: object) -> bool:
        """Send `item` (a list of rows, or a word); False if the child has closed its end."""
        try:
            self.rows_w.send(item)
            return True
        except (BrokenPipeError, OSError):
            return False

    def feed(self, rows: Iterable[Sequence], batch: int) -> None:
        """Send `rows`, `batch` at a time, then the end mark. An error while making the rows stops the child (`stop`) and is raised
        as it is. A pipe the child has closed (it stopped early) ends the sending; the child's
        report says why."""
        buf: list[Sequence] = []
        try:
            for row in rows:
                buf.append(row)
                if len(buf) >= batch:
                    if not self.send(buf):
                        return
                    buf = []
        except BaseException:
            self.stop()
            raise
        if self.send(buf):
            self.send(None)

    def stop(self) -> None:
        """Close the pipe: the child reads its end, stops and removes what it wrote."""
        self.rows_w.close()
        self.proc.join(30)
        if self.proc.is_alive():  # pragma: no cover - a child that does not stop
            self.proc.kill()
            self.proc.join()
        self.done_r.close()

    def report(self) -> tuple:
        """The child's last word: ("ok", n, ...) or its failure (a killed child: an OSError)."""
        self.rows_w.close()
        try:
            return self.done_r.recv()
        except EOFError:  # the child died without a word (killed)
            return ("oserror", None, f"{self.path.name}: the process writing it ended unexpectedly", None, None)

    def result(self) -> int:
        """The row count the child wrote; its failure raised here (what it left removed)."""
        report = self.report()
        self.done_r.close()
        self.proc.join()
        if report[0] == "ok":
            return int(report[1])
        _child_failed(self.path, self.proc.pid or 0, report)


def _write_split(path: Path, header: list[str], rows, k: int, tail_rows, sheet: str, money: list[int],
                 widths: list[int] | None, batch: int, maker: TailMaker | None = None) -> int:
    """The sheet written by two children, fed a batch each in turn: the head writes `rows`
    (rows 1..k) into `path`; the tail writes `tail_rows` from row k+1 as the sheet's XML rows
    (XlsxWriter's, no workbook) into a private folder, and the head then takes them into its
    sheet (`merge_tail`) before it closes: the same bytes as one writer."""
    import shutil
    import tempfile

    if k < 1:  # (no head: the tail's rows are the sheet)
        return write_xlsx_aside(path, header, _chain(rows, _made(maker, tail_rows, batch)), sheet=sheet,
                                money_columns=money, widths=widths, batch=batch)
    _, spill_prefix = _leftovers(path, os.getpid())
    spill = Path(tempfile.mkdtemp(prefix=spill_prefix, dir=path.parent))  # 0700, removed below
    tail_path = spill / "tail.xml"
    try:
        try:
            head = _Child(path, (str(path), header, sheet, money, widths, True))
        except _NoChild:
            return write_xlsx(path, header, _chain(rows, _made(maker, tail_rows, batch)), sheet=sheet,
                              money_columns=money, widths=widths)
        try:
            tail = _Child(path, (str(tail_path), header, sheet, money, widths, False, k + 1, maker))
        except _NoChild:
            head.feed(_chain(rows, _made(maker, tail_rows, batch)), batch)
            head.send(None)  # (nothing to merge)
            return head.result()
        try:
            sent = _feed_both(head, tail, rows, tail_rows, batch)
        except BaseException:  # (an error while making the rows: both stop, and it is raised)
            tail.stop()
            head.stop()
            raise
        told = tail.report()
        tail.done_r.close()
        tail.proc.join()
        if told[0] != "ok":
            head.stop()
            _child_failed(path, tail.proc.pid or 0, told)
        if maker is not None:
            maker.absorb(told[4])
        if sent[0] != k and told[1]:  # the head stopped early, or `rows` did not hold k rows
            report = head.report()  # (the pipe closed: a living head stops and removes its file)
            head.done_r.close()
            head.proc.join()
            if report[0] == "oserror":
                _child_failed(path, head.proc.pid or 0, report)
            raise ValueError(f"{path.name}: the sheet's first part held {sent[0]} rows, not {k}")
        head.send(("merge", str(tail_path), k + 1, int(told[1]), told[2], told[3]) if told[1] else None)
        return head.result()
    finally:
        shutil.rmtree(spill, ignore_errors=True)


def _feed_both(head: _Child, tail: _Child, rows, tail_rows, batch: int) -> tuple[int, int]:
    """A batch of `rows` to the head, one of `tail_rows` to the tail, in turn, then each its end
    mark; the counts sent. A child that has closed its pipe is fed no more (its report says why)."""
    sent = [0, 0]
    live = [True, True]
    sources = (iter(rows), iter(tail_rows))
    children = (head, tail)
    while live[0] or live[1]:
        for i in (0, 1):
            if not live[i]:
                continue
            part = list(islice(sources[i], batch))
            if part and children[i].send(part):
                sent[i] += len(part)
                if len(part) == batch:
                    continue
            live[i] = False
            children[i].send(None)  # (the end of its rows; nothing on a closed pipe)
    return sent[0], sent[1]


def _chain(*parts: Iterable[Sequence]):
    for part in parts:
        yield from part


class TailMaker(Protocol):
    """What the second writer of a split sheet makes its rows with (`write_xlsx_aside`'s
    `tail_maker`): it is sent the tail's items instead of rows, so that work the caller would
    do for each of them runs on the writer's core. The batch sends the rows as journaled and
    has their CSV lines made there too (`planner.batch.tail_lines`)."""

    def rows(self, items: list) -> Iterable[Sequence]:
        """The sheet's rows of a batch of items, in order."""

    def result(self) -> Any:
        """What it made besides the rows (picklable: it crosses back from the writer)."""

    def absorb(self, result: Any) -> None:
        """Take in `result` as made by a copy of it in the writer."""


def _made(maker: TailMaker | None, items: Iterable, batch: int) -> Iterable[Sequence]:
    """The rows `maker` makes of `items`, `batch` at a time, here (no second writer); the items
    as they are without one."""
    if maker is None:
        yield from items
        return
    it = iter(items)
    while part := list(islice(it, batch)):
        yield from maker.rows(part)


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


def _write_from_pipe(rows_r, done_w, path: str, header: list[str], sheet: str, money: list[int],
                     widths: list[int] | None, head: bool = False, first_row: int = 1,
                     maker: TailMaker | None = None) -> None:  # pragma: no cover - runs in the child process
    """A writer process: the rows from the pipe (lists of rows, then None) into `path`. The
    head of a split sheet then reads ("merge", tail file, tail's first row, its row count, its
    formats' indices) or None; the tail writes its rows from `first_row` (`_write_split`),
    made by `maker` from the items it is sent, and reports what `maker` made besides."""

    def rows():
        while True:
            part = rows_r.recv()
            if part is None:
                return
            yield from (part if maker is None else maker.rows(part))

    def merge(ws, last: int, formats: dict) -> int:
        word = rows_r.recv()
        return last if word is None else merge_tail(ws, last, formats, Path(word[1]), *word[2:])

    done_w.send(("ready",))
    try:
        part = _Part(first_row, merge if head else None, rows_only=first_row > 1 and not head)
        n = _write_file(Path(path), header, rows(), sheet, set(money), widths, part)
        done_w.send(("ok", n - first_row + 1, part.used, part.cols, None if maker is None else maker.result()))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises it
        report = (("oserror", exc.errno, exc.strerror or str(exc), exc.filename, exc.filename2)
                  if isinstance(exc, OSError) else ("error", f"{type(exc).__name__}: {exc}"))
        try:
            done_w.send(report)
        except OSError:
            pass

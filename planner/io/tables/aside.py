"""The payouts tables read by a second process while this one reads the tenants.

A batch's reading takes one core, and the other waits for the checks to start: half a million
payout rows are parsed and packed by a forked process meanwhile, and this one takes its rows
into the spool after its own (`Spool.load`). The spool is the one a single process makes: the
rows, their numbers, their sources' numbers and the errors come in the order they would have
been read in, as the tables are taken only when every tenants table comes before every
payouts table. No file is written: the rows cross by a pipe. If the other process fails, what
it gave is dropped and its tables are read here."""

from __future__ import annotations

import os
import queue
import sys
import threading
from collections.abc import Callable

from .columns import ColumnMap
from .sources import Inputs, Source
from .spool import Spool

#: payouts tables of at least this many bytes in all are read aside (below, forking costs more
#: than it saves)
ASIDE_BYTES = 4 << 20
#: messages (a chunk of up to 20 000 rows each) held before they are taken in: the process
#: waits beyond that, and this one's memory stays bounded however long the tables
_HELD = 10


class AsideReader:
    """The forked process reading `sources` (`start`), and what it sends, received by a thread
    as it comes (so the process never waits for this one), taken in by `take`."""

    def __init__(self, sources: list[Source], conn, proc) -> None:
        self.sources = sources
        self.conn, self.proc = conn, proc
        self.inbox: queue.Queue = queue.Queue(maxsize=_HELD)
        self.thread = threading.Thread(target=self._receive, name="planner-read-aside", daemon=True)
        self.thread.start()

    @classmethod
    def start(cls, inputs: Inputs, colmap: ColumnMap, chunk_rows: int = 20_000) -> AsideReader | None:
        """The payouts tables started in a forked process, or None where that does not apply: not
        on Linux (fork), another thread running (a fork copies only the calling thread, and
        a lock another holds would stay held in the copy: `planner batch` forks before it
        starts one), no tenants table, a payouts table before a tenants table, a payouts
        table in a workbook (read once, with its tenants sheet), or small tables."""
        if not sys.platform.startswith("linux") or not _one_thread():
            return None
        roles = [s.role for s in inputs.sources]
        aside = [s for s in inputs.sources if s.role == "payouts"]
        if not aside or "tenants" not in roles or any(s.sheet is not None for s in aside):
            return None
        if max(k for k, r in enumerate(roles) if r == "tenants") > roles.index("payouts"):
            return None
        try:
            if sum(os.path.getsize(s.path) for s in aside) < ASIDE_BYTES:
                return None
        except OSError:  # (read here, which reports it)
            return None
        import multiprocessing as mp

        import pandas  # noqa: F401 - imported before the fork, once for both processes

        ctx = mp.get_context("fork")
        conn, child_end = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_read, args=(child_end, aside, colmap, chunk_rows), name="planner-read",
                           daemon=True)
        try:
            proc.start()
        except OSError:
            conn.close()
            child_end.close()
            return None
        child_end.close()
        return cls(aside, conn, proc)

    def _receive(self) -> None:
        try:
            while True:
                msg = self.conn.recv()
                self.inbox.put(msg)
                if msg[0] in ("done", "failed"):
                    return
        except (EOFError, OSError):  # the process died
            self.inbox.put(("failed", "ended"))

    def take(self, spool: Spool) -> bool:
        """The tables' sources and rows into `spool`, as they come; False if the process
        failed (the caller drops what was taken and reads the tables itself)."""
        numbers: dict[int, int] = {}
        while True:
            msg = self.inbox.get()
            if msg[0] == "source":
                _, n, role, name, columns, unused = msg
                numbers[n] = spool.add_source(role, name, columns, unused)
            elif msg[0] == "rows":
                _, table, n, rows = msg
                if rows:
                    width = len(rows[0])  # (the rows without their source's number)
                    spool.db.executemany(f"INSERT INTO {table} VALUES (?,{numbers[n]},{','.join('?' * (width - 1))})",
                                         rows)
            elif msg[0] == "done":
                _, errors, failed, unused = msg
                spool.errors.extend(errors)
                spool.failed_roles |= failed
                spool.unused_columns.update(unused)
                return True
            else:
                return False

    def close(self) -> None:
        """Stop the process (if still reading: this one stopped early) and the thread (what it
        holds is dropped, so that it is not left waiting to hand on more)."""
        if self.proc.is_alive():
            self.proc.terminate()
        self.proc.join()
        while self.thread.is_alive():
            try:
                self.inbox.get(timeout=0.05)
            except queue.Empty:
                pass
        self.conn.close()


def _one_thread() -> bool:
    return threading.active_count() == 1


class _Collecting(Spool):
    """A spool with no database: what loading a table would store is sent instead."""

    def __init__(self, send: Callable[[tuple], None]) -> None:  # (no database: nothing of Spool's)
        self.send = send
        self.errors = []
        self.unused_columns = {}
        self.failed_roles = set()
        self.has_label = False
        self.columns: dict[int, dict[str, str]] = {}
        self.last: dict[str, int] = {}  # each table's last seq
        self.src: int | None = None

    def add_source(self, role: str, name: str, columns: dict, unused: list[str]) -> int:
        n = len(self.columns) + 1
        self.columns[n] = columns
        self.src = n
        self.send(("source", n, role, name, columns, unused))
        return n

    def table_base(self, table: str) -> int:
        return self.last.get(table, 0) + 1 - 2

    def insert_rows(self, table: str, rows: list[tuple]) -> None:
        if rows:
            self.last[table] = max(self.last.get(table, 0), max(r[0] for r in rows))
        self.send(("rows", table, rows[0][1] if rows else self.src, [(r[0], *r[2:]) for r in rows]))

    def source_columns(self, src: int) -> dict[str, str]:
        return self.columns[src]


def _read(conn, sources: list[Source], colmap: ColumnMap, chunk_rows: int) -> None:  # pragma: no cover - the child
    """The forked process: each table loaded as `Spool.load_table` does, sent to `conn`."""
    try:
        spool = _Collecting(conn.send)
        for source in sources:
            spool.load_table(source, colmap, chunk_rows)
        conn.send(("done", spool.errors, spool.failed_roles, spool.unused_columns))
    except BaseException as exc:  # noqa: BLE001 - reported; the tables are then read by the parent
        try:
            conn.send(("failed", type(exc).__name__))
        except OSError:
            pass
    finally:
        conn.close()

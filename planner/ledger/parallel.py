"""A large ledger read and judged by two processes: this one and a helper, in the run's order.

Why: checking the blocks' cells and judging the parts (`judge.judge`) are most of a large run's
time and each uses one core; the machine has two. The helper is started before the ledger is
read, while the run is small: forked (it shares the run's imports, and its memory is the run's at
that moment, a hundred MB), or, where the run has threads (a web server: a fork would copy locks
others hold), from the forkserver.

While the ledger is read (buckets on disk), the run parses the file and numbers the rows, and
hands the helper a block (`blocks.Block`, through an Arrow file in the spool folder) whenever it
has fewer than `DEPTH`; the helper checks its cells (`cells.check_cells`), appends its good rows
to bucket files of its own (`buckets.Spill`, `b0003.h.arrow`) and sends back the block's counts
and errors (`blocks.Counts`). The run checks and spills the other blocks itself, takes the
counts and errors in the blocks' order, and loads each bucket from both files in file order
(`buckets.Buckets`): the rows of one process. A helper that dies while reading leaves the
blocks it has not answered for to the run (what it spilled of them is left out on loading).

Then the run reads the buckets and cuts the parts, hands the helper a part whenever it has
fewer than `DEPTH` waiting, and judges the others itself. Every part's months
and evidence come back as text (`Judged`), and the run writes them in the parts' order, so the
files are the same bytes as a run in one process (`workers=1`): a part's figures depend on its
rows only.

A failure in the helper is raised in the run as it was raised there (the same exception type,
an OSError with its errno); a helper that dies (killed, out of memory) leaves its blocks and
parts to this process, which does them itself: the same bytes, later. The helper ends with
the run: it is a daemon process, and it watches a pipe whose only writer is the run
(`watch_parent`).
"""

from __future__ import annotations

import pickle
import queue
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..io.tables import RowError
from ..io.workers import watch_parent
from .blocks import Block, Counts
from .buckets import HELPER_SUFFIX, Spill

#: blocks or parts handed to the helper and not yet back: one being done, one waiting (so it never idles)
DEPTH = 2
#: a helper that sends nothing back for this long (a part takes about a second) is taken for
#: stuck: stopped, and its parts judged here (never a run that waits for ever)
STALL_SECONDS = 300.0


@dataclass
class Context:
    """What judging a part needs besides its rows (sent to the helper once, after the reading)."""

    name: str
    as_of: int
    key: bytes | None
    incomplete: dict[str, tuple[int, str]]
    lines: bool = False  # render the part's rows of tenancies.csv and its twin (`output.tenancy_lines`)
    _alias: Callable[[str], str] | None = field(default=None, repr=False, compare=False)

    def alias(self) -> Callable[[str], str]:
        if self._alias is None:
            from .judge import pseudonymiser

            self._alias = pseudonymiser(self.key)
        return self._alias

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_alias": None}  # a closure: made again where it is used


@dataclass
class Judged:
    """A judged part: its rows of the tenancy table, its duplicate rows, its bookings after the
    as-of date, and its text of months.csv, patterns.jsonl and patterns.txt."""

    table: pd.DataFrame | None
    raw: set[str]
    dup_errors: list[RowError]
    after: int
    months: bytes  # (UTF-8: `output.TextOut`)
    json: bytes
    text: bytes
    lines: tuple[list[str], list[str]] | None = None


def judge_text(cols: dict, ctx: Context) -> Judged:
    """`judge.judge` of one part, its outputs as text."""
    from . import output
    from .contact import words
    from .judge import judge
    from .lines import tenancy_lines

    outs = (output.TextOut(), output.TextOut(), output.TextOut())
    table, dup_errors, after = judge(cols, ctx.name, ctx.as_of, ctx.alias(), *outs, ctx.incomplete)
    raw = set(table.attrs.pop("raw", set())) if table is not None else set()
    table = words(table, ctx.as_of) if table is not None else None  # contact.list's words, ready with the ranking
    lines = tenancy_lines(table) if ctx.lines and table is not None else None
    return Judged(table, raw, dup_errors, after, outs[0].text(), outs[1].text(), outs[2].text(), lines)


def judge_all(parts: Iterable[dict], ctx: Context, helper: Helper | None) -> Iterator[Judged]:
    """Every part judged, by this process or the helper, yielded in the parts' order."""
    done: dict[int, Judged] = {}
    nxt = total = 0
    for seq, cols in enumerate(parts):
        total = seq + 1
        if helper is not None and helper.takes():
            helper.submit(seq, cols)
        else:
            done[seq] = judge_text(cols, ctx)
        del cols
        if helper is not None:
            done.update(helper.ready())
        while nxt in done:
            yield done.pop(nxt)
            nxt += 1
    while nxt < total:
        if nxt not in done and helper is not None:
            done.update(helper.wait())
        yield done.pop(nxt)
        nxt += 1


class Helper:
    """The second process checking blocks while the ledger is read, then judging parts (see the
    module's docstring). One task at a time of one kind: blocks (`read_into`, `check`,
    `end_reading`), then parts (`setup`, `submit`)."""

    def __init__(self) -> None:
        import multiprocessing as mp

        for stream in (sys.stdout, sys.stderr):  # a forked child must not write this process's buffers again
            if stream is not None:
                stream.flush()
        methods = mp.get_all_start_methods()
        ctx: Any = mp.get_context("fork" if "fork" in methods and threading.active_count() == 1 else
                                  "forkserver" if "forkserver" in methods else "spawn")
        self.tasks = ctx.Queue()
        self.results = ctx.Queue()
        self._alive_r, self._alive_w = ctx.Pipe(duplex=False)
        self.sent: dict[int, Any] = {}  # blocks or parts out, kept to do here if the helper dies
        #: what this process does with a task of the helper's when the helper is gone
        self.here: Callable[[Any], Any] | None = None
        self.folder = Path()  # the run's spool folder, while the ledger is read
        writer = self._alive_w if ctx.get_start_method() == "fork" else None  # the child's copy, to close
        self.proc = ctx.Process(target=serve, name="planner-ledger-helper", daemon=True,
                                args=(self.tasks, self.results, self._alive_r, writer))
        self.proc.start()
        self._alive_r.close()

    def read_into(self, folder: Path, k: int, here: Callable[[Block], Counts]) -> bool:
        """From now on blocks (`check`): the helper spills their good rows to its own files of
        the `k` buckets in `folder` (`buckets.Spill`, `HELPER_SUFFIX`). `here` checks and spills
        a block in this process (the blocks of a helper that died). False if the helper is gone."""
        if not self.proc.is_alive():
            return False
        self.here = here
        self.folder = folder
        self.tasks.put(("spill", 0, (str(folder), k)))
        return True

    def check(self, seq: int, block: Block) -> None:
        """Block `seq` checked and spilled by the helper; its `Counts` come back (`ready`, `wait`).
        It goes through a file in the spool folder (`Block.sent`); it is kept here until then."""
        self.sent[seq] = block
        self.tasks.put(("check", seq, block.sent(self.folder / f"block{seq:06d}.arrow")))

    def end_reading(self) -> tuple[dict[int, Counts], bool]:
        """Every block back (a dead helper's checked here), and the helper's files closed: the
        counts by block, and whether the files were closed (else a file may end inside a batch)."""
        out: dict[int, Counts] = {}
        while self.sent:
            out.update(self.wait())
        if not self.proc.is_alive():
            return out, False
        self.tasks.put(("close", 0, None))
        waited = 0.0
        while True:
            try:
                _, _, ok, value = self.results.get(timeout=0.2)
            except queue.Empty:
                waited += 0.2
                if self.proc.is_alive() and waited <= STALL_SECONDS:
                    continue
                if self.proc.is_alive():
                    self.proc.kill()
                return out, False
            if not ok:
                raise value
            return out, True

    def setup(self, ctx: Context) -> None:
        """From now on parts (`submit`), judged in `ctx`."""
        self.here = lambda cols: judge_text(cols, ctx)
        self.tasks.put(("context", 0, ctx))

    def takes(self) -> bool:
        return len(self.sent) < DEPTH and self.proc.is_alive()

    def submit(self, seq: int, cols: dict) -> None:
        self.sent[seq] = cols
        self.tasks.put(("judge", seq, cols))

    def ready(self) -> dict[int, Any]:
        """The tasks done by now (without waiting)."""
        out: dict[int, Any] = {}
        while self.sent:
            try:
                item = self.results.get_nowait()
            except queue.Empty:
                break
            out.update(self._take(item))
        return out

    def wait(self) -> dict[int, Any]:
        """At least one task back (or, the helper gone, every task it had done here)."""
        waited = 0.0
        while self.sent:
            try:
                return self._take(self.results.get(timeout=0.2))
            except queue.Empty:
                waited += 0.2
                if not self.proc.is_alive() or waited > STALL_SECONDS:
                    if self.proc.is_alive():
                        self.proc.kill()
                    return self._orphans()
        return {}

    def _take(self, item: tuple[str, int, bool, Any]) -> dict[int, Any]:
        _, seq, ok, value = item
        self.sent.pop(seq, None)
        if not ok:
            raise value
        return {seq: value}

    def _orphans(self) -> dict[int, Any]:
        """The helper died: what it sent before is taken, the rest done here."""
        out = self.ready()
        assert self.here is not None
        for seq, task in sorted(self.sent.items()):
            out[seq] = self.here(task)
        self.sent.clear()
        return out

    @classmethod
    def start(cls) -> Helper | None:
        """A helper, or None where no process can be started (the run judges every part itself)."""
        try:
            return cls()
        except (OSError, RuntimeError, AssertionError):  # no child here (a sandbox, a daemon)
            return None

    def close(self) -> None:
        """Stop the helper: at once (it may be judging a part nobody waits for), and wait for it."""
        if self._alive_w.closed:
            return
        self._alive_w.close()
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(10)
        for q in (self.tasks, self.results):
            q.cancel_join_thread()
            q.close()


def serve(tasks, results, alive, writer=None) -> None:  # pragma: no cover - runs in the helper process
    """The helper's loop, until None (or the run's end): tasks `(kind, seq, payload)`, each done
    answered `(kind, seq, ok, value)`. While the ledger is read: "spill" (the bucket files to
    write), "check" (a `Block`: its `Counts` back, its good rows spilled), "close" (the files);
    then "context" (a `Context`) and "judge" (a part: its `Judged` back). `writer`: the run's
    end of the `alive` pipe, inherited by a forked helper, closed here (else the pipe would never
    end)."""
    import signal

    if writer is not None:
        writer.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's to handle: it stops the helper
    watch_parent(alive, "planner-ledger-watch")
    from . import cells  # noqa: F401 - the imports done while the run opens the ledger
    from .memory import system_pool

    with system_pool():  # as the run's (a forkserver's child does not inherit it)
        _serve(tasks, results)


def _serve(tasks, results) -> None:  # pragma: no cover - runs in the helper process
    spill: Spill | None = None
    ctx: Context | None = None
    while True:
        task = tasks.get()
        if task is None:
            return
        kind, seq, payload = task
        del task
        try:
            if kind == "spill":
                spill = Spill(payload[1], Path(payload[0]), HELPER_SUFFIX)
                continue
            if kind == "context":
                ctx = payload
                continue
            if kind == "check":
                assert spill is not None
                value: Any = check_block(payload, spill)
            elif kind == "close":
                assert spill is not None
                spill.close()
                value = spill = None
                from . import judge  # noqa: F401 - the imports of the parts (a forkserver's child has none yet)
            else:
                assert ctx is not None
                value = judge_text(payload, ctx)
            results.put((kind, seq, True, value))
        except BaseException as exc:  # noqa: BLE001 - raised in the run (`Helper._take`)
            results.put((kind, seq, False, _sendable(exc)))
        del payload


def check_block(block: Block, spill: Spill) -> Counts:
    """A block's cells checked (`cells.check_cells`) and its good rows spilled to the helper's
    bucket files; its counts and errors to send back."""
    from .memory import give_back

    block = block.received()
    chunk = block.check()
    spill.add(chunk)
    done = Counts.of(chunk, (int(block.rows[0]), int(block.rows[-1])) if len(block.rows) else None)
    del chunk
    give_back()  # (as the run does after a block: `run._read`)
    return done


def _sendable(exc: BaseException) -> BaseException:
    """`exc`, or, if it cannot be pickled (the queue would drop it and the run wait), a
    RuntimeError naming it."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001 - anything pickle raises
        return RuntimeError(f"{type(exc).__name__} in the ledger's helper process: {exc}")

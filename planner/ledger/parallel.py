"""The parts of a ledger run judged by two processes: this one and a helper, in the run's order.

Why: judging the parts (`judge.judge`) is most of a large run's time and uses one core; the
machine has two. The helper is started before the ledger is read, while the run is small: forked (it
shares the run's imports, and its memory is the run's at that moment, a hundred MB), or, where
the run has threads (a web server: a fork would copy locks others hold), from the forkserver,
whose child imports while the ledger is read.
The main process reads the buckets and cuts the parts as before, hands the helper a part
whenever it has fewer than `DEPTH` waiting, and judges the others itself. Every part's months
and evidence come back as text (`Judged`), and the run writes them in the parts' order, so the
files are the same bytes as a run in one process (`workers=1`): a part's figures depend on its
rows only.

A failure in the helper is raised in the run as it was raised there (the same exception type,
an OSError with its errno); a helper that dies (killed, out of memory) leaves its parts to this
process, which judges them itself: the same bytes, later. The helper ends with the run: it is a
daemon process, and it watches a pipe whose only writer is the run (`watch_parent`).
"""

from __future__ import annotations

import pickle
import queue
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..io.tables import RowError
from ..io.workers import watch_parent

#: parts handed to the helper and not yet back: one being judged, one waiting (so it never idles)
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
    months: str
    json: str
    text: str
    lines: tuple[list[str], list[str]] | None = None


def judge_text(cols: dict, ctx: Context) -> Judged:
    """`judge.judge` of one part, its outputs as text."""
    from . import output
    from .contact import words
    from .judge import judge
    from .lines import tenancy_lines
    from .memory import give_back

    outs = (output.TextOut(), output.TextOut(), output.TextOut())
    table, dup_errors, after = judge(cols, ctx.name, ctx.as_of, ctx.alias(), *outs, ctx.incomplete)
    raw = set(table.attrs.pop("raw", set())) if table is not None else set()
    table = words(table, ctx.as_of) if table is not None else None  # contact.list's words, ready with the ranking
    lines = tenancy_lines(table) if ctx.lines and table is not None else None
    done = Judged(table, raw, dup_errors, after, outs[0].text(), outs[1].text(), outs[2].text(), lines)
    give_back()
    return done


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
    """The second process judging parts (see the module's docstring)."""

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
        self.sent: dict[int, dict] = {}  # parts out, kept to judge here if the helper dies
        self.ctx: Context | None = None
        writer = self._alive_w if ctx.get_start_method() == "fork" else None  # the child's copy, to close
        self.proc = ctx.Process(target=serve, name="planner-ledger-helper", daemon=True,
                                args=(self.tasks, self.results, self._alive_r, writer))
        self.proc.start()
        self._alive_r.close()

    def setup(self, ctx: Context) -> None:
        self.ctx = ctx
        self.tasks.put(ctx)

    def takes(self) -> bool:
        return len(self.sent) < DEPTH and self.proc.is_alive()

    def submit(self, seq: int, cols: dict) -> None:
        self.sent[seq] = cols
        self.tasks.put((seq, cols))

    def ready(self) -> dict[int, Judged]:
        """The parts judged by now (without waiting)."""
        out: dict[int, Judged] = {}
        while self.sent:
            try:
                item = self.results.get_nowait()
            except queue.Empty:
                break
            out.update(self._take(item))
        return out

    def wait(self) -> dict[int, Judged]:
        """At least one part back (or, the helper gone, every part it had judged here)."""
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

    def _take(self, item: tuple[int, bool, Any]) -> dict[int, Judged]:
        seq, ok, value = item
        self.sent.pop(seq, None)
        if not ok:
            raise value
        return {seq: value}

    def _orphans(self) -> dict[int, Judged]:
        """The helper died: what it sent before is taken, the rest judged here."""
        out = self.ready()
        assert self.ctx is not None
        for seq, cols in sorted(self.sent.items()):
            out[seq] = judge_text(cols, self.ctx)
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
    """The helper's loop: the context, then parts until None (or the run's end). `writer`: the
    run's end of the `alive` pipe, inherited by a forked helper, closed here (else the pipe
    would never end)."""
    import signal

    if writer is not None:
        writer.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's to handle: it stops the helper
    watch_parent(alive, "planner-ledger-watch")
    from . import judge  # noqa: F401 - the imports done while the run reads the ledger

    ctx = tasks.get()
    while True:
        task = tasks.get()
        if task is None:
            return
        seq, cols = task
        try:
            results.put((seq, True, judge_text(cols, ctx)))
        except BaseException as exc:  # noqa: BLE001 - raised in the run (`Helper._take`)
            results.put((seq, False, _sendable(exc)))
        del task, cols


def _sendable(exc: BaseException) -> BaseException:
    """`exc`, or, if it cannot be pickled (the queue would drop it and the run wait), a
    RuntimeError naming it."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001 - anything pickle raises
        return RuntimeError(f"{type(exc).__name__} in the ledger's helper process: {exc}")

"""The ledger read by two processes (the helper checks and spills some blocks, `parallel`,
`buckets`) writes the bytes of one.

Messy generated ledgers (bad cells, blank, ragged and duplicated rows, rows after the as-of date,
rows in another encoding) run with the blocks and buckets forced small, once in one process
(`workers=1`) and once with the helper; every file must be the same. A helper killed while the
ledger is read leaves its blocks to the run (and what it spilled of a block it did not answer for
is left out); a failure in the helper while reading is raised in the run."""

from __future__ import annotations

import json
import os
import pickle
import signal
import threading
import time
from pathlib import Path
from unittest import mock

import numpy as np
import pyarrow as pa
import pytest
from test_ledger_parallel import AS_OF, digests, messy

import planner.ledger.buckets as buckets
import planner.ledger.parallel as parallel
from planner.ledger.blocks import Block
from planner.ledger.buckets import HELPER_SUFFIX, Buckets, Spill
from planner.ledger.cells import Chunk
from planner.ledger.run import LedgerOptions, run_ledger

#: several blocks (the helper's share among them) and several buckets on a few thousand rows
SMALL = {"bucket_rows": 2500, "part_rows": 400, "chunk_rows": 700}


@pytest.fixture
def checked(monkeypatch) -> list[int]:
    """The blocks handed to the helper (a test in which it checked none would prove nothing)."""
    sent: list[int] = []
    real = parallel.Helper.check

    def check(self, seq, block):
        sent.append(seq)
        return real(self, seq, block)

    monkeypatch.setattr(parallel.Helper, "check", check)
    return sent


def mixed(folder: Path, seed: int) -> Path:
    """`messy`, with some rows in cp1252 (the file then mixes two encodings) and some tenancy ids
    with a letter outside ASCII."""
    path = messy(folder, seed, n=250)
    lines = path.read_bytes().split(b"\n")
    rng = np.random.default_rng(seed)
    for i in rng.choice(np.arange(1, len(lines) - 1), size=25, replace=False):
        lines[i] = b"\xd8" + lines[i] if lines[i] else lines[i]  # Ø in cp1252: one byte
    for i in rng.choice(np.arange(1, len(lines) - 1), size=25, replace=False):
        lines[i] = b"\xc3\x98" + lines[i] if lines[i] else lines[i]  # Ø in UTF-8
    out = folder / f"mixed-{seed}.csv"
    out.write_bytes(b"\n".join(lines))
    return out


@pytest.mark.parametrize("kind,seed", [("messy", 3), ("messy", 19), ("mixed", 5)])
def test_reading_in_two_processes_writes_the_bytes_of_one(tmp_path: Path, checked: list[int], kind: str, seed: int):
    ledger = (messy if kind == "messy" else mixed)(tmp_path, seed)
    one = digests(ledger, tmp_path / "one", workers=1, **SMALL)
    assert not checked
    progress: list[tuple[int, int]] = []
    two = digests(ledger, tmp_path / "two", workers=2, progress=lambda stage, done, total: progress.append(
        (done, total)) if stage == "read" else None, **SMALL)
    assert len(checked) >= 2  # the helper checked blocks (the first two always go to it; the rest as it answers)
    assert two == one
    summary = json.loads((tmp_path / "two" / "summary.json").read_text(encoding="utf-8"))
    rows = summary["rows"]
    assert rows["read"] == rows["used"] + rows["blank"] + rows["in_errors"]
    assert rows["duplicates"] > 0 and rows["blank"] > 0 and summary["incomplete"] > 0
    errors = (tmp_path / "two" / "errors.csv").read_text(encoding="utf-8")
    assert "felt, overskriftsraden har" in errors  # ragged rows
    if kind == "mixed":
        assert "blandet tegnkoding" in errors
    # the reading's progress moves, once a block
    assert len(progress) >= len(checked) and [d for d, _ in progress] == sorted(d for d, _ in progress)


def test_a_helper_from_the_forkserver_reads_alike(tmp_path: Path, checked: list[int], monkeypatch):
    """Where the run has threads (the web server) the helper comes from the forkserver: it imports
    what it needs itself, and the bytes are the same."""
    ledger = messy(tmp_path, 17, n=200)
    one = digests(ledger, tmp_path / "one", workers=1, **SMALL)
    helped: list[int] = []
    load = buckets.Buckets._load

    def _load(self, b):
        helped.append(len(self.helped))
        return load(self, b)

    monkeypatch.setattr(buckets.Buckets, "_load", _load)
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert digests(ledger, tmp_path / "two", workers=2, **SMALL) == one
    assert checked and helped[0] == len(checked)  # it answered for every block it was handed (its first ones)


def test_a_helper_killed_while_reading_leaves_its_blocks_to_the_run(tmp_path: Path, monkeypatch):
    """The helper is killed (SIGKILL) after it spilled its third block's rows and before it
    answered for it, with the next block in hand: the run checks both itself, and the rows the
    helper spilled of the third are left out (else they would be there twice)."""
    ledger = messy(tmp_path, 13)
    one = digests(ledger, tmp_path / "one", workers=1, **SMALL)
    real = parallel.check_block
    done: list[int] = []  # in the helper (a forked copy of this test's process)

    def check_block(block, spill):
        counts = real(block, spill)
        done.append(1)
        if len(done) == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        return counts

    orphans: list[int] = []
    seen: list[tuple[int, bool]] = []
    take_over = parallel.Helper._orphans
    load = buckets.Buckets._load

    def _orphans(self):
        orphans.append(len(self.sent))
        return take_over(self)

    def _load(self, b):
        seen.append((len(self.helped), self.helper_closed))
        return load(self, b)

    monkeypatch.setattr(parallel, "check_block", check_block)
    monkeypatch.setattr(parallel.Helper, "_orphans", _orphans)
    monkeypatch.setattr(buckets.Buckets, "_load", _load)
    monkeypatch.setattr(parallel.Helper, "__init__", fork_only(parallel.Helper.__init__))
    assert digests(ledger, tmp_path / "two", workers=2, **SMALL) == one
    assert orphans and orphans[0] >= 1 and seen[0] == (2, False)  # two blocks answered; the helper died


def fork_only(init):
    """The helper forked (it then has this test's patches), whatever the threads of the test run."""

    def start(self) -> None:
        with mock.patch("threading.active_count", return_value=1):
            init(self)

    return start


def test_a_failure_in_the_helper_while_reading_is_raised_in_the_run(tmp_path: Path, monkeypatch):
    ledger = messy(tmp_path, 7, n=150)
    real = parallel.Helper.check

    def check(self, seq, block):  # a block the helper cannot check: a column missing
        block.cells = {c: v for c, v in block.cells.items() if c != "amount"}
        real(self, seq, block)

    monkeypatch.setattr(parallel.Helper, "check", check)
    t0 = time.monotonic()
    with pytest.raises(KeyError, match="amount"):
        run_ledger(ledger, LedgerOptions(out=tmp_path / "o", as_of=AS_OF, workers=2, **SMALL))
    assert time.monotonic() - t0 < 60


def chunk(rows: list[int], ids: list[str]) -> Chunk:
    n = len(rows)
    return Chunk(pa.array(ids, pa.string()), np.arange(n, dtype=np.int32), np.zeros(n, np.int8),
                 np.full(n, 100, np.int64), np.asarray(rows, np.int64), np.arange(n, dtype=np.uint64))


def test_a_bucket_takes_both_processes_rows_in_file_order(tmp_path: Path):
    """Blocks spilled by the run and by the helper, alternately: each bucket's rows come back in
    the file's order, as one process would have spilled them; the helper's rows of a block it
    never answered for are left out, and so is a batch its death cut short."""
    ids = [f"T{i}" for i in range(40)]
    blocks = [list(range(2 + 40 * b, 42 + 40 * b)) for b in range(6)]
    alone = Buckets(3, tmp_path / "alone")
    (tmp_path / "alone").mkdir()
    for rows in blocks:
        alone.add(chunk(rows, ids))
    want = [alone._load(b) for b in range(3)]

    (tmp_path / "two").mkdir()
    both = Buckets(3, tmp_path / "two")
    helper = Spill(3, tmp_path / "two", HELPER_SUFFIX)
    for i, rows in enumerate(blocks):
        if i % 2:
            helper.add(chunk(rows, ids))
            both.helped.append((rows[0], rows[-1]))
        else:
            both.add(chunk(rows, ids))
    helper.add(chunk(list(range(500, 540)), ids))  # spilled, never answered for: checked again by the run
    for w in helper.writers.values():  # then killed while writing: the files end inside a batch
        w.write_batch(pa.record_batch(chunk_batch(list(range(600, 640)), ids)))
    for b in range(3):
        p = helper.path(b)
        p.write_bytes(p.read_bytes()[:-50])
    both.helper_closed = False
    assert {f.stat().st_mode & 0o777 for f in (tmp_path / "two").iterdir()} == {0o600}  # the rows are personal data
    got = [both._load(b) for b in range(3)]
    for w, g in zip(want, got):
        assert w is not None and g is not None
        assert w["tenancy"].to_pylist() == g["tenancy"].to_pylist()
        for c in ("day", "kind", "amount", "row", "dupkey"):
            assert np.array_equal(w[c], g[c]), c
    assert not list((tmp_path / "two").iterdir())  # the files are removed once loaded


def chunk_batch(rows: list[int], ids: list[str]) -> dict:
    c = chunk(rows, ids)
    return {"tenancy": c.tenancy, "day": pa.array(c.day), "kind": pa.array(c.kind), "amount": pa.array(c.amount),
            "row": pa.array(c.row), "dupkey": pa.array(c.dupkey)}


def test_cells_with_spaces_around_them_check_as_the_cells_trimmed():
    """`cells._trimmed` trims the distinct values only where no cell has spaces around it: a block
    with such cells (every path: some columns with, some without) checks exactly as the same block
    trimmed beforehand."""
    import random

    from planner.ledger.cells import check_cells

    rng = random.Random(4)
    n = 3000

    def spaced(v: str, p: float) -> str:
        r = rng.random()
        return (f" {v}" if r < p / 2 else f"{v}\t" if r < p else v) if v else (" " if r < p else v)

    words = {"tenancy": ["T1", "T2", "", "12345678901", "Ø7"], "date": ["2026-01-01", "01.02.2026", "31.02.2026", ""],
             "kind": ["charge", "payment", "Husleie", "x", ""], "amount": ["9500", "9 500,00", "0", "abc", ""],
             "text": ["a", "b c", ""]}
    odds = {"tenancy": 0.1, "date": 0.0, "kind": 0.05, "amount": 0.0, "text": 0.2}  # two columns never spaced
    raw = {c: [spaced(rng.choice(w), odds[c]) for _ in range(n)] for c, w in words.items()}
    assert any(v != v.strip() for v in raw["tenancy"])

    def checked(cols: dict) -> tuple:
        ch = check_cells("f.csv", {c: c for c in cols}, {c: pa.array(v) for c, v in cols.items()},
                         np.arange(2, n + 2), {7, 9})
        return (ch.tenancy.to_pylist(), ch.day.tolist(), ch.kind.tolist(), ch.amount.tolist(), ch.row.tolist(),
                ch.dupkey.tolist(), ch.errors, ch.rows_read, ch.blank, ch.bad_rows)

    spaced_out = checked(raw)
    assert spaced_out == checked({c: [v.strip() for v in vs] for c, vs in raw.items()})
    assert spaced_out[8] > 0 and spaced_out[9] > 0 and len(spaced_out[0]) > 0  # blank, bad and good rows


def test_a_block_goes_to_the_helper_through_a_private_file(tmp_path: Path):
    """`Block.sent` writes the cells and rows (0600), `received` reads them back and removes the file."""
    cells = {"tenancy": pa.chunked_array([["T1", " T2"], ["", "Ø3"]]), "amount": pa.chunked_array([["1", "2", "", "x"]])}
    block = Block("f.csv", {"tenancy": "Leieforhold", "amount": "Beløp"}, cells, np.array([2, 3, 5, 6]), {5}, None)
    sent = block.sent(tmp_path / "b.arrow")
    assert sent.cells == {} and len(sent.rows) == 0 and (tmp_path / "b.arrow").stat().st_mode & 0o777 == 0o600
    back = pickle.loads(pickle.dumps(sent)).received()
    assert not (tmp_path / "b.arrow").exists()
    assert {c: v.to_pylist() for c, v in back.cells.items()} == {c: v.to_pylist() for c, v in cells.items()}
    assert back.rows.tolist() == [2, 3, 5, 6] and back.bad_encoding == {5} and back.ours == block.ours

"""The ledger judged by two processes (`planner.ledger.parallel`) writes the bytes of one.

Messy generated ledgers (bad cells, so incomplete tenancies; duplicated rows; rows after the
as-of date; blank and ragged rows) run with the buckets and parts forced small, once in one
process (`workers=1`) and once with the helper; every file must be the same, errors.csv and
summary.json's counts included (tenancies.csv and its twin rendered part by part against the
one-process writer of the whole table). A helper that dies leaves its parts to the run; a failure in
the helper is raised in the run; the helper ends with the run."""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest

import planner.ledger.lines as lines
import planner.ledger.parallel as parallel
from planner.ledger.run import LedgerOptions, run_ledger
from planner.ledger.synth import generate, to_csv

AS_OF = date(2026, 12, 20)


def messy(folder: Path, seed: int, n: int = 300) -> Path:
    """A generated ledger with every kind of row the run must account for, spread at random."""
    rng = random.Random(seed)
    clean = folder / f"clean-{seed}.csv"
    to_csv(generate(n, months=18, seed=seed), clean)
    lines = clean.read_text(encoding="utf-8").splitlines()
    head, body = lines[0], lines[1:]
    out = []
    for line in body:
        r = rng.random()
        tid, day, kind, amount, text = line.split(",", 4)
        if r < 0.004:
            out.append(f"{tid},{day[:8]}31,{kind},{amount},{text}")  # a day that does not exist (some months)
        elif r < 0.006:
            out.append(f"{tid},{day},{kind},ni tusen,{text}")  # an amount that is text
        elif r < 0.007:
            out.append(f",{day},{kind},{amount},{text}")  # no tenancy
        elif r < 0.008:
            out.append(f"{line},extra")  # ragged
        elif r < 0.009:
            out.append("")  # blank
        else:
            out.append(line)
        if rng.random() < 0.01:
            out.append(line)  # duplicated
        if rng.random() < 0.003:
            out.append(f"{tid},2027-01-0{rng.randint(1, 9)},payment,100.00,x")  # after the as-of date
    out += ["Z999999,2026-02-30,charge,9500.00,x", "Z999999,2026-13-01,payment,9500.00,x"]  # no row usable
    path = folder / f"messy-{seed}.csv"
    path.write_text("\n".join([head, *out]) + "\n", encoding="utf-8")
    return path


def digests(ledger: Path, out: Path, **kw) -> dict[str, str]:
    """sha256 of every file a run writes (drafts.zip's members too; summary.json holds counts,
    no time or memory, so it is compared whole), by name."""
    run_ledger(ledger, LedgerOptions(out=out, as_of=AS_OF, **kw))
    found = {}
    for f in sorted(out.rglob("*")):
        if f.is_file():
            found[str(f.relative_to(out))] = hashlib.sha256(f.read_bytes()).hexdigest()[:16]
            if f.suffix == ".zip":
                with zipfile.ZipFile(f) as z:
                    for n in sorted(z.namelist()):
                        found[f"{f.name}:{n}"] = hashlib.sha256(z.read(n)).hexdigest()[:16]
    return found


@pytest.fixture
def counted(monkeypatch):
    """Parts handed to the helper, and tenancies.csv written from the rows rendered part by part,
    counted (a test that never used them would prove nothing)."""
    sent: list[object] = []
    real = parallel.Helper.submit
    write = lines.LineSpool.write

    def submit(self, seq, cols):
        sent.append(seq)
        return real(self, seq, cols)

    def spooled(self, out, order):
        sent.append("lines")
        return write(self, out, order)

    monkeypatch.setattr(parallel.Helper, "submit", submit)
    monkeypatch.setattr(lines.LineSpool, "write", spooled)
    return sent


@pytest.mark.parametrize("seed", [3, 11])
def test_two_processes_write_the_bytes_of_one(tmp_path: Path, counted: list[int], seed: int):
    ledger = messy(tmp_path, seed)
    small = {"bucket_rows": 2500, "part_rows": 400, "chunk_rows": 3000}  # several buckets, several parts each
    one = digests(ledger, tmp_path / "one", workers=1, **small)
    assert not counted
    two = digests(ledger, tmp_path / "two", workers=2, **small)
    assert len(counted) >= 4 and "lines" in counted  # the helper judged parts; the rows were rendered in parts
    assert two == one
    summary = json.loads((tmp_path / "two" / "summary.json").read_text(encoding="utf-8"))
    rows = summary["rows"]
    assert rows["duplicates"] > 0 and rows["after_as_of"] > 0 and summary["incomplete"] > 0
    assert "Z999999" in (tmp_path / "two" / "tenancies.csv").read_text(encoding="utf-8")  # every row rejected
    assert rows["in_errors"] > rows["duplicates"] and rows["blank"] > 0
    assert rows["read"] == rows["used"] + rows["blank"] + rows["in_errors"]
    errors = (tmp_path / "two" / "errors.csv").read_text(encoding="utf-8").splitlines()
    assert summary["error_lines"] == len(errors) - 1 >= rows["in_errors"] - rows["blank"]
    # the default (two processes on this machine, the parts as a large ledger cuts them) too
    assert digests(ledger, tmp_path / "default", bucket_rows=2500, chunk_rows=3000) == one


def test_a_helper_that_dies_leaves_its_parts_to_the_run(tmp_path: Path, monkeypatch):
    ledger = messy(tmp_path, 5, n=150)
    small = {"bucket_rows": 2500, "part_rows": 300, "chunk_rows": 3000}
    one = digests(ledger, tmp_path / "one", workers=1, **small)
    real = parallel.Helper.submit
    killed = []

    def submit(self, seq, cols):
        real(self, seq, cols)
        if not killed:  # killed with a part in hand
            self.proc.kill()
            self.proc.join()
            killed.append(seq)

    monkeypatch.setattr(parallel.Helper, "submit", submit)
    assert digests(ledger, tmp_path / "two", workers=2, **small) == one
    assert killed


def test_a_failure_in_the_helper_is_raised_in_the_run(tmp_path: Path, monkeypatch):
    ledger = messy(tmp_path, 7, n=150)
    real = parallel.Helper.submit

    def submit(self, seq, cols):  # a part the helper cannot judge: a column missing
        real(self, seq, {c: v for c, v in cols.items() if c != "amount"})

    monkeypatch.setattr(parallel.Helper, "submit", submit)
    t0 = time.monotonic()
    with pytest.raises(KeyError, match="amount"):
        run_ledger(ledger, LedgerOptions(out=tmp_path / "o", as_of=AS_OF, bucket_rows=2500, part_rows=300,
                                         workers=2))
    assert time.monotonic() - t0 < 60


def test_the_helper_ends_with_the_run(tmp_path: Path):
    """A run killed (here: a process that ends without closing its helper) takes its helper with it."""
    code = ("import os, sys\n"
            "from planner.ledger.parallel import Helper\n"
            "if __name__ == '__main__':\n"
            "    h = Helper()\n"
            "    print(h.proc.pid, flush=True)\n"
            "    os._exit(0)\n")
    script = tmp_path / "orphan.py"
    script.write_text(code, encoding="utf-8")
    root = str(Path(__file__).resolve().parent.parent)
    res = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60, cwd=root,
                         env={**os.environ, "PYTHONPATH": root})
    pid = int(res.stdout.split()[0])
    for _ in range(100):
        if not Path(f"/proc/{pid}").exists() or "Z" in _state(pid):
            return
        time.sleep(0.1)
    raise AssertionError(f"the helper {pid} outlived its run")


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"

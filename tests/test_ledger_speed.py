"""The faster `planner ledger` writes the bytes the code before it wrote.

* Every output file, byte for byte, against the ledger's code as it was when the speed work
  started (`BEFORE`, extracted with `git archive` over a copy of this tree, run as its own
  process), on generated ledgers with the awkward rows a
  real export has: bad cells, ragged rows (early, so the rows after them are renumbered), quoted
  cells, duplicated rows, rows after the as-of date, ids that look like formulas, several
  buckets and parts, the Norwegian number format, pseudonymised ids.
* The column-at-a-time renderer (`render.pattern_lines`) against its readable definition
  (`patterns.evidence` encoded by `output.json_line`, `patterns.evidence_text`).
* `output.to_csv` against pandas' `to_csv` on generated tables.
* The ledger's bostøtte flag with rents capped at the ceiling against the uncapped bisection, and
  the flags of a whole contact list (searched from the rent below) against the flag rent by rent.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
#: the commit the speed work started from: its ledger code is the reference. When the ledger's
#: outputs change on purpose, move it to the commit of that change.
BEFORE = "18e1324"


@pytest.fixture(scope="module")
def before_tree(tmp_path_factory) -> Path:
    """This tree's `planner` with the ledger's own code as it was at `BEFORE` (planner/ledger and
    planner/entitlement/ledger.py): the outputs then differ only by the speed work, not by what
    other work changed on purpose since (the bostøtte rules behind the contact list's hint)."""
    folder = tmp_path_factory.mktemp("before")
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", BEFORE, "planner/ledger",
                                  "planner/entitlement/ledger.py"], capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip(f"the commit {BEFORE} is not in this checkout (a shallow clone?)")
    shutil.copytree(ROOT / "planner", folder / "planner", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def _messy(path: Path, seed: int, n: int, norwegian: bool) -> None:
    """A generated ledger with the rows a real export has, a few of each, spread by `seed`."""
    from planner.ledger.synth import generate, to_csv

    sep = ";" if norwegian else ","
    to_csv(generate(n, months=24, seed=seed), path, sep=sep, norwegian=norwegian)
    lines = path.read_text(encoding="utf-8").splitlines()
    head, body = lines[0], lines[1:]
    rng = random.Random(seed)
    extra = []
    for i in [*rng.sample(range(len(body)), 30), 3, 5]:  # rows 3 and 5: ragged rows in the first block
        cells = body[i].split(sep)
        what = "ragged" if i in (3, 5) else rng.choice(["date", "amount", "kind", "ragged", "dup", "empty", "quoted",
                                                        "formula", "fnr"])
        if what == "date":
            cells[1] = "30.02.2025" if norwegian else "2025-02-30"
        elif what == "amount":
            cells[3] = "12.345"
        elif what == "kind":
            cells[2] = "tull"
        elif what == "ragged":
            cells.append("x")
        elif what == "dup":
            extra.append(body[i])
        elif what == "empty":
            cells[0] = ""
        elif what == "quoted":
            cells[4] = f'"Navn{sep} med skilletegn"'
        elif what == "formula":
            cells[0] = "=" + cells[0]
        elif what == "fnr":
            cells[0] = "15076500565"  # a valid fødselsnummer (python-stdnum's example)
        body[i] = sep.join(cells)
    body += extra + ["", sep.join(["L000003", "05.01.2027" if norwegian else "2027-01-05", "charge",
                                   "100,00" if norwegian else "100.00", "x"])]
    path.write_text("\n".join([head, *body]) + "\n", encoding="utf-8")


def _run(tree: Path, ledger: Path, out: Path, key: str | None, **opts: int) -> None:
    """`run_ledger` of the package in `tree`, in a process of its own."""
    code = ("import sys; from datetime import date; from pathlib import Path;"
            " from planner.ledger.run import LedgerOptions, run_ledger;"
            f" o = LedgerOptions(out=Path(sys.argv[2]), as_of=date(2026, 12, 20), key={key!r}.encode() if {key!r}"
            f" else None);"
            + "".join(f" o.{k} = {v};" for k, v in opts.items())
            + " run_ledger(sys.argv[1], o)")
    env = {**os.environ, "PYTHONPATH": str(tree)}
    res = subprocess.run([sys.executable, "-c", code, str(ledger), str(out)], cwd=tree, env=env, capture_output=True,
                         text=True)
    assert res.returncode == 0, res.stderr[-2000:]


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(("seed", "n", "norwegian", "key", "opts"), [
    (27, 600, False, None, {"bucket_rows": 4000, "part_rows": 1500, "chunk_rows": 5000}),
    (5, 400, True, "nøkkel", {"bucket_rows": 6000, "chunk_rows": 3000}),
    (11, 300, False, None, {}),
])
def test_every_output_is_the_same_bytes_as_before(tmp_path: Path, before_tree: Path, seed, n, norwegian, key, opts):
    ledger = tmp_path / "reskontro.csv"
    _messy(ledger, seed, n, norwegian)
    _run(before_tree, ledger, tmp_path / "before", key, **opts)
    _run(ROOT, ledger, tmp_path / "now", key, **opts)
    before, now = _files(tmp_path / "before"), _files(tmp_path / "now")
    assert sorted(now) == sorted(before)
    assert len(before["errors.csv"].splitlines()) > 20  # the awkward rows are there (and reported)
    assert b"felt, overskriftsraden har" in before["errors.csv"]  # ragged rows among them
    differ = [name for name in before if now[name] != before[name]]
    assert not differ, differ


# --------------------------------------------------------------------------- the renderer


def _analysed(seed: int, n: int, as_of: date):
    from planner.ledger.analysis import analyse
    from planner.ledger.patterns import classify, payment_days
    from planner.ledger.reading import KIND_CODE
    from planner.ledger.synth import generate
    from planner.ledger.warning import to_day

    g = generate(n, months=24, seed=seed).frame
    g = g[g["date"] <= as_of]
    ids, tid = np.unique(g["tenancy"].to_numpy(dtype=object), return_inverse=True)
    day = np.array([to_day(d) for d in g["date"]], dtype=np.int64)
    kind = g["kind"].map(KIND_CODE).to_numpy(dtype=np.int8)
    a = analyse(tid, ids, day, kind, g["amount_ore"].to_numpy(dtype=np.int64), np.arange(2, len(g) + 2), to_day(as_of))
    return a, classify(a.tenancies), payment_days(a, to_day(as_of))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(1, 60), as_of=st.dates(date(2025, 3, 1), date(2027, 6, 30)))
def test_the_renderer_writes_what_the_evidence_and_its_text_say(seed, n, as_of):
    from planner.ledger.output import json_line
    from planner.ledger.patterns import RULES, evidence, evidence_text, pattern_name
    from planner.ledger.render import pattern_lines
    from planner.ledger.warning import to_day

    a, pattern, days = _analysed(seed, n, as_of)
    t = a.tenancies
    shown = np.array([f'{x}"=æ' if k % 3 == 0 else str(x) for k, x in enumerate(t["tenancy"])], dtype=object)
    rent = t["rent_ore"].to_numpy()
    lines, texts = pattern_lines(a, pattern, shown, rent, days, to_day(as_of))
    docs = evidence(a, pattern, to_day(as_of))
    for k in range(len(t)):
        pk = str(pattern[k])
        base = {"tenancy": shown[k], "pattern": pk, "rule": RULES[pk], "rent_ore": int(rent[k]),
                **{c: int(t[c].iat[k]) for c in ("due_day", "arrears_ore", "trend_ore_per_month", "observed_months",
                                                 "late_months")},
                "payment_days": days.iat[k]}
        if docs[k] is not None:
            base["evidence"] = docs[k]
        assert lines[k] == json_line(base)
        want = None if docs[k] is None else (f"{shown[k]}: {pattern_name(pk)} ({RULES[pk]})\n"
                                             + evidence_text(docs[k], pk))
        assert texts[k] == want


# --------------------------------------------------------------------------- the CSV writer

_cells = st.one_of(st.integers(-10**12, 10**12), st.text(max_size=6), st.sampled_from(["", "a,b", 'si "x"', "l\nm",
                                                                                          "=1+1", " pad "]),
                   st.booleans(), st.none())


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(-10**15, 10**15), _cells, st.text(max_size=8), st.booleans()), max_size=30),
       sep=st.sampled_from([",", ";"]), header=st.booleans())
def test_the_csv_writer_writes_what_pandas_writes(rows, sep, header):
    import io

    from planner.ledger.output import to_csv

    frame = pd.DataFrame(rows, columns=["n", "mixed", "text", "flag"])
    if rows:
        frame["n"] = frame["n"].astype(np.int64)
        frame["flag"] = frame["flag"].astype(bool)
    mine, theirs = io.StringIO(), io.StringIO()
    to_csv(mine, frame, sep=sep, lineterminator="\r\n", header=header)
    frame.to_csv(theirs, sep=sep, index=False, header=header, lineterminator="\r\n")
    assert mine.getvalue() == theirs.getvalue()


_excel_values = st.one_of(st.integers(-10**13, 10**13), st.text(max_size=12), st.dates(), st.booleans(),
                          st.sampled_from(["", "2026-02-01", "２０２６-02-01", "-12,50", "=SUM(A1)", "@x", "+47 1",
                                           "\tx", "1234,50", "-0,50"]))


@settings(max_examples=60, deadline=None)
@given(values=st.lists(_excel_values, max_size=40))
def test_the_excel_cells_of_a_column_are_those_of_one_cell_at_a_time(values):
    from planner.io.excelcsv import cell, kroner
    from planner.ledger.output import cells_all, kroner_all

    assert cells_all(values) == [cell(v) for v in values]
    money = [v for v in values if type(v) in (int, str)]
    assert kroner_all(money) == [kroner(v) for v in money]
    whole = [v for v in values if type(v) is int]
    assert kroner_all(whole) == [kroner(v) for v in whole]


# --------------------------------------------------------------------------- the bostøtte flag


@settings(max_examples=60, deadline=None)
@given(rent=st.integers(0, 3_000_000), as_of=st.dates(date(2024, 1, 1), date(2026, 12, 31)))
def test_the_flag_of_a_capped_rent_is_the_flag_of_the_rent(rent, as_of):
    from planner.entitlement.ledger import _paid, income_limit_kr, ledger_flag
    from planner.entitlement.rules import entitlement_rules

    rates = entitlement_rules().statlig_at(as_of)
    flag = ledger_flag(rent, as_of)
    limit = income_limit_kr(rent, rates)
    assert (flag.flagged, flag.max_estimate_ore, flag.income_limit_ore) == (limit >= 0, _paid(rent, 0, rates),
                                                                           max(0, limit) * 100)



@settings(max_examples=60, deadline=None)
@given(rent=st.integers(0, 3_000_000), near=st.integers(-5, 250_000),
       as_of=st.dates(date(2024, 1, 1), date(2026, 12, 31)))
def test_the_income_limit_searched_from_any_start_is_the_bisections(rent, near, as_of):
    """`near` is checked, not trusted: wherever the search starts (paid or not, below or above
    the limit, outside the range), the limit is the plain bisection's."""
    from planner.entitlement.ledger import income_limit_kr
    from planner.entitlement.rules import entitlement_rules

    rates = entitlement_rules().statlig_at(as_of)
    assert income_limit_kr(rent, rates, near) == income_limit_kr(rent, rates)


@settings(max_examples=25, deadline=None)
@given(rents=st.lists(st.integers(0, 2_000_000), max_size=40), as_of=st.dates(date(2024, 1, 1), date(2026, 12, 31)))
def test_the_flags_of_a_contact_list_are_the_flags_rent_by_rent(rents, as_of):
    from planner.entitlement.ledger import ledger_flag, ledger_flags

    assert ledger_flags(rents, as_of) == {r: ledger_flag(r, as_of) for r in rents}


@settings(max_examples=200, deadline=None)
@given(tenancy=st.text(max_size=100))
def test_a_draft_file_name_is_the_id_with_every_unsafe_character_replaced(tenancy):
    """`contact.file_name` (one regular expression) against its readable definition: a
    character at a time, ASCII letters, digits and -_. kept, anything else "_", at most 80."""
    from planner.ledger.contact import file_name

    expected = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in tenancy)[:80] or "_"
    assert file_name(tenancy) == expected

"""Judging a part costs less CPU and says the same: `parallel.judge_text` (analysis, patterns,
early warning, months.csv, patterns.*, the rows of tenancies.csv and its twin) against the
ledger's code as it was before that work (`REFERENCE`, loaded from git as a package of its own).

* The parts a run cuts (captured from `run_ledger` on messy generated ledgers: bad rows, so
  incomplete tenancies; duplicated rows; rows after the as-of date; pseudonymised ids) judged by
  both: every text the same, the tenancy table the same values and types.
* `analysis.analyse`, `warning.early_warning` and `patterns.payment_days` on generated bookings (hypothesis: every kind,
  instalments, credit-only months, tenancies without a charge) against the reference's frames.

Whole runs, every file byte for byte, are compared in tests/test_ledger_speed.py.
"""

from __future__ import annotations

import importlib
import importlib.util
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
#: the commit whose ledger code is the reference (the outputs did not change since on purpose)
REFERENCE = "170bb6f"
_NAME = "planner._ledger_reference"


@pytest.fixture(scope="module")
def ref(tmp_path_factory):
    """planner/ledger of `REFERENCE`, imported as the package `planner._ledger_reference` (its
    relative imports of the rest of planner resolve to this tree's)."""
    folder = tmp_path_factory.mktemp("reference")
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", REFERENCE, "planner/ledger"], capture_output=True,
                                 check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip(f"the commit {REFERENCE} is not in this checkout (a shallow clone?)")
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    pkg = folder / "planner" / "ledger"
    spec = importlib.util.spec_from_file_location(_NAME, pkg / "__init__.py", submodule_search_locations=[str(pkg)])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[_NAME] = module
    spec.loader.exec_module(module)
    yield lambda name: importlib.import_module(f"{_NAME}.{name}")
    for name in [n for n in sys.modules if n == _NAME or n.startswith(_NAME + ".")]:
        del sys.modules[name]


def _captured(tmp_path: Path, seed: int, n: int, key: bytes | None, **opts) -> tuple[list[dict], object]:
    """The parts (and the context) `run_ledger` judges on a messy generated ledger."""
    from test_ledger_speed import _messy

    from planner.ledger import run
    from planner.ledger.summary import LedgerOptions

    ledger = tmp_path / "reskontro.csv"
    _messy(ledger, seed, n, norwegian=False)
    parts: list[dict] = []
    seen: dict = {}
    real = run.judge_all

    def capture(it, ctx, helper):
        seen["ctx"] = ctx

        def kept():
            for cols in it:
                parts.append(cols)
                yield cols
        return real(kept(), ctx, helper)

    o = LedgerOptions(out=tmp_path / "out", as_of=date(2026, 12, 20), key=key, **opts)
    run.judge_all = capture
    try:
        run.run_ledger(ledger, o)
    finally:
        run.judge_all = real
    return parts, seen["ctx"]


@pytest.mark.parametrize(("seed", "n", "key", "opts"), [
    (27, 500, None, {"bucket_rows": 4000, "part_rows": 1500, "chunk_rows": 5000, "workers": 1}),
    (8, 300, b"n\xc3\xb8kkel", {"part_rows": 2500, "workers": 1}),
])
def test_a_part_is_judged_as_the_reference_judged_it(tmp_path: Path, ref, seed, n, key, opts):
    parts, ctx = _captured(tmp_path, seed, n, key, **opts)
    assert len(parts) > 1
    old_ctx = ref("parallel").Context(**{f: getattr(ctx, f) for f in ("name", "as_of", "key", "incomplete")},
                                      lines=True)
    assert ctx.incomplete  # bad rows made some tenancies incomplete
    new_ctx = type(ctx)(**{f: getattr(ctx, f) for f in ("name", "as_of", "key", "incomplete")}, lines=True)
    dups = 0
    for cols in parts:
        new, old = judge_text_of(cols, new_ctx), ref("parallel").judge_text(cols, old_ctx)
        # (the texts now UTF-8 bytes, as the files hold them; the reference's were str)
        assert (new.months, new.json, new.text) == tuple(x.encode("utf-8") for x in (old.months, old.json, old.text))
        assert new.lines == old.lines
        assert (new.raw, new.after, new.dup_errors) == (old.raw, old.after, old.dup_errors)
        dups += len(new.dup_errors)
        if old.table is None:
            assert new.table is None
        else:  # and the contact list's words (the reference worked them out later, in contact_list)
            from planner.ledger.contact import words

            added = ["x_why", "x_unused", "x_limit"]
            pd.testing.assert_frame_equal(new.table.drop(columns=added), old.table)
            pd.testing.assert_frame_equal(new.table, words(old.table, ctx.as_of))
    assert dups  # the duplicated rows were among them


def judge_text_of(cols: dict, ctx):
    from planner.ledger.parallel import judge_text

    return judge_text(cols, ctx)


_KINDS = ("charge", "payment", "reversal", "returned", "credit", "instalment")


@st.composite
def _bookings(draw):
    """Bookings of a few tenancies over two years: monthly charges (some missing, some credit
    only), payments of every size around them, and the rest of the kinds here and there."""
    from planner.ledger.reading import KIND_CODE

    rows = []
    for t in range(draw(st.integers(1, 6))):
        rent = draw(st.integers(1, 40)) * 25_000
        for mo in range(draw(st.integers(0, 24))):
            base = mo * 30 + draw(st.integers(0, 3))
            if draw(st.integers(0, 9)):
                rows.append((t, base, "charge", rent))
            for _ in range(draw(st.integers(0, 3))):
                rows.append((t, base + draw(st.integers(-5, 40)), draw(st.sampled_from(_KINDS)),
                             draw(st.sampled_from([rent, rent // 2, rent * 2, 50_000, 1]))))
    if not rows or draw(st.booleans()):  # (and a tenancy with a payment only, after the others)
        rows.append((draw(st.integers(0, 7)), draw(st.integers(0, 700)), "payment", 100))
    t, d, k, a = (np.array(x) for x in zip(*rows))
    return t, d + 20_000, np.array([KIND_CODE[x] for x in k], np.int8), a.astype(np.int64)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_bookings(), st.integers(20_000, 20_800))
def test_the_analysis_and_early_warning_are_the_reference_s(ref, b, as_of):
    from planner.ledger.analysis import analyse
    from planner.ledger.patterns import classify, payment_days
    from planner.ledger.warning import early_warning

    tid, day, kind, amount = b
    keep = day <= as_of
    if not keep.any():
        return
    ids = np.array([f"L{x:03d}" for x in range(int(tid.max()) + 1)], dtype=object)
    args = (tid[keep], ids, day[keep], kind[keep], amount[keep], np.arange(2, 2 + int(keep.sum())), as_of)
    new, old = analyse(*args), ref("analysis").analyse(*args)
    for f in ("tenancies", "months", "payments", "instalments", "returned"):
        pd.testing.assert_frame_equal(getattr(new, f), getattr(old, f), obj=f)
    pattern = classify(new.tenancies)
    assert (pattern == ref("patterns").classify(old.tenancies)).all()
    pd.testing.assert_frame_equal(early_warning(new, pattern, as_of), ref("warning").early_warning(old, pattern, as_of))
    assert payment_days(new, as_of).tolist() == ref("patterns").payment_days(old, as_of).tolist()


@settings(max_examples=30, deadline=None)
@given(st.integers(-30_000, 60_000), st.integers(0, 3_000), st.integers(0, 5_000), st.integers(0, 2**32 - 1))
def test_the_month_of_many_days_is_numpy_s_calendar(lo, span, n, seed):
    from planner.ledger.analysis import month_of

    day = np.random.default_rng(seed).integers(lo, lo + span + 1, n)
    assert (month_of(day) == day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(19_000, 21_000), st.integers(0, 6), st.integers(0, 40)),
                max_size=80), st.booleans())
def test_the_bookings_order_is_lexsort_s(rows, in_row_order):
    from planner.ledger.analysis import _booking_order

    if in_row_order:
        rows = sorted(rows, key=lambda r: r[3])
    tid, day, kind, row = (np.array(x, dtype=np.int64).reshape(-1) for x in (zip(*rows) if rows else ([],) * 4))
    kind = kind.astype(np.int8)
    assert (_booking_order(tid, day, kind, row) == np.lexsort((row, kind, day, tid))).all()

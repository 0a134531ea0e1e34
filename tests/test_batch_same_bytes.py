"""The batch's outputs keep their bytes while its insides change (typed rows, faster routes).

2 000 households of the benchmark's mix (bench/batch.py, seed 2026), checked only, as of
2026-01-01: results.csv, results-excel.csv, results.xlsx, errors.csv, errors-excel.csv and
summary.txt must be byte for byte what main wrote at c54fc4c, before the batch's rows were
typed and its eviction route shortened. The digests below are those files' SHA-256 as that
commit wrote them (`python -m planner batch tenants.csv payouts.csv --check-only --as-of
2026-01-01`). A change meant to change an output updates them, and says so in its commit.
"""

from __future__ import annotations

import hashlib
import sys
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: SHA-256 of each output at c54fc4c (see the module docstring)
BEFORE = {
    "results.csv": "5fd501808c83dfc02d0c284701a5b9385aaee4a7d09f57ba34d06f97f7ec089d",
    "results-excel.csv": "2b225d55e242cf9d5d7e1406df42148c160789dc4f7bc0c7dce669d556d9ce03",
    "results.xlsx": "8f24e972dfc4475c4ae1aee1a7032c4b219040cba78a8184f767da1a2de165e8",
    "errors.csv": "10c339937801ac10599ff021571f633318b57dcaf7f78ca18614b36150611483",
    "errors-excel.csv": "f76375ad576adf4179d3f9178df03a0133fe5fdd159ebb8d53027cf863bbc80c",
    "summary.txt": "a021b7cc94a78f684d4dcf0f5034c63cd431ab2f757b7e18428c62db05e68eef",
}


@pytest.mark.slow
def test_2000_households_give_the_same_bytes_as_before(tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from batch import write_tables
    finally:
        sys.path.remove(str(ROOT / "bench"))
    from planner.batch import BatchOptions, run_batch

    t, p = write_tables(tmp_path / "in", 2000, seed=2026)
    out = tmp_path / "out"
    run_batch([str(t), str(p)], BatchOptions(out=out, engine="inline", check_only=True, progress=False,
                                             as_of=date(2026, 1, 1)), echo=lambda s: None)
    got = {name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in BEFORE}
    assert got == BEFORE

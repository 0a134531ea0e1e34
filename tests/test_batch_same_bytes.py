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

#: SHA-256 of each output at c54fc4c (see the module docstring), updated once on purpose: the
#: June 2025 bostøtte rules (FOR-2025-05-27-902) changed the columns bostotte_estimate_ore,
#: bostotte_ikke_sokt and the priority's bostøtte part; every other column is as c54fc4c wrote it
#: (compared column by column at the merge)
BEFORE = {
    "results.csv": "0b97030968ae92d271675fff7e8f16b473df3e4adcab052ff3494654756fa400",
    "results-excel.csv": "e92edebb21e3b913dc4b69f15a986898458ee89a31a4f9eaed99f475c0087228",
    "results.xlsx": "e6edb779def6edba7ee3c67af497bb3358ca3ac990ca59953b23edb107ddf4cb",
    "errors.csv": "10c339937801ac10599ff021571f633318b57dcaf7f78ca18614b36150611483",
    "errors-excel.csv": "f76375ad576adf4179d3f9178df03a0133fe5fdd159ebb8d53027cf863bbc80c",
    "summary.txt": "1b0cae6d42b6723237331aada673017e4ec33608ca84b549a31ba49fe15ff636",
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

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

#: SHA-256 of each output at c54fc4c (see the module docstring), updated twice on purpose: the
#: June 2025 bostøtte rules (FOR-2025-05-27-902), then a single alderspensjonist's own § 4
#: thresholds, changed the columns bostotte_estimate_ore, bostotte_ikke_sokt and the priority's
#: bostøtte part (and so the priority); every other column is as c54fc4c wrote it (compared
#: column by column, by id)
BEFORE = {
    "results.csv": "ebe1d95100f4b36d0da30d488200159ff39b364200308cf6a9add47824dcd198",
    "results-excel.csv": "e393d1a7c0b6f28be65806c31b44f624342044d5c78b0c2ed5d739856b25f37e",
    "results.xlsx": "b20f569927f22e90b13b53ae40dfce4ccd0c36bae555a9d8e24c753fa076a56f",
    "errors.csv": "10c339937801ac10599ff021571f633318b57dcaf7f78ca18614b36150611483",
    "errors-excel.csv": "f76375ad576adf4179d3f9178df03a0133fe5fdd159ebb8d53027cf863bbc80c",
    "summary.txt": "a557e6a14046bcbe7d5ae0f4e20a4d95549503219432a722e3838e4d67edcd7e",
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

"""bench/compare_plans.py: its generated households are valid and the same for a seed, and
`compare` finds a changed byte and a missing plan."""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path

from planner.model import Household

_spec = importlib.util.spec_from_file_location(
    "compare_plans", Path(__file__).resolve().parent.parent / "bench" / "compare_plans.py")
compare_plans = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compare_plans)


def test_the_200_generated_households_are_valid_files_and_the_same_for_a_seed():
    a = [compare_plans.household(random.Random(10), i) for i in range(3)]
    rng, rng2 = random.Random(10), random.Random(10)
    docs = [compare_plans.household(rng, i) for i in range(200)]
    assert [compare_plans.household(rng2, i) for i in range(200)] == docs
    assert docs[0] == a[0]
    for doc in docs:  # as JSON files say it: dates as text, kroner as JSON numbers
        Household.model_validate(json.loads(json.dumps(doc)))
    kinds = {s["kind"] for d in docs for s in d["income"]}
    assert {"aap", "bostotte", "uforetrygd", "lonn"} <= kinds
    assert any("exceptions" in s for d in docs for s in d["income"])
    assert any(d["min_balance"] != 0 for d in docs)
    assert any("name" in d["expense"][0] for d in docs)


def test_compare_finds_a_changed_byte_and_a_missing_plan(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    for d in (a, b):
        (d / "x.json").write_text('{"status": "planned"}\n', encoding="utf-8")
        (d / "y.json").write_text('{"cost": 3}\n', encoding="utf-8")
    assert compare_plans.compare(a, b) == 0
    (b / "y.json").write_text('{"cost": 4}\n', encoding="utf-8")
    assert compare_plans.compare(a, b) == 1
    assert "differs: y.json" in capsys.readouterr().out
    (b / "y.json").write_text('{"cost": 3}\n', encoding="utf-8")
    (b / "x.json").unlink()
    assert compare_plans.compare(a, b) == 1
    assert f"only in {a}: x.json" in capsys.readouterr().out

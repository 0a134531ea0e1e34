"""The plan contract's one source: the pydantic models of `planner/io/plan_contract.py`.

Both schema files are the models' generated schema, byte for byte; the program's plans pass
both the schema and the models; and the documents the schema refuses, the models refuse too."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from planner.asof import align
from planner.assessment import plan_explained
from planner.io.household import read_household
from planner.io.plan_contract import SCHEMA_FILES, main, plan_schema, schema_text, validate_plan
from planner.io.plan_schema import plan_problem

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_each_schema_file_is_the_generated_schema(path):
    """Edit the models, then `python -m planner.io.plan_contract`: never the files by hand."""
    assert path.read_text(encoding="utf-8") == schema_text(), \
        f"{path.relative_to(ROOT)} is stale: run python -m planner.io.plan_contract"


def test_the_check_mode_agrees_and_generation_is_deterministic(capsys):
    assert main(["--check"]) == 0 and capsys.readouterr().out == ""
    assert schema_text() == schema_text()
    schema = plan_schema()
    assert schema["$id"] == schema["properties"]["format"]["const"] == "planner.plan/1"
    assert "$defs" not in schema_text() and '"title": "planner plan (format planner.plan/1)"' in schema_text()


@pytest.fixture(scope="module")
def plans() -> dict[str, dict]:
    """Each bundled scenario's plan document (alternatives included), as of a fixed day."""
    out = {}
    for path in SCENARIOS:
        h = read_household(path)
        as_of = max(h.start, date(2026, 1, 1)) if h.start.year >= 2026 else None
        aligned = align(h, as_of)
        out[path.stem] = plan_explained(aligned.household, as_of=as_of, horizon_note=aligned.note,
                                        time_limit_s=5.0).to_json()
    return out


def test_every_bundled_scenario_plan_passes_the_schema_and_the_models(plans):
    assert len(plans) == len(SCENARIOS) >= 5
    for name, doc in plans.items():
        assert plan_problem(doc) is None, (name, plan_problem(doc))
        model = validate_plan(doc)
        assert model.household == doc["household"] and len(model.transactions) == len(doc["transactions"])


def _broken(doc: dict) -> list[tuple[str, dict]]:
    """Ways to break a valid plan, each refused by the hand-written schema before it was generated."""
    out = []

    def variant(why: str, change) -> None:
        d = copy.deepcopy(doc)
        if change(d) is not False:
            out.append((why, d))

    variant("amount is text", lambda d: d.update(min_balance_ore="abc"))
    variant("unknown format", lambda d: d.update(format="planner.plan/2"))
    variant("empty household", lambda d: d.update(household=""))
    variant("unknown status", lambda d: d.update(status="ok"))
    variant("missing transactions", lambda d: d.pop("transactions"))
    variant("negative cost", lambda d: d.update(cost=-1))
    variant("nested alternatives", lambda d: d.update(alternatives=[{**copy.deepcopy(doc), "alternatives": []}]))
    variant("husleie without rent_month",
            lambda d: [t.pop("rent_month", None) for t in d["transactions"] if t["kind"] == "husleie"] or False)
    variant("bad account", lambda d: d["transactions"][0].update(account="bank") if d["transactions"] else False)
    variant("extra stream field", lambda d: d["streams"][0].update(x=1) if d.get("streams") else False)

    def zero_lever_amount(d: dict) -> bool:
        for i in d["interventions"]:
            if isinstance(i["params"].get("amount_ore"), int):
                i["params"]["amount_ore"] = 0
                return True
        return False

    variant("an intervention of 0 kr", zero_lever_amount)
    variant("unknown lever", lambda d: d["interventions"][0].update(lever="magic") if d["interventions"] else False)
    return out


def test_what_the_schema_refuses_the_models_refuse(plans):
    seen = set()
    for doc in plans.values():
        for why, bad in _broken(doc):
            seen.add(why)
            assert plan_problem(bad) is not None, why
            with pytest.raises(ValidationError):
                validate_plan(bad)
    assert {"an intervention of 0 kr", "husleie without rent_month", "nested alternatives"} <= seen

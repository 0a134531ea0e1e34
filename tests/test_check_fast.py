"""`planner check`'s fast routes give what the plain ones give: the bulk eviction projection
(no projection where no arrears can arise, the series vectorised) and the orjson writer."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.cashflow import diagnose_many
from planner.cli import main
from planner.eviction import has_problem, project_household, project_households
from planner.io.jsonout import dumps_indented
from planner.model import Arrears
from tests.strategies import examples, households

SCENARIOS = sorted(Path(__file__).resolve().parent.parent.joinpath("scenarios").glob("*.toml"))


def _with_arrears(h, arrears: int, since_days: int):
    if not arrears:
        return h
    return h.model_copy(update={"arrears": Arrears(amount=arrears, since=h.start + timedelta(days=since_days))})


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(households(max_months=12), st.sampled_from([0, 0, 0, 150_000]), st.integers(-60, 60)),
                min_size=1, max_size=6),
       st.booleans())
def test_bulk_projection_equals_one_projection_per_household(drawn, same_day_credit):
    """Skipping the projection where no arrears can arise, and taking the series from the
    vectorised engine, changes no projection: each equals `project_household`'s own."""
    hs = [_with_arrears(h, a, d) for h, a, d in drawn]
    diagnoses = diagnose_many(hs, same_day_credit)
    assert project_households(hs, diagnoses, same_day_credit) == [project_household(h, same_day_credit) for h in hs]


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(households(max_months=12), st.booleans())
def test_no_arrears_where_the_balance_never_goes_below_zero(h, same_day_credit):
    """The skip's premise, checked against the full projection: without existing arrears, a
    diagnosed lowest balance at or above zero means "no arrears"."""
    [dg] = diagnose_many([h], same_day_credit)
    if dg.min_balance_ore >= 0:
        full = project_household(h, same_day_credit)
        assert full.status == "no arrears" and full.unpaid_rents == ()


@pytest.mark.parametrize("doc", [
    {"a": [], "b": {}, "c": [1, {"x": "æøå \u2028 \"q\" \\ \n"}], "d": None, "e": True, "f": -(2**63)},
    [],
    {},
    [2**70, 3],  # past 64 bits: orjson refuses, json writes it
    {"x": 1.5e-05, "y": 1e16},  # floats: orjson writes them otherwise, so json does
    {1: "non-str key"},
    ("tuple", ["in", ("tuple",)]),
])
def test_json_writer_equals_json_dumps(doc):
    assert dumps_indented(doc) == json.dumps(doc, ensure_ascii=False, indent=2)


@settings(max_examples=examples(20), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(households(max_months=12), min_size=1, max_size=4))
def test_json_writer_equals_json_dumps_on_check_documents(hs):
    diagnoses = diagnose_many(hs)
    docs = [{"baseline": dg.to_json(), "if_nothing_done": project_household(h).to_json() if has_problem(h, dg) else None}
            for h, dg in zip(hs, diagnoses)]
    assert dumps_indented(docs) == json.dumps(docs, ensure_ascii=False, indent=2)


@pytest.mark.parametrize("same_day_credit", [[], ["--same-day-credit"]])
@pytest.mark.parametrize("fmt", ["json", "text"])
def test_check_output_of_every_scenario_as_the_plain_route_writes_it(fmt, same_day_credit):
    """`planner check` on every bundled scenario at once writes what the plain route writes:
    one `project_household` per household with a problem, `json.dumps(indent=2)`."""
    from planner.io.household import read_household
    from planner.report import diagnosis_text

    r = CliRunner().invoke(main, ["check", "--format", fmt, *same_day_credit, *map(str, SCENARIOS)])
    assert r.exit_code == 0, r.output
    sdc = bool(same_day_credit)
    hs = [read_household(p) for p in SCENARIOS]
    hs = [h.household if hasattr(h, "household") else h for h in hs]
    from planner.asof import align

    hs = [align(h, h.as_of, False).household for h in hs]
    dgs = diagnose_many(hs, sdc)
    prs = [project_household(h, sdc) if has_problem(h, dg) else None for h, dg in zip(hs, dgs)]
    if fmt == "json":
        docs = [{"format": "planner.check/1", "household": h.id, "as_of": h.as_of.isoformat() if h.as_of else None,
                 "horizon": {"start": h.start.isoformat(), "end": h.end.isoformat()}, "baseline": dg.to_json(),
                 "if_nothing_done": None if pr is None else pr.to_json()} for h, dg, pr in zip(hs, dgs, prs)]
        want = json.dumps(docs, ensure_ascii=False, indent=2) + "\n"
    else:
        want = "\n\n".join(diagnosis_text(h, dg, pr) for h, dg, pr in zip(hs, dgs, prs)) + "\n"
    assert r.stdout == want

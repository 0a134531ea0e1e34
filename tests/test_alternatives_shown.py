"""The household page shows only alternatives that ask for something else than the plan; an
alternative with the same interventions is named, not shown as a second identical column."""

import dataclasses
from pathlib import Path

from planner.assessment import plan_explained
from planner.io.household import read_household
from planner.web.core import WEB_ALTERNATIVES
from planner.web.routes.households import distinct_alternatives

SEED = Path(__file__).resolve().parent.parent / "scenarios" / "enslig-mor-2006.toml"


def test_an_alternative_equal_to_the_plan_is_named_not_shown():
    h = read_household(SEED)
    p = plan_explained(h, as_of=h.as_of, alternatives=WEB_ALTERNATIVES)
    assert p.alternatives
    twin = dataclasses.replace(p, criterion="least_late", alternatives=())
    other = p.alternatives[0]
    shown, same = distinct_alternatives(dataclasses.replace(p, alternatives=(twin, other, other)))
    keys = {tuple((i.lever, str(i.params)) for i in x.interventions) for x in (p, *shown.alternatives)}
    assert len(keys) == 1 + len(shown.alternatives)  # every column differs from the others
    assert shown.alternatives == (other,) if other.interventions != p.interventions else shown.alternatives == ()
    assert same[0] == "Husleien minst forsinket"

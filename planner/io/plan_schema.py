"""The one check of the plan contract (`docs/plan.schema.json`, shipped in the package as
`planner/data/plan.schema.json`; both generated from the models of `planner.io.plan_contract`).

Every plan the planner writes goes through `check_plan` first: `planner plan`, `planner
batch` (`plans/ID.json`) and the web page (its plan, `plan.json` and the stored copy), and the
web import checks a batch's plans with `plan_problem`. Why one function for all: a plan that
fails the schema is one the planner must not hand out (issue 21: a repayment agreement of
0 kr reached a landlord letter), and a check written twice drifts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

#: where the contract is documented; messages name it so a reader can look the field up
SCHEMA_NAME = "docs/plan.schema.json"


@lru_cache(maxsize=1)
def _validator() -> Any:
    """The schema's validator, built once per process (the schema is ~20 kB of JSON)."""
    import jsonschema

    schema = json.loads(resources.files("planner").joinpath("data/plan.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


@dataclass(frozen=True)
class SchemaProblem:
    """Where a document breaks the contract (`interventions[0].params.amount_ore`; "" for the
    document itself) and why, in jsonschema's words (cut at 200 characters)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or 'planen'}: {self.message}"


def schema_problem(doc: object) -> SchemaProblem | None:
    """The most relevant way `doc` fails the plan schema, or None when it is a valid plan."""
    from jsonschema.exceptions import best_match

    err = best_match(_validator().iter_errors(doc))
    if err is None:
        return None
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.absolute_path).lstrip(".")
    message = err.message if len(err.message) <= 200 else err.message[:200] + "…"
    return SchemaProblem(where, message)


def plan_problem(doc: object) -> str | None:
    """Why `doc` is not a `planner.plan/1` plan by the schema (field path and reason), or None."""
    problem = schema_problem(doc)
    return None if problem is None else str(problem)


class InvalidPlan(ValueError):
    """A plan the planner made fails the plan schema: a bug to report, never a plan to show."""

    def __init__(self, household: str, problem: SchemaProblem):
        self.household = household
        self.problem = problem
        super().__init__(f"{household}: the plan fails {SCHEMA_NAME} at {problem.path or '(the plan)'}: "
                         f"{problem.message}")


def check_plan(doc: dict) -> dict:
    """`doc` (a plan's `to_json()`) unchanged if it is a valid plan; `InvalidPlan` if not."""
    problem = schema_problem(doc)
    if problem is not None:
        raise InvalidPlan(str(doc.get("household", "?")) if isinstance(doc, dict) else "?", problem)
    return doc

"""The lever modules: `planner.levers.<key>` for every lever of the data file, each defining
`LEVER`, its `LeverRule`."""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import TYPE_CHECKING

from ..model import LEVERS

if TYPE_CHECKING:
    from .base import LeverRule

PACKAGE = "planner.levers"


@lru_cache(maxsize=1)
def rules() -> dict[str, LeverRule]:
    """Each lever's rule, in the catalogue's order: the module `planner.levers.<key>` of every
    lever in the data file (a lever without a module fails here, not in a plan)."""
    out: dict[str, LeverRule] = {}
    for key in LEVERS:
        rule: LeverRule = importlib.import_module(f"{PACKAGE}.{key}").LEVER
        if rule.key != key:
            raise RuntimeError(f"planner/levers/{key}.py defines the lever {rule.key!r}")
        out[key] = rule
    return out

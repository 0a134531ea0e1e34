"""The levers: the catalogue (`catalogue`), a household's permissions (`resolve`), and one
module per lever (`planner/levers/<key>.py`) with everything the solver and the texts need
about it. The list of levers is `data/levers.toml`; `rules()` loads the module of each."""

from __future__ import annotations

import importlib
from functools import lru_cache

from ..model import LEVERS
from .base import LeverRule
from .catalogue import (
    Lever,
    LeverConfig,
    LeverError,
    catalogue,
    check_names,
    nav_requested_kinds,
    nav_requests,
    resolve,
)

__all__ = ["LEVERS", "Lever", "LeverConfig", "LeverError", "LeverRule", "catalogue", "check_names",
           "nav_requested_kinds", "nav_requests", "resolve", "rules"]


@lru_cache(maxsize=1)
def rules() -> dict[str, LeverRule]:
    """Each lever's rule, in the catalogue's order: the module `planner.levers.<key>` of every
    lever in the data file (a lever without a module fails here, not in a plan)."""
    out: dict[str, LeverRule] = {}
    for key in LEVERS:
        rule = importlib.import_module(f"{__name__}.{key}").LEVER
        if rule.key != key:
            raise RuntimeError(f"planner/levers/{key}.py defines the lever {rule.key!r}")
        out[key] = rule
    return out

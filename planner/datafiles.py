"""The data files in planner/data (dated values, catalogues, lead times): read in one place, once.

Every reader of `levers.toml` (the lever list in `planner.model`, the catalogue and the lead
times in `planner.levers`) gets the same parsed table from here; callers must not change it."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=None)
def load(name: str) -> dict[str, Any]:
    """The parsed TOML file `planner/data/<name>` (cached: the files do not change in a run)."""
    with resources.files("planner.data").joinpath(name).open("rb") as fh:
        return tomllib.load(fh)


def levers() -> dict[str, Any]:
    """`data/levers.toml`: the lever catalogue, its defaults and the lead times."""
    return load("levers.toml")

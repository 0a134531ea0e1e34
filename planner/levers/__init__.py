"""The levers: the catalogue (`catalogue`), a household's permissions (`resolve`), and one
module per lever (`planner/levers/<key>.py`) with everything the solver and the texts need
about it. The list of levers is `data/levers.toml`; `rules()` loads the module of each, and each
module declares its household settings (`Setting`, `planner.levers.settings`)."""

from __future__ import annotations

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
from .registry import rules
from .setting import Setting

__all__ = ["LEVERS", "Lever", "LeverConfig", "LeverError", "LeverRule", "catalogue", "check_names",
           "nav_requested_kinds", "nav_requests", "resolve", "rules", "Setting"]


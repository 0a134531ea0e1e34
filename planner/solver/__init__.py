"""The planner's solver: `plan(household)` finds the cheapest interventions that keep the
tenant's account at or above the floor every day. Parts: `setup` (flows as day offsets),
`chain` (the CP-SAT model), `phases` (solving), `decode` (reading back and re-checking),
`engine` (the entry point)."""

from ..levers.bostotte_to_landlord import bostotte_month
from .decode import verify
from .engine import DEFAULT_BUFFER_TARGET_ORE, DEFAULT_SHORTFALL_TIME_LIMIT_S, DEFAULT_TIME_LIMIT_S, plan
from .phases import WALL_FACTOR, SolverTimeout, Tuning
from .robust import PlanVerificationError

__all__ = ["DEFAULT_BUFFER_TARGET_ORE", "DEFAULT_SHORTFALL_TIME_LIMIT_S", "DEFAULT_TIME_LIMIT_S",
           "PlanVerificationError", "SolverTimeout", "Tuning", "WALL_FACTOR", "bostotte_month", "plan", "verify"]

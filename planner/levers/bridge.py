"""The bridge: a one-time sum that covers the dip no lever can reach in time.

Before each lever's first effective date the current schedule runs; a dip there is covered by
the cheapest source whose money arrives by the first day it is needed (`[lead.bridge.*]` in
`data/levers.toml`, each with its lead time, cost and source): an ordinary one-time grant from
sosialtjenesten (about three weeks), emergency help (two bank days), or, when no one else can
pay in time, the tenant's own money. It generalises the old "opening buffer" and keeps its
name in the plan contract (`opening_buffer`), with the source and the day it is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from ..cashflow import delayed, simulate
from ..datafiles import levers as lever_data
from ..model import Intervention
from ..results import LeverParams
from .base import Setup
from .lead import before


@dataclass(frozen=True)
class OpeningBufferParams(LeverParams):
    """The one-time sum, who pays it (a key of `ACTORS`) and the first day it is needed."""

    amount_ore: int
    source: str
    needed_by: date


#: Who acts for each source of the one-time sum.
ACTORS = {"own_money": ("tenant",), "sosial_engangs": ("sosialtjenesten",), "sosial_nodhjelp": ("sosialtjenesten",)}


def needed_by(s: Setup) -> date:
    """The first day the current schedule's balance falls below the floor, with each payout at
    its latest in a robust plan (a late AAP payout makes the dip, and the need, come earlier)."""
    series = simulate(delayed(s.baseline, s.h, s.late), s.h.start, s.h.end,
                      s.opening).solvency_series(s.same_day_credit)
    below = np.nonzero(series < s.floor)[0]
    return s.day(int(below[0]) if len(below) else 0)


def source(s: Setup, need: date) -> str:
    """The cheapest source whose money arrives by `need` (the tenant's own money otherwise)."""
    if s.timing.instant:
        return "sosial_engangs"
    # money paid on the day of need comes after that day's debits (design.md), unless the
    # household counts same-day credits
    def in_time(k: str) -> bool:
        arrives = s.lead(f"bridge.{k}").confirmed(s.timing.as_of)
        return arrives <= need if s.same_day_credit else arrives < need

    ok = [k for k in ACTORS if in_time(k)]
    return min(ok or ["own_money"], key=lambda k: (int(s.lead(f"bridge.{k}").extra.get("cost", 9)), k))


def bridge_intervention(s: Setup, amount: int) -> Intervention:
    """The one-time sum `amount` as an intervention with its source and dates: needed on the
    first day of the dip, to be asked for by its lead time before that."""
    need = needed_by(s)
    src = source(s, need)
    lead = s.lead(f"bridge.{src}")
    # asked so the money is there the day before it is needed (a day's debits come first)
    latest = before(need, lead.decide_days, lead.decide_unit) - timedelta(days=0 if s.same_day_credit else 1)
    request_by = s.timing.as_of if s.timing.instant else max(s.timing.as_of, latest)
    return Intervention("opening_buffer", ACTORS[src], 0, OpeningBufferParams(amount_ore=amount, source=src, needed_by=need),
                        effective_from=need, request_by=request_by)


#: Each source in Norwegian (the data's `name_nb`).
def source_nb(src: str) -> str:

    return str(lever_data()["lead"]["bridge"].get(src, {}).get("name_nb", src))

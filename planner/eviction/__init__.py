"""What happens if nothing is done: the eviction (fravikelse) process projected forward.

A caseworker deciding whether to act needs three facts the balance alone does not show: by
when an eviction request (begjæring om fravikelse) would reach the enforcement officer (the
batch ranks tenants by it), when the lock would be changed, and what sum paid before then
stops it (the cure amount: arrears + rent fallen due since + interest + costs; tvfbl. and
politiet.no, see shared/docs/domain.md §5). This module projects those for a household that
is not helped, and for an explicit claim (the seed report's worked example).

Steps, delays, fees, the rettsgebyr R, the interest rate and the reminder and collection fees
live in `data/eviction.toml` with their sources; this module only reads and applies them.
Everything here is a pure function: a household or a claim in, an `EvictionProjection` out.

The arrears model (deliberately simple, and said in the output):

* The rent is debited (AvtaleGiro) on its effective date. If the tenant account's balance after
  that day's debits (before its credits, as everywhere in the planner; `same_day_credit=True`
  counts the day's credits) is below zero, the account cannot cover the whole rent, and an
  AvtaleGiro debit without full cover fails whole, never in part (domain.md §8): the whole rent
  of that debit becomes arrears. The cover line is zero, not the household's `min_balance`: the
  bank pays while there is money, whatever buffer the plan aims at.
* The unpaid rent stays on the account (it was never debited), so the next month's rent sees
  it. Arrears are paid only by the settle rule (a notice's claim the account can pay by its
  deadline); otherwise a later surplus is spent, not sent to the landlord.
* Existing `arrears` in the household file are owed from their `since` date, or the horizon
  start when it is not given, and start the clock there.
* The first unpaid due date (the lease's nominal due date, as the seed report counts: its
  "rent due 01.01" was a Sunday) starts the clock. Each later step follows by the data's
  delays, never sooner than the law's minimum gaps. Dates are nominal, not moved to bank days.
* A rent is owed from its nominal due date; forsinkelsesrente runs on it from its effective
  debit date (a due date on a holiday may be paid on the next bank day without interest),
  simple interest, actual days / 365, on rent only (not on fees), summed exactly and rounded
  half up to øre once per figure.
* After the lock is changed no more rent falls due to this landlord, so rent due after the
  eviction date is not counted. When the eviction date lies beyond the household's horizon,
  the schedule is continued as it stands (the horizon is extended) to see which later rents fail.
* The cure amount is the claim on the eviction date without that step's own costs: the
  carrying-out fee (the rest of 2.6 R) and the costs of the lock change fall only if the eviction
  is carried out, and paying before the lock is changed stops it.

Parts: `rules` (the data), `results` (what a projection finds), `timeline` (dates, fees,
interest, the arrears model), `process` (one process from a due date: steps, claim, a notice
paid; a claim's and a profile's example), `projection` (a household's processes),
`bulk` (the check-only batch's request dates of many households at once), `text` (the
Norwegian text).
"""

from .process import project_claim, project_profile
from .projection import (
    MAX_PROCESSES,
    ShortSeries,
    has_problem,
    project_household,
    project_households,
    projection_months,
    projection_series,
    reach_rows,
    request_date,
)
from .results import CostLine, EvictionProjection, FeesUsed, Settlement, Step, UnpaidRent
from .rules import (
    COST_BASES,
    COURT_FEES,
    EVICTION_STEP,
    FORMAT,
    REQUEST_STEP,
    ROUNDINGS,
    STATUSES,
    DatedValue,
    EvictionRules,
    Parameter,
    Profile,
    eviction_rules,
    parse_rules,
)
from .text import projection_text
from .timeline import (
    court_fees,
    first_unpaid_due,
    process_start,
    rent_occurrences,
    rent_offsets,
    step_dates,
    unpaid_rents,
)

__all__ = [
    "COST_BASES", "COURT_FEES", "EVICTION_STEP", "FORMAT", "MAX_PROCESSES", "REQUEST_STEP", "ROUNDINGS", "STATUSES",
    "CostLine", "DatedValue", "EvictionProjection", "EvictionRules", "FeesUsed", "Parameter", "Profile", "Settlement",
    "Step", "UnpaidRent", "court_fees", "eviction_rules", "has_problem", "first_unpaid_due", "rent_occurrences", "rent_offsets", "process_start", "parse_rules", "project_claim", "project_household", "project_households",
    "ShortSeries", "project_profile", "projection_months", "projection_series", "projection_text", "reach_rows", "request_date", "step_dates", "unpaid_rents",
]

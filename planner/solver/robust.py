"""Plans that hold when a payout is late (issue 14), as one constraint group of the solver.

Each income stream may come up to `late_days` bank days after its expected day
(`benefits.toml`, or the household's own figure per stream), each payout independently of the
others. Why one check covers every combination of delays: a payout only ever adds money to the
tenant's account (a husleietrekk or a transfer to the landlord is taken out of the payout
itself and moves with it, so what the tenant receives from a payout is never negative), and no
debit depends on when a payout comes. So on every day the balance is lowest when every payout
that may come late comes at its latest; a plan whose balance holds in that one case holds in all
of them. The model therefore counts each payout on its latest day (`Setup.arrive`, used by
`Build.payout` and the fixed flows), and `verify_late` re-simulates that case from the plan's
own transactions.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import numpy as np

from ..cashflow import delayed, simulate
from ..model import Household, Transaction


class PlanVerificationError(RuntimeError):
    """The independent simulation disagrees with the solver: a bug, never shown as a plan."""


def late_days(h: Household, on_time: bool = False) -> dict[str, int]:
    """Bank days each income stream may come late (0 for all when planning `on_time`)."""
    return {inc.stream: (0 if on_time else inc.late) for inc in h.income}


def worst_series(h: Household, txs: Iterable[Transaction], opening: int, late: dict[str, int],
                 same_day_credit: bool = False) -> np.ndarray:
    """Each day's balance (as the solvency check counts it) with every payout at its latest."""
    return simulate(delayed(txs, h, late), h.start, h.end, opening).solvency_series(same_day_credit)


def verify_late(h: Household, txs: Iterable[Transaction], opening: int, late: dict[str, int],
                same_day_credit: bool = False) -> np.ndarray:
    """Raise if the balance goes below the floor when every payout comes at its latest."""
    series = worst_series(h, txs, opening, late, same_day_credit)
    if (series < h.min_balance).any():
        t = int(np.argmin(series))
        raise PlanVerificationError(
            f"{h.id}: with late payouts the balance is {int(series[t])} øre on {h.start + timedelta(days=t)}, "
            "below the floor")
    return series

"""The payment pattern of each tenancy, with its evidence (rules in README.md, "planner ledger").

One pattern per tenancy, the first rule that holds, in this order (the order is the urgency of
what the pattern asks a caseworker to do):

1. `broken_agreement`: an instalment of a repayment agreement was not covered within
   `AGREEMENT_TOLERANCE_DAYS` days of its date;
2. `creeping`: the month-end balance rose in at least 4 of the last 5 month steps, by at least
   5 % of the rent a month (least squares), and the arrears are at least 20 % of the rent: the
   money is short every month, likely an income problem;
3. `failed_debits`: returned (failed) AvtaleGiro debits in at least 2 of the last 12 months;
4. `late_complete`: at least half of the observed months (at most 12) were settled more than
   `GRACE_DAYS` days after the due date, at most one month is open and the arrears are at most one
   month's rent: all the rent comes, late and often in parts: the timing signature;
5. `on_time`: at most a quarter of the months late, at most one open, arrears at most half a rent;
6. otherwise `unclear` (for example old arrears that neither grow nor shrink), and `too_few_months`
   for a tenancy with fewer than three observed rent months.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .analysis import AGREEMENT_TOLERANCE_DAYS, GRACE_DAYS, Analysis, month_of

PATTERNS = ("on_time", "late_complete", "creeping", "broken_agreement", "failed_debits", "unclear",
            "too_few_months")
#: the patterns that ask for contact (everything but on time)
PROBLEM_PATTERNS = ("late_complete", "creeping", "broken_agreement", "failed_debits", "unclear")
#: the timing patterns: candidates for a plan (`planner plan` on the household draft)
TIMING_PATTERNS = ("late_complete", "failed_debits")
RULES = {
    "broken_agreement": f"an instalment of the repayment agreement was not covered within {AGREEMENT_TOLERANCE_DAYS}"
                        " days of its date",
    "creeping": "the month-end balance rose in at least 4 of the last 5 months, by at least 5 % of the rent a"
                " month, and the arrears are at least 20 % of the rent",
    "failed_debits": "returned (failed) AvtaleGiro debits in at least 2 of the last 12 months",
    "late_complete": f"at least half the months settled more than {GRACE_DAYS} days after the due date, at most"
                     " one month open, arrears at most one month's rent",
    "on_time": f"at most a quarter of the months settled more than {GRACE_DAYS} days late, at most one open,"
               " arrears at most half a month's rent",
    "unclear": "none of the rules above holds",
    "too_few_months": "fewer than three rent months to judge from",
}
MIN_MONTHS = 3


def classify(t: pd.DataFrame) -> np.ndarray:
    """The pattern of each tenancy (rows of `Analysis.tenancies`), by the rules above."""
    rent = t["rent_ore"].to_numpy().astype(np.float64)
    m = t["observed_months"].to_numpy()
    arrears = t["arrears_ore"].to_numpy()
    conds = [
        m < MIN_MONTHS,
        t["broken_instalments"].to_numpy() > 0,
        (t["rises"].to_numpy() >= 4) & (t["trend_ore_per_month"].to_numpy() >= 0.05 * rent) & (arrears >= 0.2 * rent),
        t["failed_months"].to_numpy() >= 2,
        (2 * t["late_months"].to_numpy() >= m) & (t["open_months"].to_numpy() <= 1) & (arrears <= rent),
        (4 * t["late_months"].to_numpy() <= m) & (t["open_months"].to_numpy() <= 1) & (2 * arrears <= rent),
    ]
    choices = ["too_few_months", "broken_agreement", "creeping", "failed_debits", "late_complete", "on_time"]
    return np.select(conds, choices, default="unclear")


def payment_days(a: Analysis, as_of: int) -> pd.Series:
    """The days of the month payments arrive (tenancy tid -> [days]): each day that holds at
    least 30 % of the months' payments, neighbours within three days counted as one (a payout
    moved to the bank day before), the most frequent first, then in calendar order."""
    p = a.payments
    recent = p[(p["kind"] == 1) & (month_of(p["day"].to_numpy()) > int(month_of(np.array([as_of]))[0]) - 12)]
    if recent.empty:
        return pd.Series([[] for _ in range(len(a.tenancies))], dtype=object)
    dom = pd.to_datetime(recent["day"].to_numpy().astype("datetime64[D]")).day
    counts = pd.DataFrame({"tid": recent["tid"].to_numpy(), "dom": dom}).groupby(["tid", "dom"]).size()
    months = a.tenancies["observed_months"].clip(lower=1)
    out: dict[int, list[int]] = {}
    for tid_, grp in counts.groupby(level=0):
        hist = grp.droplevel(0)
        picked: list[int] = []
        need = 0.3 * months.iat[tid_]
        for d, _ in sorted(hist.items(), key=lambda kv: (-kv[1], kv[0])):
            near = hist[(hist.index >= d - 3) & (hist.index <= d + 3)].sum()
            if near >= need and all(abs(d - q) > 3 for q in picked):
                picked.append(int(d))
        out[int(tid_)] = sorted(picked)
    return pd.Series([out.get(i, []) for i in range(len(a.tenancies))], dtype=object)


__all__ = ["MIN_MONTHS", "PATTERNS", "PROBLEM_PATTERNS", "RULES", "TIMING_PATTERNS", "classify", "payment_days"]

"""Early warning: when would each tenancy reach the collector and an eviction request, who to
contact first, and a household draft for the tenancies whose problem is timing.

Why from the ledger: the collector (the creditor's collection) gets a tenant when the arrears
reach two months' rent (the `innkreving` step of `planner/data/eviction.toml`: two months after the first unpaid
rent). By then the claim is large. The ledger shows the arrears and their trend months earlier,
so the date they would reach that line can be projected, and from it the eviction request by the
same data (`planner.eviction.step_dates`).

Projection (pure: `as_of` is a parameter):
* the collector's line is `innkreving.months` × the rent;
* arrears at or above it: the date is when the month-end balance last crossed it (already listed);
* arrears below it and a rising trend: as-of + (line − arrears) / trend months (30.44 days each);
* otherwise no date: at this trend the tenancy does not reach the collector;
* the eviction request follows the collector date by the data's delays (notice under § 4-18,
  request under § 13-2 and the legal minimum gaps).

Priority (0-100, whole numbers, each part shown):
    urgency  (0-50) = 50 × (1 − d / 365), d = days from as-of to the eviction request, clamped to
                      0..365; 0 without a projected request
    arrears  (0-30) = 30 × min(1, arrears / the collector's line)
    pattern  (0-20) = broken_agreement 20, creeping 15, failed_debits 12, late_complete 10, unclear 5
The contact list holds every tenancy with a priority above 0, highest first; ties by the earlier
request, then the tenancy id.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import numpy as np
import pandas as pd

from ..formatting import format_decimal, format_kr, nb_date
from ..model import add_months
from .analysis import Analysis, month_start
from .patterns import PROBLEM_PATTERNS, RULES, TIMING_PATTERNS, pattern_name

PATTERN_WEIGHT = {"broken_agreement": 20, "creeping": 15, "failed_debits": 12, "late_complete": 10, "unclear": 5}
EPOCH = date(1970, 1, 1)
DAYS_PER_MONTH = 365.25 / 12


def to_date(day: int) -> date:
    return EPOCH + timedelta(days=int(day))


def to_day(d: date) -> int:
    return (d - EPOCH).days


@lru_cache(maxsize=1)
def collector_months() -> int:
    """Months of rent at which a tenancy goes to the collector: the `innkreving` step's delay."""
    from ..eviction import eviction_rules

    return int(eviction_rules().step("innkreving").months)


@lru_cache(maxsize=8192)
def request_after(collector: date) -> date:
    """The eviction request (§ 13-2) for a tenancy that reaches the collector on `collector`."""
    from ..eviction import REQUEST_STEP, step_dates

    first_due = add_months(collector, -collector_months())
    steps = step_dates(first_due)
    shift = (collector - steps["innkreving"]).days  # a month end may move the day: keep the gap
    return steps[REQUEST_STEP] + timedelta(days=shift)


def early_warning(a: Analysis, pattern: np.ndarray, as_of: int) -> pd.DataFrame:
    """Collector and request dates, priority parts, for each tenancy (vectorised but the dates)."""
    t = a.tenancies
    rent = t["rent_ore"].to_numpy()
    line = collector_months() * rent
    arrears = t["arrears_ore"].to_numpy()
    trend = t["trend_ore_per_month"].to_numpy()
    # already over the line: when the month-end balance last crossed it
    # (the months are in (tenancy, month) order: each tenancy's a run, its first month first)
    mt, mi = a.months["tid"].to_numpy(), a.months["mi"].to_numpy()
    below = a.months["balance_end"].to_numpy() < line[mt]
    starts = np.flatnonzero(np.concatenate(([True], mt[1:] != mt[:-1]))) if len(mt) else np.zeros(0, np.int64)
    last_below = np.full(len(t), -1, dtype=np.int64)
    first_mi = np.zeros(len(t), dtype=np.int64)
    if len(mt):
        last_below[mt[starts]] = np.maximum.reduceat(np.where(below, mi, -1), starts)
        first_mi[mt[starts]] = mi[starts]
    crossed_mi = np.maximum(last_below + 1, first_mi)
    crossed_day = month_start(crossed_mi + 1) - 1  # the end of the first month over the line
    over = (arrears >= line) & (rent > 0)
    rising = ~over & (trend > 0) & (rent > 0)
    ahead = np.ceil((line - arrears) / np.where(trend > 0, trend, 1) * DAYS_PER_MONTH)
    projected = np.where(rising, as_of + np.minimum(ahead, 3650), 0).astype(np.int64)
    collector = np.where(over, np.minimum(crossed_day, as_of), np.where(rising, projected, -1))
    uniq = np.unique(collector[collector >= 0])
    req_of = {int(c): to_day(request_after(to_date(c))) for c in uniq}
    request = np.array([req_of.get(int(c), -1) for c in collector], dtype=np.int64)
    d = np.clip(request - as_of, 0, 365)
    urgency = np.where(request >= 0, (2 * 50 * (365 - d) + 365) // (2 * 365), 0)
    arrears_part = np.where(line > 0, np.minimum(30, (2 * 30 * np.maximum(arrears, 0) + line) // np.maximum(2 * line, 1)),
                            0)
    weight = np.array([PATTERN_WEIGHT.get(p, 0) for p in pattern], dtype=np.int64)
    on_time = np.isin(pattern, ["on_time", "too_few_months"])
    # an on-time tenancy with no arrears needs no call; arrears or a coming request still count
    quiet = on_time & (arrears == 0) & (request < 0)
    urgency = np.where(quiet, 0, urgency).astype(np.int64)
    arrears_part = np.where(quiet, 0, arrears_part).astype(np.int64)
    return pd.DataFrame({
        "collector_line_ore": line,
        "collector_day": collector,
        "request_day": request,
        "priority_urgency": urgency,
        "priority_arrears": arrears_part,
        "priority_pattern": weight,
        "priority": urgency + arrears_part + weight,
        "plan_candidate": np.isin(pattern, TIMING_PATTERNS),
    }, index=t.index)


def _d(day: int) -> str:
    return nb_date(to_date(day)) if day >= 0 else "-"


def _days_text(days: list[int]) -> str:
    return ", ".join(f"{d}." for d in days) or "-"


def explain(row: dict, pattern: str, days: list[int], as_of: int) -> str:
    """Why this tenancy is where it is on the contact list, in one paragraph of Norwegian (no
    names, no free text from the ledger)."""
    rent = row["rent_ore"]
    parts = [f"Mønster: {pattern_name(pattern)}: {RULES[pattern]}."]
    months = row["arrears_ore"] / rent if rent else 0.0
    parts.append(f"Restanse {format_kr(row['arrears_ore'])} ({format_decimal(months, 1)} månedsleier à"
                 f" {format_kr(rent)}), utvikling {format_kr(row['trend_ore_per_month'])} i måneden.")
    if row["collector_day"] >= 0:
        when = "nådde" if row["collector_day"] <= as_of else "vil nå"
        parts.append(f"Restansen {when} grensen for innkreving ({format_kr(row['collector_line_ore'])}) omkring"
                     f" {_d(row['collector_day'])}, og en begjæring om utkastelse kan komme omkring"
                     f" {_d(row['request_day'])} hvis ingenting gjøres.")
    else:
        parts.append("Med denne utviklingen når restansen ikke grensen for innkreving.")
    if pattern == "late_complete":
        parts.append(f"{row['late_months']} av {row['observed_months']} måneder gjort opp for sent (median"
                     f" {row['median_days_late']} dager etter forfallsdagen den {row['due_day']}.); innbetalingene"
                     f" kommer den {_days_text(days)} i måneden.")
    elif pattern == "failed_debits":
        parts.append(f"{row['failed_debits']} AvtaleGiro-trekk avvist i {row['failed_months']} av de siste 12"
                     f" månedene; innbetalingene kommer den {_days_text(days)} i måneden.")
    elif pattern == "broken_agreement":
        parts.append(f"{row['broken_instalments']} av {row['instalments']} avdrag ikke holdt.")
    elif pattern == "creeping":
        parts.append(f"Saldoen steg i {row['rises']} av de siste 5 månedene.")
    parts.append(f"Prioritet {row['priority']} = hast {row['priority_urgency']} + restanse {row['priority_arrears']}"
                 f" + mønster {row['priority_pattern']}.")
    if pattern in TIMING_PATTERNS:
        parts.append("Kandidat for plan: pengene kommer, men til feil tid (se husstandsutkastet).")
    return " ".join(parts)


def household_draft(hid: str, rent_ore: int, due_day: int, days: list[int], as_of: int) -> str:
    """A household file (TOML, the household format of README.md) to start a plan from: the rent,
    its day and the observed payment days are filled in; the incomes must be added."""
    start = add_months(to_date(as_of).replace(day=1), 1)
    kr, ore = divmod(rent_ore, 100)
    amount = f"{kr}" if ore == 0 else f"{kr}.{ore:02d}"
    rent_days = sorted({max(1, min(28, d)) for d in [due_day, *days]})
    lines = [
        "# Utkast fra utleiers husleiereskontro (planner ledger). Legg til husstandens inntekter",
        "# ([[income]]: ytelsene og dagene de kommer) og levekostnader, og kjør så: planner plan FIL",
        f"# Innbetalingsdager sett i reskontroen (dag i måneden): {', '.join(map(str, days)) or 'ingen'}",
        f'id = "{hid}"',
        'label = "Utkast fra husleiereskontro"',
        f"start = {start.isoformat()}",
        "months = 12",
        "opening_balance = 0",
        "",
        "[[expense]]",
        'kind = "husleie"',
        f"amount = {amount}",
        f"day = {due_day}",
        "",
        "[levers]",
        f"rent_days = [{', '.join(map(str, rent_days))}]  # forfallsdagen og innbetalingsdagene som er sett",
        f"rent_instalments = {min(3, max(1, len(days)))}",
        "",
    ]
    return "\n".join(lines)


__all__ = ["PATTERN_WEIGHT", "PROBLEM_PATTERNS", "collector_months", "early_warning", "explain", "household_draft",
           "request_after", "to_date", "to_day"]

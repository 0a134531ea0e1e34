"""Step dates, court fees and step costs, interest to the day, and the arrears model (the rents the account cannot cover)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

import numpy as np

from ..calendar import Occurrence, Schedule, occurrences, resolve_expense
from ..cashflow import simulate, transactions
from ..formatting import nb_date, whole_kr
from ..model import Arrears, Household, Transaction, add_months
from ..periods import key_of, last_day, month_key, months_between
from .results import CostLine, UnpaidRent
from .rules import Delay, EvictionRules, Lookup, Profile, StepRule, eviction_rules

# --------------------------------------------------------------------------- the timeline


def step_dates(first_due: date, rules: EvictionRules | None = None, profile: str | None = None) -> dict[str, date]:
    """The date of every step when the first unpaid rent was due on `first_due`.

    Each step comes its months and days after the step it follows (a month from 31 January is
    the end of February), never sooner than the legal minimum gaps in the data.
    """
    rules = rules or eviction_rules()
    delays = rules.profiles[profile].delays if profile else {}
    out: dict[str, date] = {}
    for s in rules.steps:
        delay = delays.get(s.key, Delay(s.after, s.months, s.days))
        if delay.after is None or not out:
            d = first_due
        else:
            d = add_months(out[delay.after], delay.months) + timedelta(days=delay.days)
        for ref, gap in s.not_before:
            d = max(d, out[ref] + timedelta(days=gap))
        out[s.key] = d
    return out


def court_fees(r_ore: int, rules: EvictionRules | None = None) -> tuple[int, int]:
    """(filing fee, total if carried out) in øre for a rettsgebyr of `r_ore`.

    Each part is rounded down to whole kroner (filing 1.25 R; the rest, 1.35 R, on carrying
    out): with R = 1 277 kr that gives politiet.no's 1 596 and 3 319 kr.
    """
    fees = (rules or eviction_rules()).fees
    r_kr = Decimal(r_ore) / 100
    filing = int(math.floor(fees.filing_r * r_kr)) * 100
    rest = int(math.floor((fees.carried_out_total_r - fees.filing_r) * r_kr)) * 100
    return filing, filing + rest


_kr = whole_kr  # whole kroner in a basis text (planner.formatting)


def _factor(x: Decimal) -> str:
    return format(x.normalize(), "f").replace(".", ",")


def _round_fee(kroner: Decimal, rounding: str) -> int:
    """A fee in kroner to øre: down or to the nearest (half up) whole krone, or exact øre."""
    if rounding == "none":
        return int((kroner * 100).to_integral_value(rounding="ROUND_HALF_UP"))
    if rounding == "nearest":
        return int(kroner.to_integral_value(rounding="ROUND_HALF_UP")) * 100
    return int(math.floor(kroner)) * 100


def step_costs(
    rule: StepRule, when: date, first_due: date, rules: EvictionRules, profile: Profile | None
) -> tuple[CostLine, ...]:
    """The costs added at a step on `when`: each fee by the rule for a claim due `first_due`,
    from its base in force on `when` (the inkassosats, or R), rounded as that period says."""
    lines: list[CostLine] = []
    for key in rule.costs:
        if profile is not None and key in profile.without_costs:
            continue
        c = rules.costs[key]
        period = c.period_for(first_due)
        if period.lapses:
            continue
        param = rules.inkassosats if c.base == "inkassosats" else rules.rettsgebyr
        base = param.at(when)
        rounding = period.rounding or base.fee_rounding or "down"
        amount = _round_fee(period.multiple * base.value, rounding)
        name = "inkassosatsen" if c.base == "inkassosats" else "R"
        basis = f"{_factor(period.multiple)} × {name} {_kr(int(base.value * 100))} (fra {nb_date(base.valid_from)})"
        if rounding == "nearest":
            basis += ", til nærmeste hele krone"
        if c.vat == "uncertain":
            basis += ", uten mva (om mva kommer i tillegg for husleiekrav, er uavklart)"
        lines.append(CostLine(key, c.name_nb, amount, basis, base.fallback, c.uncertain is not None))
    lines = _one_fee_together(lines, when, rules, profile)
    if rule.court_fee is not None:
        r = rules.rettsgebyr.at(when)
        r_ore = int(r.value * 100)
        filing, total = court_fees(r_ore, rules)
        r_text = f"R = {_kr(r_ore)} (fra {nb_date(r.valid_from)})"
        if rule.court_fee == "filing":
            lines.append(
                CostLine(
                    "gebyr_begjaering",
                    "Gebyr for begjæring om fravikelse",
                    filing,
                    f"{_factor(rules.fees.filing_r)} × R, {r_text}",
                    r.fallback,
                )
            )
        else:
            rest_r = rules.fees.carried_out_total_r - rules.fees.filing_r
            lines.append(
                CostLine(
                    "gebyr_gjennomforing",
                    "Gebyr for gjennomført fravikelse",
                    total - filing,
                    f"{_factor(rest_r)} × R (til sammen {_factor(rules.fees.carried_out_total_r)} × R), {r_text}",
                    r.fallback,
                )
            )
    if profile is not None and rule.key in profile.extra_costs:
        e = profile.extra_costs[rule.key]
        lines.append(CostLine(f"andre_{rule.key}", e.name_nb, e.ore, "tilpasset eksempelets totalsum", False, True))
    return tuple(lines)


def _one_fee_together(lines: list[CostLine], when: date, rules: EvictionRules,
                      profile: Profile | None) -> list[CostLine]:
    """The step's fee lines with each fee limit in force on `when` applied: of the limited
    costs the step adds together (one letter), only the first is kept, and its basis says why
    the others are missing (inkassoforskriften § 1-3: a purring and an inkassovarsel sent
    together carry one fee)."""
    for limit in rules.fee_limits:
        if limit.valid_from > when or (profile is not None and limit.key in profile.without_fee_limits):
            continue
        together = [c for c in lines if c.key in limit.costs]
        if len(together) < 2:
            continue
        kept, dropped = together[0], {c.key for c in together[1:]}
        note = "; " + limit.name_nb[:1].lower() + limit.name_nb[1:]
        lines = [replace(c, basis=c.basis + note) if c is kept else c for c in lines if c.key not in dropped]
    return lines


# --------------------------------------------------------------------------- interest


@dataclass(frozen=True)
class Debt:
    owed_from: date  # joins the claim (nominal due date)
    interest_from: date  # interest runs from the day after this date
    amount_ore: int


RateAt = Callable[[date], Lookup]


def interest_exact(
    debts: Iterable[Debt], until: date, rate_at: RateAt, next_change: Callable[[date], date | None],
    day_count: int,
) -> tuple[Fraction, bool]:
    """Simple interest on `debts`, each for the days after its `interest_from` up to `until`,
    exactly, rate by rate; and whether any day used a fallback rate. The øre-days are summed per
    rate as whole numbers and each rate's sum made a fraction once: exact, and far fewer
    fraction operations than one per debt and rate period."""
    ore_days, fallback = _ore_days(debts, until, rate_at, next_change)
    total = sum((_per_ore_day(v, day_count) * n for v, n in ore_days.items()), Fraction(0))
    return total, fallback


def interest_rounded(
    debts: Iterable[Debt], until: date, rate_at: RateAt, next_change: Callable[[date], date | None],
    day_count: int,
) -> tuple[int, bool]:
    """`round_ore(interest_exact(...)[0])` and the fallback flag, by integer arithmetic: the
    øre-days of each rate times its exact ratio (`_per_ore_day_ratio`), summed over one common
    denominator and rounded half up once. The same øre as the `Fraction` route (tested on
    generated debts and rates) without its object per operation: a batch asks this of every
    notice day a household might pay on."""
    ore_days, fallback = _ore_days(debts, until, rate_at, next_change)
    num, den = 0, 1
    for v, n in ore_days.items():
        a, b = _per_ore_day_ratio(v, day_count)
        num, den = num * b + n * a * den, den * b
    return (2 * num + den) // (2 * den), fallback


def _ore_days(debts: Iterable[Debt], until: date, rate_at: RateAt,
              next_change: Callable[[date], date | None]) -> tuple[dict[Decimal, int], bool]:
    """The øre-days of `debts` up to `until` per yearly rate, and whether any day used a
    fallback rate."""
    ore_days: dict[Decimal, int] = {}
    fallback = False
    for debt in debts:
        cur = debt.interest_from
        while cur < until:
            change = next_change(cur + timedelta(days=1))
            seg_end = until if change is None else min(until, change - timedelta(days=1))
            rate = rate_at(cur + timedelta(days=1))
            fallback = fallback or rate.fallback
            ore_days[rate.value] = ore_days.get(rate.value, 0) + debt.amount_ore * (seg_end - cur).days
            cur = seg_end
    return ore_days, fallback


@lru_cache(maxsize=256)
def _per_ore_day_ratio(percent: Decimal, day_count: int) -> tuple[int, int]:
    """`_per_ore_day` as (numerator, denominator), both positive whole numbers."""
    x = _per_ore_day(percent, day_count)
    return x.numerator, x.denominator


@lru_cache(maxsize=256)
def _per_ore_day(percent: Decimal, day_count: int) -> Fraction:
    """A yearly rate in percent as the exact interest on one øre for one day."""
    return Fraction(percent) / (100 * day_count)


def round_ore(x: Fraction) -> int:
    """Half up to whole øre (x is never negative here)."""
    return math.floor(x + Fraction(1, 2))


# --------------------------------------------------------------------------- the arrears model


def solvency_series(household: Household, same_day_credit: bool = False,
                    txs: Sequence[Transaction] | None = None) -> np.ndarray:
    """The account's balance per day over the household's horizon as the bank sees it at the
    debit (after the day's debits, before its credits unless `same_day_credit`), by the
    independent simulator from `txs` (default: the schedule as it stands)."""
    h = household
    sim = simulate(transactions(h) if txs is None else txs, h.start, h.end, h.opening_balance)
    return sim.solvency_series(same_day_credit)


def unpaid_rents(household: Household, same_day_credit: bool = False,
                 txs: Sequence[Transaction] | None = None,
                 payments: Sequence[tuple[date, int]] = (),
                 series: np.ndarray | None = None) -> tuple[UnpaidRent, ...]:
    """The rent the account cannot cover, month by month, over the household's horizon.

    See the module docstring: a rent debit finds the balance after the day's debits (and the
    rent left unpaid before it, which never left the account). An AvtaleGiro debit goes through
    whole or fails whole (domain.md §8): a balance below zero means the account could not cover
    the whole rent, so the whole rent of that debit is unpaid and stays on the account. Arrears
    are not repaid by a later surplus except by `payments` (date, amount): claims the household
    pays at a notice's deadline, which leave the account.
    `series`: the account's balance per day as `solvency_series` gives it, if the caller has it
    already (else it is simulated from `txs`, or from the schedule).
    """
    h = household
    if series is None:
        series = solvency_series(h, same_day_credit, txs)
    start, end, lease = h.start, h.end, h.rent
    carried = 0
    out: list[UnpaidRent] = []
    schedule = resolve_expense(lease)
    rents = rent_occurrences(schedule, start, end)
    at_debit = series[rent_offsets(schedule, start, end)].tolist()  # the balance at each debit
    paid = sorted(payments)  # (the rents come in debit order: the payments made by each are summed as it comes)
    k = paid_by = 0
    for occ, found in zip(rents, at_debit):
        while k < len(paid) and paid[k][0] <= occ.effective:
            paid_by += paid[k][1]
            k += 1
        balance = found + carried - paid_by
        if balance >= 0:  # covered: nothing unpaid, whatever the month's rent
            continue
        rent = lease.amount_for(occ.nominal.year, occ.nominal.month)
        if rent > 0:  # no full cover: the debit fails whole, never in part
            out.append(
                UnpaidRent(
                    rent_month=month_key(occ.nominal),
                    due=occ.nominal,
                    debit_date=occ.effective,
                    rent_ore=rent,
                    unpaid_ore=rent,
                )
            )
            carried += rent
    return tuple(out)


@lru_cache(maxsize=4096)
def rent_occurrences(schedule: Schedule, start: date, end: date) -> tuple[Occurrence, ...]:
    """A rent schedule's occurrences (households share them; the projection asks again and again)."""
    return occurrences(schedule, start, end)


@lru_cache(maxsize=4096)
def rent_offsets(schedule: Schedule, start: date, end: date) -> np.ndarray:
    """The days (from `start`) the `rent_occurrences` are debited, as an index into a series."""
    offsets = np.array([(o.effective - start).days for o in rent_occurrences(schedule, start, end)], dtype=np.int64)
    offsets.flags.writeable = False
    return offsets


def first_unpaid_due(rents: Sequence[Occurrence], start: date, series: np.ndarray,
                     offsets: np.ndarray | None = None) -> date | None:
    """The due date of the first rent the account cannot cover: the first rent debit that finds
    the balance (`series`, per day from `start`, after the day's debits) below zero. The one
    rule of `unpaid_rents` (its first entry) and of the batch's vectorised check. `offsets`:
    the rents' debit days from `start` (`rent_offsets`), if the caller has them."""
    if not rents:
        return None
    offs = offsets if offsets is not None else np.fromiter(((o.effective - start).days for o in rents),
                                                          dtype=np.int64, count=len(rents))
    below = series[offs] < 0
    first = int(below.argmax())  # (the first True, or 0 when there is none)
    return rents[first].nominal if below[first] else None


def process_start(first_unpaid: date | None, arrears: Arrears | None, start: date) -> date | None:
    """The date the eviction process counts from: the first unpaid rent's due date or the
    existing arrears' date (the horizon's start when not given), whichever is earlier."""
    starts = [] if first_unpaid is None else [first_unpaid]
    if arrears is not None and arrears.amount > 0:
        starts.append(arrears.since or start)
    return min(starts) if starts else None


def month_keys(first: date, last: date) -> list[str]:
    """The month keys from `first`'s month to `last`'s."""
    return [key_of(y, m) for y, m in months_between(first, last)]


def month_last_day(key: str) -> date:
    return last_day(key)

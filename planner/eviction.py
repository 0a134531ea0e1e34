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

* The rent is debited (autogiro) on its effective date. If the tenant account's balance after
  that day's debits (before its credits, as everywhere in the planner; `same_day_credit=True`
  counts the day's credits) is below zero, the bank has no cover for that part: the uncovered
  part of the rent, at most the whole rent, becomes arrears. (A real autogiro fails whole; we
  assume the tenant then pays what the account holds by hand, which is what the seed report's
  "a little arrears builds up every month" describes.) The cover line is zero, not the
  household's `min_balance`: the bank pays while there is money, whatever buffer the plan aims at.
* The unpaid part stays on the account (it was never debited), so the next month's rent sees
  it. Arrears are never repaid spontaneously: a later surplus is spent, not sent to the landlord.
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
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from importlib import resources
from typing import Literal

from .calendar import occurrences, resolve_expense
from .cashflow import simulate, transactions
from .model import Household, Transaction, add_months
from .money import format_kr, kroner_to_ore

FORMAT = "planner.eviction/1"
Status = Literal["no arrears", "arrears", "settled"]
#: The court-fee parts a step may carry (see `[fees]` in the data).
COURT_FEES: tuple[str, ...] = ("filing", "carried_out")
#: What a reminder or collection cost may be a multiple of.
COST_BASES: tuple[str, ...] = ("inkassosats", "rettsgebyr")
#: How a fee is brought to whole kroner: down, nearest (half up), or left in øre.
ROUNDINGS: tuple[str, ...] = ("down", "nearest", "none")
#: How sure a dated value is (the words of shared/docs/domain.md).
STATUSES: tuple[str, ...] = ("confirmed", "secondary", "derived", "uncertain")
#: The step keys the projection relies on by name.
REQUEST_STEP = "begjaering"
EVICTION_STEP = "fravikelse"


# --------------------------------------------------------------------------- rules (data)


@dataclass(frozen=True)
class DatedValue:
    """One value of a parameter, in force from `valid_from`, confirmed by a source until
    `confirmed_until` (for a later date it is only the latest value known: a fallback)."""

    valid_from: date
    value: Decimal  # kroner or percent
    confirmed_until: date
    reference: str
    status: str = "confirmed"  # confirmed, secondary, derived or uncertain (domain.md §7)
    fee_rounding: str | None = None  # how fees computed from this value are rounded


@dataclass(frozen=True)
class Lookup:
    """A parameter's value on a date, and whether that date is beyond what a source confirms."""

    value: Decimal
    valid_from: date
    fallback: bool
    status: str = "confirmed"
    fee_rounding: str | None = None


@dataclass(frozen=True)
class Parameter:
    """A value that changes with law, keyed by the date it applies from (OpenFisca style)."""

    key: str
    description: str
    reference: str
    uncertain: str | None
    values: tuple[DatedValue, ...]
    known_until: date | None = None  # the last date the data is known for (stale-data guard)

    def at(self, when: date) -> Lookup:
        """The value in force on `when`: the latest whose `valid_from` is not after it.

        A date before the first value takes the first value; a date beyond a value's confirmed
        period takes it too. Both are flagged as fallbacks, never silently used.
        """
        chosen = None
        for v in self.values:
            if v.valid_from <= when:
                chosen = v
        if chosen is None:
            first = self.values[0]
            return Lookup(first.value, first.valid_from, True, first.status, first.fee_rounding)
        return Lookup(chosen.value, chosen.valid_from, when > chosen.confirmed_until, chosen.status,
                      chosen.fee_rounding)

    def changes_after(self, when: date) -> date | None:
        """The first `valid_from` later than `when` (where a rate segment ends), or None."""
        later = [v.valid_from for v in self.values if v.valid_from > when]
        return min(later) if later else None


@dataclass(frozen=True)
class StepRule:
    """One step of the process: when it comes after an earlier step, and what it costs."""

    key: str
    name_nb: str
    name_en: str
    after: str | None  # None for the first step (the due date)
    months: int
    days: int
    not_before: tuple[tuple[str, int], ...]  # (step, minimum days after it)
    legal_basis: str
    reference: str
    costs: tuple[str, ...]
    court_fee: str | None
    uncertain: str | None
    pay_within_days: int | None = None  # a notice with a deadline to pay


@dataclass(frozen=True)
class CostPeriod:
    """A cost's rule for claims due from `valid_from`: the multiple of its base, how the amount
    is rounded (None: as the base value says), or that the fee lapses (a new law)."""

    valid_from: date
    multiple: Decimal
    rounding: str | None
    lapses: bool
    reference: str


@dataclass(frozen=True)
class CostRule:
    """A fee as a multiple of a base parameter, by rules keyed by the claim's due date (the
    halving of reminder and collection fees applied to claims due from 01.10.2020)."""

    key: str
    name_nb: str
    name_en: str
    base: str
    periods: tuple[CostPeriod, ...]
    description: str
    reference: str
    uncertain: str | None

    def period_for(self, first_due: date) -> CostPeriod:
        """The rule for a claim due on `first_due` (the first period if it is older)."""
        chosen = self.periods[0]
        for p in self.periods:
            if p.valid_from <= first_due:
                chosen = p
        return chosen


@dataclass(frozen=True)
class CourtFees:
    """The enforcement officer's fee in R: `filing_r` to file, `carried_out_total_r` in all."""

    filing_r: Decimal
    carried_out_total_r: Decimal
    description: str
    reference: str
    rounding: str


@dataclass(frozen=True)
class ExtraCost:
    """A lump sum a profile adds at a step, with how it was arrived at."""

    step: str
    ore: int
    name_nb: str
    how: str


@dataclass(frozen=True)
class Delay:
    after: str | None
    months: int
    days: int


@dataclass(frozen=True)
class Profile:
    """A worked example: its own claim, timeline and rate, and its source's own figures."""

    name: str
    description: str
    reference: str
    first_due: date
    claim_ore: int
    interest_percent: Decimal | None
    delays: dict[str, Delay]
    extra_costs: dict[str, ExtraCost]
    report_dates: dict[str, date]
    report_claims_ore: dict[str, int]
    claims_without_interest: tuple[str, ...]
    without_costs: tuple[str, ...] = ()  # costs of the data the example does not count


@dataclass(frozen=True)
class EvictionRules:
    """The parsed `data/eviction.toml`."""

    steps: tuple[StepRule, ...]
    costs: dict[str, CostRule]
    fees: CourtFees
    rettsgebyr: Parameter
    interest: Parameter
    inkassosats: Parameter
    day_count: int
    profiles: dict[str, Profile]

    def step(self, key: str) -> StepRule:
        return next(s for s in self.steps if s.key == key)


def _decimal(value: object) -> Decimal:
    # TOML floats arrive as binary floats; their repr is the literal the file holds.
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)  # type: ignore[arg-type]


def _period_end(start: date, period: str) -> date:
    if period == "year":
        return date(start.year, 12, 31)
    if period == "half-year":
        return date(start.year, 6, 30) if start.month <= 6 else date(start.year, 12, 31)
    raise ValueError(f"unknown period {period!r}; allowed: year, half-year")


def _parameter(key: str, raw: dict, unit: str) -> Parameter:
    period = raw.get("period", "year")
    values = []
    for valid_from, entry in sorted(raw["values"].items()):
        start = date.fromisoformat(str(valid_from))
        status = entry.get("status", "confirmed")
        if status not in STATUSES:
            raise ValueError(f"eviction data: [{key}.values.{valid_from}] status {status!r}; allowed: {', '.join(STATUSES)}")
        rounding = entry.get("fee_rounding")
        if rounding is not None and rounding not in ROUNDINGS:
            raise ValueError(f"eviction data: [{key}.values.{valid_from}] fee_rounding {rounding!r}; allowed: {', '.join(ROUNDINGS)}")
        values.append(
            DatedValue(
                valid_from=start,
                value=_decimal(entry[unit]),
                confirmed_until=entry.get("confirmed_until", _period_end(start, period)),
                reference=entry.get("reference", ""),
                status=status,
                fee_rounding=rounding,
            )
        )
    if not values:
        raise ValueError(f"eviction data: [{key}] has no values")
    return Parameter(key, raw.get("description", ""), raw.get("reference", ""), raw.get("uncertain"), tuple(values),
                     raw.get("known_until"))


def _cost_rule(key: str, v: dict) -> CostRule:
    """One `[costs.KEY]` entry with its rules by due date; a bad base or rounding fails loudly."""
    if v["base"] not in COST_BASES:
        raise ValueError(f"eviction data: cost {key!r} has unknown base {v['base']!r}; allowed: {', '.join(COST_BASES)}")
    periods = []
    for valid_from, r in sorted(v.get("rules", {}).items()):
        rounding = r.get("rounding")
        if rounding is not None and rounding not in ROUNDINGS:
            raise ValueError(f"eviction data: cost {key!r} rule {valid_from} rounding {rounding!r}; allowed: {', '.join(ROUNDINGS)}")
        lapses = bool(r.get("lapses", False))
        if "multiple" not in r and not lapses:
            raise ValueError(f"eviction data: cost {key!r} rule {valid_from} needs `multiple` (or `lapses = true`)")
        periods.append(CostPeriod(date.fromisoformat(str(valid_from)), _decimal(r.get("multiple", 0)), rounding,
                                  lapses, r.get("reference", "")))
    if not periods:
        raise ValueError(f"eviction data: cost {key!r} has no rules")
    return CostRule(key=key, name_nb=v["name_nb"], name_en=v.get("name_en", ""), base=v["base"],
                    periods=tuple(periods), description=v.get("description", ""),
                    reference=v.get("reference", ""), uncertain=v.get("uncertain"))


def parse_rules(raw: dict) -> EvictionRules:
    """Build `EvictionRules` from the parsed TOML, refusing references to unknown steps or costs
    (a typo in the data must fail loudly, not drop a fee)."""
    costs = {k: _cost_rule(k, v) for k, v in raw.get("costs", {}).items()}
    steps: list[StepRule] = []
    for key, v in raw["steps"].items():
        seen = {s.key for s in steps}
        after = v.get("after")
        if steps and after not in seen:
            raise ValueError(f"eviction data: step {key!r} comes after {after!r}, which is not an earlier step")
        nb = v.get("not_before")
        not_before = () if nb is None else ((nb["step"], int(nb["days"])),)
        for ref, _ in not_before:
            if ref not in seen:
                raise ValueError(f"eviction data: step {key!r} not_before {ref!r}, which is not an earlier step")
        for c in v.get("costs", ()):
            if c not in costs:
                raise ValueError(f"eviction data: step {key!r} names unknown cost {c!r}")
        if v.get("court_fee") not in (None, *COURT_FEES):
            raise ValueError(f"eviction data: step {key!r} has unknown court_fee {v.get('court_fee')!r}")
        steps.append(
            StepRule(
                key=key,
                name_nb=v["name_nb"],
                name_en=v.get("name_en", ""),
                after=after if steps else None,
                months=int(v.get("months", 0)),
                days=int(v.get("days", 0)),
                not_before=not_before,
                legal_basis=v.get("legal_basis", ""),
                reference=v.get("reference", ""),
                costs=tuple(v.get("costs", ())),
                court_fee=v.get("court_fee"),
                uncertain=v.get("uncertain"),
                pay_within_days=v.get("pay_within_days"),
            )
        )
    keys = [s.key for s in steps]
    for needed in (REQUEST_STEP, EVICTION_STEP):
        if needed not in keys:
            raise ValueError(f"eviction data: the step {needed!r} is required")
    f = raw["fees"]
    fees = CourtFees(
        filing_r=_decimal(f["filing_r"]),
        carried_out_total_r=_decimal(f["carried_out_total_r"]),
        description=f.get("description", ""),
        reference=f.get("reference", ""),
        rounding=f.get("rounding", ""),
    )
    profiles: dict[str, Profile] = {}
    for name, p in raw.get("profiles", {}).items():
        delays = {}
        for k, d in p.get("steps", {}).items():
            if k not in keys:
                raise ValueError(f"eviction data: profile {name!r} gives a delay for unknown step {k!r}")
            delays[k] = Delay(d.get("after"), int(d.get("months", 0)), int(d.get("days", 0)))
        extra = {}
        for k, e in p.get("extra_costs", {}).items():
            if k not in keys:
                raise ValueError(f"eviction data: profile {name!r} adds a cost at unknown step {k!r}")
            extra[k] = ExtraCost(k, kroner_to_ore(e["kroner"]), e["name_nb"], e.get("how", ""))
        report = p.get("report", {})
        pct = p.get("interest_percent")
        profiles[name] = Profile(
            name=name,
            description=p.get("description", ""),
            reference=p.get("reference", ""),
            first_due=p["first_due"],
            claim_ore=kroner_to_ore(p["claim"]),
            interest_percent=None if pct is None else _decimal(pct),
            delays=delays,
            extra_costs=extra,
            report_dates=dict(report.get("dates", {})),
            report_claims_ore={k: kroner_to_ore(v) for k, v in report.get("claims", {}).items()},
            claims_without_interest=tuple(report.get("claims_without_interest", ())),
            without_costs=tuple(p.get("without_costs", ())),
        )
        for c in profiles[name].without_costs:
            if c not in costs:
                raise ValueError(f"eviction data: profile {name!r} leaves out unknown cost {c!r}")
    return EvictionRules(
        steps=tuple(steps),
        costs=costs,
        fees=fees,
        rettsgebyr=_parameter("rettsgebyr", raw["rettsgebyr"], "kroner"),
        interest=_parameter("interest", raw["interest"], "percent"),
        inkassosats=_parameter("inkassosats", raw["inkassosats"], "kroner"),
        day_count=int(raw["interest"].get("day_count", 365)),
        profiles=profiles,
    )


@lru_cache(maxsize=1)
def eviction_rules() -> EvictionRules:
    """The process as the package's `data/eviction.toml` describes it (read once, cached)."""
    with resources.files("planner.data").joinpath("eviction.toml").open("rb") as fh:
        return parse_rules(tomllib.load(fh))


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class CostLine:
    """One cost added at a step, with the basis it was computed from."""

    key: str
    name_nb: str
    amount_ore: int
    basis: str  # Norwegian, e.g. "1,25 × R, R = 1 277 kr (fra 01.01.2024)"
    fallback: bool = False  # a base value beyond its confirmed period was used
    uncertain: bool = False  # the data marks the fee itself as uncertain

    def to_json(self) -> dict:
        return {
            "key": self.key,
            "name_nb": self.name_nb,
            "amount_ore": self.amount_ore,
            "basis": self.basis,
            "fallback": self.fallback,
            "uncertain": self.uncertain,
        }


@dataclass(frozen=True)
class Step:
    """A step of the process as projected: its date, what it adds, and the claim by then."""

    key: str
    name_nb: str
    name_en: str
    date: date
    legal_basis: str
    cost_ore: int  # costs added at this step
    costs: tuple[CostLine, ...]
    principal_ore: int  # unpaid rent (and existing arrears) owed on this date
    interest_ore: int  # interest accrued to this date
    claim_ore: int  # principal + interest + all costs so far, this step's included

    def to_json(self) -> dict:
        return {
            "key": self.key,
            "name_nb": self.name_nb,
            "name_en": self.name_en,
            "date": self.date.isoformat(),
            "legal_basis": self.legal_basis,
            "cost_ore": self.cost_ore,
            "costs": [c.to_json() for c in self.costs],
            "principal_ore": self.principal_ore,
            "interest_ore": self.interest_ore,
            "claim_ore": self.claim_ore,
        }


@dataclass(frozen=True)
class UnpaidRent:
    """The part of one month's rent the account could not cover."""

    rent_month: str  # YYYY-MM of the nominal due date
    due: date  # nominal due date (the lease's)
    debit_date: date  # effective debit date (interest runs from here)
    rent_ore: int
    unpaid_ore: int

    def to_json(self) -> dict:
        return {
            "rent_month": self.rent_month,
            "due": self.due.isoformat(),
            "debit_date": self.debit_date.isoformat(),
            "rent_ore": self.rent_ore,
            "unpaid_ore": self.unpaid_ore,
        }


@dataclass(frozen=True)
class FeesUsed:
    """The fee bases behind a projection, and whether each is a fallback to an older value."""

    r_year: int  # the year the filing fee falls in (the request date's)
    r_ore: int
    r_valid_from: date
    r_fallback: bool
    filing_ore: int  # 1.25 R
    carried_out_total_ore: int  # 2.6 R (filing included)
    inkassosats_ore: int
    inkassosats_valid_from: date
    inkassosats_fallback: bool
    interest_percent: Decimal  # at the first due date
    interest_source: Literal["data", "profile"]
    interest_fallback: bool  # any day of the projection beyond a confirmed rate

    def to_json(self) -> dict:
        return {
            "r_year": self.r_year,
            "r_ore": self.r_ore,
            "r_valid_from": self.r_valid_from.isoformat(),
            "r_fallback": self.r_fallback,
            "filing_ore": self.filing_ore,
            "carried_out_total_ore": self.carried_out_total_ore,
            "inkassosats_ore": self.inkassosats_ore,
            "inkassosats_valid_from": self.inkassosats_valid_from.isoformat(),
            "inkassosats_fallback": self.inkassosats_fallback,
            "interest_percent": str(self.interest_percent),
            "interest_source": self.interest_source,
            "interest_fallback": self.interest_fallback,
        }


@dataclass(frozen=True)
class Settlement:
    """A claim the household's own account pays by a notice's deadline: the process stops at
    that notice, and doing nothing costs the interest and fees, not the home."""

    step: str  # the notice (purring, varsel_4_18, ...)
    name_nb: str
    notice_date: date
    deadline: date
    paid_on: date
    first_due: date
    principal_ore: int
    interest_ore: int
    costs_ore: int

    @property
    def amount_ore(self) -> int:
        return self.principal_ore + self.interest_ore + self.costs_ore

    def to_json(self) -> dict:
        return {
            "step": self.step,
            "name_nb": self.name_nb,
            "notice_date": self.notice_date.isoformat(),
            "deadline": self.deadline.isoformat(),
            "paid_on": self.paid_on.isoformat(),
            "first_due": self.first_due.isoformat(),
            "amount_ore": self.amount_ore,
            "principal_ore": self.principal_ore,
            "interest_ore": self.interest_ore,
            "costs_ore": self.costs_ore,
        }


@dataclass(frozen=True)
class EvictionProjection:
    """What happens if nothing is done (format `planner.eviction/1`, see `to_json`).

    `arrears_by_month` maps YYYY-MM to the unpaid rent principal owed at the end of that month
    (existing arrears included; interest and costs excluded), from the earlier of the horizon's
    first month and the first due date's month, to the eviction month (no rent falls due to
    this landlord after the lock is changed). A bare claim starts at its due date's month.
    """

    status: Status
    household: str | None
    profile: str | None
    first_due: date | None
    steps: tuple[Step, ...]
    arrears_by_month: dict[str, int]
    unpaid_rents: tuple[UnpaidRent, ...]
    existing_arrears_ore: int
    request_date: date | None
    eviction_date: date | None
    cure_amount_ore: int
    cure_principal_ore: int
    cure_interest_ore: int
    cure_costs_ore: int
    cure_deadline: date | None
    fees: FeesUsed | None
    notes: tuple[str, ...] = field(default=())
    #: claims the account pays by a notice's deadline, in order (status "settled" when the
    #: last process stops this way too; "arrears" when a later one runs to eviction)
    settlements: tuple[Settlement, ...] = field(default=())

    @property
    def cost_of_waiting_ore(self) -> int:
        """What the settled processes cost beyond the rent itself: interest and fees."""
        return sum(x.interest_ore + x.costs_ore for x in self.settlements)

    def step(self, key: str) -> Step | None:
        return next((s for s in self.steps if s.key == key), None)

    def to_json(self) -> dict:
        """JSON-friendly: øre integers in fields ending `_ore`, ISO dates, None as null."""

        def iso(d: date | None) -> str | None:
            return None if d is None else d.isoformat()

        return {
            "format": FORMAT,
            "status": self.status,
            "household": self.household,
            "profile": self.profile,
            "first_due": iso(self.first_due),
            "request_date": iso(self.request_date),
            "eviction_date": iso(self.eviction_date),
            "cure_amount_ore": self.cure_amount_ore,
            "cure_principal_ore": self.cure_principal_ore,
            "cure_interest_ore": self.cure_interest_ore,
            "cure_costs_ore": self.cure_costs_ore,
            "cure_deadline": iso(self.cure_deadline),
            "existing_arrears_ore": self.existing_arrears_ore,
            "steps": [s.to_json() for s in self.steps],
            "arrears_by_month": dict(self.arrears_by_month),
            "unpaid_rents": [u.to_json() for u in self.unpaid_rents],
            "fees": None if self.fees is None else self.fees.to_json(),
            "notes": list(self.notes),
            "settlements": [x.to_json() for x in self.settlements],
            "cost_of_waiting_ore": self.cost_of_waiting_ore,
        }


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


def _kr(ore: int) -> str:
    """Whole kroner without decimals in a basis text: 127700 -> '1 277 kr'."""
    text = format_kr(ore)
    return text[:-6] + " kr" if text.endswith(",00 kr") else text


def _factor(x: Decimal) -> str:
    return format(x.normalize(), "f").replace(".", ",")


def _round_fee(kroner: Decimal, rounding: str) -> int:
    """A fee in kroner to øre: down or to the nearest (half up) whole krone, or exact øre."""
    if rounding == "none":
        return int((kroner * 100).to_integral_value(rounding="ROUND_HALF_UP"))
    if rounding == "nearest":
        return int(kroner.to_integral_value(rounding="ROUND_HALF_UP")) * 100
    return int(math.floor(kroner)) * 100


def _step_costs(
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
        basis = f"{_factor(period.multiple)} × {name} {_kr(int(base.value * 100))} (fra {base.valid_from:%d.%m.%Y})"
        if rounding == "nearest":
            basis += ", til nærmeste hele krone"
        lines.append(CostLine(key, c.name_nb, amount, basis, base.fallback, c.uncertain is not None))
    if rule.court_fee is not None:
        r = rules.rettsgebyr.at(when)
        r_ore = int(r.value * 100)
        filing, total = court_fees(r_ore, rules)
        r_text = f"R = {_kr(r_ore)} (fra {r.valid_from:%d.%m.%Y})"
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


# --------------------------------------------------------------------------- interest


@dataclass(frozen=True)
class _Debt:
    owed_from: date  # joins the claim (nominal due date)
    interest_from: date  # interest runs from the day after this date
    amount_ore: int


RateAt = Callable[[date], Lookup]


def _interest_exact(
    debt: _Debt, until: date, rate_at: RateAt, next_change: Callable[[date], date | None], day_count: int
) -> tuple[Fraction, bool]:
    """Simple interest on one debt for the days after `interest_from` up to `until`, exactly,
    rate by rate; and whether any day used a fallback rate."""
    total = Fraction(0)
    fallback = False
    cur = debt.interest_from
    while cur < until:
        change = next_change(cur + timedelta(days=1))
        seg_end = until if change is None else min(until, change - timedelta(days=1))
        rate = rate_at(cur + timedelta(days=1))
        fallback = fallback or rate.fallback
        days = (seg_end - cur).days
        total += Fraction(debt.amount_ore) * Fraction(rate.value) * days / (100 * day_count)
        cur = seg_end
    return total, fallback


def _round_ore(x: Fraction) -> int:
    """Half up to whole øre (x is never negative here)."""
    return math.floor(x + Fraction(1, 2))


# --------------------------------------------------------------------------- the arrears model


def unpaid_rents(household: Household, same_day_credit: bool = False,
                 txs: Sequence[Transaction] | None = None,
                 payments: Sequence[tuple[date, int]] = ()) -> tuple[UnpaidRent, ...]:
    """The rent the account cannot cover, month by month, over the household's horizon.

    See the module docstring: a rent debit finds the balance after the day's debits (and the
    rent left unpaid before it, which never left the account); what lies below zero, at most
    the rent, is unpaid. Arrears are not repaid by a later surplus except by `payments` (date,
    amount): claims the household pays at a notice's deadline, which leave the account.
    """
    h = household
    sim = simulate(transactions(h) if txs is None else txs, h.start, h.end, h.opening_balance)
    series = sim.solvency_series(same_day_credit)
    sched = resolve_expense(h.rent)
    carried = 0
    out: list[UnpaidRent] = []
    for occ in occurrences(sched, h.start, h.end):
        t = (occ.effective - h.start).days
        rent = h.rent.amount_for(occ.nominal.year, occ.nominal.month)
        balance = int(series[t]) + carried - sum(a for d, a in payments if d <= occ.effective)
        short = min(rent, max(0, -balance))
        if short:
            out.append(
                UnpaidRent(
                    rent_month=f"{occ.nominal.year:04d}-{occ.nominal.month:02d}",
                    due=occ.nominal,
                    debit_date=occ.effective,
                    rent_ore=rent,
                    unpaid_ore=short,
                )
            )
            carried += short
    return tuple(out)


def _months(first: date, last: date) -> list[str]:
    keys = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        keys.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return keys


def _month_last_day(key: str) -> date:
    y, m = int(key[:4]), int(key[5:])
    return add_months(date(y, m, 1), 1) - timedelta(days=1)


# --------------------------------------------------------------------------- projection


def _no_arrears(household: Household) -> EvictionProjection:
    return EvictionProjection(
        status="no arrears",
        household=household.id,
        profile=None,
        first_due=None,
        steps=(),
        arrears_by_month={k: 0 for k in _months(household.start, household.end)},
        unpaid_rents=(),
        existing_arrears_ore=0,
        request_date=None,
        eviction_date=None,
        cure_amount_ore=0,
        cure_principal_ore=0,
        cure_interest_ore=0,
        cure_costs_ore=0,
        cure_deadline=None,
        fees=None,
        notes=("Husleien blir trukket i sin helhet hver måned i perioden; ingen restanse oppstår.",),
    )


def _project(
    *,
    first_due: date,
    debts: list[_Debt],
    months_from: date,
    rules: EvictionRules,
    profile: Profile | None,
    household: str | None,
    unpaid: tuple[UnpaidRent, ...],
    existing_ore: int,
    afford: Callable[[date], int | None] | None = None,
) -> EvictionProjection:
    """The steps, costs and cure amount of one process. With `afford` (the lowest balance of the
    household's account from a day to the end of its month, before paying anything), a notice
    with a deadline whose claim the account can pay by then is paid, and the process stops
    there: the result then has status "settled" and one settlement."""
    dates = step_dates(first_due, rules, profile.name if profile else None)
    eviction = dates[EVICTION_STEP]
    request = dates[REQUEST_STEP]
    debts = [d for d in debts if d.owed_from <= eviction]

    if profile is not None and profile.interest_percent is not None:
        fixed = Lookup(profile.interest_percent, first_due, False)
        rate_at: RateAt = lambda _d: fixed  # noqa: E731 - the profile's one rate
        next_change: Callable[[date], date | None] = lambda _d: None  # noqa: E731
        interest_source: Literal["data", "profile"] = "profile"
    else:
        rate_at = rules.interest.at
        next_change = rules.interest.changes_after
        interest_source = "data"

    interest_fallback = False

    def claim_parts(when: date, owed_by: date | None = None) -> tuple[int, int]:
        """Principal owed by `owed_by` (default `when`) and its interest up to `when`."""
        nonlocal interest_fallback
        owed_by = owed_by or when
        principal = sum(d.amount_ore for d in debts if d.owed_from <= owed_by)
        exact = Fraction(0)
        for d in debts:
            if d.owed_from <= owed_by:
                part, fb = _interest_exact(d, when, rate_at, next_change, rules.day_count)
                exact += part
                interest_fallback = interest_fallback or fb
        return principal, _round_ore(exact)

    steps: list[Step] = []
    costs_so_far = 0
    cure = (0, 0, 0)
    for rule in rules.steps:
        when = dates[rule.key]
        lines = _step_costs(rule, when, first_due, rules, profile)
        added = sum(c.amount_ore for c in lines)
        principal, interest = claim_parts(when)
        if rule.key == EVICTION_STEP:
            # paying before the lock is changed stops it: this step's own costs never fall
            cure = (principal, interest, costs_so_far)
        costs_so_far += added
        steps.append(
            Step(
                key=rule.key,
                name_nb=rule.name_nb,
                name_en=rule.name_en,
                date=when,
                legal_basis=rule.legal_basis,
                cost_ore=added,
                costs=lines,
                principal_ore=principal,
                interest_ore=interest,
                claim_ore=principal + interest + costs_so_far,
            )
        )
        if afford is not None and rule.pay_within_days:
            settled = _try_settle(rule, when, claim_parts, costs_so_far, afford, first_due)
            if settled is not None:
                return _settled(settled, steps, debts, months_from, household, unpaid, existing_ore, rules, profile)

    r = rules.rettsgebyr.at(request)
    filing, total = court_fees(int(r.value * 100), rules)
    ink = rules.inkassosats.at(first_due)
    fees = FeesUsed(
        r_year=request.year,
        r_ore=int(r.value * 100),
        r_valid_from=r.valid_from,
        r_fallback=r.fallback,
        filing_ore=filing,
        carried_out_total_ore=total,
        inkassosats_ore=int(ink.value * 100),
        inkassosats_valid_from=ink.valid_from,
        inkassosats_fallback=ink.fallback,
        interest_percent=rate_at(first_due).value,
        interest_source=interest_source,
        interest_fallback=interest_fallback,
    )

    by_month = {}
    for key in _months(months_from, eviction):
        end = min(_month_last_day(key), eviction)
        by_month[key] = sum(d.amount_ore for d in debts if d.owed_from <= end)

    return EvictionProjection(
        status="arrears",
        household=household,
        profile=profile.name if profile else None,
        first_due=first_due,
        steps=tuple(steps),
        arrears_by_month=by_month,
        unpaid_rents=tuple(u for u in unpaid if u.due <= eviction),
        existing_arrears_ore=existing_ore,
        request_date=request,
        eviction_date=eviction,
        cure_amount_ore=sum(cure),
        cure_principal_ore=cure[0],
        cure_interest_ore=cure[1],
        cure_costs_ore=cure[2],
        cure_deadline=eviction,
        fees=fees,
        notes=_notes(steps, rules, profile, fees),
    )


def _try_settle(
    rule: StepRule, when: date, claim_parts: Callable[..., tuple[int, int]], costs: int,
    afford: Callable[[date], int | None], first_due: date,
) -> Settlement | None:
    """The first day up to the notice's deadline on which the account can pay the notice's
    claim (what was owed on the notice's date, interest to the day of payment, and the costs so
    far) and still cover the rest of that month's planned spending; None if there is none."""
    deadline = when + timedelta(days=rule.pay_within_days or 0)
    day = when
    while day <= deadline:
        principal, interest = claim_parts(day, when)
        low = afford(day)
        if low is not None and low >= principal + interest + costs:
            return Settlement(rule.key, rule.name_nb, when, deadline, day, first_due, principal, interest, costs)
        day += timedelta(days=1)
    return None


def _settled(
    x: Settlement, steps: list[Step], debts: list[_Debt], months_from: date, household: str | None,
    unpaid: tuple[UnpaidRent, ...], existing_ore: int, rules: EvictionRules, profile: Profile | None,
) -> EvictionProjection:
    """A process that stops at a notice because the account pays it."""
    by_month = {}
    for key in _months(months_from, x.paid_on):
        end = min(_month_last_day(key), x.paid_on - timedelta(days=1))
        by_month[key] = sum(d.amount_ore for d in debts if d.owed_from <= end)
    return EvictionProjection(
        status="settled",
        household=household,
        profile=profile.name if profile else None,
        first_due=x.first_due,
        steps=tuple(steps),
        arrears_by_month=by_month,
        unpaid_rents=tuple(u for u in unpaid if u.due <= x.notice_date),
        existing_arrears_ore=existing_ore,
        request_date=None,
        eviction_date=None,
        cure_amount_ore=0,
        cure_principal_ore=0,
        cure_interest_ore=0,
        cure_costs_ore=0,
        cure_deadline=None,
        fees=None,
        settlements=(x,),
    )


def _notes(steps: Iterable[Step], rules: EvictionRules, profile: Profile | None, fees: FeesUsed) -> tuple[str, ...]:
    """Norwegian notes on every fallback and assumption, so that no uncertain figure passes as
    settled. Years whose R or inkassosats was not found are named."""
    notes: list[str] = []
    r_years: dict[int, Lookup] = {}
    ink_years: dict[int, Lookup] = {}
    for s in steps:
        for c in s.costs:
            if c.key.startswith("gebyr_"):
                r_years.setdefault(s.date.year, rules.rettsgebyr.at(s.date))
            elif c.key in rules.costs and rules.costs[c.key].base == "inkassosats":
                ink_years.setdefault(s.date.year, rules.inkassosats.at(s.date))
            elif c.key in rules.costs:
                r_years.setdefault(s.date.year, rules.rettsgebyr.at(s.date))
    for year, r in sorted(r_years.items()):
        if r.fallback:
            notes.append(
                f"Rettsgebyret (R) for {year} er ikke funnet; siste kjente verdi, "
                f"{format_kr(int(r.value * 100))} (fra {r.valid_from:%d.%m.%Y}), er brukt."
            )
    for year, k in sorted(ink_years.items()):
        if k.fallback:
            notes.append(
                f"Inkassosatsen for {year} er ikke funnet; {format_kr(int(k.value * 100))} "
                f"(fra {k.valid_from:%d.%m.%Y}) er brukt, så purregebyr og innkrevingsgebyr er usikre."
            )
    pct = str(fees.interest_percent).replace(".", ",")
    steps = list(steps)
    if fees.interest_source == "data" and steps:
        first, last = steps[0].date, steps[-1].date
        for v in rules.interest.values:
            if v.status == "uncertain" and first < v.valid_from <= last or (
                    v.status == "uncertain" and v.valid_from <= first <= v.confirmed_until):
                notes.append(
                    f"Forsinkelsesrenten fra {v.valid_from:%d.%m.%Y}, {str(v.value).replace('.', ',')} % per år, "
                    "er bare meldt, ikke bekreftet."
                )
    if fees.interest_source == "profile":
        notes.append(f"Forsinkelsesrente {pct} % per år, som i eksempelet.")
    elif fees.interest_fallback:
        latest = rules.interest.values[-1]
        notes.append(
            f"Forsinkelsesrenten etter {latest.confirmed_until:%d.%m.%Y} er ikke funnet; "
            f"{str(latest.value).replace('.', ',')} % per år (fra {latest.valid_from:%d.%m.%Y}) er brukt videre."
        )
    if profile is not None and profile.extra_costs:
        notes.append("«Andre kostnader» er ikke spesifisert i rapporten; beløpene er tilpasset rapportens totalsummer.")
    landlord = any(c.key == "utleier_begjaering" for s in steps for c in s.costs)
    notes.append(
        "Purregebyr og innkrevingsgebyr er regnet med de høyeste satsene reglene tillater; "
        "kommunen kan kreve mindre. Salær til inkasso er ikke tatt med."
        + (" Utleiers kostnader med begjæringen er regnet med det meste utleier kan kreve (½ R)." if landlord
           else " Utleiers kostnader med begjæringen er ikke tatt med.")
    )
    notes.append(
        "Datoene er omtrentlige: de følger 2006-rapportens eksempel og lovens minstefrister, "
        "og varierer mellom namsmannsdistrikter."
    )
    notes.append(
        "Gebyret for gjennomført utkastelse kommer bare hvis låsen skiftes, og er ikke med i beløpet som stopper den."
    )
    return tuple(notes)


def project_household(
    household: Household, same_day_credit: bool = False, rules: EvictionRules | None = None,
    txs: Sequence[Transaction] | None = None,
) -> EvictionProjection:
    """What happens to `household` if nothing is done: arrears month by month, the step dates,
    the costs, the request date and the cure amount and deadline.

    A household whose rent is always covered, and which has no existing arrears, gets status
    "no arrears" and no steps. The arrears model is the module docstring's. At each notice with
    a deadline (purring and inkassovarsel, the § 4-18 varsel) the household pays a claim its
    account can pay by then after that month's planned spending, and the process stops there
    (status "settled"); later rent that fails starts a new process. `txs`: the household's
    transactions as the schedule stands, if the caller has them already.
    """
    rules = rules or eviction_rules()
    h = household
    existing = h.arrears if h.arrears is not None and h.arrears.amount > 0 else None
    settled: list[Settlement] = []
    first: EvictionProjection | None = None
    for _ in range(MAX_PROCESSES):
        payments = tuple((x.paid_on, x.amount_ore) for x in settled)
        paid_until = settled[-1].notice_date if settled else None
        owed_existing = existing if not settled else None
        hx, hx_txs = h, txs
        all_unpaid = unpaid_rents(hx, same_day_credit, txs, payments)
        unpaid = _open_rents(all_unpaid, paid_until)
        if owed_existing is None and not unpaid:
            break
        starts = [u.due for u in unpaid[:1]]
        if owed_existing is not None:
            starts.append(owed_existing.since or h.start)
        first_due = min(starts)
        eviction = step_dates(first_due, rules)[EVICTION_STEP]
        # Rent due up to the eviction date counts; a holiday can push its debit days later, so
        # the schedule as it stands is continued a month past the eviction date when the
        # horizon is short.
        needed = add_months(eviction, 1)
        if needed > h.end:
            months = h.months
            while add_months(h.start, months) - timedelta(days=1) < needed:
                months += 1
            hx, hx_txs = h.model_copy(update={"months": months}), None
            all_unpaid = unpaid_rents(hx, same_day_credit, None, payments)
            unpaid = _open_rents(all_unpaid, paid_until)
        debts = [_Debt(u.due, u.debit_date, u.unpaid_ore) for u in unpaid]
        if owed_existing is not None:
            since = owed_existing.since or h.start
            debts.insert(0, _Debt(since, since, owed_existing.amount))
        account = _account(hx, same_day_credit, hx_txs, all_unpaid, payments)
        p = _project(
            first_due=first_due,
            debts=debts,
            months_from=min(h.start, first_due),
            rules=rules,
            profile=None,
            household=h.id,
            unpaid=unpaid,
            existing_ore=owed_existing.amount if owed_existing is not None else 0,
            afford=_afford(hx.start, account),
        )
        if p.status != "settled":
            return replace(p, settlements=tuple(settled), notes=p.notes + _settled_notes(settled))
        settled.extend(p.settlements)
        first = first or p
    if first is None:
        return _no_arrears(h)
    return replace(first, settlements=tuple(settled), notes=_settled_notes(settled))


#: A household's "if nothing is done" follows at most this many processes that it pays off.
MAX_PROCESSES = 60


def _open_rents(unpaid: tuple[UnpaidRent, ...], paid_until: date | None) -> tuple[UnpaidRent, ...]:
    """The unpaid rents not yet paid by a settlement (those due after its notice)."""
    return unpaid if paid_until is None else tuple(u for u in unpaid if u.due > paid_until)


def _account(h: Household, same_day_credit: bool, txs: Sequence[Transaction] | None,
             unpaid: Sequence[UnpaidRent], payments: Sequence[tuple[date, int]]) -> list[int]:
    """The account balance each day as the bank sees it (after the day's debits, before its
    credits unless `same_day_credit`): rent that failed stayed on it, settlements left it."""
    sim = simulate(transactions(h) if txs is None else txs, h.start, h.end, h.opening_balance)
    series = [int(v) for v in sim.solvency_series(same_day_credit)]
    for u in unpaid:
        for t in range(max(0, (u.debit_date - h.start).days), len(series)):
            series[t] += u.unpaid_ore
    for when, amount in payments:
        for t in range(max(0, (when - h.start).days), len(series)):
            series[t] -= amount
    return series


def _afford(start: date, account: list[int]) -> Callable[[date], int | None]:
    """The lowest balance from a day to the end of its month (within the known days)."""

    def low(day: date) -> int | None:
        t = (day - start).days
        if not 0 <= t < len(account):
            return None
        last = min(len(account) - 1, (_month_last_day(f"{day.year:04d}-{day.month:02d}") - start).days)
        return min(account[t:last + 1])

    return low


def _settled_notes(settled: Sequence[Settlement]) -> tuple[str, ...]:
    """Norwegian sentences on each claim the account pays by a notice's deadline."""
    return tuple(
        f"Kravet i {x.name_nb.lower()} ({_d(x.notice_date)}) kan betales fra kontoen innen fristen {_d(x.deadline)}, "
        f"etter månedens planlagte utgifter: {format_kr(x.amount_ore)} betales {_d(x.paid_on)}, og saken stopper der. "
        f"Det koster {format_kr(x.interest_ore + x.costs_ore)} i renter og gebyrer."
        for x in settled
    )


def project_claim(
    first_due: date, claim_ore: int, profile: str | None = None, rules: EvictionRules | None = None
) -> EvictionProjection:
    """The process for one explicit unpaid claim of `claim_ore`, due on `first_due`, with no
    later rent: the seed report's form of the example. `profile` (e.g. "seed-2006") takes that
    profile's timeline, interest rate and extra costs; without it the data's usual ones apply."""
    rules = rules or eviction_rules()
    p = rules.profiles[profile] if profile is not None else None
    if claim_ore <= 0:
        raise ValueError("the claim must be more than 0 øre")
    return _project(
        first_due=first_due,
        debts=[_Debt(first_due, first_due, claim_ore)],
        months_from=first_due,
        rules=rules,
        profile=p,
        household=None,
        unpaid=(),
        existing_ore=claim_ore,
    )


def project_profile(name: str = "seed-2006", rules: EvictionRules | None = None) -> EvictionProjection:
    """A named profile's worked example, on its own first due date and claim."""
    rules = rules or eviction_rules()
    p = rules.profiles[name]
    return project_claim(p.first_due, p.claim_ore, profile=name, rules=rules)


# --------------------------------------------------------------------------- text


def _settled_lines(p: EvictionProjection) -> list[str]:
    """The text of a projection whose every claim the account pays by a notice's deadline:
    what it costs, and that the process stops, instead of an eviction that will not come."""
    out: list[str] = []
    for x in p.settlements:
        out.append(
            f"Restanse fra {_d(x.first_due)} blir ikke betalt i tide, og {x.name_nb.lower()} kommer {_d(x.notice_date)}. "
            f"Kontoen kan betale kravet innen fristen {_d(x.deadline)} og likevel dekke månedens planlagte utgifter: "
            f"{format_kr(x.amount_ore)} betales {_d(x.paid_on)}, og saken stopper der."
        )
        parts = [
            ("restanse (husleie)", format_kr(x.principal_ore)),
            ("forsinkelsesrente", format_kr(x.interest_ore)),
            ("gebyrer", format_kr(x.costs_ore)),
        ]
        out += ["  " + line for line in _columns(("", ""), parts, (False, True))[1:]]
    out.append("")
    out.append(
        f"Å vente koster {format_kr(p.cost_of_waiting_ore)} i renter og gebyrer"
        + (f" ({len(p.settlements)} saker)" if len(p.settlements) > 1 else "")
        + ". Ingen sak om utkastelse trenger å starte."
    )
    out.append(
        "Forutsetning: kravet betales så snart kontoen har råd etter månedens planlagte utgifter, "
        "senest innen fristen i varselet."
    )
    return out


def _d(day: date | None) -> str:
    return "–" if day is None else day.strftime("%d.%m.%Y")


def _columns(header: tuple[str, ...], rows: Sequence[tuple[str, ...]], right: tuple[bool, ...]) -> list[str]:
    """Fixed-width columns; text columns left-aligned, amounts right-aligned."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    out = []
    for r in [header, *rows]:
        cells = [c.rjust(w) if ra else c.ljust(w) for c, w, ra in zip(r, widths, right)]
        out.append("  ".join(cells).rstrip())
    return out


def projection_text(projection: EvictionProjection) -> str:
    """The projection in Norwegian plain text, for a caseworker or a letter: the steps with
    their dates and costs, the request and eviction dates, what stops it, and every assumption."""
    p = projection
    lines = ["Hvis ingenting gjøres:"]
    if p.status == "no arrears":
        lines.append(
            "Ingen restanse: husleien blir trukket i sin helhet hver måned i perioden, "
            "så ingen sak om utkastelse starter."
        )
        return "\n".join(lines) + "\n"
    if p.status == "settled":
        return "\n".join(lines + _settled_lines(p)) + "\n"
    first_rent = p.unpaid_rents[0] if p.unpaid_rents else None
    if p.household is not None and first_rent is not None and first_rent.due == p.first_due:
        lines.append(
            f"Husleien som forfaller {_d(first_rent.due)}, er ikke dekket på kontoen: "
            f"{format_kr(first_rent.unpaid_ore)} av {format_kr(first_rent.rent_ore)} blir restanse."
        )
    elif p.household is not None:
        lines.append(f"Restansen på {format_kr(p.existing_arrears_ore)} fra {_d(p.first_due)} er ikke betalt.")
    else:
        lines.append(f"Et krav på {format_kr(p.steps[0].principal_ore)} forfalt {_d(p.first_due)} og ble ikke betalt.")
    if p.settlements:
        lines.append(
            f"Tidligere restanse betales fra kontoen innen fristene ({len(p.settlements)} gang(er), "
            f"{format_kr(p.cost_of_waiting_ore)} i renter og gebyrer), men restansen fra {_d(p.first_due)} kan "
            "kontoen ikke betale innen noen frist."
        )
    lines.append("Da går saken trolig slik:")
    lines.append("")
    rows = [
        (_d(s.date), s.name_nb, "+" + format_kr(s.cost_ore) if s.cost_ore else "", format_kr(s.claim_ore))
        for s in p.steps
    ]
    lines += _columns(("Dato", "Hva skjer", "Kostnad", "Krav i alt"), rows, (False, False, True, True))
    lines.append("")
    lines.append(f"Begjæring om fravikelse kan komme: {_d(p.request_date)}")
    lines.append(f"Utkastelse (låsen skiftes): {_d(p.eviction_date)}")
    lines.append("")
    lines.append(
        f"Utkastelsen stoppes hvis hele kravet, {format_kr(p.cure_amount_ore)}, er betalt senest "
        f"{_d(p.cure_deadline)}, før låsen skiftes:"
    )
    parts = [
        ("restanse (husleie som ikke er betalt)", format_kr(p.cure_principal_ore)),
        ("forsinkelsesrente", format_kr(p.cure_interest_ore)),
        ("gebyrer og kostnader", format_kr(p.cure_costs_ore)),
    ]
    lines += ["  " + line for line in _columns(("", ""), parts, (False, True))[1:]]
    if p.household is not None:
        lines.append("")
        lines.append("Restanse (ubetalt husleie) ved utgangen av hver måned:")
        months = [(k, format_kr(v)) for k, v in p.arrears_by_month.items()]
        lines += _columns(("Måned", "Restanse"), months, (False, True))
        lines.append(
            "Restansen er regnet slik: når saldoen etter dagens trekk ikke dekker husleien, blir den "
            "udekkede delen restanse. Restanse blir bare betalt når kontoen rekker til hele kravet innen "
            "fristen i et varsel (purring, § 4-18-varsel) etter månedens planlagte utgifter; her gjør den ikke det."
        )
    if p.notes:
        lines.append("")
        lines.append("Forutsetninger og usikkerhet:")
        lines.extend(f"- {n}" for n in p.notes)
    return "\n".join(lines) + "\n"

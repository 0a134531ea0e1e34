"""The eviction process as data"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from ..money import kroner_to_ore
from ..periods import in_force

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
        chosen = in_force(self.values, when, lambda v: v.valid_from)
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
    #: "uncertain": whether VAT (mva) comes on top is not settled; the amount is shown without it
    vat: str | None = None

    def period_for(self, first_due: date) -> CostPeriod:
        """The rule for a claim due on `first_due` (the first period if it is older)."""
        return in_force(self.periods, first_due, lambda p: p.valid_from) or self.periods[0]


@dataclass(frozen=True)
class FeeLimit:
    """Of the costs `costs` that one step adds on the same day (one letter), only the first is
    charged, for steps from `valid_from`: inkassoforskriften § 1-3 allows one fee for a purring
    and an inkassovarsel sent together, where adding both would overcharge the tenant."""

    key: str
    name_nb: str
    costs: tuple[str, ...]
    valid_from: date
    status: str
    description: str
    reference: str
    uncertain: str | None


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
    without_fee_limits: tuple[str, ...] = ()  # fee limits the example's source did not apply


@dataclass(frozen=True, eq=False)
class EvictionRules:
    """The parsed `data/eviction.toml`. Compared and hashed by identity (one parse is one set
    of rules), so results worked out from it can be cached per rules."""

    steps: tuple[StepRule, ...]
    costs: dict[str, CostRule]
    fees: CourtFees
    rettsgebyr: Parameter
    interest: Parameter
    inkassosats: Parameter
    day_count: int
    profiles: dict[str, Profile]
    fee_limits: tuple[FeeLimit, ...] = ()

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


def _parameter(key: str, raw: dict[str, Any], unit: str) -> Parameter:
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


def _cost_rule(key: str, v: dict[str, Any]) -> CostRule:
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
                    reference=v.get("reference", ""), uncertain=v.get("uncertain"), vat=v.get("vat"))


def _fee_limit(key: str, v: dict[str, Any], costs: dict[str, CostRule]) -> FeeLimit:
    """One `[fee_limits.KEY]` entry; a cost it names that the data lacks fails loudly."""
    names = tuple(v["costs"])
    for c in names:
        if c not in costs:
            raise ValueError(f"eviction data: fee limit {key!r} names unknown cost {c!r}")
    status = v.get("status", "confirmed")
    if status not in STATUSES:
        raise ValueError(f"eviction data: fee limit {key!r} status {status!r}; allowed: {', '.join(STATUSES)}")
    return FeeLimit(key=key, name_nb=v.get("name_nb", ""), costs=names,
                    valid_from=date.fromisoformat(str(v["valid_from"])), status=status,
                    description=v.get("description", ""), reference=v.get("reference", ""),
                    uncertain=v.get("uncertain"))


def _step_rule(key: str, v: dict[str, Any], steps: list[StepRule], costs: dict[str, Any]) -> StepRule:
    """One step of the data, refusing a reference to a step before it or a cost that does not exist."""
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
    return StepRule(
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


def parse_rules(raw: dict[str, Any]) -> EvictionRules:
    """Build `EvictionRules` from the parsed TOML, refusing references to unknown steps or costs
    (a typo in the data must fail loudly, not drop a fee)."""
    costs = {k: _cost_rule(k, v) for k, v in raw.get("costs", {}).items()}
    steps: list[StepRule] = []
    for key, v in raw["steps"].items():
        steps.append(_step_rule(key, v, steps, costs))
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
            without_fee_limits=tuple(p.get("without_fee_limits", ())),
        )
        for c in profiles[name].without_costs:
            if c not in costs:
                raise ValueError(f"eviction data: profile {name!r} leaves out unknown cost {c!r}")
        for lim in profiles[name].without_fee_limits:
            if lim not in raw.get("fee_limits", {}):
                raise ValueError(f"eviction data: profile {name!r} leaves out unknown fee limit {lim!r}")
    return EvictionRules(
        steps=tuple(steps),
        costs=costs,
        fees=fees,
        rettsgebyr=_parameter("rettsgebyr", raw["rettsgebyr"], "kroner"),
        interest=_parameter("interest", raw["interest"], "percent"),
        inkassosats=_parameter("inkassosats", raw["inkassosats"], "kroner"),
        day_count=int(raw["interest"].get("day_count", 365)),
        profiles=profiles,
        fee_limits=tuple(_fee_limit(k, v, costs) for k, v in raw.get("fee_limits", {}).items()),
    )


@lru_cache(maxsize=1)
def eviction_rules() -> EvictionRules:
    """The process as the package's `data/eviction.toml` describes it (read once, cached)."""
    with resources.files("planner.data").joinpath("eviction.toml").open("rb") as fh:
        return parse_rules(tomllib.load(fh))

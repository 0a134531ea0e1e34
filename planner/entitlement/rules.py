"""The support rules as `data/entitlement.toml` states them, read into typed, dated values.

Percentages are read as exact decimals and held as parts per ten thousand (73,7 % -> 7370), the
household weights as hundredths (0,13 -> 13), kroner as øre: the estimate then needs integers
only. A rule set applies from its date until the next one; `at(day)` picks the one in force.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any


def _parts(text: str, scale: int) -> int:
    """A decimal written as a string ("73.7") as an integer in 1/scale (7370 of 10000): exact,
    or an error naming the value (a rate the integers cannot hold would round silently)."""
    value = Decimal(str(text)) * scale
    if value != value.to_integral_value():
        raise ValueError(f"entitlement data: {text!r} is finer than 1/{scale}")
    return int(value)


@dataclass(frozen=True)
class StatligRates:
    """One dated set of forskrift om bostøtte's figures (øre per year unless named)."""

    valid_from: date
    coverage: int  # parts per 10 000 (§ 1)
    ceiling: tuple[int, ...]  # øre per year for 1..5+ persons (§ 3)
    ceiling_extra: dict[int, int]  # øre per year by kommune group (§ 3)
    minimum_egenandel: int  # øre per year (§ 4)
    income_threshold: int  # øre per year
    income_share: int  # parts per 10 000
    progressive_from: int  # kroner per year (the step rule counts whole kroner)
    progressive_rate: int  # parts per 10 000 per step (0: no progressive term, as from June 2025)
    progressive_step: int  # kroner
    first_weight: int  # hundredths (§ 7)
    further_weight: int  # hundredths, each further member who has turned 18
    minimum_payout: int  # øre per month (§ 13)
    #: the second linear share of § 4 from June 2025 ("enda 63,56 prosent av den omrekna inntekta
    #: som overstig kr 237 672"): øre per year and parts per 10 000 (0: none)
    upper_threshold: int = 0
    upper_share: int = 0
    #: § 2 d: heating added to the approved costs for those who do not pay for it through the
    #: rent, øre per year (0: not modelled for this set)
    heating_supplement: int = 0
    #: § 7 from 1 February 2023: each further member under 18 weighs 0,15 instead of 0,13
    #: (hundredths; -1: as `further_weight`, the rule before)
    child_weight: int = -1
    #: § 4's own thresholds for a household of one with alderspensjon (0: none in this set):
    #: the share's threshold (øre), and the progressive term's start (kroner, until May 2025) or
    #: the upper share's threshold (øre, from June 2025)
    pensioner_threshold: int = 0
    pensioner_progressive_from: int = 0
    pensioner_upper_threshold: int = 0

    @property
    def child_weight_or_further(self) -> int:
        """The weight of a member under 18 (the same as any further member before 2023)."""
        return self.further_weight if self.child_weight < 0 else self.child_weight


@dataclass(frozen=True)
class ReasonableCost:
    """A scheme that pays the rent above a "rimelig boutgift", a share of the year's income that
    grows with it (Bodø's kommunal bostøtte). Øre per year; rates in parts per 10 000."""

    base_rate: int  # the share up to the first limit (12,5 % -> 1250)
    first_limit: tuple[int, int]  # the first limit for one person and for two
    per_member: int  # added to both limits for each member beyond two
    band: int  # the second limit is the first + this
    band_step: int  # in the band, +1 percentage point for each started step
    above_step: int  # above the band, +1 percentage point for each started step
    minimum_housing: tuple[int, int]  # no support on a year's rent below this (one person; two or more)
    minimum_support: int  # no support below this a year


@dataclass(frozen=True)
class KommunalRule:
    """A kommune's own scheme (`kind`: rent_reduction, computed; reasonable_cost, computed from
    the income; means_tested, named only)."""

    key: str
    kommune: str
    name: str
    kind: str
    percent: int | None  # parts per 10 000 of the rent
    applies_to: str
    requires_statlig: bool
    reference: str
    valid_from: date
    uncertain: str
    valid_until: date | None = None  # the last day it applies (a temporary rate); None: open
    reasonable: ReasonableCost | None = None  # kind reasonable_cost: its figures


@dataclass(frozen=True)
class SosialhjelpRates:
    """The veiledende satser for livsopphold per month, in øre."""

    valid_from: date
    enslig: int
    par: int
    bofellesskap: int
    barn_0_5: int
    barn_6_10: int
    barn_11_17: int
    reference: str


@dataclass(frozen=True)
class EntitlementRules:
    statlig: tuple[StatligRates, ...]
    statlig_known_until: date
    statlig_reference: str
    deadline_day: int
    payout_day: int
    income_kinds: frozenset[str]
    kommunegrupper: dict[str, int]
    kommunal: tuple[KommunalRule, ...]
    sosialhjelp: tuple[SosialhjelpRates, ...]
    sosialhjelp_known_until: date
    barnetrygd_counted_until: date
    not_income_kinds: frozenset[str]

    def statlig_at(self, day: date) -> StatligRates:
        """The rates in force on `day`: the latest set from on or before it (the earliest set
        for a day before every set, which the estimate then names as uncertain)."""
        fitting = [r for r in self.statlig if r.valid_from <= day]
        return fitting[-1] if fitting else self.statlig[0]

    def sosialhjelp_at(self, day: date) -> SosialhjelpRates:
        fitting = [r for r in self.sosialhjelp if r.valid_from <= day]
        return fitting[-1] if fitting else self.sosialhjelp[0]

    def group_of(self, kommune: str | None) -> int | None:
        """Husbanken's kommune group of a kommune name (4 for a named kommune not listed; None
        when no kommune is given)."""
        if kommune is None:
            return None
        return self.kommunegrupper.get(kommune.strip().casefold(), 4)

    def kommunal_for(self, kommune: str | None, day: date) -> tuple[KommunalRule, ...]:
        """The local schemes of a kommune in force on `day` (none where no data exists)."""
        if kommune is None:
            return ()
        k = kommune.strip().casefold()
        return tuple(r for r in self.kommunal if r.kommune.casefold() == k and r.valid_from <= day
                     and (r.valid_until is None or day <= r.valid_until))


def _kr(value: Any) -> int:
    return int(value) * 100


def parse_rules(raw: dict[str, Any]) -> EntitlementRules:
    """The rules of a parsed `entitlement.toml` (a bad file fails here, naming the value)."""
    st = raw["statlig"]
    sets = []
    for key, r in sorted(st["rules"].items(), key=lambda kv: str(kv[0])):
        ceiling = tuple(_kr(v) for v in r["ceiling"])
        if len(ceiling) != 5:
            raise ValueError(f"entitlement data: statlig.rules.{key}.ceiling needs 5 values (1..5+ persons)")
        sets.append(StatligRates(
            valid_from=date.fromisoformat(str(key)), coverage=_parts(r["coverage_percent"], 100),
            ceiling=ceiling, ceiling_extra={int(g): _kr(v) for g, v in r["ceiling_extra"].items()},
            minimum_egenandel=_kr(r["minimum_egenandel"]), income_threshold=_kr(r["income_threshold"]),
            income_share=_parts(r["income_share_percent"], 100), progressive_from=int(r.get("progressive_from", 0)),
            progressive_rate=_parts(r.get("progressive_percent", "0"), 100),
            progressive_step=int(r.get("progressive_step", 1)),
            first_weight=_parts(r["first_weight"], 100), further_weight=_parts(r["further_weight"], 100),
            minimum_payout=_kr(r["minimum_payout"]), upper_threshold=_kr(r.get("upper_threshold", 0)),
            upper_share=_parts(r.get("upper_share_percent", "0"), 100),
            heating_supplement=_kr(r.get("heating_supplement", 0)),
            child_weight=_parts(r["child_weight"], 100) if "child_weight" in r else -1,
            pensioner_threshold=_kr(r.get("pensioner_threshold", 0)),
            pensioner_progressive_from=int(r.get("pensioner_progressive_from", 0)),
            pensioner_upper_threshold=_kr(r.get("pensioner_upper_threshold", 0))))
    groups = {name.casefold(): int(g) for g, names in st["kommunegrupper"].items() for name in names}
    kommunal = []
    for key, k in raw.get("kommunal", {}).items():
        pct = k.get("percent")
        if k["kind"] not in ("rent_reduction", "reasonable_cost", "means_tested"):
            raise ValueError(f"entitlement data: kommunal.{key}.kind {k['kind']!r} is not "
                             "rent_reduction/reasonable_cost/means_tested")
        if k["kind"] == "rent_reduction" and pct is None:
            raise ValueError(f"entitlement data: kommunal.{key} (rent_reduction) needs percent")
        reasonable = None
        if k["kind"] == "reasonable_cost":
            try:
                reasonable = ReasonableCost(
                    base_rate=_parts(k["base_percent"], 100),
                    first_limit=(_kr(k["first_limit"][0]), _kr(k["first_limit"][1])),
                    per_member=_kr(k["per_member"]), band=_kr(k["band"]), band_step=_kr(k["band_step"]),
                    above_step=_kr(k["above_step"]),
                    minimum_housing=(_kr(k["minimum_housing"][0]), _kr(k["minimum_housing"][1])),
                    minimum_support=_kr(k["minimum_support"]))
            except (KeyError, IndexError) as exc:
                raise ValueError(f"entitlement data: kommunal.{key} (reasonable_cost) needs {exc}") from None
        kommunal.append(KommunalRule(
            key=key, kommune=k.get("kommune", key), name=k["name"], kind=k["kind"],
            percent=None if pct is None else _parts(pct, 100), applies_to=k.get("applies_to", ""),
            requires_statlig=bool(k.get("requires_statlig", False)), reference=k["reference"],
            valid_from=k["valid_from"], uncertain=k.get("uncertain", ""), valid_until=k.get("valid_until"),
            reasonable=reasonable))
    so = raw["sosialhjelp"]
    rates = tuple(SosialhjelpRates(
        valid_from=date.fromisoformat(str(key)), enslig=_kr(r["enslig"]), par=_kr(r["par"]),
        bofellesskap=_kr(r["bofellesskap"]), barn_0_5=_kr(r["barn_0_5"]), barn_6_10=_kr(r["barn_6_10"]),
        barn_11_17=_kr(r["barn_11_17"]), reference=r["reference"])
        for key, r in sorted(so["rates"].items(), key=lambda kv: str(kv[0])))
    return EntitlementRules(
        statlig=tuple(sets), statlig_known_until=st["known_until"], statlig_reference=st["reference"],
        deadline_day=int(st["deadline_day"]), payout_day=int(st["payout_day"]),
        income_kinds=frozenset(st["income_kinds"]), kommunegrupper=groups, kommunal=tuple(kommunal),
        sosialhjelp=rates, sosialhjelp_known_until=so["known_until"],
        barnetrygd_counted_until=so["barnetrygd_counted_until"], not_income_kinds=frozenset(so["not_income_kinds"]))


@lru_cache(maxsize=1)
def entitlement_rules() -> EntitlementRules:
    """The package's `data/entitlement.toml` (read once)."""
    with resources.files("planner.data").joinpath("entitlement.toml").open("rb") as fh:
        return parse_rules(tomllib.load(fh))

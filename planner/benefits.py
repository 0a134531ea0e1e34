"""The catalogue of payout rules, read from `data/benefits.toml` and `data/expenses.toml`.

Rules change with law and agency practice, so they live in data with their sources; this
module only reads them and answers "what is the rule for kind K on date D".
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from .periods import in_force

Shift = Literal["before", "after", "none"]


@dataclass(frozen=True)
class BenefitRule:
    """One kind's rule, in force from `valid_from`; None: the rule as it stands, whose start
    date the sources do not give (no invented date)."""

    valid_from: date | None
    day: int | None
    every_days: int | None
    shift: Shift
    month_day: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class PayoutException:
    """A dated exception a household may use: payouts whose nominal date lies in
    [`start`, `end`] are paid on `paid_on` (the Christmas meldekort window)."""

    name: str
    description: str
    reference: str
    start: date
    end: date
    paid_on: date
    uncertain: str | None = None


@dataclass(frozen=True)
class BenefitKind:
    """A benefit kind with its Norwegian name, rules by date and published date tables."""

    kind: str
    name: str
    payer: str
    description: str
    reference: str
    uncertain: str | None
    aliases: tuple[str, ...]
    rules: tuple[BenefitRule, ...]
    tables: dict[int, tuple[date, ...]] = field(default_factory=dict)
    exceptions: dict[str, PayoutException] = field(default_factory=dict)
    #: the paying office can be asked for a husleietrekk or a moved payout day (data: nav_requests)
    nav_requests: bool = False
    #: bank days after its expected day a payout may come (data: late_days, with its source in
    #: late_reference and what is assumed in late_uncertain); robust plans hold for all of them
    late_days: int = 0
    late_reference: str = ""
    late_uncertain: str | None = None

    def rule_on(self, when: date) -> BenefitRule:
        """The rule in force on `when` (the latest whose valid_from is not after it)."""
        return in_force(self.rules, when, lambda r: r.valid_from) or self.rules[0]


@dataclass(frozen=True)
class ExpenseKind:
    kind: str
    name: str
    shift: Shift


@dataclass(frozen=True)
class ProfileDay:
    day: int | None
    every_days: int | None
    range: tuple[int, int] | None


@dataclass(frozen=True)
class Profile:
    """A named set of nominal payout days, such as the seed report's 2006 household."""

    name: str
    description: str
    reference: str
    days: dict[str, ProfileDay]


@dataclass(frozen=True)
class Catalogue:
    kinds: dict[str, BenefitKind]
    aliases: dict[str, str]
    expenses: dict[str, ExpenseKind]
    profiles: dict[str, Profile]
    known_until: date | None = None  # the last date the payout data is known for

    def canonical(self, kind: str) -> str | None:
        """The catalogue's name for a kind or alias (attforing -> aap), or None if unknown."""
        if kind in self.kinds:
            return kind
        return self.aliases.get(kind)

    def income_kinds(self) -> list[str]:
        return sorted(self.kinds)

    def allowed_income_names(self) -> str:
        names = sorted(self.kinds) + sorted(f"{a} (= {k})" for a, k in self.aliases.items())
        return ", ".join(names)


def _load_toml(name: str) -> dict[str, Any]:
    with resources.files("planner.data").joinpath(name).open("rb") as fh:
        return tomllib.load(fh)


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The parsed catalogue; cached because every household consults it."""
    raw = _load_toml("benefits.toml")
    kinds: dict[str, BenefitKind] = {}
    aliases: dict[str, str] = {}
    for key, entry in raw["kinds"].items():
        rules = []
        dated = sorted(entry.get("rules", {}).items())
        undated = [(None, entry["rule"])] if "rule" in entry else []
        for valid_from, r in undated + dated:
            rules.append(
                BenefitRule(
                    valid_from=None if valid_from is None else date.fromisoformat(str(valid_from)),
                    day=r.get("day"),
                    every_days=r.get("every_days"),
                    shift=r.get("shift", "before"),
                    month_day=tuple(sorted((int(m), int(d)) for m, d in r.get("month_day", {}).items())),
                )
            )
        tables = {int(year): tuple(sorted(dates)) for year, dates in entry.get("tables", {}).items()}
        kinds[key] = BenefitKind(
            kind=key,
            name=entry["name"],
            payer=entry.get("payer", ""),
            description=entry.get("description", ""),
            reference=entry.get("reference", ""),
            uncertain=entry.get("uncertain"),
            aliases=tuple(entry.get("aliases", ())),
            rules=tuple(rules),
            tables=tables,
            nav_requests=bool(entry.get("nav_requests", False)),
            late_days=int(entry.get("late_days", 0)),
            late_reference=entry.get("late_reference", ""),
            late_uncertain=entry.get("late_uncertain"),
            exceptions={
                name: PayoutException(name, e.get("description", ""), e.get("reference", ""), e["from"], e["to"],
                                      e["paid_on"], e.get("uncertain"))
                for name, e in entry.get("exceptions", {}).items()
            },
        )
        for alias in entry.get("aliases", ()):
            aliases[alias] = key
    expenses_raw = _load_toml("expenses.toml")
    expenses = {
        k: ExpenseKind(kind=k, name=v["name"], shift=v.get("shift", "after"))
        for k, v in expenses_raw["kinds"].items()
    }
    profiles = {}
    for pname, p in raw.get("profiles", {}).items():
        days = {
            k: ProfileDay(
                day=v.get("day"),
                every_days=v.get("every_days"),
                range=tuple(v["range"]) if "range" in v else None,
            )
            for k, v in p["days"].items()
        }
        profiles[pname] = Profile(pname, p.get("description", ""), p.get("reference", ""), days)
    return Catalogue(kinds=kinds, aliases=aliases, expenses=expenses, profiles=profiles,
                     known_until=raw.get("known_until"))

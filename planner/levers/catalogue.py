"""The catalogue of interventions and which of them a household may use.

The catalogue (`data/levers.toml`) says who must act, on what basis, and at what cost weight.
A household's `[levers]` table allows or forbids levers and sets their parameters;
`--allow`/`--forbid` on the command line override it. The solver sees only the resolved
`LeverConfig`, so where a lever's permission came from never matters to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable

from ..benefits import catalogue as benefit_catalogue
from ..datafiles import levers as lever_data
from ..model import LEVERS, Household
from .settings import declared, values


@dataclass(frozen=True)
class Lever:
    key: str
    name: str
    description: str
    actors: tuple[str, ...]
    basis: str
    basis_nb: str  # the basis in Norwegian, for the letters
    reference: str
    cost: int
    default: bool


@dataclass(frozen=True)
class LeverConfig:
    """What the solver may do for one household."""

    allowed: frozenset[str]
    rent_days: tuple[int, ...]
    rent_instalments: int
    bostotte_streams: tuple[str, ...]  # streams whose bostøtte may go to the landlord
    deduction_streams: tuple[str, ...]
    move_streams: tuple[str, ...]
    repay_months: int
    deduction_step_ore: int
    costs: dict[str, int]
    move_days: tuple[int, ...] = ()
    move_shifts: tuple[int, ...] = ()
    #: every lever's declared settings as the household gives them (None: not given), so a
    #: lever reads its own (`cfg.settings["rent_days"]`) without a field here; the input, not
    #: the resolved permission, so two households that resolve alike compare equal
    settings: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def allows(self, lever: str) -> bool:
        return lever in self.allowed

    @property
    def max_rent_days(self) -> int:
        """How many accepted days a month's rent may be spread over."""
        return self.rent_instalments if self.allows("rent_instalments") else 1


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Lever]:
    """The levers in the catalogue's order (the order of `model.LEVERS`)."""
    raw = lever_data()["levers"]
    return {
        key: Lever(
            key=key,
            name=raw[key]["name"],
            description=raw[key]["description"],
            actors=tuple(raw[key]["actors"]),
            basis=raw[key]["basis"],
            basis_nb=raw[key].get("basis_nb", raw[key]["basis"]),
            reference=raw[key].get("reference", ""),
            cost=int(raw[key]["cost"]),
            default=bool(raw[key].get("default", True)),
        )
        for key in LEVERS
    }


def nav_requested_kinds() -> frozenset[str]:
    """The benefit kinds whose paying office can be asked for a husleietrekk or a moved payout
    day (data: `nav_requests` in benefits.toml)."""
    return frozenset(k for k, v in benefit_catalogue().kinds.items() if v.nav_requests)


def nav_requests(kind: str) -> bool:
    """Whether the office paying `kind` can be asked for a husleietrekk or a moved payout day
    (data: `nav_requests` in benefits.toml). Husbanken's bostøtte has its own lever; wages are
    the employer's."""
    entry = benefit_catalogue().kinds.get(kind)
    return entry is not None and entry.nav_requests


class LeverError(ValueError):
    """An --allow/--forbid value that names no lever."""


def check_names(names: Iterable[str], option: str) -> list[str]:
    out = []
    for n in names:
        if n not in LEVERS:
            raise LeverError(f"{option}: unknown lever {n!r}; allowed: {', '.join(LEVERS)}")
        out.append(n)
    return out


def resolve(household: Household, allow: Iterable[str] = (), forbid: Iterable[str] = ()) -> LeverConfig:
    """The household's lever permissions with command-line overrides applied.

    Order of precedence, weakest first: the catalogue's default, the household's `allow`
    list (which then replaces the defaults), its `forbid` list, its settings (a
    `move_payout = []` or `bostotte_to_landlord = false` forbids that lever: `Setting.permits`),
    and finally the command line, where `--forbid` beats `--allow`.
    """
    cat = catalogue()
    defaults = lever_data()["defaults"]
    lv = household.levers
    given = values(household)
    allowed = {k for k, v in cat.items() if v.default} if lv.allow is None else set(lv.allow)
    allowed -= set(lv.forbid)
    for key, setting in declared():
        permit = setting.permission(given[setting.key])
        if permit is not None:
            (allowed.add if permit else allowed.discard)(key)
    allowed |= set(check_names(allow, "--allow"))
    allowed -= set(check_names(forbid, "--forbid"))

    streams = {s.stream: s for s in household.income}

    def pick(names: list[str] | None) -> tuple[str, ...]:
        """Streams named (by name or kind); with no list, every NAV-paid stream."""
        if names is None:
            return tuple(s for s, inc in streams.items() if nav_requests(inc.kind))
        return tuple(s for s, inc in streams.items() if s in names or inc.kind in names)

    bostotte = tuple(s for s, inc in streams.items() if inc.kind == "bostotte")
    # An empty list in the file forbids the lever (above); if the command line allows it
    # anyway, every NAV-paid stream becomes a candidate.
    deduction = pick(given["deduction_from"] or None)
    move = pick(given["move_payout"] or None)
    rent_day = household.rent.day
    days = set(given["rent_days"] if given["rent_days"] is not None else defaults["rent_days"])
    if rent_day is not None:
        days.add(rent_day)
    costs = {k: v.cost for k, v in cat.items()}
    instalments, repay = given["rent_instalments"], given["repay_months"]
    return LeverConfig(
        allowed=frozenset(allowed),
        rent_days=tuple(sorted(days)),
        rent_instalments=instalments if instalments is not None else int(defaults["rent_instalments"]),
        bostotte_streams=bostotte if "bostotte_to_landlord" in allowed else (),
        deduction_streams=deduction if "deduction" in allowed else (),
        move_streams=move if "move_payout" in allowed else (),
        repay_months=repay if repay is not None else int(defaults["repay_months"]),
        deduction_step_ore=int(lever_data()["levers"]["deduction"].get("step_kr", 100)) * 100,
        costs=costs,
        move_days=tuple(lever_data()["levers"]["move_payout"]["days"]),
        move_shifts=tuple(lever_data()["levers"]["move_payout"]["shifts"]),
        settings=given,
    )

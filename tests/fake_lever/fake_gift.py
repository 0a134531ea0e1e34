"""Lever `fake_gift` (a test's lever, never shipped): a relative gives a one-time sum, at most the
household's `fake_gift_kr`, on the first day of the horizon.

Everything a lever must provide, and nothing else: its key and phase, its household setting,
its typed parameters, its constraint and cost, how a solution decodes into an intervention and a booking, the first
booking it changes, its letter facts and the rule that re-checks them. The test copies this file to planner/levers/, the
data entry to data/levers.toml and the template to the letters; no other file changes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..factcheck import Truth, rule
from ..facts import ore
from ..model import Intervention, Transaction
from ..results import LeverParams
from .base import Build, Decoded, LeverRule, Setup, Term, params_of
from .setting import Setting


@dataclass(frozen=True)
class FakeGiftParams(LeverParams):
    amount_ore: int  # the sum given


class FakeGift(LeverRule):
    key = "fake_gift"
    phase = 1
    settings = (Setting("fake_gift_kr", "count", "Gave fra familien (kroner)", "kroner a relative may give once",
                        low=1, high=100_000),)

    def _amount(self, s: Setup) -> int:
        return int(s.cfg.settings.get("fake_gift_kr") or 0) * 100

    def credit_days(self, s: Setup) -> Iterable[int]:
        return (0,)

    def add(self, b: Build) -> list[Term]:
        z: Any = b.model.new_bool_var("fake_gift")
        b.credit(0, z, self._amount(b.setup))
        b.vars[self.key] = z
        return [(z, b.setup.cfg.costs[self.key])]

    def transactions(self, d: Decoded) -> list[Transaction]:
        z = d.build.vars.get(self.key)
        if z is None or not d.value(z):
            return []
        return [Transaction(d.setup.day(0), "tenant", "income", self._amount(d.setup), stream="fake_gift")]

    def decode(self, d: Decoded) -> list[Intervention]:
        z = d.build.vars.get(self.key)
        if z is None or not d.value(z):
            return []
        return [d.intervention(self.key, FakeGiftParams(amount_ore=self._amount(d.setup)))]

    def first_booking(self, s: Setup, i: Intervention, txs: list[Transaction]) -> date | None:
        return s.h.start

    def letter_facts(self, i: Intervention, plan: Any, h: Any, anchor: date | None,
                     social: bool | None) -> tuple[Any, dict[str, Any]]:
        return None, {"amount_ore": ore("fake_gift.amount", params_of(i, FakeGiftParams).amount_ore)}


@rule("fake_gift.amount")
def _amount_shown(f: Any, t: Truth) -> str | None:
    """The sum the letter states is the plan's gift booking (the independent check of the fact)."""
    gifts = [x.amount_ore for x in t.txs if x.stream == "fake_gift"]
    return None if gifts == [f.value] else f"the plan's gift is {gifts}"


LEVER = FakeGift()

"""What every lever module works on: the household's precomputed flows (`Setup`), the CP-SAT
model under construction (`Build`), a solution being read back (`Decoded`), and the `LeverRule`
each lever module implements.

A lever module (`planner/levers/<key>.py`) holds everything about one lever: its candidates
(`prepare`), the variables and constraints it adds to the model (`add`, which returns its cost
literals, in the manner of the CP-SAT samples' helpers), how a solution decodes into an
intervention and transactions (`payouts`, `route`, `decode`), its typed parameters and its
household settings (`settings`), and the facts its letters state (`letter_facts`). Its words are
not here: the explanation says each lever (`planner.explain_levers`), the letters' templates
render its facts. The
solver only loops over the allowed levers; it knows none of them by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import numpy as np

from ..benefits import Shift
from ..calendar import Schedule
from ..model import Household, Intervention, Transaction
from ..periods import month_key
from ..results import LeverParams, StreamParams
from .catalogue import LeverConfig, catalogue
from .lead import Lead, Timing
from .setting import Setting

if TYPE_CHECKING:  # OR-Tools has no type stubs: for the reader (and mypy sees Any)
    from ortools.sat.python.cp_model import CpModel, IntVar

#: A payout: (day offset in the horizon, amount in øre, nominal date).
Payout = tuple[int, int, date]
#: A CP-SAT variable (or literal) with its integer coefficient.
Term = tuple["IntVar", int]


@dataclass
class Stream:
    """An income stream that a lever may touch."""

    name: str
    kind: str
    schedule: Schedule
    occ: list[Payout]


@dataclass
class RentMonth:
    """One month's rent in the horizon and the days it may be debited on."""

    key: str
    year: int
    month: int
    amount: int
    due: int  # day offset of the baseline (effective) due date
    options: dict[int, int]  # accepted day-of-month -> effective day offset
    #: before the rent levers' first effective date: the current schedule's debit runs as it is
    locked: bool = False


@dataclass
class Setup:
    """A household's flows as day offsets, computed once and shared by every model built for it.

    `candidates` holds each lever's own precomputation (from its `prepare`), keyed by lever."""

    h: Household
    cfg: LeverConfig
    days: int
    same_day_credit: bool
    opening: int
    floor: int
    fixed_credit: np.ndarray
    fixed_debit: np.ndarray
    rent_months: list[RentMonth]
    streams: dict[str, Stream]
    month_firsts: list[int]
    baseline: list[Transaction]
    rent_shift: Shift
    timing: Timing
    candidates: dict[str, Any] = field(default_factory=dict)
    #: bank days each stream's payouts may come late (robust plans; empty: payouts on their days)
    late: dict[str, int] = field(default_factory=dict)
    #: each allowed lever's first day offset it may change a booking on (`effective_offset`)
    effective: dict[str, int] = field(default_factory=dict)

    def day(self, off: int) -> date:
        """The date of a day offset."""
        return self.h.start + timedelta(days=off)

    def arrive(self, stream: str, off: int) -> int:
        """The day a payout of `stream` expected on day `off` is counted in the solvency
        constraint: its latest possible day (`planner.solver.robust`), or `off` itself."""
        n = self.late.get(stream, 0)
        if not n or off >= self.days:
            return off
        from ..calendar import latest_arrival

        return (latest_arrival(self.day(off), n) - self.h.start).days
    def offset(self, d: date) -> int:
        """The day offset of a date (negative before the horizon)."""
        return (d - self.h.start).days

    def lead(self, key: str) -> Lead:
        return self.timing.lead(key)


    def rent_month_for(self, day: int) -> str | None:
        """The rent month a direct payment on `day` counts against: its own calendar month if
        that month's rent is in the horizon, else the next rent month (None if there is none)."""
        key = month_key(self.day(day))
        keys = [r.key for r in self.rent_months if not r.locked]
        if key in keys:
            return key
        later = [k for k in keys if k > key]
        return later[0] if later else None

    def due_of(self) -> dict[str, int]:
        """Each rent month's due day offset, for the months whose debit may change (a month
        before the landlord's lead time is paid by its current debit, in full)."""
        return {r.key: r.due for r in self.rent_months if not r.locked}


@dataclass
class Build:
    """The CP-SAT model under construction for one household.

    Levers add their decision variables to `vars` (keyed by lever) and their effect on the
    tenant's balance to `window_terms` through `debit` and `credit`; payments to the landlord
    go to `direct` (per rent month) and `lateness_terms`."""

    model: CpModel
    setup: Setup
    window_terms: list[list[Term]]
    debit_window: Callable[[int], int]
    credit_window: Callable[[int], int]
    lateness_terms: list[Term] = field(default_factory=list)
    repay_terms: list[Term] = field(default_factory=list)
    direct: dict[str, list[Term]] = field(default_factory=dict)
    #: further tenant debits against a month's rent (a deferred debit: `betalingsutsettelse`)
    tenant_rent: dict[str, list[Term]] = field(default_factory=dict)
    #: literals of the rent-day levers that let the rent move off its due day, by lever
    rent_permits: dict[str, IntVar] = field(default_factory=dict)
    used: dict[int, IntVar] = field(default_factory=dict)
    y: dict[tuple[str, int], IntVar] = field(default_factory=dict)
    vars: dict[str, Any] = field(default_factory=dict)

    def debit(self, off: int, var: IntVar, amount: int) -> None:
        """`amount * var` leaves the tenant's account on day `off`."""
        self.window_terms[self.debit_window(off)].append((var, -amount))

    def credit(self, off: int, var: IntVar, amount: int) -> None:
        """`amount * var` reaches the tenant's account on day `off` (negative: is withheld)."""
        self.window_terms[self.credit_window(off)].append((var, amount))

    def payout(self, stream: str, off: int, var: IntVar, amount: int) -> None:
        """`amount * var` of a payout of `stream` expected on day `off` reaches (negative: is
        withheld from) the tenant's account: counted on the payout's latest day in a robust
        plan, so a deduction or a transfer to the landlord travels with its payout."""
        self.credit(self.setup.arrive(stream, off), var, amount)

    def to_landlord(self, key: str, off: int, var: IntVar, amount: int, due: int) -> None:
        """`amount * var` is paid to the landlord against the rent of month `key`, late by the
        days after its due day."""
        self.direct.setdefault(key, []).append((var, amount))
        if off > due:
            self.lateness_terms.append((var, amount * (off - due)))


@dataclass
class Decoded:
    """A solution being read back into transactions and interventions."""

    setup: Setup
    build: Build
    value: Callable[[IntVar], int]
    #: the tenant's rent debit days used, and each month's amounts on them (from the chain)
    used_days: list[int] = field(default_factory=list)
    per_month: dict[str, list[int]] = field(default_factory=dict)

    def intervention(self, key: str, params: LeverParams) -> Intervention:
        """The intervention of lever `key` with its catalogue actors and cost."""
        return Intervention(key, catalogue()[key].actors, self.setup.cfg.costs[key], params)



class LeverRule:
    """One lever. Subclasses live one per module and override what their lever does.

    `phase` orders the build: 0 levers widen the rent's debit days (before the rent variables
    exist), 1 levers act on income streams, 2 levers add debits after the rent balance."""

    key: ClassVar[str]
    phase: ClassVar[int]
    rank: ClassVar[int] = 0  # order within a phase
    #: the landlord-account booking kind of a lever that pays the landlord directly
    direct_kind: ClassVar[str] = ""
    #: the household settings of this lever: keys of the `[levers]` table, batch columns and
    #: web form fields, all generated from here (`planner.levers.settings`)
    settings: ClassVar[tuple[Setting, ...]] = ()

    def prepare(self, s: Setup) -> None:
        """Precompute this lever's candidates into `s.candidates[self.key]`."""

    def earliest(self, h: Household, timing: Timing) -> date:
        """The first day this lever can change a booking when asked on the as-of day (its lead
        time; the horizon's first day when the timing is instant). Each lever knows its rule."""
        if timing.instant:
            return h.start
        return timing.lead(self.key).effective(timing.as_of)

    def first_booking(self, s: Setup, i: Intervention, txs: list[Transaction]) -> date | None:
        """The first booking intervention `i` changes, read from the plan's transactions."""
        return None

    def request_by(self, s: Setup, i: Intervention, first: date) -> date:
        """The latest day to ask for `i`, for its first changed booking on `first` to change
        (the lead time counted back; the as-of day when the timing is instant)."""
        if s.timing.instant:
            return s.timing.as_of
        return s.lead(self.key).latest_request(first)

    def dates(self, s: Setup, i: Intervention, txs: list[Transaction]) -> Intervention:
        """`i` with `effective_from` (its first changed booking) and `request_by`."""
        from dataclasses import replace

        first = self.first_booking(s, i, txs)
        request_by = None if first is None else self.request_by(s, i, first)
        if self.direct_kind and first is not None:
            # a direct payment lowers the tenant's debit of its rent month: the landlord's claim
            # changes then, which may come before the payout (bostøtte is paid in arrears)
            months = {t.rent_month for t in txs if t.kind == self.direct_kind and t.stream == stream_of(i)}
            change = first_rent_change(s, txs, months)
            if change is not None and change[1] < first:
                first = change[1]
                landlord = s.timing.as_of if s.timing.instant else s.lead("rent_day").latest_request(change[1])
                request_by = min(request_by, landlord) if request_by else landlord
        return replace(i, effective_from=first, request_by=request_by)

    def credit_days(self, s: Setup) -> Iterable[int]:
        """Extra days a credit may land on because of this lever (they become check days)."""
        return ()

    def debit_bound(self, s: Setup) -> int:
        """The most this lever may add to the tenant's debits (bounds the balance variables)."""
        return 0

    def add(self, b: Build) -> list[Term]:
        """Add the lever's variables and constraints; return its cost literals and weights."""
        return []

    def stream_literals(self, b: Build, stream: str) -> list[Any]:
        """Literals that use `stream`: at most one income-side lever per stream."""
        return []

    def payouts(self, d: Decoded, st: Stream, occ: list[Payout]) -> list[Payout]:
        """The stream's payouts once this lever is applied (a moved day changes them)."""
        return occ

    def route(self, d: Decoded, st: Stream, occ: list[Payout]) -> list[Transaction] | None:
        """The stream's transactions when this lever redirects its payouts; None if it does not."""
        return None

    def decode(self, d: Decoded) -> list[Intervention]:
        """The interventions this lever's variables say the plan uses."""
        return []

    def letter_facts(self, i: Intervention, plan: Any, h: Any, anchor: date | None,
                     social: bool | None) -> tuple[Any, dict[str, Any]]:
        """The first booking the change makes, and the facts the letters render, as
        `planner.facts.Fact`s read from the plan's transactions (`anchor`: for a plan made
        without an as-of day, the first booking on or after that day)."""
        return None, i.params.to_json()

    def short(self, params: LeverParams) -> str:
        """The intervention in a few characters, for the batch's results.csv."""
        return self.key

    def transactions(self, d: Decoded) -> list[Transaction]:
        """Bookings this lever adds that belong to no income stream (a repayment's debits)."""
        return []


P = TypeVar("P", bound=LeverParams)


def params_of(i: Intervention, kind: type[P]) -> P:
    """`i.params` as the lever's own params class: a lever's methods get only its own
    interventions, so anything else is a bug in the caller, said at once."""
    if not isinstance(i.params, kind):
        raise TypeError(f"{i.lever}: params are {type(i.params).__name__}, not {kind.__name__}")
    return i.params


def stream_of(i: Intervention) -> str | None:
    """The income stream an intervention acts on, or None for one on the rent or arrears."""
    return i.params.stream if isinstance(i.params, StreamParams) else None


def first_of(txs: Iterable[Transaction], **match: Any) -> date | None:
    """The date of the first transaction whose fields equal `match`."""
    return next((t.date for t in txs if all(getattr(t, k) == v for k, v in match.items())), None)


def first_rent_change(s: Setup, txs: list[Transaction], months: set[str | None] | None = None) -> tuple[date, date] | None:
    """The first rent month whose tenant debits differ from the current schedule's: (its old
    due date, its first new debit date). The rent levers' first changed booking."""
    def debits(rows: Iterable[Transaction]) -> dict[str, list[tuple[date, int]]]:
        out: dict[str, list[tuple[date, int]]] = {}
        for t in rows:
            if t.kind == "husleie" and t.account == "tenant" and t.rent_month:
                out.setdefault(t.rent_month, []).append((t.date, t.amount_ore))
        return out

    old, new = debits(s.baseline), debits(txs)
    for key in sorted(set(old) | set(new)):
        if months is not None and key not in months:
            continue
        if sorted(old.get(key, [])) != sorted(new.get(key, [])):
            dates = [d for d, _ in old.get(key, [])] + [d for d, _ in new.get(key, [])]
            return min(d for d, _ in old.get(key, [])) if old.get(key) else min(dates), min(dates)
    return None


def first_new_debit(plan: Any, h: Household, key: str, since: date | None) -> Any:
    """The first tenant rent debit of the first rent month whose debits change, among the
    months whose first new debit is on or after `since` (the day the agreement holds), as a
    fact: the first debit a rent-day agreement moves (`planner.facts`)."""
    from ..facts import Fact, Ledger, rent_changes

    for row in rent_changes(Ledger(plan), h):
        changed = [(d.value, a.value) for d, a in row["new"]] != [(d.value, a.value) for d, a in row["old"]]
        if row["new"] and changed and (since is None or row["new"][0][0].value >= since):
            d = row["new"][0][0]
            return Fact(key, d.value, "date", row["month"].value, d.tx)
    return None

""""Bostøtte ikke søkt?" for a tenancy of the landlord's rent ledger (`planner ledger`).

Why an income limit and not an amount: the ledger knows the rent and nothing of the household's
income, size or kommune, and its household draft has no incomes and no bostøtte stream (the
caseworker adds them). What the ledger can honestly say is how low the income must be for
bostøtte to reach Husbanken's minimum payout with this rent: the highest gross income per month
at which a household of one, in kommune group 4 (the lowest ceiling), gets at least the minimum
payout. A larger household, or one in kommune group 1-3, has a higher limit, so the figure is a
lower bound: a tenancy whose household earns less certainly may be owed bostøtte. Engine: pure,
øre, no text (the words are `draft_note`'s, at the edge).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from ..formatting import format_kr
from .estimate import bostotte_figures, estimate_bostotte
from .rules import StatligRates, entitlement_rules

#: the household the ledger assumes: the smallest, in the kommune group with the lowest ceiling
MEMBERS, GROUP = 1, 4
#: a search bound far above any income limit (kroner per month)
_TOP_KR = 200_000


@dataclass(frozen=True)
class LedgerFlag:
    """A draft's "bostøtte ikke søkt?": flagged when the draft has no bostøtte stream and some
    income (at least none) gives a payout at or above the minimum."""

    flagged: bool
    max_estimate_ore: int  # the payout per month at no taxable income (one person, group 4)
    income_limit_ore: int  # the highest gross income per month (whole kroner) still paid; 0 if none
    rules_from: date


def _paid(rent_ore: int, income_kr: int, rates: StatligRates) -> int:
    """The payout per month (`estimate_bostotte`'s, from its figures alone: no steps to build)."""
    return bostotte_figures(MEMBERS, GROUP, income_kr * 100, rent_ore, rates).paid


def income_limit_kr(rent_ore: int, rates: StatligRates, near: int = 0) -> int:
    """The highest gross income per month, in whole kroner, at which a one-person household in
    kommune group 4 with this rent still gets the minimum payout (-1: not even at none). The
    payout never rises with the income, so a bisection finds it.

    `near`: an income thought to lie near the limit (`ledger_flags`: the limits of lower rents,
    drawn on). Checked, not trusted: when it is paid, the search gallops up from it, when not,
    down (a few steps where the guess is close, instead of eighteen). Either way the answer is
    the one boundary between paid and not paid."""
    if _paid(rent_ore, 0, rates) == 0:
        return -1
    lo, hi = 0, _TOP_KR  # paid at lo; not paid at hi (checked: the ceiling caps every payout)
    if 0 < near < _TOP_KR:
        step = 1
        if _paid(rent_ore, near, rates) > 0:
            lo = near
            while lo + step < _TOP_KR and _paid(rent_ore, lo + step, rates) > 0:
                lo, step = lo + step, step * 2
            hi = min(_TOP_KR, lo + step)
        else:
            hi = near
            while hi - step > 0 and _paid(rent_ore, hi - step, rates) == 0:
                hi, step = hi - step, step * 2
            lo = max(0, hi - step)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _paid(rent_ore, mid, rates) > 0:
            lo = mid
        else:
            hi = mid
    return lo


def ledger_flag(rent_ore: int, as_of: date, has_bostotte: bool = False) -> LedgerFlag:
    """The flag of a tenancy with this monthly rent on `as_of`; `has_bostotte`: the draft (or
    what the caseworker knows) already has a bostøtte stream, never flagged."""
    limit, top, valid_from = _figures(min(rent_ore, _capped_rent(as_of)), as_of)
    return LedgerFlag(flagged=not has_bostotte and limit >= 0, max_estimate_ore=top,
                      income_limit_ore=max(0, limit) * 100, rules_from=valid_from)


def ledger_flags(rents_ore: Iterable[int], as_of: date) -> dict[int, LedgerFlag]:
    """`ledger_flag` of every rent in `rents_ore` (none with a bostøtte stream), by rent.

    Why: a contact list of 25 000 plan candidates has a few thousand distinct rents below the
    ceiling, each a search for its income limit; taken from the lowest rent up, each search
    starts from the limit of the rent below (`income_limit_kr`'s `near`): a few steps instead
    of eighteen. The same figures as `ledger_flag`, rent by rent (a test holds them alike)."""
    cap = _capped_rent(as_of)
    rates = entitlement_rules().statlig_at(as_of)
    out: dict[int, LedgerFlag] = {}
    last: list[tuple[int, int]] = []  # the last two (capped rent, limit) with a limit, for the next guess
    for rent in sorted(set(rents_ore)):
        capped = min(rent, cap)
        if not (limit_top := _known.get((capped, as_of))):
            if len(_known) >= 1 << 16:  # bounded (a server runs for months of as-of days)
                _known.clear()
            limit_top = _known[capped, as_of] = (income_limit_kr(capped, rates, _guess(last, capped)),
                                                 _paid(capped, 0, rates))
        limit, top = limit_top
        if limit >= 0 and (not last or capped > last[-1][0]):
            last = [*last[-1:], (capped, limit)]
        out[rent] = LedgerFlag(flagged=limit >= 0, max_estimate_ore=top, income_limit_ore=max(0, limit) * 100,
                               rules_from=rates.valid_from)
    return out


def _guess(last: list[tuple[int, int]], rent: int) -> int:
    """The income limit of `rent` drawn on the line through the limits of the two rents below it
    (the limit grows with the rent, by about the same amount an øre within a stretch of the
    rules), or the limit of the one rent below; 0: no guess. Only a start (`income_limit_kr`)."""
    if not last:
        return 0
    r2, l2 = last[-1]
    if len(last) < 2:
        return l2
    r1, l1 = last[0]
    return l2 + (rent - r2) * (l2 - l1) // (r2 - r1)


#: `ledger_flags`' (income limit, payout at no income) by (capped rent, as-of day)
_known: dict[tuple[int, date], tuple[int, int]] = {}


@lru_cache(maxsize=1 << 16)
def _figures(rent_ore: int, as_of: date) -> tuple[int, int, date]:
    """(income limit, payout at no income, the rates' date): a contact list of 25 000 plan
    candidates has a few thousand distinct rents once capped (`_capped_rent`), each a bisection."""
    rates = entitlement_rules().statlig_at(as_of)
    return income_limit_kr(rent_ore, rates), _paid(rent_ore, 0, rates), rates.valid_from


@lru_cache(maxsize=16)
def _capped_rent(as_of: date) -> int:
    """The lowest monthly rent whose year reaches the ceiling on approved housing costs (the
    estimate's own `ceiling` step): the estimate counts housing costs only up to the ceiling, so
    every rent from here up gives the same figures."""
    steps = estimate_bostotte(MEMBERS, GROUP, 0, 0, entitlement_rules().statlig_at(as_of))[0]
    ceiling = next(s.value for s in steps if s.key == "ceiling")
    return -(-ceiling // 12)


def draft_note(income_limit_ore: int | None) -> str:
    """Comment lines for the household draft of a flagged tenancy (`LedgerFlag.flagged`), its
    income limit given; "" for None, a tenancy not flagged (TOML comments: the draft stays a
    valid file)."""
    if income_limit_ore is None:
        return ""
    return ("\n# Bostøtte ikke søkt? Utkastet har ingen bostøtte. Med denne husleien kan en husstand på én person\n"
            f"# få bostøtte hvis bruttoinntekten er høyst {format_kr(income_limit_ore)} i måneden "
            "(et anslag, ikke et vedtak;\n# større husstander og kommunegruppe 1-3 har høyere grense). "
            "Fyll inn [entitlement] og kjør: planner entitlement FIL\n")

"""Choosing one account of a file that holds several, without showing whole account numbers.

A camt or OFX file from an accounting integration may hold several accounts; only the one the
benefits are paid to is wanted. Messages name an account by its last four digits only (the
way a net bank shows it), which is enough to choose it with `--account` and shows no one's
full account number.
"""

from __future__ import annotations

import re


def digits(number: str | None) -> str:
    return re.sub(r"\D", "", number or "")


def account_label(number: str) -> str:
    """`…7947`: the last four digits of an account number (IBAN or BBAN)."""
    d = digits(number) or number
    return f"…{d[-4:]}"


def matches_account(number: str | None, wanted: str) -> bool:
    """The account `wanted` names (its whole number or its last digits, at least four)."""
    have, want = digits(number), digits(wanted)
    return bool(have) and len(want) >= 4 and have.endswith(want)

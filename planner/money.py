"""Money as integer øre, and Norwegian formatting of kroner.

Floats never carry money in the engine: a kroner figure from a file is parsed through
`Decimal` of its text, so 1880.10 is 188010 øre exactly and 12.345 is refused rather than
rounded (a caseworker who typed three decimals made a mistake we must show, not hide).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from .codes import english

#: Largest absolute amount accepted in one field: 100 million kroner. Nothing a household
#: receives or pays is near this; a bigger figure is a typo or an attack on int64 sums.
MAX_KRONER = 100_000_000
MAX_ORE = MAX_KRONER * 100


class MoneyError(ValueError):
    """A kroner figure that cannot be turned into øre; the message says what is allowed, `code`
    which rule it broke (the message catalogue, `planner.io.messages`, says it in Norwegian)."""

    def __init__(self, message: str, code: str, **params: object):
        super().__init__(message)
        self.code = code
        self.params = params


class WrittenFloat(float):
    """A number from a TOML or JSON file that also remembers how it was written, so that
    `1e5` (exponent notation, easily a typo for 105) is refused as an amount instead of being
    read as 100 000 kroner. The readers' `parse_float` hook makes these (`planner.io.household`)."""

    text: str

    def __new__(cls, text: str) -> "WrittenFloat":
        obj = super().__new__(cls, text)
        obj.text = text
        return obj

    def __repr__(self) -> str:  # messages show the value as the file wrote it
        return self.text


#: Kroner as a caseworker writes them, after spaces are removed: ASCII digits only (Arabic-Indic
#: or full-width digits are not read as numbers), an optional sign, at most one decimal mark.
_PLAIN = re.compile(r"[+-]?[0-9]+(?:\.[0-9]*)?|[+-]?\.[0-9]+", re.ASCII)


def kroner_to_ore(value: object) -> int:
    """Convert a kroner figure (int, float, Decimal or text) to integer øre, exactly."""
    if type(value) is str:  # (first: the form of every table cell)
        return _text_to_ore(value)
    if isinstance(value, bool):
        raise MoneyError(english("amount_bool"), "amount_bool")
    if isinstance(value, int):
        dec = Decimal(value)
    elif isinstance(value, float):
        if isinstance(value, WrittenFloat) and math.isfinite(value) and not _PLAIN.fullmatch(value.text.replace("_", "")):
            raise MoneyError(english("amount_written", text=value.text), "amount_written", text=value.text)
        dec = Decimal(repr(value))
    elif isinstance(value, Decimal):
        dec = value
        if dec.is_finite() and int(dec.as_tuple().exponent) < -2 and dec != dec.quantize(Decimal("0.01")):
            raise MoneyError(english("amount_decimals"), "amount_decimals")
    elif isinstance(value, str):
        return _text_to_ore(value)
    else:
        raise MoneyError(english("amount_type", type=type(value).__name__), "amount_type")
    return _decimal_to_ore(dec)


class ReadOre(int):
    """An amount already read into øre: what the batch's fast building route makes of a cell in
    the simple form (`simple_ore`), so that the model's amount fields (`planner.model_fields`)
    take it as it is instead of reading the text a second time. Made nowhere else: a file's
    or a form's amounts arrive as text or numbers in kroner."""

    __slots__ = ()


def simple_ore(value: str) -> int | None:
    """A written amount in the simple form (`-1234.5`: an optional minus, one to nine ASCII
    digits, at most two decimals after a point, below `MAX_KRONER`) in øre by integer
    arithmetic, the same øre as the `Decimal` route gives (tested on generated text); None for
    any other text. Told by string methods, not a regular expression: nearly every amount a
    batch reads comes here (`str.isdigit` alone would also take Arabic-Indic digits, hence
    `isascii`)."""
    whole, point, cents = value.partition(".")
    digits = whole + cents
    if not (digits.isdigit() and digits.isascii() and 0 < len(whole) < 10):
        if whole[:1] == "-" and whole[1:2] != "-":
            ore = simple_ore(value[1:])
            return None if ore is None else -ore
        return None
    if not point:
        ore = int(digits) * 100
    elif len(cents) == 2:
        ore = int(digits)
    elif len(cents) == 1:
        ore = int(digits) * 10
    else:  # "12." (as the pattern it replaces: a point needs a decimal)
        return None
    return ore if ore < MAX_ORE else None


def _text_to_ore(value: str) -> int:
    """A written amount in øre: the simple form at once, every other through `_written_ore`."""
    ore = simple_ore(value)
    return _written_ore(value) if ore is None else ore


@lru_cache(maxsize=65536)
def _written_ore(value: str) -> int:
    """A written amount in øre (cached: a batch's tables repeat the same few amounts)."""
    return _decimal_to_ore(_parse_kroner_text(value))


def _decimal_to_ore(dec: Decimal) -> int:
    if not dec.is_finite():
        raise MoneyError(english("amount_not_finite"), "amount_not_finite")
    if abs(dec) > MAX_KRONER:
        raise MoneyError(english("amount_too_large", max=MAX_KRONER), "amount_too_large", max=MAX_KRONER)
    ore = dec * 100
    if ore != ore.to_integral_value():
        raise MoneyError(english("amount_decimals"), "amount_decimals")
    return int(ore)


def _parse_kroner_text(value: str) -> Decimal:
    """Kroner as people write them: `9500`, `9500.50`, `9 500,50`, `9.500,50`, `9500 kr`.

    What is written decides, not the value: `11.000` has three decimals and is refused, since a
    Norwegian reader means eleven thousand and a parser would read eleven kroner. A point is
    a thousands separator only beside a decimal comma (`9.500,50`).
    """
    text = value.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if text.lower().endswith("kr"):
        text = text[:-2]
    if "," in text and "." in text:
        if text.rfind(".") > text.rfind(","):
            raise MoneyError(english("amount_unclear", value=value), "amount_unclear")
        text = text.replace(".", "")
    text = text.replace(",", ".")
    if text.count(".") > 1:
        raise MoneyError(english("amount_unclear", value=value), "amount_unclear")
    if not _PLAIN.fullmatch(text):
        # Decimal() would also read '1e5', 'Infinity' and Arabic-Indic or full-width digits
        raise MoneyError(english("amount_format", value=value), "amount_format")
    if "." in text and len(text.split(".")[1]) > 2:
        raise MoneyError(english("amount_decimals_text", value=value), "amount_decimals_text")
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - _PLAIN lets only decimals through
        raise MoneyError(english("amount_format", value=value), "amount_format") from None



"""The field types every input model shares: amounts read in kroner and held as øre, a day of
the month, the strict frozen base model, and the one rule keeping personal data out of ids and
free text. Kept apart so that the household (`planner.model`) and its `[entitlement]` table
(`planner.model_entitlement`) check a field the same way."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from .codes import template
from .money import MoneyError, ReadOre, kroner_to_ore, simple_ore
from .personal import has_national_id


def to_ore(value: object) -> int:
    if type(value) is ReadOre:  # (read into øre by the batch's table reader: `simple_ore` of its cell)
        return int(value)
    if type(value) is str:  # (a table cell: nearly always the simple form, read at once)
        ore = simple_ore(value)
        if ore is not None:
            return ore
    try:
        return kroner_to_ore(value)
    except MoneyError as exc:
        raise PydanticCustomError("money", "{message}", {"message": str(exc), "code": exc.code}) from None


def to_positive_ore(value: object) -> int:
    # (`to_ore`'s first steps, without its call)
    ore = int(value) if type(value) is ReadOre else simple_ore(value) if type(value) is str else None
    if ore is None:
        ore = to_ore(value)
    if ore > 0:
        return ore
    raise PydanticCustomError("money", template("amount_not_positive"), {"code": "amount_not_positive"})


def to_nonnegative_ore(value: object) -> int:
    ore = to_ore(value)
    if ore < 0:
        raise PydanticCustomError("money", template("amount_negative"), {"code": "amount_negative"})
    return ore


#: Kroner in a file, øre in the engine (may be negative: an overdrawn account).
Ore = Annotated[int, BeforeValidator(to_ore)]
PositiveOre = Annotated[int, BeforeValidator(to_positive_ore)]
NonNegativeOre = Annotated[int, BeforeValidator(to_nonnegative_ore)]

Day = Annotated[int, Field(ge=1, le=31, strict=True)]


def no_personal_data(value: str | None, what: str) -> str | None:
    """The one rule for personal data in ids and free text (see `planner.personal`)."""
    if value is not None and has_national_id(value):
        raise PydanticCustomError(
            "personal_data",
            template("personal_data"),
            {"what": what},
        )
    return value


def shown(value: object) -> object:
    """A schedule value as a reader would write it in the file (dates as YYYY-MM-DD)."""
    if isinstance(value, list):
        return [v.isoformat() if isinstance(v, date) else v for v in value]
    return value


class Strict(BaseModel):
    """Every input model: unknown keys refused, values frozen, text stripped."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


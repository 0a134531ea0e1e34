"""`Setting`: one household setting of one lever, declared in the lever's own module
(`LeverRule.settings`). The household file's `[levers]` table, the batch's tenants columns and
the web form's fields are generated from these declarations (`planner.levers.settings`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field

from ..model import Day

#: days: a list of days of the month; count: a whole number within bounds; switch: yes/no;
#: streams: income streams named by stream id or benefit kind.
Kind = Literal["days", "count", "switch", "streams"]


@dataclass(frozen=True)
class Setting:
    """One setting of one lever, as the household file, the batch table and the form know it."""

    #: the key in the household's `[levers]` table, the batch column and the form field
    key: str
    kind: Kind
    #: the form's label (Norwegian, caseworker-facing)
    label: str
    #: the batch column's description (the tenants table's words are English)
    help: str
    #: the form's hint beside the field (Norwegian)
    hint: str = ""
    low: int = 1
    high: int = 60
    #: how a given value decides the lever's permission: "" never; "off": a false switch or an
    #: empty list forbids it; "both": a true switch or a non-empty list also allows it
    permits: Literal["", "off", "both"] = ""

    def annotation(self) -> Any:
        """The pydantic type of the value in the household file (None: not given)."""
        if self.kind == "days":
            return list[Day] | None
        if self.kind == "count":
            return Annotated[int, Field(ge=self.low, le=self.high, strict=True)] | None
        if self.kind == "switch":
            return bool | None
        return list[str] | None

    def permission(self, value: Any) -> bool | None:
        """True/False when `value` allows/forbids the lever, None when it leaves it alone."""
        if value is None or not self.permits:
            return None
        on = bool(value)
        if on and self.permits == "off":
            return None
        return on

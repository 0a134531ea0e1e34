"""Input errors that name the file, the line where known, the field, the bad value and the rule.

A caseworker fixes a file from this message alone, so it must point at the exact spot and say
what would be accepted. The CLI prints these without a traceback and exits with status 2.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    file: str
    message: str
    line: int | None = None
    field: str | None = None
    value: object = None
    has_value: bool = False
    #: the bad value looks like personal data: never repeat it (messages, errors.csv)
    sensitive: bool = False
    #: which rule it broke and its parameters: other languages say it from these
    #: (`planner.io.messages`), never from the English `message`
    code: str = ""
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict, compare=False)

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where]
        if self.field:
            parts.append(self.field)
        text = ": ".join(parts) + ": " + self.message
        if self.has_value:
            text += f" (got {_show(self.value)})"
        return text


def _show(value: object) -> str:
    """The bad value as the file wrote it: dates ISO, true/false lower case, text quoted."""
    from datetime import date, datetime, time

    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (datetime, date, time)):
        text = value.isoformat()
    else:
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class InputError(Exception):
    """One or more problems with an input file."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

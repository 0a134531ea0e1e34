"""A lever's household settings, declared once in its own module (`LeverRule.settings`).

Each `Setting` is a key of the household file's `[levers]` table, a column of the batch's
tenants table and a field of the web form: the household file's validation (`household_model`),
the batch's columns (`planner.io.tables.columns`) and the form (`planner.web.forms`) are all
generated from these declarations, so a new lever's setting needs no edit anywhere else.

`planner.model.Levers` holds only what is no lever's own (allow, forbid, lead times) and keeps
a lever's settings as extra keys; `settings_of` reads them through the declarations, so a
household built in code with a misspelt or mistyped setting fails here, loudly, as a file does.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from pydantic import ConfigDict, Field, create_model, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ..codes import english
from ..model import Household, Levers
from .lead import LeadError, lead_table
from .registry import rules
from .setting import Setting


def declared() -> Iterator[tuple[str, Setting]]:
    """(lever key, setting) of every lever's settings, in the catalogue's order."""
    for key, rule in rules().items():
        for s in rule.settings:
            yield key, s


@lru_cache(maxsize=1)
def settings() -> dict[str, Setting]:
    """Every lever setting by its key (keys are unique across levers: they share a table)."""
    out: dict[str, Setting] = {}
    for key, s in declared():
        if s.key in out or s.key in Levers.model_fields:
            raise RuntimeError(f"planner/levers/{key}.py: the setting {s.key!r} is declared twice")
        out[s.key] = s
    return out


def lever_of(setting: str) -> str:
    """The lever that declares `setting`."""
    return next(k for k, s in declared() if s.key == setting)


class _Checked(Levers):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @field_validator("lead")
    @classmethod
    def _known_lead(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """A household's own lead times name known levers and fields (`planner.levers.lead`)."""
        try:
            lead_table(None, value)
        except LeadError as exc:
            raise PydanticCustomError("lead", "{message}", {"message": str(exc)}) from None
        return value


@lru_cache(maxsize=1)
def settings_model() -> type[Levers]:
    """The household file's `[levers]` table: `Levers` with every lever's settings as fields."""
    fields: dict[str, Any] = {k: (s.annotation(), None) for k, s in settings().items()}
    model: type[Levers] = create_model("LeverSettings", __base__=_Checked, __module__=__name__, **fields)
    return model


def _stream_problems(h: Household) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    streams: set[str] | None = None  # (made only when a setting names a stream)
    for key in _stream_settings():
        for name in getattr(h.levers, key, None) or ():
            if streams is None:
                streams = {i.stream for i in h.income} | {i.kind for i in h.income}
            if name not in streams:
                params = {"name": name, "streams": sorted(streams)}
                yield f"levers.{key}", name, english("not_a_stream", **params), params


@lru_cache(maxsize=1)
def _stream_settings() -> tuple[str, ...]:
    """The settings that name the household's streams (their names are checked against them)."""
    return tuple(key for key, s in settings().items() if s.kind == "streams")


class _CheckedHousehold(Household):
    @model_validator(mode="after")
    def _named_streams(self) -> _CheckedHousehold:
        """A streams setting may only name the household's streams (by id or kind)."""
        for at, value, message, params in _stream_problems(self):
            raise PydanticCustomError("household", "{message}", {"message": message, "at": at, "value": value,
                                                                 "code": "not_a_stream", "params": params})
        return self


@lru_cache(maxsize=1)
def household_model() -> type[Household]:
    """`Household` whose `[levers]` table is checked against every lever's declared settings:
    what the household file, the batch and the web form are validated with."""
    table = settings_model()
    model: type[Household] = create_model("CheckedHousehold", __base__=_CheckedHousehold, __module__=__name__,
                                           levers=(table, Field(default_factory=table)))
    return model


def settings_of(h: Household) -> Any:
    """The household's lever table with every setting typed (validated here when the household
    was built in code, not read by `household_model`)."""
    table = settings_model()
    if isinstance(h.levers, table):
        return h.levers
    return table.model_validate(h.levers.model_dump())


def values(h: Household) -> dict[str, Any]:
    """Each declared setting's value for this household (None: not given)."""
    lv = settings_of(h)
    return {k: getattr(lv, k) for k in settings()}


def validate(data: dict[str, Any]) -> Household:
    """A household dict validated with the lever settings (raises pydantic's ValidationError)."""
    return household_model().model_validate(data)


def __getattr__(name: str) -> Any:
    """The generated models by name, so pickle finds them (a batch sends households to workers)."""
    if name == "LeverSettings":
        return settings_model()
    if name == "CheckedHousehold":
        return household_model()
    raise AttributeError(name)


__all__ = ["Setting", "declared", "household_model", "lever_of", "settings", "settings_model", "settings_of",
           "validate", "values"]

"""Lead times: how long after a request each lever (and each bridge) can first change a booking.

The values are data (`[lead.<key>]` in `data/levers.toml`, each with its source and status);
an office overrides them with a TOML file of the same shape, a household per lever
(`[levers.lead.<key>]`). Each lever's module turns its lead into the first booking it can
change (`LeverRule.effective_offset`) and the latest day to ask for a given booking
(`LeverRule.request_by`): the rules differ per lever (an AvtaleGiro due date, Husbanken's
monthly cut-off, NAV's "from the month after"), so they live with the lever, and only the
arithmetic shared by all of them lives here. Nothing here reads the clock: the day the plan is
made (`as_of`) is a parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from ..calendar import add_bank_days
from ..datafiles import levers as lever_data

_ONE = timedelta(days=1)


@dataclass(frozen=True)
class Lead:
    """One lever's lead time: `decide_days` from the request to the counterparty's confirmation,
    then `lead_days` to the first booking that can change; `extra` holds the lever's own
    parameters (a cut-off day, a period), `status` and `source` where the values come from."""

    decide_days: int = 0
    decide_unit: str = "bank"
    lead_days: int = 0
    lead_unit: str = "calendar"
    extra: Mapping[str, Any] = field(default_factory=dict)
    status: str = ""
    source: tuple[str, ...] = ()

    def confirmed(self, request: date) -> date:
        """The day the counterparty confirms a request sent on `request`."""
        return after(request, self.decide_days, self.decide_unit)

    def effective(self, request: date) -> date:
        """The first day a booking can change after a request on `request`."""
        return after(self.confirmed(request), self.lead_days, self.lead_unit)

    def latest_request(self, booking: date) -> date:
        """The latest request day for which a booking on `booking` still changes: counted back
        over bank days, then on to the day before the next bank day (a request on a weekend is
        handled from the Monday, so asking on the Sunday is as good as on the Friday)."""
        r = before(before(booking, self.lead_days, self.lead_unit), self.decide_days, self.decide_unit)
        if self.decide_unit == "bank" and self.decide_days > 0:
            r = after(r, 1, "bank") - _ONE
        return r


_FIELDS = ("decide_days", "decide_unit", "lead_days", "lead_unit")


def after(d: date, n: int, unit: str) -> date:
    """`n` bank days (Mon-Fri minus closing days, domain.md §3) or calendar days after `d`."""
    if unit == "calendar":
        return d + timedelta(days=n)
    return add_bank_days(d, n)


def before(d: date, n: int, unit: str) -> date:
    """`n` bank days or calendar days before `d` (the inverse of `after` on bank days)."""
    if unit == "calendar":
        return d - timedelta(days=n)
    return add_bank_days(d, -n)


def _lead(raw: Mapping[str, Any]) -> Lead:
    extra = {k: v for k, v in raw.items() if k not in _FIELDS + ("status", "source")}
    return Lead(int(raw.get("decide_days", 0)), str(raw.get("decide_unit", "bank")), int(raw.get("lead_days", 0)),
                str(raw.get("lead_unit", "calendar")), extra, str(raw.get("status", "")),
                tuple(raw.get("source", ())))


def _flat(raw: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """`{rent_day: {...}, bridge: {own_money: {...}}}` as `{rent_day: ..., bridge.own_money: ...}`."""
    out: dict[str, Mapping[str, Any]] = {}
    for key, val in raw.items():
        if key == "bridge":
            out.update({f"bridge.{k}": v for k, v in val.items()})
        else:
            out[key] = val
    return out


class LeadError(ValueError):
    """An override that names no lever or bridge, or a value that is not a whole number of days."""


def _override(base: Lead, key: str, values: Mapping[str, Any], where: str) -> Lead:
    changes: dict[str, Any] = {}
    extra = dict(base.extra)
    for name, value in values.items():
        if name in ("decide_unit", "lead_unit"):
            if value not in ("bank", "calendar"):
                raise LeadError(f"{where}: {key}.{name} must be 'bank' or 'calendar', not {value!r}")
            changes[name] = value
        elif name in ("status", "source", "first_booking", "name_nb"):
            continue
        elif not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 366:
            raise LeadError(f"{where}: {key}.{name} must be a whole number of days from 0 to 366, not {value!r}")
        elif name in ("decide_days", "lead_days"):
            changes[name] = value
        elif name in extra:
            extra[name] = value
        else:
            raise LeadError(f"{where}: {key} has no setting {name!r}; settings: "
                            + ", ".join(sorted(set(_FIELDS) | set(extra))))
    return replace(base, **changes, extra=extra, status=(base.status + " (overridden)") if values else base.status)


def lead_table(office: Mapping[str, Any] | None = None, household: Mapping[str, Any] | None = None,
               office_name: str = "the office's lead times") -> dict[str, Lead]:
    """Every lever's and bridge's lead: the data's defaults, then the office's file, then the
    household's own values (each overrides only the settings it names)."""
    table = {k: _lead(v) for k, v in _flat(lever_data()["lead"]).items()}
    for where, raw in ((office_name, office), ("the household's [levers.lead]", household)):
        for key, values in _flat(raw or {}).items():
            if key not in table:
                raise LeadError(f"{where}: no lever or bridge {key!r}; known: " + ", ".join(sorted(table)))
            table[key] = _override(table[key], key, values, where)
    return table


@dataclass(frozen=True)
class Timing:
    """When the plan is made and how long each lever takes. `instant` (no as-of date given):
    every lever may act from the horizon's first day, as before lead times existed; the
    re-simulation and exhaustive-search tests use it."""

    as_of: date
    leads: Mapping[str, Lead]
    instant: bool = False

    def lead(self, key: str) -> Lead:
        return self.leads[key]


def timing(as_of: date | None, start: date, leads: Mapping[str, Lead] | None = None) -> Timing:
    """The timing of a plan made on `as_of` (None: instant, from `start`)."""
    if as_of is None:
        return Timing(start, leads or lead_table(), instant=True)
    return Timing(as_of, leads or lead_table())

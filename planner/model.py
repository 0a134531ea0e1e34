"""Validated domain types.

Input types (`Household` and its parts) are pydantic models so that a bad household file is
refused with the field, the bad value and what is allowed. Amounts arrive in kroner and are
held as integer øre from here on. Engine results (`Transaction`, `Diagnosis`) are plain frozen
dataclasses: they are produced by our own code, never parsed, and are made by the million in a
batch, where pydantic's validation would only cost time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .benefits import Shift, catalogue
from .codes import english, template
from .datafiles import levers as lever_data
from .model_entitlement import Entitlement
from .model_fields import Day, NonNegativeOre, Ore, PositiveOre, Strict, no_personal_data, shown
from .periods import add_months, horizon_end, key_of
from .personal import reserved_id_reason

#: The levers, in the catalogue's order: the one list is `data/levers.toml`.
LEVERS: tuple[str, ...] = tuple(lever_data()["levers"])
if TYPE_CHECKING:
    LeverName = str
else:
    LeverName = Literal[LEVERS]


_MONTH_KEY = re.compile(r"^(?:([0-9]{4})-)?([0-9]{1,2})$")

#: How long before the horizon's start arrears may be owed since: ten years. Rent claims fall
#: under the three-year limitation period (foreldelsesloven § 2), so a claim older than ten
#: years is a typing error (1900-01-01, a year dropped), and the eviction projection, which
#: counts bank days from this date, needs a date in the known calendar (1990 onwards).
ARREARS_MAX_YEARS = 10


class _Scheduled(Strict):
    """The schedule forms shared by incomes and expenses: `day`, `every_days`+`first`, `dates`."""

    amount: PositiveOre
    day: Day | None = None
    every_days: Annotated[int, Field(ge=1, le=92, strict=True)] | None = None
    first: date | None = None
    dates: list[date] | None = None
    shift: Shift | None = None
    name: Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_\-æøåÆØÅ]+$")] | None = None
    #: Per-month amounts: key "12" (every December) or "2026-12" (one month), value in kroner.
    month_amounts: dict[str, PositiveOre] = Field(default_factory=dict)
    #: Per-month nominal day: {"12" = 12} pays December on the 12th. Overrides the kind's rule.
    month_day: dict[str, Day] | None = None

    @field_validator("name")
    @classmethod
    def _name_no_national_id(cls, value: str | None) -> str | None:
        return no_personal_data(value, "a name")

    @field_validator("month_amounts", "month_day")
    @classmethod
    def _month_keys(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return value
        for key in value:
            m = _MONTH_KEY.match(str(key))
            if not m or not 1 <= int(m.group(2)) <= 12:
                raise PydanticCustomError(
                    "month_key",
                    template("month_key"),
                    {"key": repr(key)},
                )
        return value

    @model_validator(mode="after")
    def _one_form(self) -> Any:
        if self.plain_form():
            return self
        return self._form_error()

    def plain_form(self) -> bool:
        """The schedule forms of nearly every row, which `_form_error` lets through, told at a
        glance (a batch checks half a million rows): a monthly or dated row without `first`, or
        `every_days` with its `first` and nothing else."""
        day, dates, every = self.day, self.dates, self.every_days
        if every is None:
            return self.first is None and (dates is None or (day is None and self.month_day is None and bool(dates)))
        return self.first is not None and day is None and dates is None and self.month_day is None

    def _form_error(self) -> Any:
        # `field` and `value` in the context let the reader name the offending key and its line
        # (pydantic reports a model-level error at the table, not at a key).
        forms = [n for n in ("day", "every_days", "dates") if getattr(self, n) is not None]
        if len(forms) > 1:
            raise PydanticCustomError(
                "schedule",
                template("schedule_forms"),
                {"forms": " and ".join(forms), "field": forms[1], "value": shown(getattr(self, forms[1])),
                 "code": "schedule_forms"},
            )
        if self.every_days is not None and self.first is None:
            raise PydanticCustomError(
                "schedule",
                template("every_days_needs_first"),
                {"field": "every_days", "value": self.every_days, "code": "every_days_needs_first"},
            )
        if self.first is not None and forms and forms != ["every_days"]:
            raise PydanticCustomError(
                "schedule",
                template("first_with_every_days"),
                {"f": forms[0], "field": "first", "value": self.first.isoformat(), "code": "first_with_every_days"},
            )
        if self.dates is not None and not self.dates:
            raise PydanticCustomError(
                "schedule", template("dates_empty"), {"field": "dates", "code": "dates_empty"}
            )
        if self.month_day is not None and (self.every_days is not None or self.dates is not None):
            raise PydanticCustomError(
                "schedule",
                template("month_day_monthly"),
                {"field": "month_day", "code": "month_day_monthly"},
            )
        return self

    def amount_for(self, year: int, month: int) -> int:
        """The amount of a payout whose nominal date is in `year`-`month`."""
        amounts = self.month_amounts
        if not amounts:
            return self.amount
        one, one_short, every, every_padded = month_amount_keys(year, month)
        specific = amounts.get(one)
        if specific is None:
            specific = amounts.get(one_short)
        if specific is None:
            specific = amounts.get(every, amounts.get(every_padded))
        return self.amount if specific is None else specific


class IncomeStream(_Scheduled):
    """One benefit or income stream paid to the tenant account."""

    kind: str

    @field_validator("kind", mode="before")
    @classmethod
    def _known_kind(cls, value: object) -> str:
        kind = _income_kind(value) if isinstance(value, str) else None
        if kind is None:
            raise PydanticCustomError(
                "kind",
                template("unknown_benefit_kind"),
                {"value": repr(value), "allowed": catalogue().allowed_income_names()},
            )
        return kind

    #: dated payout exceptions of the kind the household uses (benefits.toml `exceptions`),
    #: e.g. ["jul-2025"]: the AAP meldekort sent early in the Christmas window
    exceptions: list[str] | None = None
    #: bank days a payout may come after its expected day; None: the kind's (benefits.toml)
    late_days: Annotated[int, Field(ge=0, le=20, strict=True)] | None = None

    @property
    def late(self) -> int:
        """How late (bank days) a payout of this stream may come: the household's own figure,
        else the benefit's (robust plans hold for every payout up to this late)."""
        return self.late_days if self.late_days is not None else catalogue().kinds[self.kind].late_days

    @model_validator(mode="after")
    def _one_form(self) -> Any:
        """`_Scheduled._one_form`, then the exceptions: one validator, not two (each is a call out
        of pydantic's core, half a million times in a batch)."""
        if not self.plain_form():
            self._form_error()
        return self._known_exceptions()

    def _known_exceptions(self) -> Any:
        known = catalogue().kinds[self.kind].exceptions
        for name in self.exceptions or ():
            if name not in known:
                raise PydanticCustomError(
                    "exceptions",
                    template("unknown_exception"),
                    {"value": repr(name), "kind": self.kind, "allowed": ", ".join(sorted(known)) or "none"},
                )
        if self.exceptions and self.every_days is None and self.first is None:
            raise PydanticCustomError("exceptions", template("exceptions_need_every_days"), {})
        return self

    @property
    def stream(self) -> str:
        """The identifier used in plans and transactions: the name, or the kind."""
        return self.name or self.kind


class Expense(_Scheduled):
    """An outgoing from the tenant account: rent (husleie) and other fixed bills."""

    kind: str

    @field_validator("kind", mode="before")
    @classmethod
    def _known_kind(cls, value: object) -> str:
        kind = _expense_kind(value) if isinstance(value, str) else None
        if kind is None:
            raise PydanticCustomError(
                "kind",
                template("unknown_expense_kind"),
                {"value": repr(value), "allowed": ", ".join(sorted(catalogue().expenses))},
            )
        return kind

    @property
    def stream(self) -> str:
        return self.name or self.kind


class Living(Strict):
    """Everyday spending, spread evenly over the days of each month."""

    monthly: NonNegativeOre = 0


class Arrears(Strict):
    """Rent or other arrears the household already owes."""

    amount: NonNegativeOre
    creditor: Annotated[str, Field(max_length=200)] = "utleier"
    since: date | None = None

    @field_validator("creditor")
    @classmethod
    def _creditor_no_national_id(cls, value: str) -> str:
        # the creditor text goes into the landlord's letter
        return no_personal_data(value, "the creditor text")  # type: ignore[return-value]


class Levers(Strict):
    """What the planner may propose for this household; omitted keys take catalogue defaults.

    Each lever's own settings (`rent_days`, `repay_months`, ...) are declared in its module
    (`planner.levers.setting.Setting`) and kept here as extra keys: the household file is read
    with `planner.levers.settings.household_model`, which types and checks them, and the engine
    reads them through `planner.levers.settings.settings_of`."""

    model_config = ConfigDict(extra="allow", frozen=True, str_strip_whitespace=True)

    allow: list[LeverName] | None = None
    forbid: list[LeverName] = Field(default_factory=list)
    #: this household's own lead times per lever or bridge (`[levers.lead.rent_day]
    #: decide_days = 0`): they override the data's and the office's (planner.levers.lead)
    lead: dict[str, dict[str, Any]] = Field(default_factory=dict)


#: A household file's `[entitlement]` when it has none: one frozen table shared by all of them
#: (made once, not validated again for each of a batch's households).
_NO_ENTITLEMENT = Entitlement()


class Household(Strict):
    """A household file: who gets what when, what goes out, and what may be changed."""

    id: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.\-æøåÆØÅ]+$")]
    label: Annotated[str, Field(max_length=200)] | None = None
    start: date
    months: Annotated[int, Field(ge=1, le=60, strict=True)] = 12
    #: the day the opening balance was read (the web form's "per dato"; a scenario may carry
    #: one): the as-of date when no --as-of is given
    as_of: date | None = None
    #: the last day, when the horizon was cut at the as-of date (`planner.asof.truncate`);
    #: a household file gives `months`
    until: date | None = None
    opening_balance: Ore = 0
    min_balance: Ore = 0
    adults: Annotated[int, Field(ge=0, le=20, strict=True)] = 1
    children: Annotated[int, Field(ge=0, le=30, strict=True)] = 0
    profile: str | None = None
    income: list[IncomeStream] = Field(default_factory=list)
    expense: list[Expense]
    living: Living = Field(default_factory=Living)
    arrears: Arrears | None = None
    levers: Levers = Field(default_factory=Levers)
    entitlement: Entitlement = Field(default_factory=lambda: _NO_ENTITLEMENT)

    @field_validator("start", "as_of")
    @classmethod
    def _calendar_years(cls, value: date | None) -> date | None:
        """The bank calendar (holidays, Norges Bank closing days) is known for these years; lead
        times count bank days from the as-of date, so it needs them too."""
        if value is not None and not 1990 <= value.year <= 2100:
            raise PydanticCustomError("date_range", template("date_range"), {"first": 1990, "last": 2100})
        return value

    @field_validator("id")
    @classmethod
    def _usable_id(cls, value: str) -> str:
        """An id names a URL and a file (`plans/ID.json`): no reserved name, no personal data."""
        reason = reserved_id_reason(value)
        if reason is not None:
            raise PydanticCustomError("reserved_id", reason)
        return no_personal_data(value, "an id")  # type: ignore[return-value]

    @field_validator("label")
    @classmethod
    def _no_national_id(cls, value: str | None) -> str | None:
        """A label is copied into reports and batch results: it must not carry a
        fødselsnummer or D-number, however it is spelled."""
        return no_personal_data(value, "a label")

    @field_validator("profile")
    @classmethod
    def _known_profile(cls, value: str | None) -> str | None:
        profiles = catalogue().profiles
        if value is not None and value not in profiles:
            raise PydanticCustomError(
                "profile",
                template("unknown_profile"),
                {"value": repr(value), "allowed": ", ".join(sorted(profiles))},
            )
        return value

    @model_validator(mode="after")
    def _whole(self) -> Household:
        problem = next(iter(self._household_problems()), None)
        if problem is not None:
            at, value, message, code, params = problem
            # `at` and `value` travel in the error context so the reader can name the exact
            # field and line, although pydantic reports household-level errors at the root;
            # `code` and `params` let a reader say it in its own language (planner.io.messages).
            raise PydanticCustomError("household", "{message}", {"message": message, "at": at, "value": value,
                                                                 "code": code, "params": params})
        return self

    def _schedule_problem(self, group: str, idx: int,
                          item: IncomeStream | Expense) -> tuple[str, Any, str, str, dict[str, Any]] | None:
        """A row whose schedule cannot be resolved (`planner.calendar`): at its `first` when a
        monthly kind was given one, else at its day."""
        if resolves_plainly(group, item):
            return None
        cal = _calendar()
        try:
            if group == "income":
                cal.resolve_income(item, self.start, self.profile)
            else:
                cal.resolve_expense(item)
        except cal.ScheduleError as exc:
            if group == "income" and item.first is not None and item.every_days is None:
                # `first` on a monthly kind
                return (f"{group}.{idx}.first", item.first.isoformat(), str(exc), exc.code, exc.params)
            # no schedule given and the kind has no default day
            return (f"{group}.{idx}.day", None, str(exc), exc.code, exc.params)
        return None

    def _household_problems(self) -> Iterator[tuple[str, Any, str, str, dict[str, Any]]]:
        """Checks that need the whole household: yields (dotted path, bad value, message, code,
        params): the English message, and the code and parameters other languages use."""
        rents = [i for i, e in enumerate(self.expense) if e.kind == "husleie"]
        if not rents:
            yield (
                "expense",
                None,
                english("rent_missing"),
                "rent_missing", {},
            )
        elif len(rents) > 1:
            yield (
                f"expense.{rents[1]}.kind",
                "husleie",
                english("rent_twice", count=len(rents)),
                "rent_twice", {"count": len(rents)},
            )
        start, end = self.start, self.end
        groups: tuple[tuple[str, Sequence[IncomeStream | Expense]], ...] = (("income", self.income), ("expense", self.expense))
        for group, items in groups:
            seen: set[str] = set()
            for idx, item in enumerate(items):
                stream = item.stream
                if stream in seen:
                    yield (
                        f"{group}.{idx}.name",
                        stream,
                        english("same_name", group=group, name=stream),
                        "same_name", {"name": stream, "group": group},
                    )
                seen.add(stream)
                if item.dates is not None:
                    for d in item.dates:
                        if not start <= d <= end:
                            yield (
                                f"{group}.{idx}.dates",
                                d.isoformat(),
                                english("date_outside_horizon", date=d, start=start, end=end),
                                "date_outside_horizon", {"date": d, "start": start, "end": end},
                            )
                # (the rows that resolve whatever their kind, nearly all, need no call)
                if not resolves_plainly(group, item):
                    problem = self._schedule_problem(group, idx, item)
                    if problem is not None:
                        yield problem
        since = None if self.arrears is None else self.arrears.since
        if since is None:
            return
        if since > end:
            yield (
                "arrears.since",
                since.isoformat(),
                english("arrears_after_horizon", end=end),
                "arrears_after_horizon", {"end": end},
            )
        if since < (oldest := max(date(1990, 1, 1), add_months(start, -12 * ARREARS_MAX_YEARS))):
            yield (
                "arrears.since",
                since.isoformat(),
                english("arrears_too_old", oldest=oldest, years=ARREARS_MAX_YEARS),
                "arrears_too_old", {"oldest": oldest, "years": ARREARS_MAX_YEARS},
            )

    @property
    def end(self) -> date:
        """Last day of the horizon (inclusive)."""
        if self.until is not None:
            return self.until
        return horizon_end(self.start, self.months)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def rent(self) -> Expense:
        for e in self.expense:
            if e.kind == "husleie":
                return e
        raise StopIteration  # (as `next` of an empty search: a household always has its rent)


def resolves_plainly(group: str, item: IncomeStream | Expense) -> bool:
    """Whether the row's schedule resolves whatever its kind (`planner.calendar`): dates, a
    rhythm, or a day of its own (on an income, without a `first`). The household's check asks the
    calendar only about the others (tested: the calendar resolves every row this lets through)."""
    return item.dates is not None or item.every_days is not None or (
        item.day is not None and (group == "expense" or item.first is None))


@lru_cache(maxsize=4096)
def month_amount_keys(year: int, month: int) -> tuple[str, str, str, str]:
    """The keys `month_amounts` may give a month by, in the order they count ("2026-12",
    "2026-1" for a January, "12", "01"); made once per month, not once per payout."""
    return key_of(year, month), f"{year:04d}-{month}", str(month), f"{month:02d}"


@lru_cache(maxsize=4096)
def _income_kind(value: str) -> str | None:
    """A benefit kind as the catalogue names it (an alias by its kind), None if unknown (cached:
    every row of a batch names one of a few)."""
    return catalogue().canonical(value.strip().lower())


@lru_cache(maxsize=4096)
def _expense_kind(value: str) -> str | None:
    """An expense kind as the catalogue names it, None if unknown (cached, as `_income_kind`)."""
    kind = value.strip().lower()
    return kind if kind in catalogue().expenses else None


@lru_cache(maxsize=1)
def _calendar() -> Any:
    """`planner.calendar`, imported on first use (it imports numpy, which a household file's
    reader need not wait for) and then at the cost of a call."""
    from . import calendar

    return calendar


# Engine results live in planner.results; re-exported here, where every caller imports them.
from .results import (  # noqa: E402
    Diagnosis,
    Intervention,
    MonthFigures,
    Plan,
    Problem,
    Shortfall,
    Transaction,
    typical_split,
)

__all__ = ["LEVERS", "Arrears", "Day", "Diagnosis", "Entitlement", "Expense", "Household", "IncomeStream", "Intervention", "LeverName",
           "Levers", "Living", "MonthFigures", "Plan", "Problem", "Shortfall", "Transaction", "add_months",
           "typical_split"]

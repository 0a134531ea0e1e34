"""The half-year report's input: one `Case` per household in the caseload, whatever its source.

A source (the web's database, `planner batch` folders) turns its rows into cases; the figures
are computed from cases alone, so every source gets the same definitions and the same
suppression. A case holds no personal data: no name, no address, no fødselsnummer; its `key`
is used only to keep two sources from counting one household twice and never reaches output.
A field a source does not hold is None, and a figure whose every case lacks its field says
"ikke i kilden" rather than showing zeros.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from ..formatting import nb_date

#: Follow-up states of an intervention as the report groups them (issue 12's task states:
#: to_ask, asked, agreed, in_effect, refused). None: the source knows only that it was proposed.
STATES = ("proposed", "agreed", "in_effect", "refused")
STATE_NB = {"proposed": "Foreslått", "agreed": "Avtalt", "in_effect": "I kraft", "refused": "Avslått"}

#: A case's plan status as the report groups it: every status without a plan is "no_plan".
STATUS_NB = {"solvent": "I orden uten tiltak", "planned": "Plan funnet", "no_plan": "Ingen plan"}
PROBLEM_NB = {"none": "Ingen", "timing": "Tidspunkt", "income": "Inntekt"}

OUTCOMES = ("solved", "paid", "petition_sent", "petition_withdrawn", "evicted", "moved", "not_reached")
OUTCOME_NB = {"solved": "Løst", "paid": "Betalt", "petition_sent": "Begjæring sendt",
              "petition_withdrawn": "Begjæring trukket", "evicted": "Utkastelse gjennomført",
              "moved": "Flyttet", "not_reached": "Ikke nådd"}
#: outcomes that count as "solution" for the time-to-solution figure
SOLVED = ("solved", "paid", "petition_withdrawn")

LEVER_NB = {"opening_buffer": "Startbuffer (bro)", "rent_day": "Endret trekkdag for husleien",
            "rent_instalments": "Husleien delt i avdrag", "bostotte_to_landlord": "Bostøtte til kommunen som utleier",
            "deduction": "Husleietrekk i ytelse", "move_payout": "Flyttet utbetalingsdag",
            "repayment_plan": "Nedbetalingsavtale for restanse"}
ACTOR_NB = {"tenant": "Leietaker", "landlord": "Utleier", "nav": "NAV", "husbanken": "Husbanken",
            "creditor": "Kreditor", "sosialtjenesten": "Sosialtjenesten"}
AGE_NB = {"u25": "Under 25", "25-34": "25–34", "35-44": "35–44", "45-54": "45–54", "55-66": "55–66",
          "67+": "67 eller eldre"}
GENDER_NB = {"kvinne": "Kvinne", "mann": "Mann", "annet": "Annet"}


@dataclass(frozen=True)
class Intervention:
    """One proposed intervention of a case's plan and how far its follow-up got."""

    lever: str
    actors: tuple[str, ...]
    state: str | None = None  # to_ask/asked/agreed/in_effect/refused; None when the source has no follow-up


@dataclass(frozen=True)
class Case:
    """One household's case, as far as its source knows it. Amounts in øre, days whole."""

    key: str
    opened: date | None = None          # the case was opened (batch: the horizon start, the list's date)
    closed: date | None = None
    list_date: date | None = None       # the date of the collector's list the household came on
    office: str | None = None           # social-service office / bydel
    arrears_ore: int | None = None      # arrears when the case was opened
    problem: str | None = None          # none / timing / income
    status: str | None = None           # solvent / planned / no_plan
    interventions: tuple[Intervention, ...] | None = None
    outcome: str | None = None
    outcome_date: date | None = None
    first_contact: date | None = None
    petition_date: date | None = None   # begjæring om utkastelse sent
    eviction_date: date | None = None   # utkastelse carried out
    income_kinds: tuple[str, ...] | None = None
    household_size: int | None = None   # adults + children
    age_band: str | None = None
    gender: str | None = None
    days_below_before: int | None = None
    days_below_after: int | None = None
    landlord_wait_days: int | None = None  # None: no lever moves the rent (or unknown)
    bridge_ore: int | None = None          # opening buffer asked of sosialtjenesten
    shortfall_monthly_ore: int | None = None
    shortfall_one_time_ore: int | None = None
    priority: int | None = None
    #: the estimated bostøtte per month of a household flagged "bostøtte ikke søkt?" (0: not
    #: flagged; None: the source does not say)
    unused_bostotte_ore: int | None = None
    has_plan_data: bool = False            # the source held the plan's figures (days, waits, sums)

    def active_in(self, p: "Period") -> bool:
        """Open at some time in the period: opened by its end, not closed before its start."""
        return self.opened is not None and self.opened <= p.end and (self.closed is None or self.closed >= p.start)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period before, of the same length: a half-year against the half-year before.

        Whole calendar months map to the same number of whole months before (01.01–30.06 →
        01.07–31.12 the year before), otherwise the same number of days."""
        months = _whole_months(self)
        if months:
            y, m = self.start.year, self.start.month - months
            while m < 1:
                m += 12
                y -= 1
            return Period(date(y, m, 1), self.start - timedelta(days=1))
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def label(self) -> str:
        return f"{nb_date(self.start)}–{nb_date(self.end)}"


def _whole_months(p: Period) -> int:
    nxt = p.end + timedelta(days=1)
    if p.start.day != 1 or nxt.day != 1:
        return 0
    return (nxt.year - p.start.year) * 12 + nxt.month - p.start.month


@dataclass
class Caseload:
    """Cases from one or more sources, and a line per source for the report's front page
    (a description such as "planner batch: results/ (312 husholdninger)", never a household)."""

    cases: list[Case] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def add(self, cases: list[Case], source: str) -> None:
        """Add a source's cases; a household already present (same key) keeps the newer record
        (the later `opened`), so a household in two batch runs is counted once."""
        index = {c.key: i for i, c in enumerate(self.cases)}
        for c in cases:
            i = index.get(c.key)
            if i is None:
                index[c.key] = len(self.cases)
                self.cases.append(c)
            elif (c.opened or date.min) >= (self.cases[i].opened or date.min):
                self.cases[i] = c
        self.sources.append(source)

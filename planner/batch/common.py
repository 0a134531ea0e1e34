"""The batch's constants, result columns, pseudonyms and the priority of a row."""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from pathlib import Path

from ..priority import PriorityInput
from ..priority import priority_parts as _parts
from ..priority import priority_values as _values
from ..priority import weights as _priority_weights

JOURNAL = "journal.jsonl"
MANIFEST = "run.json"
KEY_ENV = "PLANNER_PSEUDONYM_KEY"
FORMAT = "planner.batch/1"
#: A plan whose interventions cost at most this much counts as "solved by cheap levers".
CHEAP_COST = _priority_weights().cheap_cost  # a cheap plan (data/priority.toml)
DEFAULT_TIME_LIMIT_S = 10.0

#: Columns of results.csv, in order (`label` only when the input has one and ids are not
#: pseudonymised). Amounts are integer øre (`_ore`), dates ISO.
RESULT_COLUMNS = [
    "id", "label", "input_row", "start", "end", "problem", "first_shortfall", "days_below_floor",
    "min_balance_before_ore", "min_balance_before_date", "min_balance_after_ore", "status", "interventions",
    "cost", "actors", "shortfall_monthly_ore", "shortfall_one_time_ore", "eviction_request", "days_to_request",
    "arrears_ore", "children", "priority", "priority_urgency", "priority_arrears", "priority_children",
    "priority_levers", "priority_bostotte", "bostotte_ikke_sokt", "bostotte_estimate_ore", "plan_file", "note",
]
ORE_COLUMNS = {c for c in RESULT_COLUMNS if c.endswith("_ore")}
#: ISO dates in results.csv: Excel dates in results.xlsx, dd.mm.åååå in results-excel.csv
DATE_COLUMNS = {"start", "end", "first_shortfall", "min_balance_before_date", "eviction_request"}
#: results-excel.csv's header: the columns as a caseworker reads them (results.csv keeps the
#: machine names the web import, the half-year report and users' scripts rely on)
EXCEL_HEADER = {
    "id": "Id", "label": "Etikett", "input_row": "Inndatarad", "start": "Start", "end": "Slutt",
    "problem": "Problem", "first_shortfall": "Første dag under grensen", "days_below_floor": "Dager under grensen",
    "min_balance_before_ore": "Laveste saldo uten plan (kr)", "min_balance_before_date": "Dato for laveste saldo",
    "min_balance_after_ore": "Laveste saldo med plan (kr)", "status": "Status", "interventions": "Tiltak",
    "cost": "Kostnad (tiltakspoeng)", "actors": "Hvem må handle", "shortfall_monthly_ore": "Mangler per måned (kr)",
    "shortfall_one_time_ore": "Mangler én gang (kr)", "eviction_request": "Begjæring om utkastelse",
    "days_to_request": "Dager til begjæring", "arrears_ore": "Restanse (kr)", "children": "Barn",
    "priority": "Prioritet", "priority_urgency": "Prioritet: hast", "priority_arrears": "Prioritet: restanse",
    "priority_children": "Prioritet: barn", "priority_levers": "Prioritet: tiltak", "priority_bostotte": "Prioritet: bostøtte",
    "bostotte_ikke_sokt": "Bostøtte ikke søkt?", "bostotte_estimate_ore": "Anslått bostøtte (kr)", "plan_file": "Planfil",
    "note": "Merknad",
}
#: errors-excel.csv's header (errors.csv: file, row, column, value, reason, household)
EXCEL_ERROR_HEADER = ["Fil", "Rad", "Kolonne", "Verdi", "Hva er galt", "Husstand"]
INT_COLUMNS = ORE_COLUMNS | {"cost", "days_to_request", "children", "days_below_floor", "priority",
                               "priority_urgency", "priority_arrears", "priority_children", "priority_levers",
                               "priority_bostotte"}


class BatchError(Exception):
    """A run that cannot start or continue (exit status 2); the message says what to do."""


# --------------------------------------------------------------------------- pseudonyms


def pseudonym(key: bytes, household_id: str) -> str:
    """A stable keyed hash of an id: HMAC-SHA256(key, id), first 80 bits in hex, prefixed "p-".

    The same key gives the same pseudonym in every run (results can be joined over time); without
    the key the id cannot be recovered or confirmed by hashing guesses.
    """
    return "p-" + hmac.new(key, household_id.encode("utf-8"), hashlib.sha256).hexdigest()[:20]


def load_key(key_file: str | Path | None = None) -> bytes:
    """The pseudonymisation key: from `key_file`, or else the environment variable."""
    if key_file is not None:
        try:
            key = Path(key_file).read_bytes().strip()
        except OSError as exc:
            raise BatchError(f"{key_file}: key file cannot be read ({exc.strerror})") from None
    else:
        key = os.environ.get(KEY_ENV, "").strip().encode("utf-8")
    if len(key) < 16:
        raise BatchError(
            f"--pseudonymise needs a secret key of at least 16 characters: set {KEY_ENV} or give --key-file"
            " (for example: python -c 'import secrets; print(secrets.token_hex(32))' > pseudonym.key)"
        )
    return key


# --------------------------------------------------------------------------- priority


@dataclass(frozen=True, slots=True)
class InvalidPlan:
    """Where and why a household's plan failed docs/plan.schema.json (for its errors.csv row)."""

    path: str
    message: str


@dataclass(slots=True)
class BatchRow:
    """One household's row while the batch works on it, from the worker's check (and plan) to
    the journal. The fields named as results.csv's columns hold what is written there ("" for
    an empty cell; amounts in øre); the priority columns are worked out when the row is
    finished (`finished`). Three fields are the batch's own and never written: the monthly rent
    (the priority's arrears part weighs arrears by it), whether the eviction request date is
    left to the plan's projection, and a plan that failed the plan schema."""

    seq: int
    id: str = ""
    label: str = ""
    input_row: str = ""
    start: str = ""
    end: str = ""
    problem: str = ""
    first_shortfall: str = ""
    days_below_floor: int | str = ""
    min_balance_before_ore: int | str = ""
    min_balance_before_date: str = ""
    min_balance_after_ore: int | str = ""
    status: str = ""
    interventions: str = ""
    cost: int | str = ""
    actors: str = ""
    shortfall_monthly_ore: int | str = ""
    shortfall_one_time_ore: int | str = ""
    eviction_request: str = ""
    days_to_request: int | str = ""
    arrears_ore: int | str = ""
    children: int | str = ""
    bostotte_ikke_sokt: str = ""
    bostotte_estimate_ore: int | str = ""
    plan_file: str = ""
    note: str = ""
    rent_ore: int = 0
    project: bool = False
    invalid_plan: InvalidPlan | None = None

    def columns(self) -> dict[str, object]:
        """The results.csv columns this row has (the priority's are not yet)."""
        return dict(zip(_ROW_COLUMNS, _row_values(self)))

    def finished(self) -> dict[str, object]:
        """The journal's row: `seq`, then every results.csv column in order, priority filled in."""
        # (a copy of a row with every key in its final order, then filled in: the batch
        # finishes every row this way, and two dicts a row were a tenth of the worker's time
        # after the check)
        row = _FINISHED_TEMPLATE.copy()
        row["seq"] = self.seq
        row.update(zip(_ROW_COLUMNS, _row_values(self)))
        row.update(priority_parts(row, self.rent_ore))
        return row

    def failed_row(self) -> dict[str, object]:
        """The row of a household in errors (kept with the errors, ranked last at the end)."""
        return {"seq": self.seq, **self.columns()}


#: results.csv's columns that a `BatchRow` holds (the priority's are computed when it is finished)
_ROW_COLUMNS = tuple(c for c in RESULT_COLUMNS if not c.startswith("priority"))
_row_values = attrgetter(*_ROW_COLUMNS)
#: a finished row's keys in their order: `seq`, then results.csv's columns
_FINISHED_TEMPLATE: dict[str, object] = dict.fromkeys(("seq", *RESULT_COLUMNS), "")


def finished_row(seq: int, id: str, label: str, input_row: str, start: str, end: str, problem: str,
                 first_shortfall: str, days_below_floor: int, min_balance_before_ore: int,
                 min_balance_before_date: str, min_balance_after_ore: int | str, status: str, cost: int | str,
                 eviction_request: str, days_to_request: int | str, arrears_ore: int, children: int,
                 bostotte_ikke_sokt: str, bostotte_estimate_ore: int | str, note: str,
                 rent_ore: int) -> dict[str, object]:
    """`BatchRow(...).finished()` of a row the check finishes (no plan: no interventions,
    actors, shortfall or plan file), made at once: one dict in the journal's key order and its
    priority from the values themselves (the batch finishes every row of a check-only run; a
    row object, its columns and their priority read back from a dict were half its cost)."""
    p = _values(problem, status, int(cost or 0), int(arrears_ore or 0), bool(eviction_request),
                None if days_to_request == "" else int(days_to_request), int(children or 0), rent_ore,
                int(bostotte_estimate_ore or 0) if bostotte_ikke_sokt else 0)
    return {"seq": seq, "id": id, "label": label, "input_row": input_row, "start": start, "end": end,
            "problem": problem, "first_shortfall": first_shortfall, "days_below_floor": days_below_floor,
            "min_balance_before_ore": min_balance_before_ore, "min_balance_before_date": min_balance_before_date,
            "min_balance_after_ore": min_balance_after_ore, "status": status, "interventions": "", "cost": cost,
            "actors": "", "shortfall_monthly_ore": "", "shortfall_one_time_ore": "",
            "eviction_request": eviction_request, "days_to_request": days_to_request, "arrears_ore": arrears_ore,
            "children": children, "priority": p[0], "priority_urgency": p[1], "priority_arrears": p[2],
            "priority_children": p[3], "priority_levers": p[4], "priority_bostotte": p[5],
            "bostotte_ikke_sokt": bostotte_ikke_sokt, "bostotte_estimate_ore": bostotte_estimate_ore, "plan_file": "",
            "note": note}


def priority_parts(row: dict, rent_ore: int = 0) -> dict[str, int]:
    """The priority (0-100) and its five parts of a batch row (`planner.priority`), with the
    household's monthly rent (not a results.csv column)."""
    return _parts(PriorityInput.from_row(row, rent_ore))


@dataclass
class BatchOptions:
    out: Path
    workers: int | None = None
    horizon_months: int | None = None
    resume: bool = False
    key: bytes | None = None  # set: pseudonymise ids with this key
    engine: str = "local"  # "local" (processes), "dask" (cluster), "inline" (this process: tests)
    scheduler: str | None = None
    time_limit_s: float = DEFAULT_TIME_LIMIT_S
    check_only: bool = False
    columns: Path | None = None
    same_day_credit: bool = False
    chunk_size: int = 1000
    progress: bool = True
    #: for households without a plan: "bound" (default) reports the no-lever shortfall, an
    #: upper bound; "exact" solves for the least extra sums (slower; `planner plan` does this)
    shortfall: str = "bound"
    #: the day the plans are made (None: no as-of date, every lever from the first day)
    as_of: date | None = None
    roll_forward: bool = False
    #: plan for payouts on their days only (`--on-time`); default: plans that hold when each
    #: payout comes up to its late_days bank days late
    on_time: bool = False


@dataclass
class BatchSummary:
    rows_in: int
    planned: int  # households with a result (checked, and planned where needed)
    in_errors: int
    error_rows: int
    payout_orphans: int
    by_status: dict[str, int]
    by_problem: dict[str, int]
    seconds: float
    unused_columns: dict[str, list[str]]
    out: Path
    main_rss_kib: int = 0
    worker_rss_kib: int = 0
    warnings: list[str] = field(default_factory=list)  # said on stderr and in summary.txt
    #: households whose plan failed docs/plan.schema.json (in errors.csv; the run exits 3)
    invalid_plans: int = 0
    #: households flagged "bostøtte ikke søkt?" and the sum of their estimates per month (øre)
    unused_bostotte: int = 0
    unused_bostotte_ore: int = 0

    @property
    def consistent(self) -> bool:
        return self.rows_in == self.planned + self.in_errors

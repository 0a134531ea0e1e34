"""The worker side"""

from __future__ import annotations

import gc
import json
import os
import signal
import threading
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache

from ..formatting import format_number, nb_date
from ..io.tables import (
    RawHousehold,
    RowError,
    build,
)
from ..personal import has_national_id
from .common import BatchRow, InvalidPlan, finished_row, pseudonym
from .journal import plain_line
from .output import rank_key

# --------------------------------------------------------------------------- worker side


def scrub(text: str) -> str:
    """`text`, or "" when it holds a fødselsnummer or D-number (an id or a cell in error):
    such a value is refused by the model and must not be copied into any output either."""
    return "" if has_national_id(text) else text


@lru_cache(maxsize=4096)
def _request_after(first_due: date) -> date:
    from ..eviction import REQUEST_STEP, step_dates

    return step_dates(first_due)[REQUEST_STEP]


@dataclass
class ChunkResult:
    #: finished (no plan needed, or check only), as (rank key, journal line): made here, so the
    #: main process, which also reads the input and writes the journal, only stores them
    finished: list[tuple[tuple, str]] = field(default_factory=list)
    jobs: list[tuple] = field(default_factory=list)  # (Household, BatchRow) to plan
    errors: list[tuple[int, str, RowError]] = field(default_factory=list)  # (seq, input_row, error)
    bad: list[BatchRow] = field(default_factory=list)  # rows of households in errors
    rss_kib: int = 0  # the worker's peak memory so far


def warm_up_check() -> int:
    """Import what `check_chunk` needs, in a fresh worker, while the main process still reads the
    input (`run_batch` sends one to each worker first): the first chunks then start at once."""
    from .. import calendar, cashflow, entitlement, eviction  # noqa: F401
    from ..io import household  # noqa: F401
    from ..io.tables.office import benefit_names
    from ..levers.settings import household_model

    benefit_names("income")
    benefit_names("expense")
    household_model()  # (the validating model is made on first use)
    calendar.bank_holidays(2000)  # imports the holidays package: a tenth of a second
    # what is imported lives as long as the worker: out of the collector's sight, whose full
    # collections (as chunks cross to and from the worker) then walk only the chunks' objects
    gc.freeze()
    return os.getpid()


def check_chunk(raws: list[RawHousehold], months: int | None, key: bytes | None, same_day_credit: bool,
                check_only: bool) -> ChunkResult:
    """Build, validate and check a chunk of households; the pure part of a batch (runs in a worker)."""

    from ..cashflow import gc_paused

    # a chunk makes many small acyclic objects: the collector would walk the heap again and again
    with gc_paused():
        return _check_chunk(raws, months, key, same_day_credit, check_only)


def _check_chunk(raws: list[RawHousehold], months: int | None, key: bytes | None, same_day_credit: bool,
                 check_only: bool) -> ChunkResult:
    out = ChunkResult()
    built = _built(raws, months, key, out)
    groups: dict[tuple[date, date], list[int]] = {}
    for k, (_, _, h) in enumerate(built):
        groups.setdefault((h.start, h.end), []).append(k)
    for (start, end), idx in groups.items():
        _check_group([built[k] for k in idx], start, end, same_day_credit, check_only, out)
    out.rss_kib = peak_rss()
    return out


def _built(raws: list[RawHousehold], months: int | None, key: bytes | None, out: ChunkResult) -> list[tuple]:
    """(seq, input row, Household) of the chunk's households that are valid; the others' errors
    and rows into `out`."""
    built = []
    for raw in raws:
        h, errors = build(raw, months)
        key_id = pseudonym(key, raw.hid) if (key and raw.hid) else scrub(raw.hid)
        input_row = _input_row(raw)
        if errors or h is None:
            for e in errors:
                value = key_id if (key and raw.hid and e.value == raw.hid) else scrub(e.value)
                out.errors.append((raw.seq, input_row,
                                   RowError(e.file, e.row, e.column, value, e.reason, key_id or None, e.reason_nb)))
            first = errors[0] if errors else None
            where = f"se errors.csv, {len(errors)} rader" if len(errors) > 1 else "se errors.csv"
            reason = (first.reason_nb or first.reason) if first else ""  # the note is read in Norwegian
            note = (f"{first.column}: {reason}" if first.column else reason) if first else "kan ikke leses"
            out.bad.append(BatchRow(seq=raw.seq, id=key_id, input_row=input_row, status="error",
                                    note=f"{note} ({where})"))
            continue
        if key:
            h = h.model_copy(update={"id": key_id, "label": None})
        built.append((raw.seq, input_row, h))
    return built


def _check_group(built: list[tuple], start: date, end: date, same_day_credit: bool, check_only: bool,
                 out: ChunkResult) -> None:
    """Check the households of one horizon at once; their rows (or jobs to plan) into `out`."""
    from ..cashflow import PROBLEMS
    from ..entitlement import unused_bostotte

    members = [h for _, _, h in built]
    resolved: list = []
    res = _checked(members, start, end, same_day_credit, check_only, resolved)
    problems = [PROBLEMS[p] for p in res.problem.tolist()]
    min_bal, min_day = res.min_balance.tolist(), res.min_day.tolist()
    first_short, days_below = res.first_short.tolist(), res.days_below.tolist()
    leases, schedules = _rents(members, resolved)
    first_dues = _first_dues(members, start, end, res.series, schedules)
    projected = _projected(members, problems, first_dues, res.series, same_day_credit, check_only, schedules, leases)
    start_iso, end_iso = start.isoformat(), end.isoformat()
    day_iso = _iso_days(start, (end - start).days + 1)
    for j, (seq, input_row, h) in enumerate(built):
        first_due, problem, arrears = first_dues[j], problems[j], h.arrears
        needs_plan = _needs_plan(problem, h)
        request = projected[j] if j in projected else (_request_after(first_due) if first_due else None)
        t0 = first_short[j]
        # "bostøtte ikke søkt?": no bostøtte stream and an estimate at or above the minimum payout
        unused = unused_bostotte(h, h.as_of or start, resolved[j][0])
        if needs_plan and not check_only:
            out.jobs.append((h, BatchRow(
                seq=seq, id=h.id, label=h.label or "", input_row=input_row, start=start_iso, end=end_iso,
                problem=problem, first_shortfall=day_iso[t0] if t0 >= 0 else "", days_below_floor=days_below[j],
                min_balance_before_ore=min_bal[j], min_balance_before_date=day_iso[min_day[j]],
                eviction_request=request.isoformat() if request else "",
                days_to_request=(request - start).days if request else "",
                arrears_ore=arrears.amount if arrears is not None else 0, children=h.children,
                rent_ore=leases[j].amount, bostotte_ikke_sokt="ja" if unused else "", bostotte_estimate_ore=unused or "",
                project=first_due is not None)))
            continue
        # finished here: solvent, or checked only (`finished_row`: what the row's `finished` gives)
        after: int | str
        cost: int | str
        if needs_plan:
            status, after, cost, note = "not planned", "", "", "bare sjekket (--check-only)"
        else:
            status, after, cost, note = "solvent", min_bal[j], 0, ""
        done = finished_row(
            seq, h.id, h.label or "", input_row, start_iso, end_iso, problem,
            day_iso[t0] if t0 >= 0 else "", days_below[j], min_bal[j], day_iso[min_day[j]], after, status, cost,
            request.isoformat() if request else "", (request - start).days if request else "",
            arrears.amount if arrears is not None else 0, h.children, "ja" if unused else "", unused or "", note,
            leases[j].amount)
        out.finished.append((rank_key(done), plain_line(done)))


@lru_cache(maxsize=64)
def _iso_days(start: date, days: int) -> tuple[str, ...]:
    """Each day of a horizon as YYYY-MM-DD, by its offset from `start`: the rows of a horizon
    name their days from this one table (a batch's households share a few horizons)."""
    first = start.toordinal()
    return tuple(date.fromordinal(first + t).isoformat() for t in range(days))


def _checked(members: list, start: date, end: date, same_day_credit: bool, check_only: bool,
             resolved: list | None = None):
    """The check of households of one horizon (`planner.cashflow.check_table`), over that
    horizon: a check-only run projects from these balances, and continues the few households
    whose projection runs past them on its own (`_projected`). `resolved`: each household's
    schedules appended to it (`compile_households`)."""
    from ..cashflow import check_table, compile_households

    return check_table(compile_households(members, resolved=resolved), same_day_credit, flows=False)


def _rents(members: list, resolved: list | None = None) -> tuple[list, list]:
    """Each household's rent (`Household.rent`: its first husleie) and its schedule, from the
    schedules the check resolved (`_checked`): neither looked up again (None: looked up)."""
    if resolved is None:
        from ..calendar import resolve_expense

        return [h.rent for h in members], [resolve_expense(h.rent) for h in members]
    leases, schedules = [], []
    for h, (_, expenses) in zip(members, resolved):
        for e, sched in zip(h.expense, expenses):
            if e.kind == "husleie":
                leases.append(e)
                schedules.append(sched)
                break
        else:  # pragma: no cover - a household always has its rent (the model checks)
            raise ValueError(f"household {h.id} has no rent")
    return leases, schedules


def _first_dues(members: list, start: date, end: date, series, schedules: list | None = None) -> list[date | None]:
    """Each household's eviction projection start, by its own rules (planner.eviction), from its
    balances (a row of `series`); `schedules`: their rent schedules, if the caller has them."""
    import numpy as np

    from ..eviction import process_start, rent_occurrences, rent_offsets

    # `first_unpaid_due` of every household sharing a rent schedule at once: the balance at
    # each debit of the rent, the first one below zero (households share a few schedules)
    by_schedule: dict = {}
    for j, sched in enumerate(_rents(members)[1] if schedules is None else schedules):
        by_schedule.setdefault(sched, []).append(j)
    unpaid: list[date | None] = [None] * len(members)
    for sched, rows in by_schedule.items():
        rents = rent_occurrences(sched, start, end)
        if not rents:
            continue
        below = series[np.array(rows)[:, None], rent_offsets(sched, start, end)[None, :]] < 0
        first = below.argmax(axis=1)  # (the first True, or 0 when there is none)
        for j, k, hit in zip(rows, first.tolist(), below[np.arange(len(rows)), first].tolist()):
            if hit:
                unpaid[j] = rents[k].nominal
    return [process_start(unpaid[j], h.arrears, h.start) for j, h in enumerate(members)]


def _projected(members: list, problems: list[str], first_dues: list, series, same_day_credit: bool,
               check_only: bool, schedules: list | None = None, leases: list | None = None) -> dict[int, date | None]:
    """The eviction request date of the households (by index) that the check projects
    (`schedules`, `leases`: their rent schedules and rents, if the caller has them).

    A claim the account can pay by a notice's deadline stops the process (issue 13): only the
    full projection knows, and only households heading for a request need it. A household that
    is planned gets it from its plan's assessment (projected once); the others here, from
    balances continued for all of them at once."""
    from ..eviction import REQUEST_STEP, ShortSeries, eviction_rules, projection_series, reach_rows, request_date
    from ..eviction.bulk import LONGER, WALK, first_process_rows, walk_from
    from ..eviction.process import walk_date

    heading = [j for j, (h, due) in enumerate(zip(members, first_dues)) if due is not None
               and (check_only or not _needs_plan(problems[j], h))]
    if check_only:
        # The bound on the first process for the households sharing a rent schedule and a first
        # due date at once (`reach_rows`); the walk for the rest, from the balances over the
        # horizon. A household whose later processes run past them (a few in a hundred) is
        # projected again from its series continued, with the others of its chunk at once: the
        # date is the same as from a longer series at the first go, since the longer series
        # begins with the shorter one (`projection_series`), and continuing every household's
        # balances made the whole check twice as dear.
        out: dict[int, date | None] = {}
        longer = []
        rules = eviction_rules()
        if schedules is None or leases is None:
            leases, schedules = _rents(members)
        groups: dict[tuple, list[int]] = {}
        for j in heading:
            groups.setdefault((schedules[j], first_dues[j]), []).append(j)
        for (_, due), rows in groups.items():
            group = [members[j] for j in rows]
            rents = [leases[j] for j in rows]
            beyond = reach_rows(group, due, series, rules, rows, rents)
            # the first process of the rest at once (`first_process_rows`), where it decides
            first: dict[int, object] = {}
            if beyond is not None:
                rest = [k for k in range(len(rows)) if not beyond[k]]
                if rest:
                    decided = first_process_rows([group[k] for k in rest], due, series, rules, [rows[k] for k in rest],
                                                 [rents[k] for k in rest])
                    first = dict(zip(rest, decided))
            for k, j in enumerate(rows):
                if beyond is not None and beyond[k]:
                    out[j] = walk_date(due, rules, REQUEST_STEP)
                    continue
                got = first.get(k, WALK)
                if got is LONGER:
                    longer.append(j)
                    continue
                if got is not WALK:
                    out[j] = got  # type: ignore[assignment]
                    continue
                try:
                    out[j] = request_date(members[j], same_day_credit, rules, series=series[j], first_due=due,
                                          only_series=True, bound=beyond is None)
                except ShortSeries:
                    longer.append(j)
        if longer:
            continued = projection_series([members[j] for j in longer], same_day_credit)
            for n, j in enumerate(longer):
                got = walk_from(members[j], leases[j], schedules[j], continued[n], rules)
                out[j] = request_date(members[j], same_day_credit, series=continued[n], first_due=first_dues[j]) \
                    if got is WALK or got is LONGER else got  # type: ignore[assignment]
        return out
    if not heading:
        return {}
    continued = projection_series([members[j] for j in heading], same_day_credit)
    return {j: request_date(members[j], same_day_credit, series=continued[n]) for n, j in enumerate(heading)}


def _needs_plan(problem: str, h) -> bool:
    """A household with a problem, or with arrears to repay, is planned (unless check only)."""
    return problem != "none" or (h.arrears is not None and h.arrears.amount > 0)


def peak_rss() -> int:
    try:
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    except (ImportError, OSError):  # pragma: no cover - not on Linux/macOS
        return 0


def _input_row(raw: RawHousehold) -> str:
    """The household's file and row, by the file's base name (`tenants.csv:6`,
    `batch.xlsx[tenants]:6`, `hh-0001.toml`): the same whatever the working directory or
    however the path was typed, so a run's output depends on its input only."""
    if raw.toml is not None:
        return os.path.basename(raw.toml[0])
    file, row, _, _ = raw.tenant  # type: ignore[misc]
    return f"{_base_name(file)}:{row}"


@lru_cache(maxsize=64)
def _base_name(path: str) -> str:
    """`os.path.basename`, once per file (every row of a table names the same one)."""
    return os.path.basename(path)


#: A household runs at most this many solver phases (three, the early dip, two shortfall sums).
HOUSEHOLD_WALL_PHASES = 6


class _HouseholdTimeout(BaseException):
    """The per-household wall-clock limit (a BaseException, so no `except Exception` eats it)."""


def _alarm(_signum, _frame):  # pragma: no cover - runs inside a worker
    raise _HouseholdTimeout()


def plan_one(h, row: BatchRow, time_limit_s: float, same_day_credit: bool,
             shortfall: str = "bound", as_of=None, roll_forward: bool = False,
             on_time: bool = False) -> tuple[BatchRow, str | None, int]:
    """Plan one household; each solver phase may do `time_limit_s` deterministic seconds of
    work (the same on every machine), so the result depends on the input only. In a worker
    process's main thread a wall-clock timer is the safety net (`HOUSEHOLD_WALL_PHASES`
    phases' wall limits): a household it stops, or one that finds no plan within the work
    limit, has status "timeout". Returns the finished row and the plan JSON text. A plan that
    fails the plan schema is not returned: its row has status "error" and carries
    `invalid_plan` (the schema path and message) for errors.csv (`invalid_plan_error`)."""
    from ..asof import HorizonPassed, align
    from ..assessment import plan_explained as plan
    from ..io.plan_schema import SCHEMA_NAME, schema_problem
    from ..solver import WALL_FACTOR, SolverTimeout

    row = replace(row)
    try:
        aligned = align(h, as_of, roll_forward)
    except HorizonPassed as exc:
        row.status = "failed"
        row.note = (f"perioden er passert: {nb_date(h.start)}–{nb_date(h.end)} ligger før "
                    f"--as-of {nb_date(exc.as_of)}; kjør batchen med --roll-forward")
        return row, None, peak_rss()
    h = aligned.household
    use_alarm = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    if use_alarm:
        _warm_up(same_day_credit)
    old = None
    try:
        if use_alarm:
            old = signal.signal(signal.SIGALRM, _alarm)
            signal.setitimer(signal.ITIMER_REAL, max(0.001, time_limit_s * WALL_FACTOR * HOUSEHOLD_WALL_PHASES))
        try:
            p = plan(h, same_day_credit=same_day_credit, time_limit_s=time_limit_s, shortfall=shortfall,
                     as_of=as_of, horizon_note=aligned.note, on_time=on_time)
        finally:
            if use_alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
    except (_HouseholdTimeout, SolverTimeout):
        row.status, row.note = "timeout", f"ingen plan innen tidsgrensen på {format_number(time_limit_s)} s (CP-SAT-sekunder)"
        return _with_request(row, h, same_day_credit), None, peak_rss()
    except Exception as exc:  # noqa: BLE001 - a bug in one household must not stop the other 99 999; it is reported
        row.status, row.note = "failed", f"feil i planner: {type(exc).__name__}"
        return _with_request(row, h, same_day_credit), None, peak_rss()
    finally:
        if use_alarm and old is not None:
            signal.signal(signal.SIGALRM, old)
    row = _with_request(row, h, same_day_credit, p.if_nothing_done)
    doc = p.to_json()
    problem = schema_problem(doc)
    if problem is not None:
        # never written: the household goes to errors.csv and the run exits non-zero (issue 21)
        row.status = "error"
        row.note = f"planen bryter {SCHEMA_NAME} ved {problem.path or '(planen)'} (se errors.csv)"
        row.invalid_plan = InvalidPlan(str(problem.path), str(problem.message))
        return row, None, peak_rss()
    actors = sorted({a for i in p.interventions for a in i.actors})
    row = replace(
        row,
        status=p.status,
        min_balance_after_ore=p.min_balance_ore,
        interventions="; ".join(_short(i) for i in p.interventions),
        cost=p.cost,
        actors="; ".join(actors),
        shortfall_monthly_ore=p.shortfall.monthly_ore if p.shortfall and p.shortfall.monthly_ore is not None else "",
        shortfall_one_time_ore=p.shortfall.one_time_ore if p.shortfall else "",
        plan_file=f"plans/{h.id}.json",
        note=_plan_note(p, shortfall),
    )
    return row, json.dumps(doc, ensure_ascii=False, separators=(",", ":")), peak_rss()


def invalid_plan_error(row: BatchRow) -> RowError | None:
    """The errors.csv row of a household whose plan failed the plan schema (None if it did
    not): the household's file and row, the schema path as the column, and the reason."""
    bad = row.invalid_plan
    if bad is None:
        return None
    from ..io.plan_schema import SCHEMA_NAME

    where = row.input_row
    file, _, line = where.rpartition(":")
    if not file or not line.isdigit():
        file, line = where, ""
    return RowError(file, int(line) if line else None, bad.path, "",
                    f"planen bryter {SCHEMA_NAME}: {bad.message}; den er ikke skrevet (en feil i planner:"
                    " meld den fra)", row.id or None)


def _with_request(row: BatchRow, h, same_day_credit: bool, projection=None) -> BatchRow:
    """The row with its eviction request date, when the check left it to the plan: from the
    plan's projection, or projected here when there is no plan (timeout, failure)."""
    if not row.project:
        return row
    row.project = False
    if projection is None:
        from ..eviction import project_household

        projection = project_household(h, same_day_credit)
    request = projection.request_date
    row.eviction_request = request.isoformat() if request else ""
    row.days_to_request = (request - h.start).days if request else ""
    return row


def _plan_note(p, shortfall: str) -> str:
    """results.csv `note` for a planned household: what `optimal` false means for this plan."""
    if p.status == "infeasible":
        if shortfall == "bound":  # (the bound is not minimised, whatever `optimal` says)
            return "ingen plan med tiltakene som er tillatt; mangelen er en øvre grense (uten tiltak)"
        if p.optimal:
            return "ingen plan med tiltakene som er tillatt; mangelen er den minste ekstra summen"
        return ("ingen plan med tiltakene som er tillatt; mangelen er en øvre grense (ikke bevist minst innen"
                " tidsgrensen)")
    return "" if p.optimal else "beste plan funnet innen tidsgrensen (ikke bevist optimal)"


_WARM = False


def _warm_up(same_day_credit: bool) -> None:
    """Plan one small household once per process before any timer is armed: every lazy import
    and cache of the planner is then in place, so a timer firing can never interrupt an import
    (which would leave a half-imported module behind for the next household)."""
    global _WARM
    if _WARM:
        return
    _WARM = True
    from ..model import Household
    from ..solver import plan

    h = Household.model_validate({
        "id": "warm-up", "start": date(2026, 1, 1), "months": 2, "opening_balance": 100,
        "income": [{"kind": "uforetrygd", "amount": 15000}, {"kind": "aap", "amount": 100, "every_days": 14,
                                                             "first": date(2026, 1, 9)}],
        "expense": [{"kind": "husleie", "amount": 8000, "day": 1}], "living": {"monthly": 5000},
        "arrears": {"amount": 1000}, "levers": {"deduction_from": ["aap"]},
    })
    try:
        plan(h, same_day_credit=same_day_credit, time_limit_s=5.0)
    except Exception:  # noqa: BLE001 - only a warm-up; the real households report their own errors
        pass


def _short(i) -> str:
    """An intervention in a few characters: rent_instalments(1,20), deduction(aap 1500 kr); the
    lever's module says how (`LeverRule.short`)."""
    from ..levers import rules

    rule = rules().get(i.lever)
    return rule.short(i.params) if rule is not None else i.lever

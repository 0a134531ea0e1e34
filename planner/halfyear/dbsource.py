"""Cases from the web page's database (`planner serve --db URL`; the casework store of issue 12).

Read-only in intent: the store is opened as the web page opens it (migrated to the current
schema), and only read. From each household that is not in the bin it takes:

* when the case was opened (`created`), its first version's `start` (the date of the
  collector's list for a batch import, the first planned day for a household typed in) and its
  first version's arrears (the arrears when the case was opened);
* problem, status, priority and the plan's figures (days below the floor, waits, bridge,
  shortfall) from the current plan;
* the interventions and how far their follow-up got, from the tasks (the current plan's, and
  every refused one: a refusal re-plans the household without the lever);
* the outcome and its date: a case is closed by any outcome but "begjæring sent"; the store
  keeps the case's last outcome only, so a begjæring that ended in an eviction counts on the
  eviction's date;
* first contact: the first letter marked sent, or the first task marked asked (letters are
  erased with the case record after the retention period, tasks stay);
* office / bydel, age band and gender from the case record (erased after the retention period:
  such cases count as "ikke oppgitt"). Nothing else of the case record is read: no name, no
  address, no case or tenancy number.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from datetime import date, datetime

from .batchsource import ReportInputError, document_kinds, document_size, landlord_wait
from .model import Case, Intervention

NO_PLAN = ("infeasible", "timeout", "failed")
PETITION = ("petition_sent", "petition_withdrawn", "evicted")


def read_db(url: str, *, parallel: bool = False, meanwhile=None) -> tuple[list[Case], str]:
    """The cases of the database at `url`, and its line for the report's list of sources.
    `parallel`: the rows turned into cases by this process and a forked child, this one running
    `meanwhile()` first (`forked.split_map`; a command's single thread only, never the web
    server's)."""
    import sqlalchemy as sa

    from ..web.store import sqlite_path

    try:
        path = sqlite_path(url)
    except sa.exc.ArgumentError:
        raise ReportInputError(f"--db {url!r}: not a database URL (such as sqlite:///planner.db)") from None
    if path is not None and not path.is_file():
        raise ReportInputError(f"--db {url}: no such database file ({path})")
    try:
        cases = _cases(url, parallel, meanwhile)
    except sa.exc.SQLAlchemyError as e:
        raise ReportInputError(f"--db: cannot read the database ({type(e).__name__}: {str(e).splitlines()[0][:160]})") \
            from None
    return cases, source_line(url, len(cases))


def source_line(url: str, n: int) -> str:
    """'database: planner.db (312 husholdninger)': the database's name only (no folder, host or
    password), the count hidden when under five."""
    import sqlalchemy as sa

    from .tables import HIDDEN, MIN_COUNT

    name = sa.engine.make_url(url).database or url
    return f"database: {name.replace(chr(92), '/').split('/')[-1]} ({HIDDEN if n < MIN_COUNT else n} husholdninger)"


def _json(text) -> dict | None:
    try:
        v = json.loads(text) if text else None
    except (TypeError, ValueError):
        return None
    return v if isinstance(v, dict) else None


def _day(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _cases(url: str, parallel: bool = False, meanwhile=None):
    from ..web.store import Store

    store = Store(url)
    try:
        return cases_from_engine(store.engine, parallel=parallel, meanwhile=meanwhile)
    finally:
        store.engine.dispose()


def cases_from_engine(engine, *, parallel: bool = False, meanwhile=None) -> list[Case]:
    """The cases of the store behind `engine`, read once (`planner report`: no version, no memo)."""
    return read_cases(engine, versioned=False, parallel=parallel, meanwhile=meanwhile)[0]


def read_cases(engine, versioned: bool = True, parallel: bool = False, meanwhile=None) -> tuple[list[Case], str]:
    """The cases of the store behind `engine`, and the data version they were read at: a digest
    of every row the report reads (household by household, in id order), so any change that can
    change a figure changes the version, whichever code path wrote it.

    A household whose rows are the same as at an earlier read in this process is not read again
    (`_MEMO`, keyed by the digest of its rows): after one caseworker's edit, one case is rebuilt,
    not ten thousand (parsing and validating the documents is most of the reading). Without
    `versioned` (a command that reads once) neither is computed and the version is "", and
    `parallel` has the rows made into cases by this process and a forked child, this one running
    `meanwhile()` first."""
    import sqlalchemy as sa

    from ..web.store import case_records, household_versions, households, letters, tasks

    with engine.connect() as conn:
        first = sa.select(household_versions.c.household_id, sa.func.min(household_versions.c.version)
                          .label("v")).group_by(household_versions.c.household_id).subquery()
        firsts = {r.household_id: r.document for r in conn.execute(
            sa.select(household_versions.c.household_id, household_versions.c.document).join(
                first, sa.and_(first.c.household_id == household_versions.c.household_id,
                               first.c.v == household_versions.c.version)))}
        records = {r.household_id: r.data for r in conn.execute(
            sa.select(case_records.c.household_id, case_records.c.data))}
        first_letter = {r.household_id: r.d for r in conn.execute(
            sa.select(letters.c.household_id, sa.func.min(letters.c.letter_date).label("d"))
            .group_by(letters.c.household_id))}
        by_hh: dict[str, list] = {}
        for r in conn.execute(sa.select(tasks.c.household_id, tasks.c.lever, tasks.c.actors, tasks.c.state,
                                        tasks.c.active, tasks.c.history).order_by(tasks.c.id)):
            by_hh.setdefault(r.household_id, []).append(r)
        rows = list(conn.execute(sa.select(households).where(households.c.deleted.is_(None))
                                 .order_by(households.c.id)))
    if not versioned:
        from .forked import split_map

        if parallel:
            load_case_libraries()  # once, before the fork, rather than in the child and again here
        return split_map(lambda r: _case(r, firsts.get(r.id), _json(records.get(r.id)) or {},
                                         first_letter.get(r.id), by_hh.get(r.id, [])), rows, parallel=parallel,
                         chunk=250, meanwhile=meanwhile), ""
    version = hashlib.blake2b(digest_size=16)
    cases = []
    for r in rows:
        inputs = (tuple(r), firsts.get(r.id), records.get(r.id), first_letter.get(r.id),
                  tuple(tuple(t) for t in by_hh.get(r.id, ())))
        key = hashlib.blake2b(repr(inputs).encode("utf-8", "surrogatepass"), digest_size=16).digest()
        version.update(key)
        with _MEMO_LOCK:
            case = _MEMO.get(key)
            if case is not None:
                _MEMO.move_to_end(key)
        if case is None:
            case = _case(r, inputs[1], _json(inputs[2]) or {}, inputs[3], by_hh.get(r.id, []))
            with _MEMO_LOCK:
                _MEMO[key] = case
                while len(_MEMO) > _MEMO_SIZE:
                    _MEMO.popitem(last=False)
        cases.append(case)
    return cases, version.hexdigest()


#: cases by the digest of their rows (`read_cases`); a Case is frozen, so sharing one is safe
_MEMO: OrderedDict[bytes, Case] = OrderedDict()
_MEMO_LOCK = threading.Lock()
_MEMO_SIZE = 100_000


def _case(r, first_text: str | None, record: dict, first_letter, task_rows: list) -> Case:
    """The case of household row `r`; `first_text` is its first version's document (most often
    the same text as the current one: then read once, and only read from)."""
    doc, plan = _json(r.document), _json(r.plan)
    first_doc = doc if first_text == r.document else _json(first_text)
    status = r.status if r.status in ("solvent", "planned") else ("no_plan" if r.status in NO_PLAN else None)
    outcome, odate = r.outcome, _day(r.outcome_date)
    contacts = [d for d in [_day(first_letter)] if d]
    interventions = []
    for t in task_rows:
        if t.active or t.state == "refused":
            interventions.append(Intervention(t.lever, tuple(a for a in (t.actors or "").split(";") if a), t.state))
        for h in _history(t.history):
            asked = _day(h.get("at")) if isinstance(h, dict) and h.get("state") == "asked" else None
            if asked is not None:
                contacts.append(asked)
    if not task_rows and plan is not None:
        interventions = [Intervention(i.get("lever", ""), tuple(i.get("actors") or ()), None)
                         for i in plan.get("interventions") or ()]
    before = _int((plan or {}).get("baseline", {}).get("days_below_floor")) if plan else None
    shortfall = (plan or {}).get("shortfall") or {}
    bridge = sum(_int((i.get("params") or {}).get("amount_ore")) or 0 for i in (plan or {}).get("interventions") or ()
                 if i.get("lever") == "opening_buffer") or None
    return Case(
        key=r.id, opened=_day(r.created), closed=odate if outcome and outcome != "petition_sent" else None,
        list_date=_day((first_doc or doc or {}).get("start")), office=_text(record.get("social_office")),
        arrears_ore=_arrears(first_doc if first_doc is not None else doc), problem=r.problem, status=status,
        interventions=tuple(interventions), outcome=outcome, outcome_date=odate,
        first_contact=min(contacts) if contacts else None,
        petition_date=odate if outcome in PETITION else None, eviction_date=odate if outcome == "evicted" else None,
        income_kinds=document_kinds(doc), household_size=document_size(doc),
        age_band=_text(record.get("age_band")), gender=_text(record.get("gender")),
        days_below_before=before if plan else None,
        days_below_after=(0 if status in ("solvent", "planned") else before) if plan else None,
        landlord_wait_days=landlord_wait(plan) if plan else None, bridge_ore=bridge,
        shortfall_monthly_ore=_int(shortfall.get("monthly_ore")) or None,
        shortfall_one_time_ore=_int(shortfall.get("one_time_ore")) or None,
        priority=round(r.priority) if isinstance(r.priority, (int, float)) else None,
        unused_bostotte_ore=_unused_bostotte(doc),
        has_plan_data=plan is not None)


def load_case_libraries() -> None:
    """Import what making a case needs (the household model and its validation, the bostøtte
    estimate, its rules and the bank holidays): done lazily by the first case otherwise, and
    with a forked child that would be twice, once in each process."""
    import holidays  # noqa: F401 - the bank days of the bostøtte estimate's income schedules

    from ..entitlement import entitlement_rules
    from ..model import Household  # noqa: F401

    entitlement_rules()


def _unused_bostotte(doc: dict | None) -> int | None:
    """The "bostøtte ikke søkt?" estimate of the stored household (0: not flagged; None: no
    readable document), on its own as-of day or first day."""
    if not isinstance(doc, dict):
        return None
    from pydantic import ValidationError

    from ..entitlement import unused_bostotte
    from ..model import Household

    try:
        h = Household.model_validate(doc)
    except (ValidationError, ValueError, TypeError):
        return None
    return unused_bostotte(h, h.as_of or h.start)


def _history(text) -> list:
    try:
        v = json.loads(text) if text else []
    except (TypeError, ValueError):
        return []
    return v if isinstance(v, list) else []


def _int(v) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _text(v) -> str | None:
    return v.strip() if isinstance(v, str) and v.strip() else None


def _arrears(doc: dict | None) -> int | None:
    """Øre of the document's `[arrears] amount` (kroner); 0 without arrears; None without a document."""
    if doc is None:
        return None
    a = doc.get("arrears")
    if not isinstance(a, dict) or a.get("amount") in (None, ""):
        return 0
    from ..money import MoneyError, kroner_to_ore

    try:
        return kroner_to_ore(a["amount"])
    except MoneyError:
        return None

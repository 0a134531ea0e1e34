"""Building households from their rows, validated as a file would be; errors.csv."""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable, Iterable
from functools import lru_cache, partial
from itertools import compress
from pathlib import Path
from typing import Any

from ...levers.settings import settings as lever_settings
from ..errors import InputError, Problem
from .columns import (
    BOOL_COLS,
    DATE_COLS,
    ERROR_HEADER,
    INT_COLS,
    LIST_DATE_COLS,
    LIST_INT_COLS,
    LIST_STR_COLS,
    MAP_COLS,
    PAYOUT_COLUMNS,
    RowError,
    file_problem,
)
from .office import benefit_names, kind_code
from .reading import MONEY_COLS, cell_text, converter, packed_converter
from .spool import RawHousehold

# --------------------------------------------------------------------------- building households


def build(raw: RawHousehold, months: int | None = None):
    """(Household | None, [RowError]): the household from its rows, validated as a file would be."""
    h = _built_packed(raw, months)
    if h is not None:
        return h, []
    return _built_plain(raw, months)


class _InError(Exception):
    """A cell the fast route cannot convert: the household goes the plain route, which words it."""


def _give_up(col: str, text: str, exc: ValueError) -> None:
    raise _InError


def _built_packed(raw: RawHousehold, months: int | None):
    """The household of rows still packed as spooled, when nothing is in error: each row's cells
    converted by its table's plan, made once per table (`_tenant_plan`, `_payout_plan`), with
    no dict of cells made and the empty cells left out without a Python loop (`compress`).
    None whenever anything is in error or the rows are not packed: then the plain route
    (`_built_plain`) builds it again and words every error. Both routes fill the household
    dict with the same functions (`_tenant_dict`, `_payout_item`)."""
    from ..household import household_from_dict

    if raw.errors or not raw.validate or raw.toml is not None:
        return None
    packed = raw.packed_cells()
    if packed is None:
        return None
    tenant, payouts = packed
    file, _, cols, _ = raw.tenant  # type: ignore[misc]
    try:
        data = _tenant_dict(compress(zip(_plan_of(cols, _tenant_plan), tenant), tenant), months, _give_up)
        last = None
        for (_, _, pcols, _), cells in zip(raw.payouts, payouts):
            if pcols is not last:  # (a household's payout rows are nearly always of one table)
                plan, flow_at = _plan_of(pcols, _payout_plan)
                last = pcols
            flow = cells[flow_at] if flow_at < len(cells) else ""
            group = _GROUP_OF.get(flow) or _group(flow)
            if group is None:
                return None
            data[group].append(_payout_item(compress(zip(plan, cells), cells), group, _give_up))
        return household_from_dict(data, file)
    except (_InError, InputError):
        return None


def _built_plain(raw: RawHousehold, months: int | None):
    """`build` of every household: its rows unpacked, every bad cell and every model error
    reported at its row and column."""
    from ..household import household_from_dict

    raw.unpack()
    errors = list(raw.errors)
    if raw.toml is not None:
        return _from_file(raw, months, errors)
    if not raw.validate:
        return None, _dedupe(errors)
    file, row, cols, cells = raw.tenant  # type: ignore[misc]
    data = _tenant_data(raw, months, errors)
    rows_of = _payout_items(raw, data, errors)
    # validated even when rows are already in error, so that every bad row is reported
    # (the rows in error are left out of `data`)
    try:
        h = household_from_dict(data, file)
    except InputError as exc:
        for p in exc.problems:
            f, r, c, value = _where_is(_parse_field(p.field or ""), raw, rows_of)
            if p.sensitive:
                value = ""  # looks like personal data: errors.csv must not copy it
            elif not value and p.has_value:
                value = _show(p.value)
            errors.append(RowError(f, r, c, value, p.message, raw.hid, _nb(p)))
        return None, _in_row_order(_dedupe(errors), file)
    if errors:
        return None, _in_row_order(_dedupe(errors), file)
    return h, []


def _nb(problem: Problem) -> str:
    """The problem in Norwegian, as the web form says it, where it has a code (else "": the
    Excel twin then keeps the English text rather than a vaguer Norwegian one)."""
    from ..messages import norwegian

    return norwegian(problem) if problem.code else ""


def _cell_nb(exc: ValueError) -> str:
    """A cell the table reader could not convert, in Norwegian: an amount by its rule's code
    (`planner.money.MoneyError`), a month map by its one form."""
    from ..messages import norwegian

    code = getattr(exc, "code", "")
    if code:
        return norwegian(Problem("", str(exc), code=code, params=getattr(exc, "params", {})))
    if str(exc).startswith("expected MONTH=VALUE"):
        return "Skriv MÅNED=VERDI-par skilt med «;», for eksempel 12=26000."
    return ""


def _from_file(raw: RawHousehold, months: int | None, errors: list[RowError]):
    """A household file in a folder input: parsed and validated as `planner check` would."""
    from ...model import Household
    from ..household import household_from_dict, parse_json, parse_toml

    name, text = raw.toml  # type: ignore[misc]
    try:
        if text.startswith("\0"):
            raise InputError([file_problem(name, text[1:])])
        if not text.strip():
            raise InputError([file_problem(name, "is empty: a household file needs at least id, start and the rent")])
        data = parse_json(text, name) if name.lower().endswith(".json") else parse_toml(text, name)
        if months is not None:
            data["months"] = months
        h: Household = household_from_dict(data, name, None if name.lower().endswith(".json") else text)
    except InputError as exc:
        return None, errors + [RowError(p.file, p.line, p.field or "", _show(p.value) if p.has_value else "",
                                        p.message, raw.hid, _nb(p)) for p in exc.problems]
    return (None, errors) if errors else (h, [])


def _tenant_data(raw: RawHousehold, months: int | None, errors: list[RowError]) -> dict:
    """The household dict of the tenants row, with the rent and no income yet; bad cells to `errors`."""
    file, row, cols, cells = raw.tenant  # type: ignore[misc]

    return _tenant_dict(((_TENANT_STEP.get(col), text) for col, text in cells.items()), months,
                        partial(_cell_error, errors, file, row, cols, raw.hid))


def _cell_error(errors: list[RowError], file: str, row: int, cols: dict[str, str], hid: str,
                col: str, text: str, exc: ValueError) -> None:
    """A cell the reader could not convert, to `errors` at its row and column."""
    errors.append(RowError(file, row, cols.get(col, col), text, str(exc), hid, _cell_nb(exc)))


def _tenant_dict(cells: Iterable[tuple[tuple | None, str]], months: int | None, bad: Callable) -> dict:
    """The household dict of a tenants row's (step, cell) pairs (a step of `_TENANT_STEP`, None:
    not a household's column), with the rent and no income yet; a cell that cannot be
    converted goes to `bad(col, text, exc)` and is left out."""
    data: dict = {}
    rent: dict = {"kind": "husleie", "day": 1}
    rent_given = False
    for step, text in cells:
        if step is None or not text:
            continue
        col, conv, table, key = step
        if col == "rent":
            rent_given = True
        if conv is None:
            value: object = text
        else:
            try:
                value = conv(text)
            except ValueError as exc:
                bad(col, text, exc)
                continue
        if table is None:
            data[key] = value
        elif table == "expense":
            rent[key] = value
        else:
            data.setdefault(table, {})[key] = value
    if months is not None:
        data["months"] = months
    if "arrears" in data and "amount" not in data["arrears"]:
        if set(data["arrears"]) - {"creditor"}:
            data["arrears"]["amount"] = "0"
        else:
            del data["arrears"]
    data["expense"] = [rent] if rent_given else []
    data["income"] = []
    return data


_FLOW_IN = ("in", "inn", "income", "inntekt")
_FLOW_OUT = ("out", "ut", "expense", "utgift")
_NOT_ITEM = frozenset({"household", "flow"})  # payouts columns that are not the item's own


def _group(flow: str) -> str | None:
    """The list a payout row goes in by its `flow` cell ("": a payout to the tenant)."""
    flow = (flow or "in").strip().casefold()
    return "income" if flow in _FLOW_IN else "expense" if flow in _FLOW_OUT else None


#: `_group` of the flow cells as written nearly always (their plain spelling), found at once
_GROUP_OF = {flow: _group(flow) for flow in ("", *_FLOW_IN, *_FLOW_OUT)}


def _payout_items(raw: RawHousehold, data: dict, errors: list[RowError]) -> dict[str, list]:
    """The payouts rows into `data`'s income and expense lists; which row each item came from."""
    rows_of: dict[str, list] = {"income": [], "expense": [None]}  # which payout row each item came from
    for prow_ref in raw.payouts:
        pfile, prow, pcols, pcells = prow_ref
        group = _group(pcells.get("flow", ""))
        if group is None:
            errors.append(RowError(pfile, prow, pcols.get("flow", "flow"), pcells.get("flow", ""),
                                   "flow must be 'in' (a payout to the tenant) or 'out' (a bill)", raw.hid,
                                   "Retning må være «inn» (en utbetaling til leietaker) eller «ut» (en regning)."))
            continue
        before = len(errors)
        item = _payout_item(((_payout_step(col), text) for col, text in pcells.items()), group,
                            partial(_cell_error, errors, pfile, prow, pcols, raw.hid))
        if len(errors) > before:  # a cell in error: the row is left out
            continue
        data[group].append(item)
        rows_of[group].append(prow_ref)
    return rows_of


def _payout_item(cells: Iterable[tuple[tuple | None, str]], group: str, bad: Callable) -> dict:
    """A payout row's item of its (step, cell) pairs (a step of `_payout_step`, None: not the
    item's column); a cell that cannot be converted goes to `bad(col, text, exc)`."""
    item: dict = {}
    for step, text in cells:
        if step is None or not text:
            continue
        col, conv = step
        try:
            item[col] = _kind(text, group) if conv is _KIND else text if conv is None else conv(text)
        except ValueError as exc:
            bad(col, text, exc)
    return item


@lru_cache(maxsize=4096)
def _kind(text: str, group: str) -> str:
    """A payout's kind: the code, or the benefit's (or bill's) name as offices write it (`Bostøtte`,
    `AAP`, `Barnetrygd`, `Uføretrygd`), case and æøå aside. An unknown word is passed on, so the
    model's message lists the kinds allowed. Cached: a batch writes the same few kinds on
    every row, and folding each costs three regular expressions."""
    return kind_code(text, benefit_names(group))


def _in_row_order(errors: list[RowError], tenants_file: str) -> list[RowError]:
    """A household's errors: its tenants row first, then its payout rows in file order (a
    stable sort: the errors of one row keep their order)."""
    return sorted(errors, key=lambda e: (e.file != tenants_file, e.file, -1 if e.row is None else e.row))


#: Our tenants columns -> where they go in the household dict.
_TENANT_LOC: dict[str, tuple] = {
    "id": ("id",), "label": ("label",), "start": ("start",), "months": ("months",),
    "opening_balance": ("opening_balance",), "min_balance": ("min_balance",), "adults": ("adults",),
    "children": ("children",), "profile": ("profile",),
    "living_monthly": ("living", "monthly"),
    "arrears": ("arrears", "amount"), "arrears_since": ("arrears", "since"),
    "arrears_creditor": ("arrears", "creditor"),
    **{key: ("levers", key) for key in lever_settings()},
    "allow": ("levers", "allow"), "forbid": ("levers", "forbid"),
    "rent": ("expense", 0, "amount"), "rent_day": ("expense", 0, "day"),
}
_LOC_TENANT = {loc: col for col, loc in _TENANT_LOC.items()}
_TYPED = (INT_COLS | DATE_COLS | BOOL_COLS | LIST_INT_COLS | LIST_STR_COLS | LIST_DATE_COLS | set(MAP_COLS)
          | MONEY_COLS)
#: `_TENANT_LOC` as `_tenant_dict` reads it for every cell of every row: (column, its converter
#: (None: the text as it is), the table it goes in (None: the household's own key; "expense":
#: the rent), its key there)
_TENANT_STEP: dict[str, tuple[str, Callable | None, str | None, str]] = {
    col: (col, converter(col) if col in _TYPED else None, None if len(loc) == 1 else loc[0], loc[-1])
    for col, loc in _TENANT_LOC.items()
}
_KIND = object()  # (a payout's kind: converted by `_kind`, which needs the row's group)


@lru_cache(maxsize=64)
def _payout_step(col: str) -> tuple[str, object] | None:
    """A payouts column's step in `_payout_item`: (column, converter: `_KIND`, a function, None
    for the text as it is); None for a column that is not the item's own."""
    if col in _NOT_ITEM:
        return None
    return col, _KIND if col == "kind" else converter(col) if col in _TYPED else None


#: the last table's columns each plan was made for, and the plan: the rows of one table share
#: one dict of columns (also across a chunk's households), so its plan is found by identity
#: (the dict is held here, so its id is not reused; a table's columns are never changed)
_LAST_PLAN: dict[Callable, tuple[dict, Any]] = {}


def _plan_of(cols: dict[str, str], make: Callable[[tuple[str, ...]], Any]) -> Any:
    """`make(tuple(cols))`, a table's plan, without hashing its columns for every row."""
    last = _LAST_PLAN.get(make)
    if last is not None and last[0] is cols:
        return last[1]
    plan = make(tuple(cols))
    _LAST_PLAN[make] = (cols, plan)
    return plan


@lru_cache(maxsize=64)
def _tenant_plan(cols: tuple[str, ...]) -> tuple:
    """A tenants table's step for each of its columns, in order (a packed row's cells), with the
    fast route's converters (`packed_converter`)."""
    steps = (_TENANT_STEP.get(col) for col in cols)
    return tuple(None if s is None else (s[0], s[1] and packed_converter(s[0]), *s[2:]) for s in steps)


@lru_cache(maxsize=64)
def _payout_plan(cols: tuple[str, ...]) -> tuple[tuple, int]:
    """A payouts table's step for each of its columns, in order, with the fast route's
    converters (`packed_converter`), and where its `flow` cell is."""
    steps = (_payout_step(col) for col in cols)
    plan = tuple(s if s is None or s[1] is _KIND or s[1] is None else (s[0], packed_converter(s[0])) for s in steps)
    return plan, cols.index("flow") if "flow" in cols else len(cols)


def _where_is(loc: tuple, raw: RawHousehold, rows_of: dict) -> tuple[str, int | None, str, str]:
    """(file, row, their column, cell text) of a model error's location."""
    file, row, cols, cells = raw.tenant  # type: ignore[misc]
    if loc and loc[0] in ("income", "expense") and len(loc) > 1 and isinstance(loc[1], int):
        ref = rows_of[loc[0]][loc[1]] if loc[1] < len(rows_of[loc[0]]) else None
        field_ = loc[2] if len(loc) > 2 and isinstance(loc[2], str) else None
        if ref is None:  # the rent, from the tenants row
            col = "rent_day" if field_ == "day" else "rent"
            return file, row, cols.get(col, col), cells.get(col, "")
        pfile, prow, pcols, pcells = ref
        col = field_ if field_ is not None and (field_ in pcells or field_ in PAYOUT_COLUMNS) else "kind"
        return pfile, prow, pcols.get(col, col), pcells.get(col, "")
    if loc and loc[0] == "expense":  # no rent at all
        return file, row, cols.get("rent", "rent"), cells.get("rent", "")
    for n in range(len(loc), 0, -1):
        named = _LOC_TENANT.get(loc[:n])
        if named is not None:
            return file, row, cols.get(named, named), cells.get(named, "")
    col = str(loc[0]) if loc else "id"
    return file, row, cols.get(col, col), cells.get(col, "")


def _dedupe(errors: list[RowError]) -> list[RowError]:
    seen, out = set(), []
    for e in errors:
        if e not in seen:
            seen.add(e)
            out.append(e)
    return out


def _show(value: object) -> str:
    if isinstance(value, list):
        return ";".join(cell_text(v) for v in value)
    return cell_text(value)


def _parse_field(text: str) -> tuple:
    out: list = []
    for part in text.split("."):
        m = re.fullmatch(r"([^\[\]]+)((?:\[\d+\])*)", part)
        if not m:
            continue
        out.append(m.group(1))
        out.extend(int(i) - 1 for i in re.findall(r"\[(\d+)\]", m.group(2)))
    return tuple(out)


#: What a spreadsheet program reads as the start of a formula (OWASP, "CSV injection"): a cell
#: of text starting with one of these is written with a leading apostrophe, which Excel and
#: LibreOffice show as text and do not display. Plain numbers (-500, +47) are left alone: a
#: number cannot be a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?", re.ASCII)


def csv_safe(value: object) -> object:
    """A CSV cell that no spreadsheet program runs as a formula (text values only)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_safe_cells(cells: list) -> list:
    """`csv_safe` of each cell, its first test made here: only a text starting like a formula is
    looked at further (the batch writes 100 000 rows of 30 cells)."""
    return [csv_safe(v) if type(v) is str and v.startswith(_FORMULA_START) else v for v in cells]


def csv_safe_frame(frame, columns: list[str]):
    """`frame[columns]` with every text cell made `csv_safe` (pandas frames written as CSV: the
    ledger's tables). Only the few cells that start like a formula are touched."""
    import pandas as pd

    frame = frame[columns]
    fixes = {}
    for c in columns:
        col = frame[c]
        if len(col) and (col.dtype == object or pd.api.types.is_string_dtype(col.dtype)):
            hit = col.str[:1].isin(_FORMULA_START).to_numpy(dtype=bool, na_value=False)
            if hit.any():
                fixes[c] = col.where(~hit, col[hit].map(csv_safe))
    return frame.assign(**fixes) if fixes else frame


def write_errors_csv(path: Path, errors) -> int:
    """errors.csv via a temporary file and an atomic rename; returns the number of rows."""
    tmp = path.with_name(path.name + ".tmp")
    n = 0
    from ..files import private_opener

    with open(tmp, "w", encoding="utf-8", newline="", opener=private_opener) as fh:
        w = csv.writer(fh)
        w.writerow(ERROR_HEADER)
        for e in errors:
            w.writerow([csv_safe(v) for v in e.to_csv()])
            n += 1
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return n

"""Reading household files (TOML or JSON) into validated `Household` objects.

Every failure becomes an `InputError` naming the file, the line where it can be found, the
field, the bad value and what is allowed: never a traceback.
"""

from __future__ import annotations

import json
import re
import tomllib
import types
import typing
from pathlib import Path

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from ..levers.settings import household_model
from ..model import Household
from ..money import WrittenFloat
from .errors import InputError, Problem
from .messages import english

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-]+)\s*\]\]?")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")


def read_household(path: str | Path) -> Household:
    """Read and validate one household file; the format follows the suffix (.toml or .json)."""
    path = Path(path)
    name = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError([Problem(name, "file not found")]) from None
    except IsADirectoryError:
        raise InputError([Problem(name, "is a folder, not a household file")]) from None
    except OSError as exc:
        raise InputError([Problem(name, f"cannot be read: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError([Problem(name, f"is not UTF-8 text (bad byte at position {exc.start})")]) from None
    if not text.strip():
        raise InputError([Problem(name, "is empty: a household file needs at least id, start and the rent")])
    suffix = path.suffix.lower()
    if suffix == ".json":
        data = parse_json(text, name)
        locate = None
    elif suffix == ".toml":
        data = parse_toml(text, name)
        locate = text
    else:
        raise InputError([Problem(name, f"unknown file type {path.suffix!r}; allowed: .toml, .json")])
    return household_from_dict(data, name, locate)


#: Deepest nesting of tables and lists a household file needs is 4 (income -> item ->
#: month_amounts -> value); anything much deeper is not a household and would exhaust the
#: parser's or the validator's recursion.
MAX_DEPTH = 12


class ParseError(ValueError):
    """Text that is not a valid TOML or JSON document, or not one a household reader accepts
    (too deeply nested, a number of more than 4 300 digits, a duplicate JSON key)."""

    def __init__(self, message: str, line: int | None = None, key: str | None = None):
        super().__init__(message)
        self.line = line
        self.key = key  # the duplicated JSON key, for a reader that words its own message


def load_toml(text: str) -> dict:
    """TOML text -> dict, refusing what would exhaust the reader; `ParseError` says why.

    Floats keep their written form (`WrittenFloat`) so an amount written `1e5` can be refused."""
    try:
        data = tomllib.loads(text, parse_float=WrittenFloat)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line = int(m.group(1)) if m else None
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        raise ParseError(f"is not valid TOML: {msg}", line) from None
    except RecursionError:
        raise ParseError(f"is not a household file: tables or lists nested too deeply (at most {MAX_DEPTH} levels)") from None
    except ValueError as exc:  # Python's limit on digits in one integer (CVE-2020-10735)
        raise ParseError(f"is not a household file: {_number_problem(exc)}") from None
    _check_depth(data)
    return data


def load_json(text: str) -> object:
    """JSON text -> object, refusing duplicate keys (the last would silently win), deep
    nesting and numbers too long to convert; `ParseError` says why."""
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys, parse_float=WrittenFloat)
    except json.JSONDecodeError as exc:
        raise ParseError(f"is not valid JSON: {exc.msg}", exc.lineno) from None
    except _DuplicateKey as exc:
        raise ParseError(f"is not a valid household: the key {exc.args[0]!r} appears twice in one object;"
                         " give each key once", key=exc.args[0]) from None
    except RecursionError:
        raise ParseError(f"is not a household file: objects or lists nested too deeply (at most {MAX_DEPTH} levels)") from None
    except ValueError as exc:
        raise ParseError(f"is not a household file: {_number_problem(exc)}") from None
    _check_depth(data)
    return data


class _DuplicateKey(Exception):
    pass


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    out: dict = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKey(k)
        out[k] = v
    return out


def _number_problem(exc: ValueError) -> str:
    if "digits" in str(exc):
        return "a number has more than 4 300 digits"
    return f"a value cannot be read ({str(exc).splitlines()[0][:80]})"


def _check_depth(data: object) -> None:
    """Refuse nesting deeper than MAX_DEPTH (iteratively: no recursion to exhaust)."""
    stack = [(data, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ParseError(f"is not a household file: tables or lists nested more than {MAX_DEPTH} levels deep")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


def parse_toml(text: str, name: str) -> dict:
    try:
        return load_toml(text)
    except ParseError as exc:
        raise InputError([Problem(name, str(exc), line=exc.line)]) from None


def parse_json(text: str, name: str) -> dict:
    try:
        data = load_json(text)
    except ParseError as exc:
        raise InputError([Problem(name, str(exc), line=exc.line)]) from None
    if not isinstance(data, dict):
        raise InputError([Problem(name, f"must hold one JSON object (a household), not a {type(data).__name__}")])
    return data


def household_from_dict(data: dict, name: str = "<input>", source_text: str | None = None) -> Household:
    """Validate a parsed household; `source_text` (TOML) lets errors carry line numbers."""
    try:  # (`model_validate` without its wrapper's arguments: a batch validates 100 000 households)
        return household_model().__pydantic_validator__.validate_python(data)
    except ValidationError as exc:
        raise InputError([_problem(dict(err), name, source_text) for err in exc.errors()]) from None


#: What a missing required key is for, so the message says what to write.
_MISSING_HINT = {
    "id": "a short identifier such as id = \"hh-0042\"",
    "start": "the first planned day, such as start = 2026-01-01",
    "expense": 'at least the rent: [[expense]] with kind = "husleie", amount and day',
    "kind": "which benefit or expense this is",
    "amount": "kroner per payment, such as amount = 9500",
}
_INT_ERRORS = {
    "int_type", "int_parsing", "int_from_float", "greater_than_equal", "less_than_equal", "greater_than", "less_than",
}
_DATE_ERRORS = {"date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"}


def _problem(err: dict, name: str, source_text: str | None) -> Problem:
    loc = tuple(err.get("loc", ()))
    ctx = err.get("ctx") or {}
    value = err.get("input")
    has_value = True
    kind = err["type"]
    if kind == "household":
        loc = tuple(int(p) if p.isdigit() else p for p in str(ctx.get("at", "")).split(".") if p)
        value = ctx.get("value")
        has_value = value is not None
        message = str(ctx.get("message", err["msg"]))
    elif kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        message = english("unknown_key", key=loc[-1], allowed=list(allowed))
        has_value = False
    elif kind == "missing":
        message = english("missing", key=loc[-1], hint=_MISSING_HINT.get(str(loc[-1])))
        has_value = False
    elif kind == "schedule" and "field" in ctx:
        # a table-level schedule error: point at the key that breaks the rule
        loc = (*loc, ctx["field"])
        has_value = "value" in ctx
        value = ctx.get("value")
        message = err["msg"]
    elif kind in _INT_ERRORS and (bounds := _int_bounds(loc)) != (None, None):
        lo, hi = bounds
        message = english("int_range" if lo is not None and hi is not None else "int_min" if lo is not None
                          else "int_max", lo=lo, hi=hi)
    elif kind in _DATE_ERRORS:
        message = english("date_format", detail=err["msg"].partition(", ")[2])
    elif kind == "string_pattern_mismatch":
        message = english("id_pattern")
    else:
        message = err["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, "):]
        if message.startswith("Input should be "):
            message = "must be " + message[len("Input should be "):]
        if err["type"] in ("model_type", "model_attributes_type", "dict_type"):
            message = english("must_be_table")
        elif err["type"] == "list_type":
            message = english("must_be_list")
        elif err["type"] == "string_too_short":
            message = english("empty")
    if err["type"] == "personal_data":
        value, has_value = None, False  # never repeat what looks like personal data
    if isinstance(value, dict):
        has_value = False  # a whole table: the field and line say where, the dump would not help
    elif has_value and _names_value(message, value):
        has_value = False  # the message names the value already
    sensitive = err["type"] == "personal_data"
    loc = tuple(p for p in loc if isinstance(p, int) or not p.startswith(("function-", "int", "constrained")))
    line = _locate(source_text, loc) if source_text is not None else None
    code, params = _code(err, loc)
    return Problem(name, message, line=line, field=_field_name(loc) or None, value=value, has_value=has_value,
                   sensitive=sensitive, code=code, params=params)


#: pydantic's and our error types whose code needs no more than the type
_TYPE_CODES = {
    "personal_data": "personal_data", "date_range": "date_range", "profile": "unknown_profile",
    "month_key": "month_key", "reserved_id": "reserved_id", "string_pattern_mismatch": "id_pattern",
    "string_too_short": "empty", "list_type": "must_be_list", "bool_parsing": "must_be_bool",
    "bool_type": "must_be_bool", "model_type": "must_be_table", "model_attributes_type": "must_be_table",
    "dict_type": "must_be_table", "extra_forbidden": "unknown_key", "missing": "missing",
}


def _code(err: dict, loc: tuple) -> tuple[str, dict]:
    """The problem's code and parameters (`planner.io.messages`), from pydantic's error type and
    the context our validators put in it."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "household":
        return str(ctx.get("code", "")), dict(ctx.get("params") or {})
    if kind in ("schedule", "money"):
        return str(ctx.get("code", "")), {k: v for k, v in ctx.items() if k not in ("code", "field", "value", "message")}
    if kind in _INT_ERRORS and (bounds := _int_bounds(loc)) != (None, None):
        lo, hi = bounds
        return ("int_range" if lo is not None and hi is not None else "int_min" if lo is not None else "int_max",
                {"lo": lo, "hi": hi})
    if kind in _INT_ERRORS:
        return "whole_number", {}
    if kind in _DATE_ERRORS:
        return "date_format", {}
    if kind == "kind":
        return ("unknown_benefit_kind" if loc and loc[0] == "income" else "unknown_expense_kind"), {}
    if kind == "exceptions":
        return ("unknown_exception" if "value" in ctx else "exceptions_need_every_days"), {}
    if kind == "string_too_long":
        return "too_long", {"max": ctx.get("max_length")}
    if kind == "literal_error" and loc and loc[-1] == "shift":
        return "shift", {}
    if kind == "date_range":
        return "date_range", {"first": ctx.get("first"), "last": ctx.get("last")}
    return _TYPE_CODES.get(kind, "invalid"), {}


def _names_value(message: str, value: object) -> bool:
    """Whether `message` already shows `value` (as a whole word, so 0 is not found in 60)."""
    if isinstance(value, bool):
        return "true/false" in message
    if isinstance(value, WrittenFloat):
        return repr(value.text) in message
    if not isinstance(value, (str, list)):
        return False  # a bare number in a message is a bound ("more than 0"), not the value
    shown = [repr(value)] + ([value] if isinstance(value, str) and len(value) >= 4 else [])
    return any(re.search(rf"(?<![\w.]){re.escape(t)}(?![\w.])", message) for t in shown)


def _int_bounds(loc: tuple) -> tuple[int | None, int | None]:
    """The ge/le bounds declared on the integer field at `loc`, if any."""
    cls: object = household_model()
    info = None
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)) or part not in cls.model_fields:
            break
        info = cls.model_fields[part]
        cls = _inner_model(info.annotation)
    if info is None:
        return None, None
    lo = hi = None
    for meta in [*info.metadata, *_annotated_metadata(info.annotation)]:
        lo = getattr(meta, "ge", lo) if lo is None else lo
        hi = getattr(meta, "le", hi) if hi is None else hi
    return lo, hi


def _annotated_metadata(annotation: object) -> list:
    """Constraint objects inside Annotated[...] anywhere in `annotation` (list[Day] | None -> Ge, Le)."""
    out: list = []
    for arg in typing.get_args(annotation):
        if isinstance(arg, FieldInfo):
            out.extend(arg.metadata)
        elif not isinstance(arg, type) or typing.get_args(arg):
            out.extend(_annotated_metadata(arg))
    metadata = getattr(annotation, "__metadata__", ())
    for m in metadata:
        if isinstance(m, FieldInfo):
            out.extend(m.metadata)
    return out


def _field_name(loc: tuple) -> str:
    """('income', 2, 'amount') -> 'income[3].amount' (tables counted from 1, as a person reads)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _allowed_keys(loc: tuple) -> list[str]:
    cls: object = household_model()
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)) or part not in cls.model_fields:
            return []
        cls = _inner_model(cls.model_fields[part].annotation)
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        return list(cls.model_fields)
    return []


def _inner_model(annotation: object) -> object:
    """The pydantic model inside list[X], X | None and the like, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is not None or isinstance(annotation, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None


def _locate(text: str, loc: tuple) -> int | None:
    """Best-effort line of a field in TOML source: finds the table, then the key inside it."""
    if not loc:
        return None
    lines = text.splitlines()
    table: str | None = None
    index = -1
    target_table = loc[0] if len(loc) > 1 else None
    target_index = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
    key = None
    for part in reversed(loc):
        if isinstance(part, str):
            key = part
            break
    counts: dict[str, int] = {}
    table_line = None
    first_header = None  # a one-part path naming a table: its first [header] line
    for no, line in enumerate(lines, start=1):
        stripped = line.split("#", 1)[0]
        head = _HEADER.match(stripped)
        if head:
            table = head.group(2)
            if target_table is None and table == key and first_header is None:
                first_header = no
            counts[table] = counts.get(table, -1) + 1
            index = counts[table]
            if table == target_table and (target_index is None or index == target_index):
                table_line = no
            continue
        k = _KEY.match(stripped)
        if not k:
            continue
        if target_table is None:
            if table is None and k.group(1) == key:
                return no
        elif table == target_table and (target_index is None or index == target_index):
            if k.group(1) == key or (key == target_table and k.group(1) in ("kind", "amount")):
                return no
        elif table is None and k.group(1) == target_table:
            return no  # inline form, e.g. `living = { monthly = 1 }`
    return table_line if table_line is not None else first_header

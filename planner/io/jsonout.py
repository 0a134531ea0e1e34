"""Indented JSON for the command line's `--format json`, fast and the same bytes as before.

`json.dumps(..., indent=2)` runs Python's pure-Python encoder (the C encoder serves only
compact output): for `planner check` on a caseload of files it took longer than the diagnosis.
orjson writes the same text for the documents planner writes (str keys, ints, strings, lists,
None, booleans): two-space indent, `": "` between key and value, `[]`/`{}` when empty, non-ASCII
characters as they are. Floats are the one difference (orjson writes 1e-05 as 0.00001); a
document that holds one, or anything orjson does not write as `json` does, is written by `json`.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_PLAIN = (str, int, bool, type(None))


def _orjson_safe(doc: Any) -> bool:
    """True when `doc` holds only dicts, lists, tuples, strings, ints, booleans and None (the
    types orjson writes as `json.dumps` does; a key or an int orjson refuses raises there)."""
    stack = [doc]
    while stack:
        x = stack.pop()
        t = type(x)
        if t is dict:
            for k, v in x.items():
                if type(k) is not str:
                    return False
                if type(v) not in _PLAIN:
                    stack.append(v)
        elif t is list or t is tuple:
            stack.extend(v for v in x if type(v) not in _PLAIN)
        elif t not in _PLAIN:
            return False  # floats, and types json.dumps would reject or write otherwise
    return True


def dumps_indented(doc: Any) -> str:
    """`json.dumps(doc, ensure_ascii=False, indent=2)`, byte for byte, by orjson where it can."""
    if _orjson_safe(doc):
        try:
            return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode("utf-8")
        except orjson.JSONEncodeError:  # non-str keys, integers past 64 bits: json writes them
            pass
    return json.dumps(doc, ensure_ascii=False, indent=2)

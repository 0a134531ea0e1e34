"""Input problems on the household form: the form field a problem's path names, and the problem
in Norwegian (from its code, `planner.io.messages`: never from the English text)."""

from __future__ import annotations

import re

from .form_fields import ROW_FIELDS, SETTING_FIELDS

_FIELD = re.compile(r"^(income|expense)\[(\d+)\](?:\.(\w+))?")


def form_field(path: str, rows: dict[tuple[str, int], int] | None = None) -> str | None:
    """The form field of an InputError field path: `income[3].amount` -> `income-2-amount`."""
    m = _FIELD.match(path)
    if m:
        n = int(m.group(2)) - 1
        idx = (rows or {}).get((m.group(1), n), n)
        sub = m.group(3) or "kind"
        if sub == "month_day":
            sub = "month_amounts"
        if sub not in ROW_FIELDS:
            sub = "kind"
        return f"{m.group(1)}-{idx}-{sub}"
    head = path.split(".")[0].split("[")[0]
    simple = {
        "id": "id", "label": "label", "start": "start", "months": "months", "opening_balance": "opening_balance",
        "min_balance": "min_balance", "adults": "adults", "children": "children", "profile": "profile",
        "living": "living", "expense": "expense", "income": "income",
    }
    if head in simple:
        return simple[head]
    if head == "arrears":
        sub = path.split(".")[1] if "." in path else "amount"
        return {"amount": "arrears_amount", "creditor": "arrears_creditor", "since": "arrears_since"}.get(sub, "arrears_amount")
    if head == "levers":
        sub = path.split(".")[1].split("[")[0] if "." in path else ""
        if sub in SETTING_FIELDS:
            return sub
    return None


def norwegian(problem) -> str:
    """An input problem said in Norwegian, from its code (`planner.io.messages`), never from
    the English text."""
    from ..io.messages import norwegian as nb

    return nb(problem)

"""Two versions of a household compared in words: "Husleie: dag endret fra 1. til 20.",
"Inntekt lagt til: AAP 6 200,00 kr". The history page shows these first; the raw lines stay
below for what has no words here.

The documents are the stored household documents (`forms.household_document`: kroner as numbers,
dates as ISO text). Rows of incomes and expenses are matched by kind and name, in order, so a
changed amount or day is a change of that row, not a removal and an addition.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from ..formatting import nb_date
from ..money import format_kr
from .forms import FIELD_NB

#: top-level fields and how their values read
_AMOUNTS = ("opening_balance", "min_balance")
_DATES = ("as_of", "start")
_PLAIN = ("label", "months", "adults", "children", "profile")
ROW_NB = {"amount": "beløp", "day": "dag", "every_days": "hver N. dag", "first": "første utbetaling", "dates": "datoer",
          "shift": "flytting ved helg", "month_amounts": "beløp per måned"}
LEVER_FIELD_NB = {"rent_days": "Trekkdager utleier godtar", "rent_instalments": "Antall avdrag",
                  "repay_months": "Nedbetalt innen (måneder)", "deduction_from": "Husleietrekk kan tas fra",
                  "move_payout": "Utbetalingsdag kan flyttes for", "bostotte_to_landlord": "Bostøtte til utleier",
                  "forbid": "Tiltak som ikke skal brukes", "allow": "Tiltak som kan brukes"}


def _kr(value: object) -> str:
    try:
        return format_kr(int(Decimal(str(value)) * 100))
    except (InvalidOperation, ValueError):
        return str(value)


def _day(value: object) -> str:
    try:
        return nb_date(date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _show(key: str, value: object) -> str:
    if value is None or value == "" or value == []:
        return "ingen"
    if key in ("amount", *_AMOUNTS, "living", "arrears"):
        return _kr(value)
    if key in ("first", *_DATES):
        return _day(value)
    if key == "day":
        return f"{value}."
    if key == "dates" and isinstance(value, list):
        return ", ".join(_day(v) for v in value)
    if isinstance(value, bool):
        return "ja" if value else "nei"
    if key in ("forbid", "allow") and isinstance(value, list):
        from .pages import lever_name

        return ", ".join(lever_name(str(v)) for v in value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _row_name(group: str, row: dict) -> str:
    from ..benefits import catalogue

    cat = catalogue()
    kind = str(row.get("kind") or "")
    kinds: dict = cat.expenses if group == "expense" else cat.kinds
    canonical = kind if group == "expense" else (cat.canonical(kind) or kind)
    name = kinds[canonical].name if canonical in kinds else kind
    return f"{name} ({row['name']})" if row.get("name") else name


def _rows(group: str, a: list, b: list) -> list[str]:
    """Rows matched by (kind, name) in order: changed fields, then rows added and removed."""
    out: list[str] = []
    noun = "Inntekt" if group == "income" else "Utgift"
    left = [r for r in a if isinstance(r, dict)]
    right = [r for r in b if isinstance(r, dict)]
    for new in right:
        key = (new.get("kind"), new.get("name"))
        old = next((r for r in left if (r.get("kind"), r.get("name")) == key), None)
        if old is None:
            out.append(f"{noun} lagt til: {_row_name(group, new)} {_show('amount', new.get('amount'))}")
            continue
        left.remove(old)
        for f in sorted(set(old) | set(new)):
            if f in ("kind", "name") or old.get(f) == new.get(f):
                continue
            what = ROW_NB.get(f, f)
            out.append(f"{_row_name(group, new)}: {what} endret fra {_show(f, old.get(f))} til {_show(f, new.get(f))}")
    out += [f"{noun} fjernet: {_row_name(group, r)}" for r in left]
    return out


def document_changes(a: dict | None, b: dict | None) -> list[str]:
    """What changed from `a` to `b`, one sentence each, in the order of the form."""
    a, b = a or {}, b or {}
    out: list[str] = []
    for key in ("label", *_DATES, "months", *_AMOUNTS, "adults", "children", "profile"):
        if a.get(key) != b.get(key):
            out.append(f"{FIELD_NB.get(key, key)} endret fra {_show(key, a.get(key))} til {_show(key, b.get(key))}")
    out += _rows("income", a.get("income") or [], b.get("income") or [])
    out += _rows("expense", a.get("expense") or [], b.get("expense") or [])
    la, lb = (a.get("living") or {}).get("monthly"), (b.get("living") or {}).get("monthly")
    if la != lb:
        out.append(f"Forbruk per måned endret fra {_show('living', la)} til {_show('living', lb)}")
    ra, rb = a.get("arrears") or {}, b.get("arrears") or {}
    if ra.get("amount") != rb.get("amount"):
        out.append(f"Restanse endret fra {_show('arrears', ra.get('amount'))} til {_show('arrears', rb.get('amount'))}")
    va, vb = a.get("levers") or {}, b.get("levers") or {}
    for key in sorted(set(va) | set(vb)):
        if va.get(key) != vb.get(key):
            out.append(f"{LEVER_FIELD_NB.get(key, key)} endret fra {_show(key, va.get(key))} til "
                       f"{_show(key, vb.get(key))}")
    return out


def plan_changes(a: dict | None, b: dict | None) -> list[str]:
    """The plans' differences a caseworker acts on: status, and interventions added or dropped."""
    from .pages import STATUS_NB, lever_name

    a, b = a or {}, b or {}
    out: list[str] = []
    if a.get("status") != b.get("status"):
        out.append(f"Status endret fra {STATUS_NB.get(a.get('status') or '', 'ingen')} til "
                   f"{STATUS_NB.get(b.get('status') or '', 'ingen')}")
    names = lambda p: [lever_name(str(i.get("lever"))) for i in p.get("interventions") or [] if isinstance(i, dict)]  # noqa: E731
    na, nb = names(a), names(b)
    out += [f"Tiltak lagt til: {n}" for n in nb if n not in na]
    out += [f"Tiltak tatt bort: {n}" for n in na if n not in nb]
    if not out and a.get("interventions") != b.get("interventions"):
        out.append("Tiltakene er de samme, men med andre datoer eller beløp")
    return out

"""A stored household document shown on the form: every value as the text a caseworker types
(kroner with a decimal comma, dd.mm.åååå dates), the lever choices and the ticked streams."""

from __future__ import annotations

import re
from datetime import date

from ..formatting import nb_date
from ..levers.settings import declared
from ..model import LEVERS
from .form_fields import SETTING_FIELDS, STREAM_LEVERS, TOP_FIELDS, HouseholdForm, blank_row


def kroner_text(ore: int) -> str:
    """Øre as the kroner a person types: 950000 -> '9500', 188010 -> '1880,10'."""
    kr, rest = divmod(abs(ore), 100)
    sign = "-" if ore < 0 else ""
    return f"{sign}{kr}" if rest == 0 else f"{sign}{kr},{rest:02d}"


_NB_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def _nb_date_text(value: object) -> str:
    """An ISO date from a document as dd.mm.åååå (anything else unchanged)."""
    try:
        return nb_date(date.fromisoformat(str(value)))
    except ValueError:
        return "" if value is None else str(value)


def iso_date(text: str) -> str:
    """A typed date as the document's ISO text: dd.mm.åååå (d.m.åååå too) or ÅÅÅÅ-MM-DD.

    Only the form changes; the validity of the day is left to the household validation, so a
    31.02.2026 gets the same message as any other impossible date.
    """
    m = _NB_DATE.match(text.strip())
    return f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}" if m else text


def _kr_text(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    if "." in text:
        kr, _, rest = text.partition(".")
        return f"{kr},{rest.ljust(2, '0')}" if rest.strip("0") else kr
    return text


def _list_text(items) -> str:
    return ", ".join(str(i) for i in items) if items else ""


def _month_amounts_text(mapping: dict | None) -> str:
    return "; ".join(f"{k}={_kr_text(v)}" for k, v in (mapping or {}).items())


def _entitlement_text(doc: dict) -> str:
    """The household's [entitlement] table as the JSON the form carries in a hidden field."""
    import json

    ent = doc.get("entitlement")
    return json.dumps(ent, ensure_ascii=False, sort_keys=True, default=str) if ent else ""


def form_from_document(doc: dict) -> HouseholdForm:
    """The form showing a stored household document."""
    values = {k: "" for k in TOP_FIELDS}
    for key in ("id", "label", "months", "adults", "children", "profile"):
        if doc.get(key) is not None:
            values[key] = str(doc[key])
    values["start"] = _nb_date_text(doc.get("start"))
    values["as_of"] = _nb_date_text(doc.get("as_of")) if doc.get("as_of") else ""
    values["opening_balance"] = _kr_text(doc.get("opening_balance", 0))
    values["min_balance"] = _kr_text(doc.get("min_balance", 0))
    values["living"] = _kr_text((doc.get("living") or {}).get("monthly", 0))
    arr = doc.get("arrears") or {}
    values["arrears_amount"] = _kr_text(arr.get("amount"))
    values["arrears_creditor"] = arr.get("creditor", "") if arr else ""
    values["arrears_since"] = _nb_date_text(arr["since"]) if arr.get("since") else ""
    values["entitlement"] = _entitlement_text(doc)
    lv = doc.get("levers") or {}
    values.update(_lever_values(lv))

    def rows(items) -> list[dict[str, str]]:
        out = []
        for item in items or ():
            row = blank_row(str(item.get("kind", "")))
            row["name"] = item.get("name", "") or ""
            row["amount"] = _kr_text(item.get("amount"))
            row["shift"] = item.get("shift", "") or ""
            row["month_amounts"] = _month_amounts_text(item.get("month_amounts"))
            if item.get("month_day"):
                row["month_day"] = "; ".join(f"{k}={v}" for k, v in item["month_day"].items())
            if item.get("late_days") is not None:
                row["late_days"] = str(item["late_days"])
            if item.get("dates"):
                row["mode"], row["dates"] = "dates", _list_text([_nb_date_text(d) for d in item["dates"]])
            elif item.get("every_days") is not None or item.get("first"):
                row["mode"] = "every"
                row["every_days"] = str(item.get("every_days") or "")
                row["first"] = _nb_date_text(item["first"]) if item.get("first") else ""
            elif item.get("day") is not None:
                row["mode"], row["day"] = "day", str(item["day"])
            else:
                row["mode"] = "default"
            out.append(row)
        return out

    form = HouseholdForm(values=values, income=rows(doc.get("income")), expense=rows(doc.get("expense")))
    for key in STREAM_LEVERS:
        check_streams(form, key, lv.get(key))
    return form


def _lever_values(lv: dict) -> dict[str, str]:
    """The lever choices and setting fields showing a document's `[levers]` table."""
    from ..levers import catalogue

    values: dict[str, str] = {}
    for key, setting in SETTING_FIELDS.items():
        if setting.kind == "days":
            values[key] = _list_text(lv.get(key))
        elif setting.kind == "count":
            values[key] = str(lv.get(key) or "")
    cat = catalogue()
    allow, forbid = lv.get("allow"), set(lv.get("forbid") or ())
    for key in LEVERS:
        choice = ""
        if allow is not None:
            choice = "ja" if key in allow else "nei"
            if choice == ("ja" if cat[key].default else "nei"):
                choice = ""  # the catalogue's default: shown as "Standard"
        if key in forbid:
            choice = "nei"
        values[f"lever_{key}"] = choice
    for lever, setting in declared():
        permit = setting.permission(lv.get(setting.key))
        if permit is False:
            values[f"lever_{lever}"] = "nei"
        elif permit:
            values[f"lever_{lever}"] = "ja" if setting.kind == "switch" else (values[f"lever_{lever}"] or "ja")
    return values


def check_streams(form: HouseholdForm, key: str, names: list[str] | None) -> None:
    """Tick the streams a lever list names (by stream id or kind); no list = the NAV-paid ones.

    This is `planner.levers.resolve`'s reading of the list, so the ticks show what the plan uses.
    """
    from ..levers import nav_requested_kinds

    streams = form.streams()
    ticked = [s for s, _, k in streams if (k in nav_requested_kinds() if names is None else (s in names or k in names))]
    form.values[key] = ", ".join(ticked)
    form.values[f"{key}_offered"] = ", ".join(s for s, _, _ in streams)

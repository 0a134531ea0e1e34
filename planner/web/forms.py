"""The household form: form fields <-> the household document, and Norwegian field messages.

The form is a flat set of named fields (`id`, `income-0-amount`, `expense-1-day`, ...). It is
turned into the same dict a household TOML file gives and validated by
`planner.io.household.household_from_dict`, so the web page refuses exactly what a file
would; each `InputError` problem's field (`income[3].amount`, counted from 1) is mapped back to
its form field (`income-2-amount`) and its message said in Norwegian.
"""

from __future__ import annotations

import re
from datetime import date

from ..io.document import household_document
from ..model import LEVERS, Household
from .form_document import check_streams, form_from_document, iso_date, kroner_text, nb_date
from .form_errors import form_field, norwegian
from .form_fields import (
    ALWAYS_SHOWN,
    FIELD_NB,
    INT_TOP,
    LEVER_SETTINGS,
    OPENING_REQUIRED,
    PASSED_NB,
    ROW_FIELDS,
    ROW_KEY,
    SETTING_FIELDS,
    SHOWN,
    STREAM_LEVERS,
    TOP_FIELDS,
    HouseholdForm,
    blank_row,
    split_list,
)


def empty_form(today: date | None = None) -> HouseholdForm:
    """A new household's form: the plan starts today and is made today (`planner.asof.today`)."""
    from .. import asof

    today = today or asof.today()
    values = {k: "" for k in TOP_FIELDS}
    # the plan starts today (the as-of date), and the balance today is asked for, never assumed
    values.update(as_of=nb_date(today), start=nb_date(today), months="12", opening_balance="", min_balance="0",
                  adults="1",
                  children="0", living="0")
    rent = blank_row("husleie")
    rent["day"] = "1"
    return HouseholdForm(values=values, income=[blank_row()], expense=[rent])


def date_form(form: HouseholdForm, today: date) -> None:
    """Fill an empty "Per dato" with today. Every form the page saves (typed, edited, drafted
    from a statement, a batch household opened for editing) then makes its plan as of a day,
    and the page shows that day, instead of planning silently from the household's first day."""
    if not form.values.get("as_of", "").strip():
        form.values["as_of"] = nb_date(today)


def form_from_post(data) -> HouseholdForm:
    """The form as posted (`data` is a mapping of field name to text)."""
    values = {k: str(data.get(k, "") or "").strip() for k in TOP_FIELDS}
    for key in STREAM_LEVERS:  # checkboxes: one field per ticked stream
        many = data.getlist(key) if hasattr(data, "getlist") else [data.get(key) or ""]
        values[key] = ", ".join(p for v in many for p in split_list(str(v)))
    for key in LEVERS:
        values[f"lever_{key}"] = str(data.get(f"lever_{key}", "") or "").strip()
    groups: dict[str, dict[int, dict[str, str]]] = {"income": {}, "expense": {}}
    for key in data.keys():
        m = ROW_KEY.match(key)
        if m and (m.group(3) in ROW_FIELDS or m.group(3) == "month_day"):
            row = groups[m.group(1)].setdefault(int(m.group(2)), blank_row())
            row[m.group(3)] = str(data.get(key, "") or "").strip()
    return HouseholdForm(
        values=values,
        income=[groups["income"][i] for i in sorted(groups["income"])],
        expense=[groups["expense"][i] for i in sorted(groups["expense"])],
    )


def apply_action(form: HouseholdForm, action: str) -> bool:
    """Add or remove a row (`add-income`, `remove-expense-2`); True if the action was one."""
    if action in ("add-income", "add-expense"):
        rows = getattr(form, action[4:])
        rows.append(blank_row())
        form.focus = f"f-{action[4:]}-{len(rows) - 1}-kind"
        return True
    m = re.match(r"^remove-(income|expense)-(\d{1,3})$", action)
    if m:
        rows = getattr(form, m.group(1))
        idx = int(m.group(2))
        if 0 <= idx < len(rows):
            rows.pop(idx)
        form.focus = f"add-{m.group(1)}"
        return True
    return False


def _row_empty(row: dict[str, str]) -> bool:
    return not any(row.get(k) for k in ("kind", "name", "amount", "day", "first", "dates", "month_amounts"))


def _mapping(text: str, key: str, errors: dict[str, str], int_values: bool) -> dict:
    out: dict = {}
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        k, sep, v = part.partition("=")
        if not sep or not k.strip() or not v.strip():
            errors[key] = "Skriv måned=beløp, for eksempel «12=4000» eller «2026-06=5000», skilt med semikolon."
            return {}
        out[k.strip()] = _int_or_text(v.strip()) if int_values else v.strip()
    return out


_THOUSANDS = re.compile(r"\s*[+-]?[0-9]{1,3}(?:\.[0-9]{3})+\s*(?:kr)?\s*", re.ASCII | re.IGNORECASE)


def amount_text(text: str) -> str:
    """An amount as typed in the form, with a Norwegian thousands point read as one: `9.500` and
    `1.234.567` are thousands here (a caseworker never means 9,5 kr by `9.500`), `9.5` and
    `9.500,50` stay as typed for `planner.money` (which refuses a three-decimal point in files,
    where the writer's meaning is unknown). Spaces (`9 500`) and a decimal comma (`9500,00`)
    are read there too."""
    return text.replace(".", "") if _THOUSANDS.fullmatch(text) else text


def _filled(src: dict, keys: dict[str, str]) -> dict:
    """{our key: the form's value} for every form field (keys' values) that is filled in."""
    return {ours: src[theirs] for ours, theirs in keys.items() if src.get(theirs)}


def document_from_form(form: HouseholdForm) -> tuple[dict, dict[str, str]]:
    """The household dict the form describes, and messages for what could not even be read."""
    v = form.values
    errors: dict[str, str] = {}
    doc: dict = {}
    for key in ("id", "label", "profile"):
        if v.get(key):
            doc[key] = v[key]
    if v.get("start"):
        doc["start"] = iso_date(v["start"])
    if v.get("as_of"):
        doc["as_of"] = iso_date(v["as_of"])
    if not v.get("opening_balance", "").strip():
        errors["opening_balance"] = OPENING_REQUIRED
    for key in ("opening_balance", "min_balance"):
        if v.get(key):
            doc[key] = amount_text(v[key])
    for key in INT_TOP:
        if v.get(key):
            doc[key] = _int_or_text(v[key])
    for group in ("income", "expense"):
        doc[group] = [_row_item(group, idx, row, errors) for idx, row in enumerate(getattr(form, group))
                      if not _row_empty(row)]
    if v.get("living"):
        doc["living"] = {"monthly": amount_text(v["living"])}
    if v.get("arrears_amount") or v.get("arrears_since"):
        doc["arrears"] = _filled(v, {"amount": "arrears_amount", "creditor": "arrears_creditor",
                                     "since": "arrears_since"})
        if "amount" in doc["arrears"]:
            doc["arrears"]["amount"] = amount_text(doc["arrears"]["amount"])
        if "since" in doc["arrears"]:
            doc["arrears"]["since"] = iso_date(doc["arrears"]["since"])
    doc["levers"] = _levers(form, errors)
    if v.get("entitlement", "").strip():
        import json

        try:
            doc["entitlement"] = json.loads(v["entitlement"])
        except ValueError:
            errors["entitlement"] = "Støtteopplysningene (entitlement) kunne ikke leses; last opp husstandsfilen på nytt."
    return doc, errors


def _row_item(group: str, idx: int, row: dict, errors: dict[str, str]) -> dict:
    """One income or expense row as the household file's table (`_row`: its place on the form)."""
    item: dict = _filled(row, {"kind": "kind", "name": "name", "amount": "amount"})
    if "amount" in item:
        item["amount"] = amount_text(item["amount"])
    mode = row.get("mode") or "day"
    if mode == "day" and row.get("day"):
        item["day"] = _int_or_text(row["day"])
    elif mode == "day":
        errors[f"{group}-{idx}-day"] = "Skriv dagen i måneden (1–31), eller velg en annen form."
    elif mode == "every":
        if row.get("every_days"):
            item["every_days"] = _int_or_text(row["every_days"])
        if row.get("first"):
            item["first"] = iso_date(row["first"])
        else:
            errors[f"{group}-{idx}-first"] = "Skriv datoen for én utbetaling å telle fra (dd.mm.åååå)."
    elif mode == "dates":
        dates = [iso_date(d) for d in split_list(row.get("dates", ""))]
        if not dates:
            errors[f"{group}-{idx}-dates"] = "Skriv minst én dato (dd.mm.åååå), skilt med komma."
        item["dates"] = dates
    if row.get("shift"):
        item["shift"] = row["shift"]
    if row.get("month_amounts"):
        item["month_amounts"] = _mapping(row["month_amounts"], f"{group}-{idx}-month_amounts", errors, False)
    if row.get("month_day"):
        item["month_day"] = _mapping(row["month_day"], f"{group}-{idx}-month_day", errors, True)
    if group == "income" and row.get("late_days"):
        item["late_days"] = _int_or_text(row["late_days"])
    item["_row"] = idx
    return item


def _levers(form: HouseholdForm, errors: dict[str, str]) -> dict:
    from ..levers import catalogue

    v = form.values
    cat = catalogue()
    lv: dict = {}
    for key, setting in SETTING_FIELDS.items():
        if setting.kind == "days" and v.get(key):
            lv[key] = [_int_or_text(p) for p in split_list(v[key])]
        elif setting.kind == "count" and v.get(key):
            lv[key] = _int_or_text(v[key])
    choices = {k: form.lever(k) for k in LEVERS}
    for key, lever in STREAM_LEVERS.items():
        on = choices[lever] == "ja" or (not choices[lever] and cat[lever].default)
        names = _ticked_streams(form, key) if on else None
        if names == [] and choices[lever] == "ja":
            errors[key] = "Kryss av minst én ytelse, eller sett tiltaket til «Nei»."
        elif names is not None:
            lv[key] = names
    forbid = [k for k, c in choices.items() if c == "nei"]
    extra = [k for k, c in choices.items() if c == "ja" and not cat[k].default]
    if extra:
        lv["allow"] = [k for k in LEVERS if (choices[k] == "ja" or (not choices[k] and cat[k].default))]
    if forbid:
        lv["forbid"] = forbid
    return lv


def _ticked_streams(form: HouseholdForm, key: str) -> list[str] | None:
    """The lever's stream list from the ticks; None when it is the standard (every NAV-paid one).

    A stream the page did not offer (a row typed in since, without the page's script) takes
    the standard: ticked if NAV pays it. A form posted without the offer list (a script or an
    older page) gives its list as it is.
    """
    from ..levers import nav_requested_kinds

    ticked = split_list(form.values.get(key, ""))
    offered_text = form.values.get(f"{key}_offered", "")
    if not offered_text:
        return ticked or None
    offered = set(split_list(offered_text))
    streams = form.streams()
    chosen = [s for s, _, k in streams if s in ticked or (s not in offered and k in nav_requested_kinds())]
    standard = [s for s, _, k in streams if k in nav_requested_kinds()]
    return None if chosen == standard else chosen


def offer_streams(form: HouseholdForm) -> None:
    """Before the page is drawn: tick every stream as a save would read the form now.

    Streams typed in since the page was last drawn (without its script) get the standard
    tick, so what the caseworker sees is what "Lagre" will store.
    """
    for key in STREAM_LEVERS:
        check_streams(form, key, _ticked_streams(form, key))


def _strip_rows(doc: dict) -> tuple[dict, dict[tuple[str, int], int]]:
    """Drop the `_row` markers; map (group, index in document) -> form row index."""
    rows: dict[tuple[str, int], int] = {}
    for group in ("income", "expense"):
        for n, item in enumerate(doc.get(group, [])):
            rows[(group, n)] = item.pop("_row")
    return doc, rows


def validate(form: HouseholdForm) -> Household | None:
    """Validate the form; on failure fill `form.errors` / `form.general` and return None."""
    from ..io.errors import InputError
    from ..io.household import household_from_dict

    doc, pre = document_from_form(form)
    doc, rows = _strip_rows(doc)
    form.errors.update(pre)
    try:
        h = household_from_dict(doc, "skjema")
    except InputError as exc:
        for p in exc.problems:
            key = form_field(p.field or "", rows)
            msg = norwegian(p)
            if key is None:
                label = f"{p.field}: " if p.field else ""
                form.general.append(label + msg)
            elif key not in form.errors:
                form.errors[key] = msg
        _show_hidden_errors(form)
        return None
    _show_hidden_errors(form)
    if h.as_of is not None and h.end < h.as_of:
        form.errors["as_of"] = PASSED_NB.format(end=h.end, as_of=h.as_of)[:1].upper() + \
            PASSED_NB.format(end=h.end, as_of=h.as_of)[1:]
    if form.errors:
        return None
    return h


def _show_hidden_errors(form: HouseholdForm) -> None:
    """Move a message from a field the row's schedule form hides to the form choice itself.

    With "Standard for ytelsen", the day fields are hidden; a message on one of them (AAP has
    no standard day) left the caseworker with an error that could not be seen or fixed.
    """
    from ..benefits import catalogue
    from .standard import no_standard_day

    for key in list(form.errors):
        m = ROW_KEY.match(key)
        if not m or m.group(3) in ALWAYS_SHOWN:
            continue
        rows = getattr(form, m.group(1))
        idx = int(m.group(2))
        mode = (rows[idx].get("mode") or "day") if idx < len(rows) else "day"
        if m.group(3) in SHOWN.get(mode, set()):
            continue
        msg = form.errors.pop(key)
        kind = rows[idx].get("kind", "") if idx < len(rows) else ""
        if mode == "default" and kind in catalogue().kinds:
            msg = f"{catalogue().kinds[kind].name} {no_standard_day(kind, horizon(form)[0])}."
        form.errors.setdefault(f"{m.group(1)}-{idx}-mode", msg)


def form_fields(form: HouseholdForm) -> dict[str, str]:
    """The form as the flat field names a browser posts (for tests and scripted clients)."""
    out = {k: v for k, v in form.values.items() if v != ""}
    for group in ("income", "expense"):
        for i, row in enumerate(getattr(form, group)):
            for key, value in row.items():
                if value != "":
                    out[f"{group}-{i}-{key}"] = value
    return out


def horizon(form: HouseholdForm, today: date | None = None) -> tuple[date, int, str | None]:
    """(start, months, profile) the form describes, for the standard days shown beside a row.

    Falls back to a new form's period while the typed start or length cannot be read.
    """
    from ..benefits import catalogue

    fallback = date.fromisoformat(iso_date(empty_form(today).v("start")))
    try:
        start = date.fromisoformat(iso_date(form.v("start")))
    except ValueError:
        start = fallback
    if not 1990 <= start.year <= 2100:
        start = fallback
    months = int(form.v("months")) if re.fullmatch(r"\d{1,2}", form.v("months")) else 12
    profile = form.v("profile") if form.v("profile") in catalogue().profiles else None
    return start, min(max(months, 1), 60), profile


def _int_or_text(text: str) -> int | str:
    return int(text) if re.fullmatch(r"[+-]?\d{1,9}", text) else text


__all__ = ["ALWAYS_SHOWN", "FIELD_NB", "LEVER_SETTINGS", "ROW_FIELDS", "SETTING_FIELDS", "STREAM_LEVERS", "TOP_FIELDS", "HouseholdForm",
           "apply_action", "blank_row", "date_form", "document_from_form", "empty_form", "form_field", "form_fields",
           "form_from_document", "form_from_post", "horizon", "household_document", "iso_date", "kroner_text",
           "nb_date", "norwegian", "offer_streams", "validate"]

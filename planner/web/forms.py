"""The household form: form fields <-> the household document, and Norwegian field messages.

The form is a flat set of named fields (`id`, `income-0-amount`, `expense-1-day`, ...). It is
turned into the same dict a household TOML file gives and validated by
`planner.io.household.household_from_dict`, so the web page refuses exactly what a file
would; each `InputError` problem's field (`income[3].amount`, counted from 1) is mapped back to
its form field (`income-2-amount`) and its message said in Norwegian.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from ..formatting import nb_date
from ..model import LEVERS, Household
from .form_errors import form_field, norwegian  # noqa: F401  (the form's face)

SCHEDULE_MODES = ("default", "day", "every", "dates")
ROW_FIELDS = ("kind", "name", "amount", "mode", "day", "every_days", "first", "dates", "shift", "month_amounts",
              "late_days")
TOP_FIELDS = (
    "id", "label", "as_of", "start", "months", "opening_balance", "min_balance", "adults", "children", "profile",
    "living", "arrears_amount", "arrears_creditor", "arrears_since",
    "rent_days", "rent_instalments", "repay_months", "deduction_from", "move_payout",
    "deduction_from_offered", "move_payout_offered",
    # the household's [entitlement] table (planner entitlement): not edited on the form, carried
    # through it as JSON in a hidden field so that saving the form never drops it
    "entitlement",
)
#: Why the balance today is asked for: left at 0 it decides the diagnosis (issue 11).
OPENING_REQUIRED = ("Oppgi saldoen på kontoen per dato (0 hvis kontoen er tom). Den avgjør om de første dagene går i "
                    "minus: uten den ser en tom konto på registreringsdagen ut som et tidsproblem.")
#: Levers that act on some of the household's benefits: the form offers those as checkboxes.
STREAM_LEVERS = {"deduction_from": "deduction", "move_payout": "move_payout"}
#: The fields each schedule form shows; an error on another field of the row would be invisible.
_SHOWN = {"day": {"day"}, "every": {"every_days", "first"}, "dates": {"dates"}, "default": set()}
_ALWAYS_SHOWN = {"kind", "amount", "mode", "name", "shift", "month_amounts", "late_days"}
_INT_TOP = {"months", "adults", "children"}
_INT_ROW = {"day", "every_days", "late_days"}


@dataclass
class HouseholdForm:
    """What the form shows: every value as the text in its input, plus messages per field."""

    values: dict[str, str] = field(default_factory=dict)
    income: list[dict[str, str]] = field(default_factory=list)
    expense: list[dict[str, str]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    #: the field to focus when the page comes back (the new row after "add", without script)
    focus: str = ""

    def v(self, name: str) -> str:
        return self.values.get(name, "")

    def lever(self, key: str) -> str:
        return self.values.get(f"lever_{key}", "")

    def streams(self) -> list[tuple[str, str, str]]:
        """(stream id, label, kind) of each income row with a kind: what a stream lever can act on."""
        from ..benefits import catalogue

        kinds = catalogue().kinds
        out: list[tuple[str, str, str]] = []
        for row in self.income:
            kind = row.get("kind", "")
            if kind in kinds:
                sid = row.get("name") or kind
                label = kinds[kind].name + (f" ({row['name']})" if row.get("name") else "")
                if sid not in [s for s, _, _ in out]:
                    out.append((sid, label, kind))
        return out

    def checked(self, key: str) -> set[str]:
        return set(_split(self.values.get(key, "")))

    def summary(self) -> list[tuple[str, str]]:
        """(field id, text) per error, for the links in the error summary at the top."""
        out = []
        for key, msg in self.errors.items():
            m = _ROW_KEY.match(key)
            if m:
                what = "Ytelse" if m.group(1) == "income" else "Utgift"
                out.append((f"f-{key}", f"{what} {int(m.group(2)) + 1}: {msg}"))
            else:
                out.append((f"f-{key}" if key not in ("income", "expense") else key,
                            f"{FIELD_NB.get(key, key)}: {msg}"))
        return out


FIELD_NB = {
    "id": "ID", "label": "Beskrivelse", "as_of": "Per dato", "start": "Første dag i planen", "months": "Antall måneder",
    "adults": "Voksne", "children": "Barn", "opening_balance": "Saldo per dato", "min_balance": "Laveste tillatte saldo",
    "living": "Forbruk per måned", "profile": "Utbetalingsprofil", "arrears_amount": "Restanse", "arrears_creditor":
    "Kreditor", "arrears_since": "Forfalt siden", "rent_days": "Trekkdager utleier godtar", "rent_instalments":
    "Antall avdrag", "repay_months": "Nedbetalt innen", "deduction_from": "Husleietrekk kan tas fra",
    "move_payout": "Utbetalingsdag kan flyttes for", "income": "Inntekter og ytelser", "expense": "Utgifter",
}


def blank_row(kind: str = "") -> dict[str, str]:
    row = {k: "" for k in ROW_FIELDS}
    row["kind"] = kind
    row["mode"] = "day"
    return row


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


# --------------------------------------------------------------------------- document <-> form


def kroner_text(ore: int) -> str:
    """Øre as the kroner a person types: 950000 -> '9500', 188010 -> '1880,10'."""
    kr, rest = divmod(abs(ore), 100)
    sign = "-" if ore < 0 else ""
    return f"{sign}{kr}" if rest == 0 else f"{sign}{kr},{rest:02d}"


def _kr_doc(ore: int) -> int | str:
    """Øre as a document value: whole kroner as int, else exact text ('1880.10')."""
    kr, rest = divmod(abs(ore), 100)
    if rest == 0:
        return ore // 100
    return f"{'-' if ore < 0 else ''}{kr}.{rest:02d}"


def household_document(h: Household) -> dict:
    """The validated household as the dict a TOML file would give (kroner, ISO dates)."""

    def sched(item, income: bool) -> dict:
        out: dict = {"kind": item.kind}
        if item.name:
            out["name"] = item.name
        out["amount"] = _kr_doc(item.amount)
        for key in ("day", "every_days"):
            if getattr(item, key) is not None:
                out[key] = getattr(item, key)
        if item.first is not None:
            out["first"] = item.first.isoformat()
        if item.dates is not None:
            out["dates"] = [d.isoformat() for d in item.dates]
        if item.shift is not None:
            out["shift"] = item.shift
        if item.month_amounts:
            out["month_amounts"] = {k: _kr_doc(v) for k, v in item.month_amounts.items()}
        if item.month_day:
            out["month_day"] = dict(item.month_day)
        if getattr(item, "late_days", None) is not None:
            out["late_days"] = item.late_days
        return out

    doc: dict = {"id": h.id}
    if h.label:
        doc["label"] = h.label
    if h.as_of is not None:
        doc["as_of"] = h.as_of.isoformat()
    doc.update(start=h.start.isoformat(), months=h.months, opening_balance=_kr_doc(h.opening_balance),
               min_balance=_kr_doc(h.min_balance), adults=h.adults, children=h.children)
    if h.profile:
        doc["profile"] = h.profile
    doc["income"] = [sched(i, True) for i in h.income]
    doc["expense"] = [sched(e, False) for e in h.expense]
    doc["living"] = {"monthly": _kr_doc(h.living.monthly)}
    if h.arrears is not None:
        a: dict = {"amount": _kr_doc(h.arrears.amount), "creditor": h.arrears.creditor}
        if h.arrears.since:
            a["since"] = h.arrears.since.isoformat()
        doc["arrears"] = a
    lv = h.levers.model_dump(exclude_none=True)
    if not lv.get("forbid"):
        lv.pop("forbid", None)
    doc["levers"] = lv
    ent = h.entitlement.model_dump(mode="json", exclude_defaults=True)
    for key in ("gross_income_monthly", "other_housing_costs", "wealth"):
        if ent.get(key) is not None:
            ent[key] = _kr_doc(getattr(h.entitlement, key))
    if ent:
        doc["entitlement"] = ent
    return doc


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
    from ..levers import catalogue

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
    values["rent_days"] = _list_text(lv.get("rent_days"))
    values["rent_instalments"] = str(lv.get("rent_instalments") or "")
    values["repay_months"] = str(lv.get("repay_months") or "")
    cat = catalogue()
    allow, forbid = lv.get("allow"), set(lv.get("forbid") or ())
    for key in LEVERS:
        choice = ""
        if allow is not None:
            choice = "ja" if key in allow else "nei"
            if choice == "ja" and cat[key].default:
                choice = ""
            if choice == "nei" and not cat[key].default:
                choice = ""
        if key in forbid:
            choice = "nei"
        values[f"lever_{key}"] = choice
    if lv.get("bostotte_to_landlord") is not None:
        values["lever_bostotte_to_landlord"] = "ja" if lv["bostotte_to_landlord"] else "nei"
    if lv.get("move_payout") == []:
        values["lever_move_payout"] = "nei"
    elif lv.get("move_payout"):
        values["lever_move_payout"] = values["lever_move_payout"] or "ja"
    if lv.get("deduction_from") == []:
        values["lever_deduction"] = "nei"

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
        _check_streams(form, key, lv.get(key))
    return form


def _check_streams(form: HouseholdForm, key: str, names: list[str] | None) -> None:
    """Tick the streams a lever list names (by stream id or kind); no list = the NAV-paid ones.

    This is `planner.levers.resolve`'s reading of the list, so the ticks show what the plan uses.
    """
    from ..levers import nav_requested_kinds

    streams = form.streams()
    ticked = [s for s, _, k in streams if (k in nav_requested_kinds() if names is None else (s in names or k in names))]
    form.values[key] = ", ".join(ticked)
    form.values[f"{key}_offered"] = ", ".join(s for s, _, _ in streams)


_ROW_KEY = re.compile(r"^(income|expense)-(\d{1,3})-(\w+)$")


def form_from_post(data) -> HouseholdForm:
    """The form as posted (`data` is a mapping of field name to text)."""
    values = {k: str(data.get(k, "") or "").strip() for k in TOP_FIELDS}
    for key in STREAM_LEVERS:  # checkboxes: one field per ticked stream
        many = data.getlist(key) if hasattr(data, "getlist") else [data.get(key) or ""]
        values[key] = ", ".join(p for v in many for p in _split(str(v)))
    for key in LEVERS:
        values[f"lever_{key}"] = str(data.get(f"lever_{key}", "") or "").strip()
    groups: dict[str, dict[int, dict[str, str]]] = {"income": {}, "expense": {}}
    for key in data.keys():
        m = _ROW_KEY.match(key)
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


def _int_or_text(text: str) -> int | str:
    return int(text) if re.fullmatch(r"[+-]?\d{1,9}", text) else text


def _split(text: str) -> list[str]:
    return [p for p in re.split(r"[,;\s]+", text) if p]


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
    for key in _INT_TOP:
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
        dates = [iso_date(d) for d in _split(row.get("dates", ""))]
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
    if v.get("rent_days"):
        lv["rent_days"] = [_int_or_text(p) for p in _split(v["rent_days"])]
    for key in ("rent_instalments", "repay_months"):
        if v.get(key):
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
    if choices["move_payout"] == "ja" and "move_payout" not in lv:
        pass  # allowed for every NAV-paid stream (the catalogue's rule with no list)
    return lv


def _ticked_streams(form: HouseholdForm, key: str) -> list[str] | None:
    """The lever's stream list from the ticks; None when it is the standard (every NAV-paid one).

    A stream the page did not offer (a row typed in since, without the page's script) takes
    the standard: ticked if NAV pays it. A form posted without the offer list (a script or an
    older page) gives its list as it is.
    """
    from ..levers import nav_requested_kinds

    ticked = _split(form.values.get(key, ""))
    offered_text = form.values.get(f"{key}_offered", "")
    if not offered_text:
        return ticked or None
    offered = set(_split(offered_text))
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
        _check_streams(form, key, _ticked_streams(form, key))


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
        from .imports import PASSED_NB

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
        m = _ROW_KEY.match(key)
        if not m or m.group(3) in _ALWAYS_SHOWN:
            continue
        rows = getattr(form, m.group(1))
        idx = int(m.group(2))
        mode = (rows[idx].get("mode") or "day") if idx < len(rows) else "day"
        if m.group(3) in _SHOWN.get(mode, set()):
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

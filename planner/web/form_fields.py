"""The household form's fields: their names, their Norwegian labels, the lever settings they
show (declared in each lever's module), and the form as the page holds it (`HouseholdForm`).

Shared by the form's two directions (`form_document`: a stored household shown; `forms`: a
posted form read back) and its error messages (`form_errors`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..levers.setting import Setting
from ..levers.settings import declared

ROW_FIELDS = ("kind", "name", "amount", "mode", "day", "every_days", "first", "dates", "shift", "month_amounts",
              "late_days")
#: Each lever's settings (declared in its module): the fields under the lever's choice.
LEVER_SETTINGS: dict[str, tuple[Setting, ...]] = {}
for _lever, _setting in declared():
    LEVER_SETTINGS.setdefault(_lever, ())
    LEVER_SETTINGS[_lever] += (_setting,)
#: The settings a field of their own shows (a switch is the lever's Ja/Nei choice itself).
SETTING_FIELDS = {s.key: s for _, s in declared() if s.kind != "switch"}
TOP_FIELDS = (
    "id", "label", "as_of", "start", "months", "opening_balance", "min_balance", "adults", "children", "profile",
    "living", "arrears_amount", "arrears_creditor", "arrears_since",
    *SETTING_FIELDS, *(f"{k}_offered" for k, s in SETTING_FIELDS.items() if s.kind == "streams"),
    # the household's [entitlement] table (planner entitlement): not edited on the form, carried
    # through it as JSON in a hidden field so that saving the form never drops it
    "entitlement",
)
#: Why the balance today is asked for: left at 0 it decides the diagnosis (issue 11).
OPENING_REQUIRED = ("Oppgi saldoen på kontoen per dato (0 hvis kontoen er tom). Den avgjør om de første dagene går i "
                    "minus: uten den ser en tom konto på registreringsdagen ut som et tidsproblem.")
#: Levers that act on some of the household's benefits: the form offers those as checkboxes.
STREAM_LEVERS = {s.key: lever for lever, s in declared() if s.kind == "streams"}
#: The fields each schedule form shows; an error on another field of the row would be invisible.
SHOWN = {"day": {"day"}, "every": {"every_days", "first"}, "dates": {"dates"}, "default": set()}
ALWAYS_SHOWN = {"kind", "amount", "mode", "name", "shift", "month_amounts", "late_days"}
INT_TOP = {"months", "adults", "children"}


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
        return set(split_list(self.values.get(key, "")))

    def summary(self) -> list[tuple[str, str]]:
        """(field id, text) per error, for the links in the error summary at the top."""
        out = []
        for key, msg in self.errors.items():
            m = ROW_KEY.match(key)
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
    "Kreditor", "arrears_since": "Forfalt siden", "income": "Inntekter og ytelser", "expense": "Utgifter",
    **{k: s.label for k, s in SETTING_FIELDS.items()},
}


#: A horizon wholly before the household's as-of date (issue 11): nothing is left to plan.
PASSED_NB = ("perioden slutter {end:%d.%m.%Y}, før per-datoen {as_of:%d.%m.%Y}: ingenting er igjen å planlegge. "
             "Sett første dag til per-datoen (rull planen fram, like mange måneder), eller bruk knappen "
             "«Rull fram» på en lagret husstand.")


ROW_KEY = re.compile(r"^(income|expense)-(\d{1,3})-(\w+)$")


def split_list(text: str) -> list[str]:
    """A typed list: items separated by commas, semicolons or spaces."""
    return [p for p in re.split(r"[,;\s]+", text) if p]


def blank_row(kind: str = "") -> dict[str, str]:
    row = {k: "" for k in ROW_FIELDS}
    row["kind"] = kind
    row["mode"] = "day"
    return row

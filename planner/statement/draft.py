"""The household draft: what was found, in the README's household format, evidence beside it.

A draft is never a plan: a person confirms, corrects or drops each stream first. On the
command line it is a TOML file whose comments carry each stream's evidence (dates and
amounts only: no names, texts or account numbers); on the web page the same document fills
the new-household form. `planner check` reads the file as it is.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from ..benefits import catalogue
from ..formatting import format_decimal, format_kr, format_month, nb_date
from .detect import Detection, Excluded, Stream

RHYTHM_NB = {"monthly": "månedlig", "14 days": "hver 14. dag"}
REASON_NB = {"one-off": "enkeltstående", "irregular": "uregelmessig", "bounced": "avvist trekk (tilbakeført)",
             "tax refund": "skatteoppgjør"}


def default_as_of(det: Detection) -> date:
    """The day after the statement ends: the first day its closing balance is the balance."""
    return det.statement_end + timedelta(days=1)


def _kr_doc(ore: int) -> int | str:
    kr, rest = divmod(abs(ore), 100)
    return (ore // 100 if ore >= 0 else -kr) if rest == 0 else f"{'-' if ore < 0 else ''}{kr}.{rest:02d}"


def _kr_toml(ore: int) -> str:
    value = _kr_doc(ore)
    return str(value)


def _names(streams: tuple[Stream, ...]) -> list[str | None]:
    """A `name` for the second and later stream of one kind (the model wants them apart)."""
    seen: dict[str, int] = {}
    out = []
    for s in streams:
        seen[s.kind] = seen.get(s.kind, 0) + 1
        out.append(None if seen[s.kind] == 1 else f"{s.kind}-{seen[s.kind]}")
    return out


def stream_item(s: Stream, name: str | None) -> dict:
    """A stream as an `[[income]]`/`[[expense]]` table of the household document."""
    item: dict = {"kind": s.kind}
    if name:
        item["name"] = name
    item["amount"] = _kr_doc(s.amount_ore)
    if s.every_days is not None:
        item["every_days"] = s.every_days
        item["first"] = s.first.isoformat() if s.first else None
    elif s.day is not None:
        item["day"] = s.day
    if s.shift is not None:
        item["shift"] = s.shift
    if s.month_day:
        item["month_day"] = dict(s.month_day)
    if s.month_amounts:
        item["month_amounts"] = {k: _kr_doc(v) for k, v in s.month_amounts.items()}
    return item


def household_document(det: Detection, as_of: date | None = None, hid: str | None = None,
                       months: int = 12) -> dict:
    """The draft as the dict a household file gives (kroner, ISO dates)."""
    start = as_of or default_as_of(det)
    doc: dict = {
        "id": hid or f"utkast-{start.isoformat()}",
        "label": f"Utkast fra kontoutskrift {nb_date(det.statement_start)}–{nb_date(det.statement_end)}",
        "start": start.isoformat(),
        "months": months,
        "opening_balance": _kr_doc(det.balance_ore or 0),
        "min_balance": 0,
    }
    doc["income"] = [stream_item(s, n) for s, n in zip(det.incomes, _names(det.incomes))]
    doc["expense"] = [stream_item(s, n) for s, n in zip(det.expenses, _names(det.expenses))]
    doc["living"] = {"monthly": _kr_doc(det.living_ore)}
    return doc


def evidence_text(evidence) -> str:
    return "; ".join(f"{nb_date(d)} {format_kr(a)}" for d, a in evidence)


def living_evidence_text(evidence) -> str:
    """The months behind the living costs: 'september 2025 6 300,00 kr; oktober 2025 ...'."""
    return "; ".join(f"{format_month(m)} {format_kr(v)}" for m, v in evidence)


def describe(s: Stream) -> str:
    """One line about a stream, Norwegian: what, how often, how sure, why."""
    cat = catalogue()
    name = s.label or (cat.kinds[s.kind].name if s.flow == "in" else cat.expenses[s.kind].name)
    when = RHYTHM_NB[s.rhythm]
    if s.rhythm == "monthly":
        when += f", den {s.day}." if s.day is not None else ", ytelsens faste dag"
    why = f" ({s.why})" if s.why and s.why != s.label else ""
    flag = " [UFULLSTENDIG]" if s.incomplete else ""
    return f"{name}: {format_kr(s.amount_ore)} {when}; sikkerhet {format_decimal(s.confidence, 2)}{why}{flag}"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return value  # a TOML local date
    if isinstance(value, str) and value.lstrip("-").replace(".", "", 1).isdigit():
        return value  # kroner with øre
    return json.dumps(value, ensure_ascii=False)


def toml_text(det: Detection, as_of: date | None = None, hid: str | None = None, files: int = 1) -> str:
    """The draft as a commented household TOML file."""
    doc = household_document(det, as_of, hid)
    # what must be read before anything else (benefits not named, rows not read) comes first
    lines = [f"# MERK: {w}." for w in det.warnings]
    lines += [
        f"# Utkast fra kontoutskrift {nb_date(det.statement_start)}–{nb_date(det.statement_end)}"
        f" ({files} fil{'er' if files != 1 else ''}), laget av `planner import-statement`.",
        "# Et UTKAST, ikke en plan: kontroller hver strøm mot kontoutskriften, rett eller fjern den,",
        "# før planlegging. Bevis er bare datoer og beløp; navn, tekster og kontonumre er ikke tatt med.",
    ]
    for key in ("id", "label", "start", "months", "opening_balance", "min_balance"):
        comment = ""
        if key == "opening_balance":
            comment = (f"   # saldo ved utgangen av {nb_date(det.statement_end)}" if det.balance_ore is not None
                       else "   # saldo ikke funnet i kontoutskriften: skriv den inn")
        lines.append(f"{key} = {_toml_value(doc[key])}{comment}")
    for group, streams in (("income", det.incomes), ("expense", det.expenses)):
        for s, item in zip(streams, doc[group]):
            lines += ["", f"# {describe(s)}", f"# bevis: {evidence_text(s.evidence)}"]
            lines += [f"# merk: {n}" for n in s.notes]
            lines.append(f"[[{group}]]")
            lines += [f"{k} = {_toml_value(v)}" for k, v in item.items()]
    if det.rent is None:
        lines += ["", "# FANT INGEN HUSLEIE i kontoutskriften (betales den fra en annen konto?). Legg den til:",
                  '# [[expense]]', '# kind = "husleie"', "# amount = ...", "# day = ..."]
    lines += ["", "# Forbruk: medianen av månedenes kjøp og andre utgifter utenfor strømmene"
              + (": " + living_evidence_text(det.living_evidence) if det.living_evidence else ""),
              "[living]", f"monthly = {_toml_value(doc['living']['monthly'])}"]
    if det.excluded:
        lines += ["", "# Ikke tatt med (kontroller om noe likevel skal med):"]
        lines += [f"# - {excluded_line(x)}" for x in det.excluded]
    return "\n".join(lines) + "\n"


def excluded_line(x: Excluded) -> str:
    flow = "inn" if x.flow == "in" else "ut"
    kind = f", {x.kind}" if x.kind and x.kind != "annen" else ""
    return f"{REASON_NB[x.reason]} ({flow}{kind}): {evidence_text(x.evidence)}"

"""The statement readers' refusals in Norwegian, for the web page (the CLI prints the English
`Problem.message`).

Every refusal carries a code and its parameters from where it arises (`model.fail`); the text
here is built from those alone, never from the English message, so no English reaches the
caseworker. A problem without a Norwegian text here gets a plain Norwegian refusal naming the
file: the page may say less than the CLI, never something in English.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ..formatting import nb_date
from ..io.errors import Problem
from .model import MIN_DAYS

_Text = str | Callable[[Mapping[str, Any]], str]  # a text, or a function of the parameters giving one

#: Rejected.reason (the first refused row of a file) in Norwegian
REASON_NB = {"no date": "mangler dato", "not a date": "ugyldig dato", "no amount": "mangler beløp",
             "not an amount": "ugyldig beløp"}

_CSV = "bankens CSV-eksport"


def _reason(p: Mapping[str, Any]) -> str:
    return REASON_NB.get(str(p.get("reason", "")), "kan ikke leses")


NB: dict[str, _Text] = {
    "too_large": lambda p: (f"Filen er {p['mb']} MB; en kontoutskrift for noen måneder er mye mindre "
                            f"(grense {p['limit']} MB)."),
    "empty": "Filen er tom.",
    "date_range": lambda p: (f"En postering er datert {p['day']}, utenfor årene {p['first']}–{p['last']} "
                             "programmet kjenner: datoen er trolig ødelagt. Eksporter kontoutskriften på nytt."),
    "unknown_format": ("Ukjent filformat: eksporter kontoutskriften fra nettbanken som CSV, camt.053 (XML) eller "
                       "OFX."),
    "currency": lambda p: (f"Kontoutskriften er i {p['currency']}; planleggeren tar bare kontoer i NOK: bruk "
                           "kontoutskriften for kontoen ytelsene betales til."),
    "accounts": lambda p: (f"Kontoutskriftene gjelder {p['count']} ulike kontoer: bruk kontoutskriftene for den ene "
                           "kontoen ytelsene betales til."),
    "repeats": lambda p: (f"Gjentar {p['other']}: begge dekker {nb_date(p['start'])}–{nb_date(p['end'])}. "
                          "Ta med hver periode én gang."),
    "overlaps": lambda p: (f"Overlapper {p['other']}: begge dekker {nb_date(p['start'])}–{nb_date(p['end'])}. "
                           "Ta med hver periode én gang."),
    "gap": lambda p: (f"Hull etter {p['other']}: ingenting fra {nb_date(p['start'])} til {nb_date(p['end'])}. "
                      "Ta med kontoutskriften som mangler."),
    "too_short": lambda p: (f"Dekker bare {p['days']} dager ({nb_date(p['start'])}–{nb_date(p['end'])}); for å se "
                            f"en månedlig rytme tre ganger trengs minst 3 måneder ({MIN_DAYS} dager eller mer). "
                            "Last opp en lengre kontoutskrift, eller flere som følger etter hverandre."),
    "twice": "Hver postering står to ganger: samme periode er gitt to ganger. Ta med hver periode én gang.",
    "encoding": lambda p: f"Filen er ikke tekst i tegnsettet {p['encoding']}: velg riktig tegnsett.",
    "preset": lambda p: f"Ukjent bankoppsett «{p['preset']}».",
    "csv_empty": "Filen er tom: en kontoutskrift i CSV trenger en overskriftslinje og én linje per postering.",
    "columns": lambda p: (f"Ikke en kontoutskrift denne leseren kjenner: fant ingen kolonner for dato og beløp i de "
                          f"første {p['lines']} linjene, og ingen bank passer. Velg kolonnene for dato og beløp."),
    "bad_balance": "Saldoen kan ikke leses som et beløp.",
    "no_bookings": "Kontoutskriften har ingen posteringer.",
    "rows_refused": lambda p: (f"{p['refused']} av {p['total']} rader kunne ikke leses (den første: {_reason(p)}); "
                               f"for mange til å lage et utkast av resten. Bruk {_CSV}, eller velg kolonnene på nytt."),
    "not_xml": "Filen er ikke gyldig XML.",
    "not_camt": "Filen er XML, men ikke en kontoutskrift i ISO 20022 (camt.052/053/054).",
    "no_statement": "Filen har ingen kontoutskrift i seg.",
    "no_account": "Filen har ingen kontoutskrift for den valgte kontoen.",
    "many_accounts": lambda p: (f"Filen har kontoutskrifter for {p['count']} kontoer: eksporter én konto per fil, "
                                "kontoen ytelsene betales til."),
    "foreign_entry": "En postering er i en annen valuta enn NOK; planleggeren tar bare kontoer i NOK.",
    "mixed_currency": "Filen har kontoutskrifter i flere valutaer; planleggeren tar bare kontoer i NOK.",
    "bad_entry": "En postering kan ikke leses: beløp, dato eller inn/ut mangler eller er ugyldig.",
    "not_bank": ("Filen er ikke en kontoutskrift for en bankkonto (for eksempel et kredittkort): bruk "
                 "kontoutskriften for bankkontoen ytelsene betales til."),
    "ofx_unreadable": "Filen er ikke en lesbar OFX-kontoutskrift.",
    "not_pdf": f"Filen er ikke et PDF-dokument: bruk bankens PDF eller {_CSV}.",
    "pdf_scanned": f"PDF-en har ingen tekst (et skannet bilde): be om bankens PDF eller {_CSV}.",
    "missing_extra": "Lesing av PDF er ikke installert her: bruk en CSV-eksport, eller be driften installere det.",
    "pdf_pages": lambda p: (f"PDF-en har {p['pages']} sider; en kontoutskrift for noen måneder er mye kortere "
                            f"(grense {p['limit']})."),
    "pdf_encrypted": f"PDF-en er passordbeskyttet: be om bankens PDF uten passord eller {_CSV}.",
    "pdf_broken": f"PDF-en er ødelagt og kan ikke leses: be om bankens PDF på nytt eller {_CSV}.",
    "pdf_no_table": ("PDF-en har ingen tabell med posteringer som denne leseren kjenner (ingen overskrift med «Dato» "
                     f"og «Beløp», eller «Ut av konto» og «Inn på konto»): bruk {_CSV}."),
    "pdf_no_year": f"Datoene har ikke årstall, og filen har ingen periode med år: bruk {_CSV}.",
    "xlsx_unreadable": "Filen er ikke en lesbar XLSX-arbeidsbok: eksporter kontoutskriften på nytt som XLSX eller CSV.",
    "xlsx_no_sheets": "XLSX-arbeidsboken har ingen ark.",
    "xlsx_rows": lambda p: f"Arket har mer enn {p['limit']} rader; en kontoutskrift for noen måneder er mye mindre.",
    "xlsx_empty": "Filen er tom: det første arket har ingen rader.",
    "xlsx_too_large": lambda p: str(p["nb"]),
}

FALLBACK = "Filen kan ikke brukes som kontoutskrift."
#: a PDF row's place as the reader names it (`page 2, line 5: Dato`)
_PDF_PLACE = re.compile(r"page (\d+), line (\d+)")


def place(line: int | None, field: str | None) -> list[str]:
    """Where in the file, in Norwegian: the line, or a PDF's page and line, then the column."""
    where = [] if line is None else [f"linje {line}"]
    rest = field or ""
    if m := _PDF_PLACE.match(rest):
        where.append(f"side {m[1]}, linje {m[2]}")
        rest = rest[m.end():].lstrip(": ")
    return where + ([f"kolonne «{rest}»"] if rest else [])


def norwegian(problem: Problem) -> str:
    """The refusal in Norwegian: the file, the line and column where known, then what is wrong."""
    from ..io import messages as household

    template = NB.get(problem.code)
    if template is None and problem.code in household.NB:  # the draft household refused by the model
        text = household.norwegian(problem)
    else:
        text = FALLBACK if template is None else template(problem.params) if callable(template) else template
    return f"{', '.join([problem.file, *place(problem.line, problem.field)])}: {text}"


__all__ = ["FALLBACK", "NB", "REASON_NB", "norwegian", "place"]

"""The casework forms: office settings, the caseworker, the case record and the outcome, with
their checks and Norwegian labels, and the letters' sender built from them.

Every field is text typed by a person; a check returns a message per field (shown next to it)
and never raises. The sender of a web letter is `planner.letters.Sender`, the same object the
command line builds from `--config`, and `planner.letters.letter_missing` decides what a letter
cannot go out without.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ..formatting import parse_date
from ..letters import Recipient, Sender, letter_missing

#: office settings: key, label, required for letters (see `letter_missing`)
OFFICE_FIELDS: list[tuple[str, str]] = [
    ("kommune", "Kommune"),
    ("office", "Kontor"),
    ("address", "Kontorets adresse (linjer skilt med ;)"),
    ("place", "Sted på datolinjen"),
    ("phone", "Telefon"),
    ("email", "E-post"),
    ("landlord_name", "Utleier (navn)"),
    ("landlord_address", "Utleiers adresse (linjer skilt med ;)"),
    ("landlord_account", "Utleiers kontonummer"),
    ("tenancy_key", "Utleier finner leieforholdet ved"),
    ("nav_name", "NAV-kontor (navn)"),
    ("nav_address", "NAV-kontorets adresse (linjer skilt med ;)"),
    ("husbanken_name", "Husbanken (navn)"),
    ("husbanken_address", "Husbankens adresse (linjer skilt med ;)"),
    ("sosialtjenesten_name", "Sosialtjenesten (navn)"),
    ("sosialtjenesten_address", "Sosialtjenestens adresse (linjer skilt med ;)"),
    ("late_days", "Oppfølging: en betaling er sen, ikke brutt, innen så mange dager etter forfall (standard 5)"),
    ("kept_months", "Oppfølging: foreslå å avslutte saken som løst etter så mange holdte måneder på rad (standard 3)"),
]
TENANCY_KEYS = {"leieforhold": "Leieforholdsnummer", "kundenummer": "Kundenummer", "kid": "KID"}

RECORD_FIELDS: list[tuple[str, str]] = [
    ("case_number", "Saksnummer"),
    ("tenancy_number", "Leieforholdsnummer / kundenummer / KID"),
    ("name", "Leietakers navn"),
    ("address", "Leietakers adresse (linjer skilt med ;)"),
    ("social_office", "Sosialkontor / bydel"),
    ("age_band", "Hovedleietakers alder (valgfritt, for halvårsstatistikken)"),
    ("gender", "Hovedleietakers kjønn (valgfritt, for halvårsstatistikken)"),
]
AGE_BANDS = {"": "Ikke oppgitt", "u25": "Under 25", "25-34": "25–34", "35-44": "35–44", "45-54": "45–54",
             "55-66": "55–66", "67+": "67 eller eldre"}
GENDERS = {"": "Ikke oppgitt", "kvinne": "Kvinne", "mann": "Mann", "annet": "Annet"}

OUTCOME_NB = {"solved": "Løst", "paid": "Betalt", "petition_sent": "Begjæring sendt",
              "petition_withdrawn": "Begjæring trukket", "evicted": "Utkastelse gjennomført",
              "moved": "Flyttet", "not_reached": "Ikke nådd"}
STATE_NB = {"to_ask": "Å spørre", "asked": "Spurt", "agreed": "Avtalt", "in_effect": "I kraft", "refused": "Avslått"}

#: `letter_missing` names, as the page says them
MISSING_NB = {
    "kommune": "kommune (Innstillinger)", "office": "kontor (Innstillinger)",
    "caseworker": "ditt navn som saksbehandler (Min konto)",
    "landlord.name": "utleiers navn (Innstillinger)", "landlord.account": "utleiers kontonummer (Innstillinger)",
    "tenant.name": "leietakers navn (saksopplysninger)", "tenant.address": "leietakers adresse (saksopplysninger)",
}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[+0-9 ()-]{5,20}$")
MAX_LEN = 200


def lines(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.split(";") if x.strip())


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(data, keys) -> tuple[dict[str, str], dict[str, str]]:
    """Each field as one line of text: runs of white space made one space, control characters
    (a NUL, which PostgreSQL refuses in any text) taken out."""
    values = {k: " ".join(_CONTROL.sub("", str(data.get(k, "") or "")).split()) for k in keys}
    errors = {k: f"Høyst {MAX_LEN} tegn." for k, v in values.items() if len(v) > MAX_LEN}
    return values, errors


def check_office(data) -> tuple[dict[str, str], dict[str, str]]:
    """The posted office settings, cleaned, and a message per field that is wrong."""
    values, errors = _clean(data, [k for k, _ in OFFICE_FIELDS])
    if values["email"] and not _EMAIL.match(values["email"]):
        errors["email"] = "Skriv en e-postadresse, for eksempel bolig@kommune.no."
    if values["phone"] and not _PHONE.match(values["phone"]):
        errors["phone"] = "Skriv et telefonnummer (sifre, mellomrom, +)."
    if values["landlord_account"]:
        from stdnum.no import kontonr

        if not kontonr.is_valid(values["landlord_account"]):
            errors["landlord_account"] = "Ikke et gyldig norsk kontonummer (11 sifre med riktig kontrollsiffer)."
        else:
            values["landlord_account"] = kontonr.format(values["landlord_account"])
    for key, top in (("late_days", 31), ("kept_months", 24)):
        if values[key] and not (values[key].isdigit() and (key == "late_days" or int(values[key]) >= 1)
                                and int(values[key]) <= top):
            errors[key] = f"Skriv et helt tall fra {0 if key == 'late_days' else 1} til {top}."
    if values["tenancy_key"] not in ("", *TENANCY_KEYS):
        errors["tenancy_key"] = "Velg leieforholdsnummer, kundenummer eller KID."
    return values, errors


def check_caseworker(data) -> tuple[dict[str, str], dict[str, str]]:
    values, errors = _clean(data, ["name", "title"])
    if not values["name"]:
        errors["name"] = "Skriv navnet ditt slik det skal stå under brevene."
    return values, errors


def check_record(data) -> tuple[dict[str, str], dict[str, str]]:
    values, errors = _clean(data, [k for k, _ in RECORD_FIELDS])
    if values["age_band"] not in AGE_BANDS:
        errors["age_band"] = "Velg et aldersintervall."
    if values["gender"] not in GENDERS:
        errors["gender"] = "Velg kjønn eller «Ikke oppgitt»."
    return values, errors


def parse_day(text: str) -> date | None:
    """A date typed as dd.mm.åååå or ÅÅÅÅ-MM-DD in the years the program knows (1990-2100, as
    every date option: `planner.io.dateparam`); None otherwise (31.12.9999 would overflow the
    day arithmetic of the follow-up lists)."""
    from ..io.dateparam import FIRST_YEAR, LAST_YEAR

    try:
        day = parse_date(text)
    except ValueError:
        return None
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else None


def sender_of(office: dict, caseworker: dict) -> Sender:
    """The letters' sender from the office settings and the signed-in caseworker."""
    def rec(prefix: str, account: str = "") -> Recipient:
        return Recipient(name=office.get(f"{prefix}_name", ""), address=lines(office.get(f"{prefix}_address", "")),
                         account=account)

    recipients = {"landlord": rec("landlord", office.get("landlord_account", ""))}
    for to in ("nav", "husbanken", "sosialtjenesten"):
        recipients[to] = rec(to)
    return Sender(kommune=office.get("kommune", ""), office=office.get("office", ""),
                  caseworker=caseworker.get("name", ""), title=caseworker.get("title", ""),
                  address=lines(office.get("address", "")), phone=office.get("phone", ""),
                  email=office.get("email", ""), place=office.get("place", ""), recipients=recipients)


@dataclass(frozen=True)
class LetterSetup:
    """Who sends, to whom, under which reference; and what is missing for it to go out."""

    sender: Sender
    recipient: Recipient | None
    reference: str | None
    missing: list[str]


def letter_setup(office: dict, caseworker: dict, record: dict, to: str, household_id: str) -> LetterSetup:
    """The sender and recipient of one letter. Only the tenant's letter carries the tenant's name
    and address; only the landlord's names the tenancy number; every letter's reference is the
    case number (the household id when there is none), never the tenant's name."""
    sender = sender_of(office, caseworker)
    recipient = None
    if to == "tenant":
        recipient = Recipient(name=record.get("name", ""), address=lines(record.get("address", "")))
    reference = record.get("case_number") or household_id
    if to == "landlord" and record.get("tenancy_number"):
        label = TENANCY_KEYS.get(office.get("tenancy_key", ""), "Leieforhold")
        reference = f"{reference}; {label.lower()} {record['tenancy_number']}"
    missing = letter_missing(sender, to, recipient)
    return LetterSetup(sender, recipient, reference, missing)

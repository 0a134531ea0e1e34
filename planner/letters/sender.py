"""Who sends the letters (the municipal office and caseworker) and where they go.

Nothing here is hard-coded: the office, the caseworker and the recipients' addresses come from
command-line options or a TOML config file (`--config letters.toml`, format below). Without
them the library renders bracketed placeholders, such as "[saksbehandler]", for the caseworker
to fill in (the DOCX is meant to be edited before sending).

```toml
[sender]
kommune = "Eksempel kommune"            # municipality: top line of the letterhead
office = "Boligkontoret"                # the office or unit
caseworker = "Kari Nordmann"            # signs the letter
title = "Boligkonsulent"                # optional: under the signature
address = ["Postboks 1", "1234 Eksempelby"]   # optional: letterhead lines
phone = "12 34 56 78"                   # optional
email = "bolig@eksempel.kommune.no"     # optional
place = "Eksempelby"                    # optional: "Eksempelby, 01.12.2025" on the date line
reply_days = 14                         # optional: answer-by date = letter date + this many days

[recipients.landlord]                   # optional, one table per recipient
name = "Eksempel kommune, utleieseksjonen"
address = ["Postboks 1", "1234 Eksempelby"]
account = "1234.56.78901"               # landlord only: where NAV pays a husleietrekk
[recipients.nav]
name = "NAV Eksempel"
```
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

#: The recipients a letter can be written to, in the order letters are listed.
RECIPIENTS: tuple[str, ...] = ("tenant", "landlord", "nav", "husbanken", "sosialtjenesten")

_SENDER_KEYS = {"kommune", "office", "caseworker", "title", "address", "phone", "email", "place", "reply_days"}
_RECIPIENT_KEYS = {"name", "address", "account"}


class LetterConfigError(ValueError):
    """A config file or option that cannot be used; the message names the file and key."""


@dataclass(frozen=True)
class Recipient:
    """Where one letter goes. The tenant's name and address are never stored in a config file:
    give them per letter (`--recipient-name`), or the letter says "Til leietaker"."""

    name: str = ""
    address: tuple[str, ...] = ()
    account: str = ""


@dataclass(frozen=True)
class Sender:
    """The municipal office that writes, the caseworker who signs, and recipients' addresses."""

    kommune: str = ""
    office: str = ""
    caseworker: str = ""
    title: str = ""
    address: tuple[str, ...] = ()
    phone: str = ""
    email: str = ""
    place: str = ""
    reply_days: int = 14
    recipients: dict[str, Recipient] = field(default_factory=dict)

    def missing(self) -> list[str]:
        """The fields a letter cannot go out without."""
        return [k for k in ("kommune", "office", "caseworker") if not getattr(self, k).strip()]

    def with_options(self, **options) -> "Sender":
        """A copy with every option that was given (not None) replacing the config's value."""
        given = {k: v for k, v in options.items() if v is not None}
        if "address" in given and isinstance(given["address"], str):
            given["address"] = tuple(x.strip() for x in given["address"].split(";") if x.strip())
        return replace(self, **given)

    def recipient(self, to: str) -> Recipient:
        return self.recipients.get(to, Recipient())


def _lines(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(x, str) for x in value):
        return tuple(value)
    raise LetterConfigError(f"{where}: expected a text or a list of texts")


def sender_from_dict(data: dict, name: str = "<config>") -> Sender:
    """Build a `Sender` from a parsed config; unknown keys are refused (a typo must not vanish)."""
    unknown = set(data) - {"sender", "recipients"}
    if unknown:
        raise LetterConfigError(f"{name}: unknown table {sorted(unknown)[0]!r}; allowed: sender, recipients")
    raw = data.get("sender", {})
    if not isinstance(raw, dict):
        raise LetterConfigError(f"{name}: [sender] must be a table")
    bad = set(raw) - _SENDER_KEYS
    if bad:
        raise LetterConfigError(f"{name}: [sender] has unknown key {sorted(bad)[0]!r}; allowed: {', '.join(sorted(_SENDER_KEYS))}")
    values: dict = {}
    for k, v in raw.items():
        if k == "address":
            values[k] = _lines(v, f"{name}: sender.address")
        elif k == "reply_days":
            if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 365:
                raise LetterConfigError(f"{name}: sender.reply_days must be a whole number of days, 0 to 365")
            values[k] = v
        elif not isinstance(v, str):
            raise LetterConfigError(f"{name}: sender.{k} must be a text")
        else:
            values[k] = v
    recipients: dict[str, Recipient] = {}
    for to, r in data.get("recipients", {}).items():
        if to not in RECIPIENTS:
            raise LetterConfigError(f"{name}: [recipients.{to}] is not a recipient; allowed: {', '.join(RECIPIENTS)}")
        if to == "tenant":
            raise LetterConfigError(f"{name}: [recipients.tenant] is not allowed: the tenant's name and address "
                                    "belong to one letter (--recipient-name), not to a shared config file")
        if not isinstance(r, dict) or set(r) - _RECIPIENT_KEYS:
            raise LetterConfigError(f"{name}: [recipients.{to}] takes the keys {', '.join(sorted(_RECIPIENT_KEYS))}")
        recipients[to] = Recipient(
            name=str(r.get("name", "")),
            address=_lines(r.get("address", []), f"{name}: recipients.{to}.address"),
            account=str(r.get("account", "")),
        )
    return Sender(**values, recipients=recipients)


def load_sender(path: str | Path) -> Sender:
    """Read a letters config file (TOML, format in this module's docstring)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise LetterConfigError(f"{p}: cannot read the config file ({exc.strerror or exc})") from None
    from ..io.household import ParseError, load_toml

    try:
        data = load_toml(text)
    except ParseError as exc:
        raise LetterConfigError(f"{p}: {exc}".replace("is not a household file", "is not a letters config")) from None
    return sender_from_dict(data, str(p))

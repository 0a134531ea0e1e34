"""What every statement reader gives: bookings on one account, its period and balance.

A statement holds other people's names, account numbers and purchases. The readers keep a
counterpart's name and the booking text *in memory only*, because grouping payouts by payer
and text needs them; nothing downstream copies them into a draft, a message or a log
(`Entry.__repr__` hides them so that even a debugging print does not leak them).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date

from ..io.errors import InputError, Problem

#: Shortest period in which a monthly rhythm can be told from chance: three payouts of a
#: monthly stream. Three calendar months cover at least 89 days (February-April); a CSV
#: export has no stated period, only its first and last booking, hence the margin.
MIN_DAYS = 80
MIN_TEXT = "at least 3 months (80 days or more) to see a monthly rhythm three times"


@dataclass(frozen=True)
class Entry:
    """One booked transaction. `amount_ore` is signed: positive money into the account."""

    booked: date
    amount_ore: int
    #: booking text and counterpart name: for grouping in memory, never copied out
    text: str = field(default="", repr=False)
    counterpart: str = field(default="", repr=False)
    #: the bank's own transaction type where the format has one (camt BkTxCd, OFX TRNTYPE,
    #: a CSV "type" column), lower case: "avtalegiro", "varekjøp", "credit", "pmt" ...
    type: str = field(default="", repr=False)
    #: the bank marks this booking as the reversal of an earlier one (camt RvslInd)
    reversal: bool = False
    #: where it came from, for messages: "file.csv:12"
    where: str = field(default="", repr=False)

    def words(self) -> str:
        """Text, type and counterpart in lower case: what the classifier reads."""
        return f"{self.text} {self.type} {self.counterpart}".casefold()


@dataclass(frozen=True)
class Rejected:
    """A row the reader could not use (a bad date or amount): kept so that the draft can say
    that its conclusions rest on partial data, and which stream the row probably belonged to.

    `reason` holds no cell value (it goes into the draft); `message` names the value (it goes
    to the person at the terminal, like every other input error)."""

    file: str
    line: int | None
    field: str
    reason: str
    message: str
    booked: date | None = None
    amount_ore: int | None = None
    text: str = dataclasses.field(default="", repr=False)
    counterpart: str = dataclasses.field(default="", repr=False)

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"

    def as_entry(self, sign: int) -> Entry:
        """The row as a booking of `sign` (+1 in, -1 out), to find the stream it belongs to."""
        amount = self.amount_ore if self.amount_ore is not None else sign
        return Entry(booked=self.booked or date(2000, 1, 1), amount_ore=amount, text=self.text,
                     counterpart=self.counterpart)


@dataclass(frozen=True)
class Statement:
    """The bookings of one account over a period, as read from one or more files."""

    files: tuple[str, ...]
    start: date
    end: date
    entries: tuple[Entry, ...]
    currency: str = "NOK"
    #: booked balance at the end of `end` where the file gives one (else None)
    closing_ore: int | None = None
    #: a digest of the account number, only to refuse files of two different accounts
    account_key: str | None = field(default=None, repr=False)
    #: the file states its period (camt FrToDt, OFX DTSTART/DTEND); a CSV has only its bookings
    exact_period: bool = True
    #: rows the reader could not use: the draft must say so, never conclude as if complete
    rejected: tuple[Rejected, ...] = ()
    #: how the file was read when it matters for trust (the lenient OFX reader), Norwegian
    notes: tuple[str, ...] = ()

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


class StatementError(InputError):
    """A statement that cannot be used; each problem names the file and, where known, the line."""


def fail(file: str, message: str, line: int | None = None, field_name: str | None = None, code: str = "",
         **params: object) -> StatementError:
    """The refusal of `file`: `message` in English (the CLI's text), `code` and `params` for the
    Norwegian text of the web page (`planner.statement.messages`), which never reads `message`."""
    return StatementError([Problem(file, message, line=line, field=field_name, code=code, params=params)])

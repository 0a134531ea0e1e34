"""OFX (Open Financial Exchange) bank statements, read with ofxtools.

OFX 1.x (SGML) and 2.x (XML) both parse with `ofxtools.Parser.OFXTree`; its `convert()` gives
typed statements (Decimal amounts, aware datetimes), so nothing here parses OFX by hand.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ..money import MoneyError, kroner_to_ore
from .csvfile import account_digest
from .model import Entry, Statement, fail

_OSLO = ZoneInfo("Europe/Oslo")


def _day(value: datetime | date | None) -> date | None:
    """The Norwegian calendar day of an OFX date-time (ofxtools gives them in UTC)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(_OSLO).date() if value.tzinfo else value.date()
    return value


def read_ofx(data: bytes, name: str) -> Statement:
    from ofxtools.Parser import OFXTree

    tree = OFXTree()
    try:
        tree.parse(io.BytesIO(data))
        ofx = tree.convert()
    except Exception as exc:  # noqa: BLE001 - ofxtools raises many kinds (header, SGML, validation); reported
        reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise fail(name, f"is not a readable OFX statement ({type(exc).__name__}: {reason})") from None
    statements = list(getattr(ofx, "statements", []) or [])
    if not statements:
        raise fail(name, "is OFX but holds no bank statement (STMTRS)")
    keys = {_account(s) for s in statements}
    if len(keys) > 1:
        raise fail(name, f"holds statements of {len(keys)} accounts; export one account per file")
    entries: list[Entry] = []
    starts: list[date] = []
    ends: list[date] = []
    closing: int | None = None
    asof: date | None = None
    currency = None
    for stmt in statements:
        cur = str(getattr(stmt, "curdef", "") or "NOK").upper()
        if currency and cur != currency:
            raise fail(name, f"holds statements in {currency} and {cur}")
        currency = cur
        tl = stmt.banktranlist
        if tl is not None:
            starts += [d for d in (_day(tl.dtstart),) if d is not None]
            ends += [d for d in (_day(tl.dtend),) if d is not None]
            for n, tx in enumerate(tl, start=1):
                try:
                    ore = kroner_to_ore(tx.trnamt)
                except MoneyError as exc:
                    raise fail(name, f"transaction {n}: {exc}") from None
                if getattr(tx, "currency", None) is not None and str(tx.currency.cursym).upper() != currency:
                    raise fail(name, f"transaction {n} is in {tx.currency.cursym}: planner reads NOK accounts only")
                booked = _day(tx.dtposted)
                if booked is None:  # pragma: no cover - ofxtools refuses a transaction without DTPOSTED
                    raise fail(name, f"transaction {n} has no booking date (DTPOSTED)")
                text = " ".join(str(x) for x in (tx.name, tx.memo) if x)
                entries.append(Entry(booked=booked, amount_ore=ore, text=text,
                                     counterpart=str(tx.name or ""), type=str(tx.trntype or "").casefold(),
                                     where=f"{name}: transaction {n}"))
        lb = getattr(stmt, "ledgerbal", None)
        lb_day = _day(lb.dtasof) if lb is not None else None
        if lb is not None and (asof is None or (lb_day is not None and lb_day >= asof)):
            closing, asof = kroner_to_ore(lb.balamt), lb_day
    starts = starts or [e.booked for e in entries]
    ends = ends or [e.booked for e in entries]
    if not starts:
        raise fail(name, "is an OFX statement without bookings or a period")
    entries.sort(key=lambda e: e.booked)
    # DTEND is the moment the list ends (often midnight after the last day): the last day is the day before
    end = max(ends)
    last = max((e.booked for e in entries), default=end)
    if end > last and _ends_at_midnight(statements):
        end = max(last, date.fromordinal(end.toordinal() - 1))
    return Statement(files=(name,), start=min(starts), end=end, entries=tuple(entries), currency=currency or "NOK",
                     closing_ore=closing, account_key=keys.pop())


def _ends_at_midnight(statements) -> bool:
    for s in statements:
        dt = s.banktranlist.dtend if s.banktranlist is not None else None
        if isinstance(dt, datetime) and dt.astimezone(_OSLO).time() == datetime.min.time():
            return True
    return False


def _account(stmt) -> str | None:
    acct = getattr(stmt, "account", None)
    number = getattr(acct, "acctid", None)
    return account_digest(str(number)) if number else None

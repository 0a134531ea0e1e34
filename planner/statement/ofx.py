"""OFX (Open Financial Exchange) bank statements: ofxtools first, a lenient reader second.

OFX 1.x (SGML) and 2.x (XML) both parse with `ofxtools.Parser.OFXTree`; its `convert()` gives
typed statements (Decimal amounts, aware datetimes). Real banks' files often break the
specification in ways that do not matter here (a missing SONRS field, an unknown TRNTYPE, an
over-long NAME), and ofxtools refuses them; for a bank statement (`STMTRS` with `STMTTRN`) a
lenient reader then takes only the fields the draft needs, and the draft says so. Investment
and credit-card statements are refused up front: they are not the account benefits are paid
to (and ofxtools can recurse without end on some investment files). Library warnings are
captured, never printed: a caseworker sees one line or none.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from ..money import MoneyError, kroner_to_ore
from .accounts import account_label, matches_account
from .csvfile import account_digest
from .model import Entry, Statement, StatementError, fail

_OSLO = ZoneInfo("Europe/Oslo")
LENIENT_NOTE = ("OFX-filen følger ikke standarden helt (ofxtools avviste den) og er lest med den tolerante "
                "leseren: bare dato, beløp, tekst, periode og saldo er tatt med; kontroller summene")
#: Python's own object reprs (`<ofxtools.models... object at 0x7f...>`) never reach a message
_OBJECT_REPR = re.compile(r"<(?:[^<>]|<[^<>]*>)*? at 0x[0-9a-fA-F]+>|\b0x[0-9a-fA-F]{6,}\b")

#: a dataclass-like repr ofxtools puts in its messages: `OFX(signonmsgsrqv1=None, ...)`
_DATACLASS_REPR = re.compile(r"\b[A-Z][A-Za-z0-9_]*\((?:[a-z_0-9]+=[^()]*)?\)")


def _day(value: datetime | date | None) -> date | None:
    """The Norwegian calendar day of an OFX date-time (ofxtools gives them in UTC)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(_OSLO).date() if value.tzinfo else value.date()
    return value


def clean_reason(exc: BaseException) -> str:
    """A library's error as one short line without Python object reprs or long dumps."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = _OBJECT_REPR.sub("(an OFX element)", text)
    text = _DATACLASS_REPR.sub("(an OFX element)", text)
    text = re.sub(r"\s+", " ", text)[:160]
    return text or type(exc).__name__


def _not_a_bank_account(data: bytes) -> str | None:
    """'an investment statement' or 'a credit-card statement' when the file holds no bank
    statement (STMTRS) but one of those; else None."""
    low = data.lower()
    if b"<stmtrs>" in low:
        return None
    if b"<invstmtrs>" in low or b"<invstmtmsgsrsv1>" in low:
        return "an investment statement"
    if b"<ccstmtrs>" in low or b"<creditcardmsgsrsv1>" in low:
        return "a credit-card statement"
    return None


def read_ofx(data: bytes, name: str, account: str | None = None) -> Statement:
    """A bank statement from an OFX file; `account` chooses one of several (last digits)."""
    what = _not_a_bank_account(data)
    if what:
        raise fail(name, f"is {what}, not a bank account: give the statement of the bank account the "
                   "benefits are paid to (OFX BANKMSGSRSV1/STMTRS)", code="not_bank")
    try:
        stmts = _strict(data)
        notes: tuple[str, ...] = ()
    except Exception as exc:  # noqa: BLE001 - ofxtools raises many kinds (header, SGML, validation, recursion)
        if b"<stmtrs>" not in data.lower() and b"</ofx>" in data.lower():  # whole, but empty (bank_small.ofx)
            raise fail(name, "is OFX but holds no bank statement (STMTRS)", code="no_statement") from None
        if b"<stmttrn>" not in data.lower():
            raise fail(name, f"is not a readable OFX statement ({type(exc).__name__}: {clean_reason(exc)})", code="ofx_unreadable") from None
        try:
            stmts = _lenient(data)
        except (ValueError, MoneyError) as lenient_exc:
            raise fail(name, f"is not a readable OFX statement ({clean_reason(exc)}; "
                       f"and read leniently: {clean_reason(lenient_exc)})", code="ofx_unreadable") from None
        notes = (LENIENT_NOTE,)
    if not stmts:
        raise fail(name, "is OFX but holds no bank statement (STMTRS)", code="no_statement")
    return _statement(stmts, name, account, notes)


# --------------------------------------------------------------------------- one shape for both readers


@dataclass
class _Tx:
    posted: date | None
    amount: str
    name: str = ""
    memo: str = ""
    trntype: str = ""
    currency: str | None = None


@dataclass
class _Stmt:
    currency: str
    account: str | None
    start: date | None
    end: date | None
    end_at_midnight: bool
    txs: list[_Tx] = field(default_factory=list)
    balance: str | None = None
    balance_day: date | None = None


def _strict(data: bytes) -> list[_Stmt]:
    """Bank statements as ofxtools reads them (warnings captured, not printed)."""
    from ofxtools.models.bank.stmt import STMTRS
    from ofxtools.Parser import OFXTree

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = OFXTree()
        tree.parse(io.BytesIO(data))
        ofx = tree.convert()
    out = []
    for s in list(getattr(ofx, "statements", []) or []):
        if not isinstance(s, STMTRS):
            continue  # a credit-card statement beside the bank one
        tl = s.banktranlist
        dtend = tl.dtend if tl is not None else None
        acct = getattr(s, "account", None)
        st = _Stmt(currency=str(getattr(s, "curdef", "") or "NOK").upper(),
                   account=str(acct.acctid) if acct is not None and acct.acctid else None,
                   start=_day(tl.dtstart) if tl is not None else None, end=_day(dtend),
                   end_at_midnight=isinstance(dtend, datetime) and dtend.astimezone(_OSLO).time() == datetime.min.time())
        for tx in tl or ():
            cur = getattr(tx, "currency", None)
            st.txs.append(_Tx(_day(tx.dtposted), str(tx.trnamt), str(tx.name or ""), str(tx.memo or ""),
                              str(tx.trntype or ""), str(cur.cursym).upper() if cur is not None else None))
        lb = getattr(s, "ledgerbal", None)
        if lb is not None:
            st.balance, st.balance_day = str(lb.balamt), _day(lb.dtasof)
        out.append(st)
    return out


_TOKEN = re.compile(r"<(/?)([A-Za-z0-9.]+)>([^<]*)")
_OFX_DT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?(?:\.\d+)?)?(?:\[([+-]?\d+(?:\.\d+)?)(?::[^\]]*)?\])?")


def _ofx_datetime(text: str) -> tuple[date, bool]:
    """(Oslo day, at midnight) of an OFX date-time; a missing zone is GMT, as OFX defines."""
    m = _OFX_DT.match(text.strip())
    if not m:
        raise ValueError(f"not an OFX date: {text.strip()[:30]!r}")
    y, mo, d, hh, mm, ss, tz = m.groups()
    if hh is None:  # a bare date is that calendar day, inclusive (as ofxtools reads it)
        return date(int(y), int(mo), int(d)), False
    offset = timedelta(hours=float(tz)) if tz else timedelta(0)
    dt = datetime(int(y), int(mo), int(d), int(hh), int(mm), int(ss or 0), tzinfo=timezone(offset))
    local = dt.astimezone(_OSLO)
    return local.date(), local.time() == datetime.min.time()


def _lenient(data: bytes) -> list[_Stmt]:
    """Bank statements from OFX text by its tags alone: SGML (no closing tags) or XML."""
    text = data.decode("utf-8", errors="replace") if b"encoding=\"utf-8\"" in data.lower() or \
        b"charset:utf" in data.lower() else _decode_ofx(data)
    stmts: list[_Stmt] = []
    st: _Stmt | None = None
    tx: _Tx | None = None
    path: list[str] = []
    for close, tag, value in _TOKEN.findall(text):
        tag, value = tag.upper(), value.strip()
        if close:
            if tag in path:
                del path[path.index(tag):]
            if tag == "STMTTRN":
                tx = None
            continue
        if tag == "STMTRS":
            st = _Stmt(currency="NOK", account=None, start=None, end=None, end_at_midnight=False)
            stmts.append(st)
            path = ["STMTRS"]
            continue
        if st is None:
            continue
        if not value:  # an aggregate opens
            if tag == "STMTTRN":
                tx = _Tx(posted=None, amount="")
                st.txs.append(tx)
            path.append(tag)
            continue
        if tx is not None and "STMTTRN" in path:
            _tx_field(tx, tag, value)
        else:
            _stmt_field(st, path, tag, value)
    for s in stmts:
        for n, t in enumerate(s.txs, start=1):
            if t.posted is None or not t.amount:
                raise ValueError(f"transaction {n} has no {'DTPOSTED' if t.posted is None else 'TRNAMT'}")
    return stmts


def _tx_field(tx: _Tx, tag: str, value: str) -> None:
    if tag == "DTPOSTED":
        tx.posted = _ofx_datetime(value)[0]
    elif tag == "TRNAMT":
        tx.amount = value
    elif tag in ("NAME", "PAYEE"):
        tx.name = tx.name or value
    elif tag == "MEMO":
        tx.memo = value
    elif tag == "TRNTYPE":
        tx.trntype = value
    elif tag == "CURSYM":
        tx.currency = value.upper()


def _stmt_field(st: _Stmt, path: list[str], tag: str, value: str) -> None:
    if tag == "CURDEF":
        st.currency = value.upper()
    elif tag == "ACCTID" and st.account is None:
        st.account = value
    elif tag == "DTSTART" and "BANKTRANLIST" in path:
        st.start = _ofx_datetime(value)[0]
    elif tag == "DTEND" and "BANKTRANLIST" in path:
        st.end, st.end_at_midnight = _ofx_datetime(value)
    elif tag == "BALAMT" and "LEDGERBAL" in path:
        st.balance = value
    elif tag == "DTASOF" and "LEDGERBAL" in path:
        st.balance_day = _ofx_datetime(value)[0]


def _decode_ofx(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _ore(text: str) -> int:
    """Øre of an OFX amount; a decimal comma (some banks' OFX 1.x) is read as a point."""
    t = text.strip().replace(" ", "")
    if "," in t and "." not in t:
        t = t.replace(",", ".")
    return kroner_to_ore(t[1:] if t.startswith("+") else t)


def _statement(stmts: list[_Stmt], name: str, account: str | None, notes: tuple[str, ...]) -> Statement:
    numbers = list(dict.fromkeys(s.account for s in stmts if s.account))
    if account is not None:
        stmts = [s for s in stmts if matches_account(s.account, account)]
        if not stmts:
            raise fail(name, f"has no statement of the account --account {account}; it holds "
                       f"{', '.join(account_label(n) for n in numbers) or 'no account number'}", code="no_account")
    elif len(numbers) > 1:
        raise fail(name, f"holds statements of {len(numbers)} accounts ({', '.join(account_label(n) for n in numbers)}); "
                   "choose one with --account (its last four digits or more), or export one account per file", code="many_accounts", count=len(numbers))
    entries: list[Entry] = []
    starts: list[date] = []
    ends: list[date] = []
    closing: int | None = None
    asof: date | None = None
    currency = None
    midnight = False
    for stmt in stmts:
        if currency and stmt.currency != currency:
            raise fail(name, f"holds statements in {currency} and {stmt.currency}", code="mixed_currency")
        currency = stmt.currency
        starts += [stmt.start] if stmt.start else []
        ends += [stmt.end] if stmt.end else []
        midnight = midnight or stmt.end_at_midnight
        for n, tx in enumerate(stmt.txs, start=1):
            try:
                ore = _ore(tx.amount)
            except MoneyError as exc:
                raise fail(name, f"transaction {n}: TRNAMT: {exc}", code="bad_entry") from None
            if tx.currency is not None and tx.currency != currency:
                raise fail(name, f"transaction {n} is in {tx.currency}: planner reads NOK accounts only", code="foreign_entry")
            if tx.posted is None:  # pragma: no cover - both readers refuse a transaction without DTPOSTED
                raise fail(name, f"transaction {n} has no booking date (DTPOSTED)", code="bad_entry")
            entries.append(Entry(booked=tx.posted, amount_ore=ore, text=" ".join(x for x in (tx.name, tx.memo) if x),
                                 counterpart=tx.name, type=tx.trntype.casefold(), where=f"{name}: transaction {n}"))
        if stmt.balance is not None and (asof is None or (stmt.balance_day is not None and stmt.balance_day >= asof)):
            try:
                closing, asof = _ore(stmt.balance), stmt.balance_day
            except MoneyError as exc:
                raise fail(name, f"LEDGERBAL: {exc}", code="bad_balance") from None
    starts = starts or [e.booked for e in entries]
    ends = ends or [e.booked for e in entries]
    if not starts:
        raise fail(name, "is an OFX statement without bookings or a period", code="no_bookings")
    entries.sort(key=lambda e: e.booked)
    # DTEND is the moment the list ends (often midnight after the last day): the last day is the day before
    end = max(ends)
    last = max((e.booked for e in entries), default=end)
    if end > last and midnight:
        end = max(last, end - timedelta(days=1))
    key = account_digest(numbers[0]) if len(numbers) == 1 or (account and stmts and stmts[0].account) else None
    if account and stmts and stmts[0].account:
        key = account_digest(stmts[0].account)
    return Statement(files=(name,), start=min(starts), end=end, entries=tuple(entries), currency=currency or "NOK",
                     closing_ore=closing, account_key=key, notes=notes)


__all__ = ["LENIENT_NOTE", "StatementError", "clean_reason", "read_ofx"]

"""ISO 20022 camt.053 (statement), camt.052 (intraday report) and camt.054 (notification).

Norwegian banks deliver camt.053 through their net banks and accounting integrations. The XML
is read with lxml, elements found by local name so that every version of the message
(camt.053.001.02 to .001.13) reads the same; entity expansion and network access are off, so
a hostile file cannot make the parser fetch or expand anything.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from .accounts import account_label, matches_account
from .csvfile import account_digest
from .model import Entry, Statement, fail

_NS = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.(05[234])\.001\.\d+$")
#: the report element under the document's root, per message
_REPORT = {"053": "Stmt", "052": "Rpt", "054": "Ntfctn"}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
#: an XML Schema decimal (camt's Amt is one): `8.850`, `+8.85`, `.5`, `8.` are all valid
_XS_DECIMAL = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
#: closing balances, best first: closing booked, then interim booked, then closing available
_CLOSING = ("CLBD", "ITBD", "CLAV")


def message_kind(root) -> str | None:
    """'053', '052' or '054' for a camt document root, else None."""
    m = _NS.match(etree.QName(root).namespace or "")
    return m.group(1) if m else None


def parse_xml(data: bytes, name: str):
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise fail(name, f"is not well-formed XML: {exc.msg}", line=exc.lineno or None, code="not_xml") from None


def read_camt(data: bytes, name: str, account: str | None = None) -> Statement:
    """A camt.052/053/054 document's bookings; `account` chooses one account of a file that
    holds several (digits of its number, at least the last four)."""
    root = parse_xml(data, name)
    kind = message_kind(root)
    if kind is None:
        ns = etree.QName(root).namespace or "(none)"
        raise fail(name, f"is XML but not an ISO 20022 camt.052/053/054 statement (namespace {ns})", code="not_camt")
    reports = root.findall(f"./{{*}}*/{{*}}{_REPORT[kind]}")
    if not reports:
        raise fail(name, f"is a camt.{kind} document without a statement ({_REPORT[kind]}) in it", code="no_statement")
    numbers = list(dict.fromkeys(n for n in (_number(r) for r in reports) if n))
    if account is not None:
        chosen = [r for r in reports if matches_account(_number(r), account)]
        if not chosen:
            raise fail(name, f"has no statement of the account --account {account}; it holds "
                       f"{', '.join(account_label(n) for n in numbers) or 'no account number'}", code="no_account")
        reports = chosen
    elif len(numbers) > 1:
        raise fail(name, f"holds statements of {len(numbers)} accounts ({', '.join(account_label(n) for n in numbers)}); "
                   "choose one with --account (its last four digits or more), or export one account per file", code="many_accounts", count=len(numbers))
    entries: list[Entry] = []
    starts, ends, closing = [], [], None
    stated = True  # every report states its period (camt.054 notifications often do not)
    currency = None
    for rep in reports:
        currency = currency or _text(rep, "{*}Acct/{*}Ccy")
        frm = _date(_text(rep, "{*}FrToDt/{*}FrDtTm") or "")
        to = _date(_text(rep, "{*}FrToDt/{*}ToDtTm") or "")
        for ntry in rep.findall("{*}Ntry"):
            e, ccy = _entry(ntry, name)
            if e is None:
                continue
            currency = currency or ccy
            if ccy and currency and ccy != currency:
                raise fail(name, f"entry in {ccy} on an account in {currency}: planner reads NOK accounts only",
                           line=ntry.sourceline, code="foreign_entry")
            entries.append(e)
        stated = stated and frm is not None and to is not None
        bal = _closing(rep, name)
        if bal is not None:
            closing = bal
        starts += [d for d in (frm,) if d] or [e.booked for e in entries]
        ends += [d for d in (to,) if d] or [e.booked for e in entries]
    if not entries and not starts:
        raise fail(name, "is a camt statement without bookings or a period", code="no_bookings")
    entries.sort(key=lambda e: e.booked)
    return Statement(files=(name,), start=min(starts), end=max(ends), entries=tuple(entries),
                     currency=(currency or "NOK").upper(), closing_ore=closing,
                     account_key=_account(reports[0]), exact_period=stated)


def _text(el, path: str) -> str | None:
    found = el.find(path)
    return found.text.strip() if found is not None and found.text else None


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _number(rep) -> str | None:
    return _text(rep, "{*}Acct/{*}Id/{*}IBAN") or _text(rep, "{*}Acct/{*}Id/{*}Othr/{*}Id")


def _account(rep) -> str | None:
    number = _number(rep)
    return account_digest(number) if number else None


def _amount(el, name: str) -> int:
    """Øre of a camt amount, read as the XML decimal it is: `8.850` is 8.85 kr (trailing
    zeros are allowed), but a fraction of an øre is refused rather than rounded."""
    text = (el.text or "").strip()
    if not _XS_DECIMAL.match(text):
        raise fail(name, f"amount: not a decimal number: {text[:40]!r}", line=el.sourceline, code="bad_entry")
    try:
        ore = Decimal(text) * 100
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise fail(name, f"amount: not a decimal number: {text[:40]!r}", line=el.sourceline, code="bad_entry") from None
    if ore != ore.to_integral_value():
        raise fail(name, f"amount {text[:40]}: a fraction of an øre; a bank account holds whole øre",
                   line=el.sourceline, code="bad_entry")
    return int(ore)


def _entry(ntry, name: str) -> tuple[Entry | None, str | None]:
    status = (_text(ntry, "{*}Sts") or _text(ntry, "{*}Sts/{*}Cd") or "BOOK").upper()
    if status != "BOOK":
        return None, None  # pending or informational: not on the account (yet)
    amt = ntry.find("{*}Amt")
    if amt is None:
        raise fail(name, "entry without an amount (Amt)", line=ntry.sourceline, code="bad_entry")
    ore = _amount(amt, name)
    sign = _text(ntry, "{*}CdtDbtInd")
    if sign not in ("CRDT", "DBIT"):
        raise fail(name, f"entry with credit/debit indicator {sign!r}; expected CRDT or DBIT", line=ntry.sourceline, code="bad_entry")
    booked = _date(_text(ntry, "{*}BookgDt/{*}Dt") or _text(ntry, "{*}BookgDt/{*}DtTm") or "")
    if booked is None:
        raise fail(name, "entry without a booking date (BookgDt)", line=ntry.sourceline, code="bad_entry")
    texts = [t.text.strip() for t in ntry.iter("{*}Ustrd", "{*}AddtlNtryInf", "{*}AddtlTxInf") if t.text]
    cdtr_or_dbtr = "Dbtr" if sign == "CRDT" else "Cdtr"
    party = _text(ntry, f".//{{*}}RltdPties/{{*}}{cdtr_or_dbtr}/{{*}}Nm") or \
        _text(ntry, f".//{{*}}RltdPties/{{*}}{cdtr_or_dbtr}/{{*}}Pty/{{*}}Nm") or ""
    codes = [c.text.strip() for p in ntry.iter("{*}Prtry") for c in p.iter("{*}Cd") if c.text]
    codes += [t.text.strip() for t in ntry.findall("{*}BkTxCd/{*}Domn/{*}Fmly/{*}SubFmlyCd") if t.text]
    return Entry(
        booked=booked,
        amount_ore=ore if sign == "CRDT" else -ore,
        text=" ".join(texts),
        counterpart=party,
        type=" ".join(codes).casefold(),
        reversal=(_text(ntry, "{*}RvslInd") or "").lower() == "true",
        where=f"{name}:{ntry.sourceline}",
    ), amt.get("Ccy")


def _closing(rep, name: str) -> int | None:
    found: dict[str, int] = {}
    for bal in rep.findall("{*}Bal"):
        code = _text(bal, "{*}Tp/{*}CdOrPrtry/{*}Cd")
        amt = bal.find("{*}Amt")
        if code in _CLOSING and amt is not None and code not in found:
            ore = _amount(amt, name)
            found[code] = -ore if _text(bal, "{*}CdtDbtInd") == "DBIT" else ore
    return next((found[c] for c in _CLOSING if c in found), None)

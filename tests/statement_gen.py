"""Generated bank statements with a known truth, written as CSV (two bank styles), camt.053 and OFX.

A true household (benefits, rent, bills, spending) is drawn from a seed; its payouts are put
on the account over 3-6 months as a bank would book them: on bank days (Norwegian holidays,
julaften), AAP drifting later with late meldekort and smaller after a late one, December
payouts early and larger, barnebidrag a few days early when the payer pays early, one bounced
rent debit paid by hand days later, card purchases and Vipps, one-off transfers from named
people and a tax refund. The truth household starts the day after the statement with its
closing balance, so the drafted household can be compared with it stream by stream and by
diagnosis. The writers use lxml (camt.053.001.02) and ofxtools (OFX 2.2), the readers' own
libraries, but nothing of the readers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from planner.calendar import household_schedules, is_bank_day, occurrences
from planner.model import Household, add_months

NAMES = ("Kari Nordmann", "Ola Hansen", "Per Olsen", "Ingrid Berg", "Fatima Ali", "Jonas Lie")
SHOPS = ("REMA 1000 GRUNERLOKKA", "KIWI 512 TORSHOV", "COOP EXTRA SENTRUM", "APOTEK 1 STORO", "RUTER APP",
         "CLAS OHLSON", "NARVESEN OSLO S")
ACCOUNT = "NO9386011117947"
PAYEE_ACCOUNTS = ("15032012345", "12040711111", "98765432109")

TEXTS_IN = {
    "aap": ("NAV", "NAV arbeidsavklaringspenger meldekort"),
    "bostotte": ("Husbanken", "Husbanken bostøtte"),
    "barnetrygd": ("NAV", "NAV barnetrygd"),
    "kontantstotte": ("NAV", "NAV kontantstøtte"),
    "uforetrygd": ("NAV", "NAV uføretrygd"),
    "overgangsstonad": ("NAV", "NAV overgangsstønad"),
    "bidragsforskudd": ("NAV", "NAV bidragsforskudd"),
    "barnebidrag": ("Innkrevingsmyndigheten", "Innkrevingsmyndigheten barnebidrag"),
    "sosialhjelp": ("Oslo kommune", "Oslo kommune NAV sosialhjelp"),
    "lonn": ("Vaskeriet AS", "Lønn"),
}
TEXTS_OUT = {
    "husleie": ("Boligbygg Oslo KF", "AvtaleGiro husleie"),
    "strom": ("Fjordkraft AS", "AvtaleGiro strøm"),
    "telefon": ("Telenor Norge AS", "eFaktura Telenor mobil"),
    "forsikring": ("Gjensidige Forsikring", "AvtaleGiro forsikring"),
    "barnehage": ("Oslo kommune", "AvtaleGiro barnehage"),
    "inkasso": ("Intrum AS", "AvtaleGiro Intrum avtale"),
}


@dataclass(frozen=True)
class Booking:
    day: date
    ore: int
    text: str
    party: str
    kind: str  # "credit", "avtalegiro", "card", "vipps", "transfer", "reversal"
    payee_account: str = ""


@dataclass(frozen=True)
class Case:
    seed: int
    truth: Household
    start: date
    end: date
    opening_ore: int
    bookings: tuple[Booking, ...]

    @property
    def closing_ore(self) -> int:
        return self.opening_ore + sum(b.ore for b in self.bookings)


def _bank_days_later(d: date, n: int) -> date:
    while n > 0:
        d += timedelta(days=1)
        if is_bank_day(d):
            n -= 1
    return d


def _kr(rng: random.Random, lo: int, hi: int, step: int = 1) -> int:
    return rng.randrange(lo, hi, step)


def truth_streams(rng: random.Random, profile: str, start: date) -> tuple[list[dict], list[dict], int]:
    """(incomes, expenses, living kroner) of a household of `profile`."""
    rent = {"kind": "husleie", "amount": _kr(rng, 6500, 11000, 50), "day": rng.choice([1, 1, 1, 5, 10, 15, 20])}
    if profile == "aap":
        anchor = start + timedelta(days=rng.randrange(0, 14))
        inc = [{"kind": "aap", "amount": _kr(rng, 6800, 9800), "every_days": 14, "first": anchor},
               {"kind": "bostotte", "amount": _kr(rng, 1200, 3200)}]
        exp = [rent, {"kind": "strom", "amount": _kr(rng, 400, 1300), "day": rng.choice([15, 20, 25])},
               {"kind": "telefon", "amount": _kr(rng, 249, 599), "day": rng.choice([12, 20, 28])}]
        living = _kr(rng, 5000, 9500, 100)
    elif profile == "ufore":
        amount = _kr(rng, 14000, 22000)
        inc = [{"kind": "uforetrygd", "amount": amount, "month_amounts": {"12": amount * 3 // 2}},
               {"kind": "bostotte", "amount": _kr(rng, 800, 2800)}]
        exp = [rent, {"kind": "forsikring", "amount": _kr(rng, 150, 450), "day": rng.choice([5, 10, 20])}]
        living = _kr(rng, 5000, 9000, 100)
    elif profile == "enslig":
        inc = [{"kind": "overgangsstonad", "amount": _kr(rng, 9000, 13000)},
               {"kind": "barnetrygd", "amount": rng.choice([1766, 2516, 3532])},
               {"kind": "bidragsforskudd", "amount": rng.choice([1880, 3760])},
               {"kind": "barnebidrag", "amount": _kr(rng, 1000, 2500), "day": rng.choice([5, 6, 8])}]
        exp = [rent, {"kind": "barnehage", "amount": _kr(rng, 1200, 3000), "day": rng.choice([10, 15, 20])}]
        living = _kr(rng, 7000, 12000, 100)
    else:  # "sosial": sosialhjelp from the kommune, paid earlier in December, plus part-time wages
        day = rng.choice([25, 27, 28])
        inc = [{"kind": "sosialhjelp", "amount": _kr(rng, 5000, 9000), "day": day, "month_day": {"12": 18}},
               {"kind": "lonn", "amount": _kr(rng, 4000, 9000), "day": 12}]
        exp = [rent, {"kind": "strom", "amount": _kr(rng, 400, 1300), "day": 20},
               {"kind": "inkasso", "amount": _kr(rng, 300, 900), "day": 25}]
        living = _kr(rng, 4000, 8000, 100)
    return inc, exp, living


def generate(seed: int) -> Case:
    rng = random.Random(seed)
    profile = ("aap", "ufore", "enslig", "sosial")[seed % 4]
    n_months = 3 + rng.randrange(4)
    # end at a month's end between 2024-09 and 2026-03, with December often inside
    end_month = rng.choice([(2024, 12), (2025, 1), (2025, 2), (2025, 4), (2025, 7), (2025, 12), (2026, 1),
                            (2026, 3), (2024, 10)])
    end = add_months(date(*end_month, 1), 1) - timedelta(days=1)
    start = add_months(date(*end_month, 1), -(n_months - 1))
    incomes, expenses, living = truth_streams(rng, profile, start)
    # the household as it stood over the statement (start of statement, same streams)
    past = Household.model_validate({"id": "past", "start": start, "months": n_months, "income": incomes,
                                     "expense": expenses, "living": {"monthly": living}})
    inc_sched, exp_sched = household_schedules(past)
    bookings: list[Booking] = []
    for stream, sched in zip(past.income, inc_sched):
        party, text = TEXTS_IN[stream.kind]
        for occ in occurrences(sched, start, end):
            day, amount = occ.effective, stream.amount_for(occ.nominal.year, occ.nominal.month)
            if stream.kind == "aap":
                lag = rng.choices([0, 1, 2], [0.65, 0.25, 0.10])[0]  # meldekort sent late
                day = _bank_days_later(day, lag)
                if lag == 2:
                    amount = amount * 9 // 10  # days before the late meldekort are not paid
            if stream.kind == "barnebidrag" and rng.random() < 0.2:
                back = day - timedelta(days=rng.randrange(1, 4))  # the payer paid early
                day = back if is_bank_day(back) and back >= start else day
            if day > end:
                continue
            label = f"{text} {occ.nominal.strftime('%m.%Y')}" if stream.kind != "aap" else \
                f"{text} {(day - timedelta(days=16)).strftime('%d.%m')}-{(day - timedelta(days=3)).strftime('%d.%m')}"
            bookings.append(Booking(day, amount, label, party, "credit"))
    bounce_month = rng.randrange(n_months - 1)  # one month's rent debit bounces (not the last)
    for stream, sched in zip(past.expense, exp_sched):
        party, text = TEXTS_OUT[stream.kind]
        acct = PAYEE_ACCOUNTS[len(bookings) % len(PAYEE_ACCOUNTS)]
        for i, occ in enumerate(occurrences(sched, start, end)):
            amount = stream.amount_for(occ.nominal.year, occ.nominal.month)
            bookings.append(Booking(occ.effective, -amount, text, party, "avtalegiro", acct))
            if stream.kind == "husleie" and i == bounce_month:
                back = occ.effective if rng.random() < 0.5 else _bank_days_later(occ.effective, 1)
                bookings.append(Booking(back, amount, f"Retur {text} ikke dekning", party, "reversal", acct))
                paid = _bank_days_later(occ.effective, rng.randrange(2, 6))
                bookings.append(Booking(paid, -amount, "Nettbank husleie", party, "transfer", acct))
    # spending: every month's purchases add up to `living`
    y, m = start.year, start.month
    while date(y, m, 1) <= end:
        last = (add_months(date(y, m, 1), 1) - timedelta(days=1)).day
        left = living * 100
        count = rng.randrange(10, 26)
        for k in range(count):
            ore = left if k == count - 1 else min(left - 100 * (count - k - 1), rng.randrange(2000, living * 200 // count))
            ore = max(ore, 100)
            left -= ore
            d = date(y, m, rng.randrange(1, last + 1))
            if (y, m, k) in ((start.year, start.month, 0), (end.year, end.month, 0)):
                d = start if (y, m) == (start.year, start.month) else end  # daily spending: first and last day
            if rng.random() < 0.2:
                bookings.append(Booking(d, -ore, f"Vipps*{rng.choice(NAMES)}", rng.choice(NAMES), "vipps"))
            else:
                bookings.append(Booking(d, -ore, f"VISA VAREKJØP {rng.choice(SHOPS)}", "", "card"))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    # one-offs: transfers from people, a tax refund, a transfer out
    for _ in range(rng.randrange(1, 4)):
        who = rng.choice(NAMES)
        d = start + timedelta(days=rng.randrange((end - start).days))
        bookings.append(Booking(d, _kr(rng, 100, 3000) * 100, f"Overføring fra {who}", who, "transfer",
                                rng.choice(PAYEE_ACCOUNTS)))
    if rng.random() < 0.5:
        d = start + timedelta(days=rng.randrange((end - start).days))
        bookings.append(Booking(d, _kr(rng, 500, 6000) * 100, "Skatteetaten skatteoppgjør", "Skatteetaten", "transfer"))
    bookings.sort(key=lambda b: (b.day, -b.ore, b.text))
    opening = _kr(rng, 200, 6000) * 100
    case = Case(seed, None, start, end, opening, tuple(bookings))  # type: ignore[arg-type]
    truth = Household.model_validate({
        "id": f"truth-{seed}", "start": end + timedelta(days=1), "months": 12,
        "opening_balance": str(Decimal(case.closing_ore) / 100), "income": incomes, "expense": expenses,
        "living": {"monthly": living},
    })
    return Case(seed, truth, start, end, opening, tuple(bookings))


# --------------------------------------------------------------------------- writers


def _nb_amount(ore: int, thousands: str) -> str:
    sign = "-" if ore < 0 else ""
    kr, rest = divmod(abs(ore), 100)
    return f"{sign}{kr:,}".replace(",", thousands) + f",{rest:02d}"


def write_csv(case: Case, style: str = "sparebank") -> bytes:
    """`sparebank`: in/out columns, balance, newest first, cp1252, `1 234,56`.
    `nordea`: one signed amount, balance, oldest first, UTF-8 with BOM, `-1.234,56`."""
    rows, balance = [], case.opening_ore
    for b in case.bookings:
        balance += b.ore
        rows.append((b, balance))
    if style == "sparebank":
        out = ["Dato;Beskrivelse;Rentedato;Inn;Ut;Saldo"]
        for b, bal in reversed(rows):
            inn = _nb_amount(b.ore, " ") if b.ore > 0 else ""
            ut = _nb_amount(-b.ore, " ") if b.ore < 0 else ""
            d = b.day.strftime("%d.%m.%Y")
            out.append(f"{d};{b.text};{d};{inn};{ut};{_nb_amount(bal, ' ')}")
        return ("\r\n".join(out) + "\r\n").encode("cp1252")
    out = ["Bokføringsdato;Beløp;Navn;Tittel;Valuta;Saldo"]
    for b, bal in rows:
        out.append(f"{b.day.strftime('%Y/%m/%d')};{_nb_amount(b.ore, '.')};{b.party};{b.text};NOK;"
                   f"{_nb_amount(bal, '.')}")
    return ("\n".join(out) + "\n").encode("utf-8-sig")


def _amt(ore: int) -> str:
    return f"{abs(ore) // 100}.{abs(ore) % 100:02d}"


def write_camt053(case: Case, currency: str = "NOK") -> bytes:
    from lxml import etree

    ns = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"

    def el(parent, tag, text=None, **attrs):
        e = etree.SubElement(parent, f"{{{ns}}}{tag}", **attrs)
        if text is not None:
            e.text = text
        return e

    root = etree.Element(f"{{{ns}}}Document", nsmap={None: ns})
    msg = el(root, "BkToCstmrStmt")
    hdr = el(msg, "GrpHdr")
    el(hdr, "MsgId", f"STMT-{case.seed}")
    el(hdr, "CreDtTm", f"{(case.end + timedelta(days=1)).isoformat()}T06:00:00")
    st = el(msg, "Stmt")
    el(st, "Id", f"{case.seed}-{case.end.isoformat()}")
    el(st, "CreDtTm", f"{(case.end + timedelta(days=1)).isoformat()}T06:00:00")
    ft = el(st, "FrToDt")
    el(ft, "FrDtTm", f"{case.start.isoformat()}T00:00:00")
    el(ft, "ToDtTm", f"{case.end.isoformat()}T23:59:59")
    acct = el(st, "Acct")
    el(el(acct, "Id"), "IBAN", ACCOUNT)
    el(acct, "Ccy", currency)
    for code, ore, day in (("OPBD", case.opening_ore, case.start), ("CLBD", case.closing_ore, case.end)):
        bal = el(st, "Bal")
        el(el(el(bal, "Tp"), "CdOrPrtry"), "Cd", code)
        el(bal, "Amt", _amt(ore), Ccy=currency)
        el(bal, "CdtDbtInd", "CRDT" if ore >= 0 else "DBIT")
        el(el(bal, "Dt"), "Dt", day.isoformat())
    codes = {"credit": ("RCDT", "ESCT"), "avtalegiro": ("IDDT", "ESDD"), "card": ("CCRD", "POSD"),
             "vipps": ("ICDT", "ESCT"), "transfer": ("ICDT", "ESCT"), "reversal": ("IDDT", "UPDD")}
    for n, b in enumerate(case.bookings):
        ntry = el(st, "Ntry")
        el(ntry, "Amt", _amt(b.ore), Ccy=currency)
        el(ntry, "CdtDbtInd", "CRDT" if b.ore > 0 else "DBIT")
        if b.kind == "reversal":
            el(ntry, "RvslInd", "true")
        el(ntry, "Sts", "BOOK")
        el(el(ntry, "BookgDt"), "Dt", b.day.isoformat())
        el(el(ntry, "ValDt"), "Dt", b.day.isoformat())
        el(ntry, "AcctSvcrRef", f"REF{case.seed}{n:05d}")
        fam, sub = codes[b.kind]
        domn = el(el(ntry, "BkTxCd"), "Domn")
        el(domn, "Cd", "PMNT")
        fmly = el(domn, "Fmly")
        el(fmly, "Cd", fam)
        el(fmly, "SubFmlyCd", sub)
        tx = el(el(ntry, "NtryDtls"), "TxDtls")
        if b.party:
            parties = el(tx, "RltdPties")
            el(el(parties, "Dbtr" if b.ore > 0 else "Cdtr"), "Nm", b.party)
            if b.payee_account:
                el(el(el(el(parties, "DbtrAcct" if b.ore > 0 else "CdtrAcct"), "Id"), "Othr"), "Id", b.payee_account)
        el(el(tx, "RmtInf"), "Ustrd", b.text[:140])
        el(ntry, "AddtlNtryInf", b.text[:500])
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def write_ofx(case: Case, currency: str = "NOK") -> bytes:
    from xml.etree import ElementTree as ET

    from ofxtools.header import make_header
    from ofxtools.models import (
        BANKACCTFROM,
        BANKMSGSRSV1,
        BANKTRANLIST,
        LEDGERBAL,
        OFX,
        SIGNONMSGSRSV1,
        SONRS,
        STATUS,
        STMTRS,
        STMTTRN,
        STMTTRNRS,
    )

    def noon(d: date) -> datetime:
        return datetime(d.year, d.month, d.day, 11, 0, tzinfo=timezone.utc)

    types = {"credit": "DIRECTDEP", "avtalegiro": "DIRECTDEBIT", "card": "POS", "vipps": "PAYMENT",
             "transfer": "XFER", "reversal": "CREDIT"}
    txs = []
    for n, b in enumerate(case.bookings):
        txs.append(STMTTRN(trntype=types[b.kind] if b.ore < 0 or b.kind in ("credit", "reversal", "transfer")
                           else "CREDIT", dtposted=noon(b.day), trnamt=Decimal(b.ore) / 100,
                           fitid=f"{case.seed}-{n}", name=(b.party or b.text)[:32], memo=b.text))
    stmt = STMTRS(curdef=currency, bankacctfrom=BANKACCTFROM(bankid="9386", acctid="86011117947", accttype="CHECKING"),
                  banktranlist=BANKTRANLIST(*txs, dtstart=noon(case.start), dtend=noon(case.end)),
                  ledgerbal=LEDGERBAL(balamt=Decimal(case.closing_ore) / 100, dtasof=noon(case.end)))
    ofx = OFX(signonmsgsrsv1=SIGNONMSGSRSV1(sonrs=SONRS(status=STATUS(code=0, severity="INFO"),
                                                         dtserver=noon(case.end + timedelta(days=1)), language="NOR")),
              bankmsgsrsv1=BANKMSGSRSV1(STMTTRNRS(trnuid="0", status=STATUS(code=0, severity="INFO"), stmtrs=stmt)))
    header = str(make_header(version=220))
    return (header + ET.tostring(ofx.to_etree(), encoding="unicode")).encode("utf-8")


WRITERS = {
    "csv": lambda c: write_csv(c, "sparebank" if c.seed % 2 else "nordea"),
    "camt053": write_camt053,
    "ofx": write_ofx,
}

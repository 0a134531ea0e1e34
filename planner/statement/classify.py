"""What a booking is, from its text, type and counterpart: a benefit, a bill, a purchase.

The words are Norwegian banks' and agencies' own (NAV names the benefit in the text,
Husbanken pays bostøtte, Innkrevingsmyndigheten passes on barnebidrag). They are kept in
tables here so that a new payer or a new bank wording is a one-line change.
"""

from __future__ import annotations

import re

from .model import Entry

#: (kind, words any of which names it) for money from NAV; checked in this order.
NAV_BENEFITS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("bidragsforskudd", ("bidragsforskudd", "forskudd bidrag", "forskudd på bidrag")),
    ("aap", ("arbeidsavklaring", " aap", "attføring", "attforing")),
    ("dagpenger", ("dagpenger",)),
    ("barnetrygd", ("barnetrygd",)),
    ("kontantstotte", ("kontantstøtte", "kontantstotte")),
    ("uforetrygd", ("uføre", "ufore")),
    ("overgangsstonad", ("overgangsstønad", "overgangsstonad")),
    ("alderspensjon", ("alderspensjon", "pensjon")),
    ("sosialhjelp", ("sosialhjelp", "økonomisk stønad", "økonomisk sosialhjelp", "sosialstønad", "livsopphold")),
)
_NAV = re.compile(r"\bnav\b|arbeids- og velferd")
_CHILD_SUPPORT_PAYER = ("innkrevingsmyndigheten", "skatteetaten", "nav innkreving", "innkrevingssentral")
_TAX_REFUND = ("skatteoppgjør", "skatteoppgjor", "tilbakebetaling av skatt", "restskatt", "til gode")
_WAGES = ("lønn", "lonn", "salary", "feriepenger")

#: Debits that are everyday spending whatever their rhythm (purchases, cash, Vipps).
SPENDING = ("varekjøp", "varekjop", "kortkjøp", "kortkjop", "visa ", "bankaxept", "vipps", "minibank",
            "kontantuttak", "mastercard", "nettkjøp", "reservert", "pos ")
#: (expense kind, words) for fixed bills; checked in this order.
BILLS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("husleie", ("husleie", "leie bolig", "boligkontor", "boligselskap", "boligbygg", "kommunal bolig",
                 "bolig og eiendom", "obos", "usbl", " bbl")),
    ("inkasso", ("inkasso", "intrum", "lowell", "kredinor", "sergel")),
    ("strom", ("strøm", "strom", "kraft", "energi", "tibber", "fjordkraft", "nettleie", "elvia")),
    ("telefon", ("telenor", "telia", " ice ", "mobil", "bredbånd", "bredband", "internett", "altibox", "talkmore")),
    ("forsikring", ("forsikring", "gjensidige", "tryg ", "if skade", "fremtind")),
    ("barnehage", ("barnehage",)),
    ("sfo", ("sfo", "skolefritid")),
    ("transport", ("ruter", "skyss", "kolumbus", "reisekort", "månedskort", " atb")),
    ("lan", ("lån", "kreditt", "avdrag", "santander", "komplett bank")),
)
#: words of a bank that say a debit was sent back (the autogiro bounced)
REVERSAL = ("retur", "tilbakeført", "tilbakefort", "avvist", "returnert", "ikke dekning")
#: words of a fixed bill paid by agreement (AvtaleGiro, eFaktura, a standing order)
AGREEMENT = ("avtalegiro", "efaktura", "e-faktura", "faste oppdrag", "fast oppdrag", "direct debit", "giro")


def _has(words: str, needles: tuple[str, ...]) -> bool:
    padded = f" {words} "
    return any(n in padded for n in needles)


def credit_kind(e: Entry) -> tuple[str | None, str]:
    """(benefit kind or None, why) for money into the account; kind '' means a one-off
    that is never a stream (a tax refund)."""
    w = e.words()
    if "husbanken" in w or "bostøtte" in w or "bostotte" in w:
        return "bostotte", "Husbanken"
    if _has(w, _TAX_REFUND):
        return "", "skatteoppgjør"
    if any(p in w for p in _CHILD_SUPPORT_PAYER) and "bidrag" in w and "forskudd" not in w:
        return "barnebidrag", "barnebidrag via Innkrevingsmyndigheten/Skatteetaten"
    if _NAV.search(w) or "kommune" in w:
        for kind, needles in NAV_BENEFITS:
            if _has(w, needles):
                return kind, "NAV: " + kind if kind != "sosialhjelp" else "sosialhjelp (NAV-kontoret/kommunen)"
        if "kommune" in w and ("stønad" in w or "sosial" in w):
            return "sosialhjelp", "sosialhjelp (kommunen)"
        if _NAV.search(w):
            return "annen", "NAV, ytelsen ikke navngitt"
    if _has(w, _WAGES):
        return "lonn", "lønn"
    return None, ""


def debit_kind(e: Entry) -> tuple[str | None, str]:
    """(expense kind, 'spending' or None, why) for money out of the account."""
    w = e.words()
    if _has(w, SPENDING):
        return "spending", "kjøp"
    for kind, needles in BILLS:
        if _has(w, needles):
            return kind, kind
    if _has(w, AGREEMENT):
        return "annen", "fast regning (AvtaleGiro/eFaktura)"
    return None, ""


def is_reversal_text(e: Entry) -> bool:
    return e.reversal or _has(e.words(), REVERSAL)


def group_text(e: Entry) -> str:
    """The booking text without digits and punctuation: the same for every month's payout."""
    w = re.sub(r"[^a-zæøå ]+", " ", f"{e.counterpart} {e.text}".casefold())
    return " ".join(t for t in w.split() if len(t) > 1)[:80]

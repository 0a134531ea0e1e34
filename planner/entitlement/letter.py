"""The bostøtte letters: a checklist for the tenant (what the application needs, the deadline,
the estimate) and, where the tenant consents, a notice to the kommune's bostøtte office. Both
render facts only (`planner.facts.Fact`, the letters' filters), and both are re-checked by
`planner.factcheck.require_entitlement` before they are written: every amount, date and month
in the text must be a fact the checker re-derives from the household file and the rules data.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import date, timedelta

from ..facts import Fact
from ..letters.context import PLACEHOLDER, LetterError
from ..letters.rendering import letter_bytes, render_html_fragment
from ..letters.sender import Recipient, Sender
from ..model import Household
from .estimate import entitlements

#: Who a bostøtte letter goes to, and the template of each (templates/nb/<template>.html.j2).
TEMPLATES = {"tenant": "bostotte_tenant", "office": "bostotte_office"}
DEFAULT_RECIPIENT = {"tenant": "Til leietaker", "office": "Bostøttekontoret i kommunen"}


def letter_context(h: Household, as_of: date, to: str, sender: Sender | None = None,
                   letter_date: date | None = None, reference: str | None = None) -> dict:
    """What a bostøtte letter may show: the estimate, the deadline and the first payout as facts,
    and the tenant's consents. Refused when there is nothing to apply for, or (the office's
    notice) when the tenant has not consented to it."""
    if to not in TEMPLATES:
        raise LetterError(f"a bostøtte letter goes to {' or '.join(TEMPLATES)}, not {to!r}")
    b = entitlements(h, as_of).bostotte
    if b.has_stream:
        raise LetterError(f"{h.id}: the household already has bostøtte in its incomes: no application letter")
    if not b.likely_eligible:
        raise LetterError(f"{h.id}: the estimate is below Husbanken's minimum payout: no application letter")
    if to == "office" and not h.entitlement.consent_notice:
        raise LetterError(f"{h.id}: the tenant has not consented to a notice to the bostøtte office "
                          "([entitlement] consent_notice = true)")
    sender = sender or Sender()
    sender = replace(sender, kommune=sender.kommune or PLACEHOLDER["nb"]["kommune"],
                     office=sender.office or PLACEHOLDER["nb"]["office"],
                     caseworker=sender.caseworker or PLACEHOLDER["nb"]["caseworker"])
    letter_date = letter_date or as_of
    reply_by = min(letter_date + timedelta(days=sender.reply_days), b.deadline)
    rec = sender.recipient(to)
    if not rec.name:
        rec = Recipient(DEFAULT_RECIPIENT[to], rec.address, rec.account)
    return {
        "to": TEMPLATES[to], "lang": "nb", "sender": sender, "recipient": rec,
        "letter_date": Fact("letter.date", letter_date, "date"),
        "reply_by": Fact("letter.reply_by", max(reply_by, letter_date), "date"),
        "reference": reference or h.id,
        "amount": Fact("entitlement.amount", b.monthly_ore, "ore"),
        "deadline": Fact("entitlement.deadline", b.deadline, "date"),
        "for_month": Fact("entitlement.for_month", b.for_month, "month"),
        "first_payout": Fact("entitlement.first_payout", b.first_payout, "date"),
        "consent_vedtak": h.entitlement.consent_vedtak,
        "kommunal_bolig": bool(h.entitlement.kommunal_bolig),
        "uncertain_income": "income_net" in b.uncertain,
        "uncertain_wealth": "wealth" in b.uncertain,
    }


def render_entitlement_letter(h: Household, as_of: date, to: str, fmt: str = "pdf", sender: Sender | None = None,
                              letter_date: date | None = None, reference: str | None = None) -> bytes:
    """One bostøtte letter in `fmt` (md, html, pdf, docx), after the fact checker found every
    fact it shows and every date, amount and month in its text (else `LetterError`)."""
    from ..factcheck import FactMismatch, require_entitlement

    ctx = letter_context(h, as_of, to, sender, letter_date, reference)
    shown: list = []
    fragment = render_html_fragment(ctx, shown)
    text = html.unescape(re.sub(r"<[^>]+>", " ", fragment))
    try:
        require_entitlement(h, as_of, shown, text, "nb", f"the bostøtte letter to {to}")
    except FactMismatch as e:
        raise LetterError(str(e)) from None
    return letter_bytes(fragment, ctx, fmt, "nb")

"""Letters: a preview page per letter (with the date checks), "mark sent" (the letter is stored
with recipient, date, plan version, figures and the sha256 of its bytes, and can be downloaded
again byte for byte), and letters for a selection of households at once.

A letter is made only when the office settings, the signed-in caseworker and (for the tenant)
the case record have what it needs; otherwise the page says what is missing
(`planner.letters.letter_missing`, the check behind the command line's refusal). No letter
from the web page carries a placeholder such as "[saksbehandler]".
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ...formatting import nb_date
from ...model import Household
from ...results import Plan
from ..casework import MISSING_NB, LetterSetup, letter_setup, parse_day
from ..core import Web, household_of, past_start, today, web_of
from ..pages import RECIPIENT_NB, ascii_name
from ..pool import committing
from ..store import Record

router = APIRouter()

MEDIA = {"pdf": "application/pdf",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
REPLY_DAYS = 14


@dataclass
class Draft:
    """One letter as it would go out now, or why it cannot."""

    to: str
    setup: LetterSetup
    letter_date: date
    reply_by: date
    problems: list[str]
    warnings: list[str]
    plan: Plan

    @property
    def ok(self) -> bool:
        return not self.problems


def _setup(web: Web, request_user: str, hid: str, to: str) -> LetterSetup:
    case = web.store.case
    return letter_setup(case.office(), case.caseworker(request_user), case.record(hid), to, hid)


#: The way forward when a plan's dates have passed (issue 11), as the command line's --roll-forward.
ROLL_FORWARD_NB = ("Rull planen fram fra i dag (knappen «Rull fram» på husstandssiden) og lag brevene "
                   "for den nye planen.")


def _recipients_of(i, h) -> list[str]:
    from ...letters.context import intervention_recipients

    return intervention_recipients(i, h)


def draft(web: Web, user: str, rec: Record, h: Household, to: str, letter_date: date,
          reply_by: date | None) -> Draft:
    """The checks before a letter is made: needed by the plan, nothing missing, dates in order.
    Slow (the plan): run it in the worker pool."""
    from ...letters import first_change, recipients

    p = web.compute(h)
    setup = _setup(web, user, rec.id, to)
    reply_by = reply_by or letter_date + timedelta(days=REPLY_DAYS)
    problems, warnings = [], []
    if to not in recipients(p, h):
        problems.append(f"Planen trenger ikke brev til {RECIPIENT_NB.get(to, to).lower()}.")
    if setup.missing:
        problems.append("Brevet kan ikke lages før dette er fylt ut: "
                        + ", ".join(MISSING_NB.get(m, m) for m in setup.missing) + ".")
    if reply_by < letter_date:
        problems.append("Svarfristen er før brevets dato.")
    asks = [i.request_by for i in p.interventions if i.request_by is not None and p.as_of is not None
            and (to == "tenant" or to in _recipients_of(i, h))]
    if asks and letter_date > min(asks):
        problems.append(f"Planen holder bare hvis dette ble bedt om senest {nb_date(min(asks))}. "
                        + ROLL_FORWARD_NB)
    elif asks:
        reply_by = min(reply_by, min(asks))  # never later than the plan's request_by
    first = first_change(h, p)
    if first is not None and letter_date > first:
        warnings.append(f"Brevet er datert etter planens første endring ({nb_date(first)}): "
                        "den første måneden rekker ikke å bli endret. Vurder å lage planen på nytt fra i dag.")
    if first is not None and reply_by > first:
        warnings.append(f"Svarfristen ({nb_date(reply_by)}) er etter planens første endring "
                        f"({nb_date(first)}).")
    return Draft(to, setup, letter_date, reply_by, problems, warnings, p)


def render(d: Draft, h: Household, fmt: str, lang: str = "nb") -> bytes:
    from ...letters import render_letter

    s = d.setup
    return render_letter(h, d.plan, d.to, lang=lang, fmt=fmt, sender=s.sender, letter_date=d.letter_date,
                         reference=s.reference, reply_by=d.reply_by, recipient=s.recipient)


def figures(d: Draft) -> dict:
    """What the letter asked for, as it was: kept with the letter marked sent."""
    pj = d.plan.to_json()
    return {"status": pj["status"], "cost": pj["cost"], "min_balance_ore": pj["min_balance_ore"],
            "interventions": [{k: i.get(k) for k in ("lever", "params", "actors")} for i in pj["interventions"]],
            "shortfall": pj.get("shortfall"), "reference": d.setup.reference,
            "reply_by": d.reply_by.isoformat()}


def _household(web: Web, hid: str) -> tuple[Record, Household]:
    """The household as planned on its as-of date; a passed horizon is refused with the way forward."""
    from ...asof import HorizonPassed

    rec = web.load(hid)
    h = household_of(rec)
    if h is None:
        raise HTTPException(409, "Husstanden har ingen husstandsdata (bare en batch-plan): importer "
                                 "batch-mappen med husstandsdokumentene for å lage brev.")
    if (why := past_start(h)) is not None:  # a plan from a past day writes no letter (issue 21)
        raise HTTPException(409, why)
    try:
        return rec, web.aligned(h).household
    except HorizonPassed:
        raise HTTPException(409, ROLL_FORWARD_NB) from None


def _dates(data) -> tuple[date, date | None]:
    return parse_day(str(data.get("letter_date", ""))) or today(), parse_day(str(data.get("reply_by", "")))


@router.get("/husstand/{hid}/brevutkast/{to}", response_class=HTMLResponse)
async def preview(request: Request, hid: str, to: str, letter_date: str = "", reply_by: str = ""):
    web = web_of(request)
    rec, h = _household(web, hid)
    day, reply = _dates({"letter_date": letter_date, "reply_by": reply_by})
    d = await web.pool.run(draft, web, web.user(request), rec, h, to, day, reply)
    html = None
    if d.ok:
        from ...letters import LetterError, letter_context
        from ...letters.rendering import checked_fragment

        s = d.setup

        def fragment() -> str | None:  # the preview passes the fact check as the download does
            try:
                return checked_fragment(h, d.plan, letter_context(h, d.plan, to, "nb", s.sender, day,
                                                                  reference=s.reference, reply_by=d.reply_by,
                                                                  recipient=s.recipient, chart=False))
            except LetterError:
                return None

        html = await web.pool.run(fragment)
    return web.render(request, "letter.html", {
        "title": f"Brev til {RECIPIENT_NB.get(to, to).lower()} – {rec.label or rec.id}", "rec": rec, "d": d,
        "letter_html": html, "sent": [x for x in web.store.case.letters(hid) if x.recipient == to]},
        status=200 if d.ok else 409)


@router.post("/husstand/{hid}/brevutkast/{to}/send")
async def mark_sent(request: Request, hid: str, to: str):
    """Make the PDF and store it as sent; the page then offers it for download (the stored bytes)."""
    web = web_of(request)
    rec, h = _household(web, hid)
    data = await request.form()
    day, reply = _dates(data)
    user = web.user(request)
    d = await web.pool.run(draft, web, user, rec, h, to, day, reply)
    if not d.ok:
        raise HTTPException(409, " ".join(d.problems))
    body = await web.pool.run(render, d, h, "pdf")
    with committing():
        lid = web.store.case.record_letter(hid, rec.version, to, "nb", "pdf", d.letter_date, d.reply_by,
                                           figures(d), body, user)
    web.flash(request, "Brevet er registrert som sendt. Last det ned og send det.")
    return RedirectResponse(f"/husstand/{hid}/brevutkast/{to}?sendt={lid}", status_code=303)


@router.get("/brev/{lid}.pdf")
def download_sent(request: Request, lid: int):
    """A letter marked sent, byte for byte as it was recorded."""
    web = web_of(request)
    found = web.store.case.letter(lid)
    if found is None:
        raise HTTPException(404, "not found")
    meta, body = found
    web.load(meta.household_id)  # a household in the bin shows nothing
    return Response(body, media_type=MEDIA[meta.fmt], headers={
        "Content-Disposition": f'attachment; filename="{ascii_name(meta.household_id)}-brev-{meta.recipient}-{lid}.{meta.fmt}"'})


@router.get("/husstand/{hid}/brev/{to}.{fmt}")
async def letter(request: Request, hid: str, to: str, fmt: str, lang: str = "nb"):
    """A draft to download (PDF, or DOCX to edit), made the same way as the one marked sent,
    and refused the same way when something is missing."""
    web = web_of(request)
    rec, h = _household(web, hid)
    if fmt not in MEDIA or lang not in ("nb", "en"):
        raise HTTPException(404, "not found")
    d = await web.pool.run(draft, web, web.user(request), rec, h, to, today(), None)
    if not d.ok:
        raise HTTPException(409, " ".join(d.problems))
    body = await web.pool.run(render, d, h, fmt, lang)
    return Response(body, media_type=MEDIA[fmt], headers={
        "Content-Disposition": f'attachment; filename="{ascii_name(rec.id)}-brev-{to}.{fmt}"'})


def bulk(web: Web, user: str, ids: list[str], to: str, day: date, record: bool) -> bytes:
    """A zip with one PDF per selected household that needs a letter to `to`, and `oversikt.txt`
    saying, per household, whether its letter is there, recorded as sent, or why not."""
    buf = io.BytesIO()
    report = []
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for hid in ids:
            rec = web.store.get(hid)
            h = household_of(rec) if rec is not None and rec.deleted is None else None
            if rec is None or h is None:
                report.append(f"{hid}: ikke funnet eller uten husstandsdata")
                continue
            if (why := past_start(h)) is not None:
                report.append(f"{hid}: ikke laget – {why}")
                continue
            d = draft(web, user, rec, h, to, day, None)
            if not d.ok:
                report.append(f"{hid}: ikke laget – " + " ".join(d.problems))
                continue
            body = render(d, h, "pdf")
            name = f"{ascii_name(hid)}-brev-{to}.pdf"
            z.writestr(zipfile.ZipInfo(name, (day.year, day.month, day.day, 0, 0, 0)), body)
            if record:
                with committing():
                    web.store.case.record_letter(hid, rec.version, to, "nb", "pdf", d.letter_date, d.reply_by,
                                                 figures(d), body, user)
            report.append(f"{hid}: {name}" + (" (registrert som sendt)" if record else ""))
        z.writestr(zipfile.ZipInfo("oversikt.txt", (day.year, day.month, day.day, 0, 0, 0)),
                   "\n".join(report) + "\n")
    return buf.getvalue()


@router.post("/brev/samlet")
async def bulk_letters(request: Request):
    web = web_of(request)
    data = await request.form()
    seen = web.visible(request)  # (the letters are made in the pool, where no request is)
    ids = [i for i in [str(x) for x in data.getlist("ids")][:500] if seen(i)]
    to = str(data.get("to", "tenant"))
    if not ids or to not in RECIPIENT_NB:
        web.flash(request, "Velg husstander i listen og hvem brevene skal til.")
        return RedirectResponse("/", status_code=303)
    day, _ = _dates(data)
    body = await web.pool.run(bulk, web, web.user(request), ids, to, day, bool(data.get("record")))
    return Response(body, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="brev-{to}-{day.isoformat()}.zip"'})

"""The case record of one household (personal data: README, "The case record"), its export
(innsyn) and erasure (sletting), and the case's outcome.

The record is shown to signed-in users only: without `--auth` the server answers on loopback
only, so the person at the machine is the user. Nothing of it is logged (the request log has the
route pattern, never values) and it reaches only the letters that need it (`casework.letter_setup`).
"""

from __future__ import annotations

import json

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..casework import AGE_BANDS, GENDERS, OUTCOME_NB, RECORD_FIELDS, check_record, parse_day
from ..core import web_of
from ..pages import ascii_name
from ..store import households

router = APIRouter()


def _page(request: Request, hid: str, values: dict, errors: dict, status: int = 200):
    web = web_of(request)
    rec = web.load(hid)
    return web.render(request, "record.html", {
        "title": f"Saksopplysninger – {rec.label or rec.id}", "rec": rec, "fields": RECORD_FIELDS, "values": values,
        "errors": errors, "retention_days": web.settings.retention_days, "age_bands": AGE_BANDS, "genders": GENDERS, "outcomes": OUTCOME_NB,
        "outcome_options": {"": "Åpen sak (ikke avsluttet)", **OUTCOME_NB},
        "access": web.store.case.access(hid) if web.is_admin(request) else None,
        "may_share": rec.office is not None and web.office(request) in (None, rec.office)}, status=status)


@router.get("/husstand/{hid}/sak", response_class=HTMLResponse)
def record_page(request: Request, hid: str):
    web = web_of(request)
    web.load(hid)
    web.store.case.log_access(hid, web.user(request), "saksopplysninger")
    return _page(request, hid, web.store.case.record(hid), {})


@router.post("/husstand/{hid}/sak", response_class=HTMLResponse)
async def save_record(request: Request, hid: str):
    web = web_of(request)
    web.load(hid)
    values, errors = check_record(await request.form())
    if errors:
        return _page(request, hid, values, errors, status=422)
    web.store.case.set_record(hid, values, web.user(request))
    web.flash(request, "Saksopplysningene er lagret.")
    return RedirectResponse(f"/husstand/{hid}", status_code=303)


@router.post("/husstand/{hid}/deling")
async def share(request: Request, hid: str):
    """Share the case with every office, or take the sharing back (the case's own office, or a
    user without an office, may)."""
    web = web_of(request)
    rec = web.load(hid)
    office = web.office(request)
    if office is not None and rec.office != office:
        raise HTTPException(403, "Bare saksbehandlere ved sakens eget kontor kan endre delingen.")
    shared = (await request.form()).get("shared") == "1"
    web.store.set_shared(hid, shared)
    web.flash(request, "Saken er delt med alle kontor." if shared else "Saken er ikke lenger delt med andre kontor.")
    return RedirectResponse(f"/husstand/{hid}/sak", status_code=303)


@router.get("/husstand/{hid}/sak/innsyn.json")
def export(request: Request, hid: str):
    """Innsyn: everything stored about this household's person, as JSON."""
    web = web_of(request)
    web.load(hid)
    web.store.case.log_access(hid, web.user(request), "innsyn")
    body = json.dumps(web.store.case.export(hid), ensure_ascii=False, indent=2, default=str).encode()
    return Response(body, media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{ascii_name(hid)}-innsyn.json"'})


@router.post("/husstand/{hid}/sak/slett")
async def erase(request: Request, hid: str):
    """Sletting: the case record and the letters sent are deleted at once (not to the bin)."""
    web = web_of(request)
    web.load(hid)
    web.store.case.erase_personal(hid)
    web.flash(request, "Saksopplysningene og de sendte brevene er slettet.")
    return RedirectResponse(f"/husstand/{hid}", status_code=303)


@router.post("/husstand/{hid}/utfall", response_class=HTMLResponse)
async def outcome(request: Request, hid: str):
    """The case's outcome and its date; from that date the retention period runs. An empty
    outcome reopens the case."""
    web = web_of(request)
    web.load(hid)
    data = await request.form()
    kind = str(data.get("outcome", ""))
    day = parse_day(str(data.get("outcome_date", "")))
    if kind and (kind not in OUTCOME_NB or day is None):
        errors = {"outcome": "Velg et utfall og skriv datoen (dd.mm.åååå)."}
        return _page(request, hid, web.store.case.record(hid), errors, status=422)
    with web.store.transaction() as conn:
        conn.execute(households.update().where(households.c.id == hid)
                     .values(outcome=kind or None, outcome_date=day if kind else None))
    web.flash(request, f"Utfallet er registrert: {OUTCOME_NB[kind]}." if kind else "Saken er åpnet igjen.")
    return RedirectResponse(f"/husstand/{hid}", status_code=303)


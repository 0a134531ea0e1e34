"""Follow-up: each intervention of the household's plan is a task (to ask → asked → agreed →
in effect, or refused), due when the plan needs it in effect or, once a letter asked for it, on
the letter's answer-by date. "Oppfølging" lists what is due; a refused lever re-plans the
household without it in one step (a new version: the old plan, its tasks and letters stay in
the history)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ...model import LEVERS
from ..casework import STATE_NB, parse_day
from ..core import Web, household_of, web_of
from ..store import StaleVersion

router = APIRouter()


@router.get("/oppfolging", response_class=HTMLResponse)
def followup(request: Request, dato: str = "", dager: str = "14"):
    """Every open task due within `dager` days of `dato` (default today, read here at the edge)."""
    web = web_of(request)
    as_of = parse_day(dato) or date.today()
    days = int(dager) if dager.strip().isdigit() else 14
    seen = web.visible(request)
    due = [d for d in web.store.case.due_tasks(as_of, min(days, 366)) if seen(d[0].household_id)]
    return web.render(request, "followup.html", {
        "title": "Oppfølging", "due": due, "as_of": as_of,
        "dato": dato, "dager": days})


def replan_without(web: Web, hid: str, lever: str, by: str) -> int:
    """Save the household again with `lever` forbidden (a new version, tasks re-synced). Slow:
    runs in the worker pool. `StaleVersion` if it changed meanwhile."""
    from ...io.household import household_from_dict

    rec = web.load(hid)
    if rec.document is None:
        raise HTTPException(409, "Husstanden har ingen husstandsdata og kan ikke planlegges på nytt her.")
    doc = dict(rec.document)
    levers = dict(doc.get("levers") or {})
    levers["forbid"] = sorted(set(levers.get("forbid") or []) | {lever})
    if levers.get("allow") is not None:
        levers["allow"] = [x for x in levers["allow"] if x != lever]
    doc["levers"] = levers
    h = household_from_dict(doc, hid)
    return web.save(h, rec.source, expect_version=rec.version, by=by, note=f"{lever} avslått: ny plan uten")


@router.post("/oppgave/{tid}")
async def move(request: Request, tid: int):
    web = web_of(request)
    data = await request.form()
    state = str(data.get("state", ""))
    t = web.store.case.task(tid)
    if t is None:
        raise HTTPException(404, "not found")
    rec = web.load(t.household_id)
    due = parse_day(str(data.get("due", "")))
    user = web.user(request)
    try:
        web.store.case.advance(tid, state, user, due=due)
    except ValueError:
        raise HTTPException(409, f"Oppgaven kan ikke gå fra «{STATE_NB.get(t.state, t.state)}» til "
                                 f"«{STATE_NB.get(state, state)}». Last siden på nytt.") from None
    text = f"Oppgaven er satt til «{STATE_NB[state]}»."
    if state == "refused" and t.lever in LEVERS and household_of(rec) is not None:
        try:
            await web.pool.run(replan_without, web, rec.id, t.lever, user)
        except StaleVersion:
            raise HTTPException(409, "Husstanden er endret av noen andre etter at du åpnet den. Oppgaven er "
                                     "satt til avslått, men ny plan er ikke laget: åpne husstanden på nytt.") from None
        text += " Planen er laget på nytt uten dette tiltaket; den gamle finnes i historikken."
    web.flash(request, text)
    back = str(data.get("back", ""))
    return RedirectResponse(back if back in ("/", "/oppfolging") else f"/husstand/{rec.id}#tasks", status_code=303)

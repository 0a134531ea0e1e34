"""Innloggingsøkter: every live login session (who, since when, last request), each of which
can be ended at once, by an administrator. Ending a session deletes its server-side row, so every copy of its cookie
stops working on the next request, in every server process."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from ..core import web_of
from ..store import session_key

router = APIRouter()


@router.get("/okter", response_class=HTMLResponse)
async def sessions_page(request: Request):
    web = web_of(request)
    if not web.login_on:
        raise HTTPException(404)
    web.require_admin(request)
    rows = await run_in_threadpool(web.store.session_list)
    sid = request.session.get("sid")
    mine = session_key(str(sid)) if sid else None
    return web.render(request, "sessions.html", {"title": "Innloggingsøkter", "sessions": rows, "mine": mine})


@router.post("/okter/avslutt")
async def end_session(request: Request):
    web = web_of(request)
    if not web.login_on:
        raise HTTPException(404)
    web.require_admin(request)
    key = str((await request.form()).get("key", ""))[:64]
    if not await run_in_threadpool(web.store.session_revoke, key):
        raise HTTPException(404)
    web.flash(request, "Økten er avsluttet.")
    return RedirectResponse("/okter", status_code=303)

"""Login and logout (`--auth`). Sessions live in the database (`sessions`): the cookie carries
only a random session id, so logging out ends the session for every copy of the cookie.
Every attempt is counted before its password is checked, per user name and per client address
(`planner.web.throttle`); refusals are logged without the name or the address."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from ..auth import credential_tag, verify_password
from ..core import log, web_of

router = APIRouter()

# a valid hash of no password: an unknown user costs the same scrypt work as a known one
_DUMMY = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


def login_page_with(request: Request, error: str | None, status: int = 200):
    """The login page: the password form (with `--auth`), the identity provider's button (with
    `--oidc`), or both, and an error if there is one."""
    web = web_of(request)
    return web.render(request, "login.html", {"title": "Logg inn", "error": error, "passwords": web.users is not None,
                                              "oidc": web.settings.oidc}, status=status)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request):
    if not web_of(request).login_on:
        return RedirectResponse("/", status_code=303)
    return login_page_with(request, None)


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request):
    web = web_of(request)
    if web.users is None:  # no password login here (none at all, or only the identity provider's)
        return RedirectResponse("/login" if web.login_on else "/", status_code=303)
    data = await request.form()
    name, password = str(data.get("username", ""))[:64], str(data.get("password", ""))[:1024]
    address = request.client.host if request.client else "?"
    wait = await run_in_threadpool(web.login_throttle.admit, name, address)  # counted now, before the slow check
    if wait > 0:
        log.warning("login refused: too many failed attempts (waiting %.0f s)", wait)
        return login_page_with(request, f"For mange mislykkede forsøk. Vent {int(wait) + 1} sekunder og prøv igjen.",
                               status=429)
    encoded = web.users.get(name)
    ok = await web.pool.run(verify_password, password, encoded or _DUMMY)
    if not (ok and encoded):
        log.info("login refused: wrong user name or password")
        return login_page_with(request, "Feil brukernavn eller passord.", status=401)
    await run_in_threadpool(web.login_throttle.succeeded, name, address)
    s = web.settings
    sid = await run_in_threadpool(web.store.session_create, name, idle_s=s.session_idle_s, max_age_s=s.session_max_s)
    request.session.clear()
    request.session.update(user=name, sid=sid, cred=credential_tag(encoded), csrf=secrets.token_urlsafe(32))
    return RedirectResponse("/", status_code=303)


@router.post("/logout")
async def logout(request: Request):
    web = web_of(request)
    sid = request.session.get("sid")
    if sid:
        await run_in_threadpool(web.store.session_delete, str(sid))
    request.session.clear()
    return RedirectResponse("/login" if web.login_on else "/", status_code=303)

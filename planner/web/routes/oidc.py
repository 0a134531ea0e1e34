"""Login through the kommune's identity provider (`planner serve --oidc FILE`): the
authorization code flow with PKCE and a nonce, by authlib (`planner.web.oidc` reads the
settings and maps the ID token's claims to a user and role).

The session made here is the same server-side session a password login makes (listed, ended
at logout, by an administrator, when idle or old); it remembers that it came from the provider
and the role the claims gave. Nothing from the token but the user name is stored, and nothing
from it is logged."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from ..core import Web, log, web_of
from ..oidc import identify
from .login import login_page_with

router = APIRouter()

_NO_ANSWER = "Kommunens innlogging svarer ikke nå. Prøv igjen om litt, eller bruk brukernavn og passord."


def _client(web: Web) -> Any:
    """authlib's client for the provider, registered once per server (it fetches the provider's
    metadata and keys at the first login, not at start, so a provider that is down does not stop
    the server)."""
    if web.oidc_client is None:
        from authlib.integrations.starlette_client import OAuth

        cfg = web.settings.oidc
        assert cfg is not None
        web.oidc_client = OAuth().register(
            "kommune", client_id=cfg.client_id, client_secret=cfg.client_secret,
            server_metadata_url=cfg.metadata_url, client_kwargs={"scope": cfg.scope, "code_challenge_method": "S256"})
    return web.oidc_client


def _errors() -> tuple[tuple[type[BaseException], ...], type[BaseException]]:
    """(what a refused or forged login raises: authlib's and its JOSE library's errors, e.g. a
    bad signature, a wrong nonce or audience; what an unreachable provider raises)."""
    import httpx
    from authlib.common.errors import AuthlibBaseError
    from joserfc.errors import JoseError

    return (AuthlibBaseError, JoseError), httpx.HTTPError


@router.get("/login/oidc")
async def oidc_start(request: Request):
    web = web_of(request)
    if web.settings.oidc is None:
        raise HTTPException(404)
    refused, unreachable = _errors()
    failed: tuple[type[BaseException], ...] = (*refused, unreachable, ValueError, KeyError)
    try:
        return await _client(web).authorize_redirect(request, str(request.url_for("oidc_callback")))
    except failed as exc:
        log.warning("oidc: the identity provider could not be reached (%s)", type(exc).__name__)
        return login_page_with(request, _NO_ANSWER, status=502)


@router.get("/login/oidc/svar", name="oidc_callback")
async def oidc_callback(request: Request):
    web = web_of(request)
    cfg = web.settings.oidc
    if cfg is None:
        raise HTTPException(404)
    refused, unreachable = _errors()
    rejected: tuple[type[BaseException], ...] = (*refused, ValueError, KeyError)
    try:
        token = await _client(web).authorize_access_token(request)
    except unreachable as exc:
        log.warning("oidc: the identity provider could not be reached (%s)", type(exc).__name__)
        return login_page_with(request, _NO_ANSWER, status=502)
    except rejected as exc:
        log.info("oidc: login refused (%s)", type(exc).__name__)
        return login_page_with(request, "Innloggingen ble avbrutt eller avvist. Prøv igjen.", status=401)
    who = identify(cfg, dict(token.get("userinfo") or {}))
    if who is None:
        log.info("oidc: a person the provider signed in has no access here")
        return login_page_with(request, "Du er logget inn hos kommunen, men har ikke tilgang til planner. "
                                        "Spør en administrator.", status=403)
    name, role, office = who
    s = web.settings
    sid = await run_in_threadpool(web.store.session_create, name, idle_s=s.session_idle_s, max_age_s=s.session_max_s)
    request.session.clear()
    request.session.update(user=name, sid=sid, via="oidc", role=role, office=office,
                           csrf=secrets.token_urlsafe(32))
    return RedirectResponse("/", status_code=303)

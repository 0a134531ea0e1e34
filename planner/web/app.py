"""The FastAPI application behind `planner serve`: settings, middleware and the routers.

Pages are rendered on the server (Jinja2) and work as plain HTML forms; a few lines of
JavaScript (own files only: the Content-Security-Policy allows nothing inline) show the
schedule fields that belong to the chosen form. The routes live in `routes/` per area
(households, letters, case record, history, follow-up, import, settings, account, login). Every request passes, outermost first:

1. the privacy log (method, route pattern, status, milliseconds; never ids, query strings,
   form data or exception texts: they may hold personal data);
2. security headers (CSP, frame-ancestors, nosniff, Referrer-Policy, `no-store`);
3. the Host and Origin check (DNS rebinding, cross-site POSTs);
4. the signed session cookie (a CSRF token, a flash message and, with `--auth`, a session id);
5. with `--auth`, the login check: the session must exist server-side, be neither idle nor too
   old, and its user must still be in the users file;
6. the request-size limit, counted while the body is read;
7. the CSRF check on every POST (a per-session token in the form or `X-CSRF-Token`).
"""

from __future__ import annotations

import hmac
import logging
import time
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from ..io.plan_schema import InvalidPlan
from .auth import credential_tag
from .core import OFFICE_SCOPE, Settings, Web, web_of
from .pages import template_globals
from .security import BodyLimit, ConcurrencyLimit, HostOrigin, SecurityHeaders

log = logging.getLogger("planner.web")


async def csrf_check(request: Request) -> None:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = request.session.get("csrf", "")
    sent = request.headers.get("x-csrf-token", "")
    if not sent:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form(max_files=5000, max_fields=5000)
            sent = str(form.get("csrf_token", ""))
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        raise HTTPException(status_code=403, detail="csrf")


def allowed_hosts(settings: Settings, login: bool) -> set[str] | None:
    """The Host names the page answers to besides the loopback names: the `--host` address (not
    a wildcard) and every `--allowed-host`. With login and no `--allowed-host`, any name (None):
    the server cannot know the names users type, and `planner serve` warns about it."""
    names = {h for h in (settings.host, *settings.allowed_hosts) if h and h not in ("0.0.0.0", "::")}
    return None if login and not settings.allowed_hosts else names


def create_app(
    db_url: str | None = None,
    users_file: str | Path | None = None,
    secret: str | None = None,
    *,
    time_limit_s: float = 10.0,
    https_only: bool = False,
    settings: Settings | None = None,
) -> FastAPI:
    """The web application. `users_file` switches the login on; `secret` signs the session
    cookie (default: `secret_for(db_url)`, from `$PLANNER_SECRET_KEY` or a file beside the DB)."""
    from .auth import Users
    from .routes import (
        account,
        followup,
        help,
        history,
        households,
        imports,
        ledger,
        letters,
        login,
        oidc,
        planfollow,
        record,
        sessions,
        statement,
        statistics,
        whatif,
    )
    from .routes import settings as office
    from .secret import secret_for
    from .store import Store, default_url

    settings = settings or Settings(time_limit_s=time_limit_s, secure_cookie=https_only)
    url = db_url or default_url()
    store = Store(url)
    if settings.sweep_on_start:  # the retention rules, with today's date read here at the edge
        store.case.sweep(datetime.now(timezone.utc).date(), settings.retention_days, settings.bin_days)
    users = Users(users_file) if users_file else None
    secret = secret or secret_for(url)
    here = resources.files("planner.web")
    templates = Jinja2Templates(directory=str(here.joinpath("templates")))
    from .casestore import NEXT
    from .casework import OUTCOME_NB, STATE_NB

    templates.env.globals.update(template_globals(), help_for=help.help_for, auth_enabled=users is not None or settings.oidc is not None,
                                 STATE_NB=STATE_NB, NEXT_STATES=NEXT, OUTCOME_NB=OUTCOME_NB)
    web = Web(store, users, templates, settings, secret)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if settings.warm_up:  # before uvicorn listens and says "running on": the first plan is fast
            web.warm_up(beside=statistics.warm_up)
        yield
        web.pool.shutdown()
        web.solver.shutdown()
        statistics.shutdown(web)  # the Statistikk chart helper (started by the warm-up)

    app = FastAPI(title="planner", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(csrf_check)], lifespan=lifespan)
    app.state.web = web
    app.state.store = store  # for scripts and tests
    app.mount("/static", StaticFiles(directory=str(here.joinpath("static"))), name="static")
    for module in (letters, record, history, followup, households, imports, office, account, login, statement,
                   ledger, planfollow, statistics, whatif, help, sessions, oidc):
        app.include_router(module.router)

    # middleware: the last added runs first (see the module docstring for the order). The size
    # limit sits innermost, so the 413 it raises while a page reads the body reaches the page's
    # error handler directly (through a BaseHTTPMiddleware it would arrive as an ExceptionGroup).
    app.add_middleware(BodyLimit, limit=settings.limits.request_bytes)

    @app.middleware("http")
    async def require_login(request: Request, call_next):
        if web.login_on and request.scope.get("type") == "http":
            path = request.url.path
            if not (path.startswith("/static/") or path in OPEN_PATHS) and not await _signed_in(web, request):
                if request.method == "GET":
                    return RedirectResponse("/login", status_code=303)
                return PlainTextResponse("Innlogging kreves.", status_code=401)
            office = web.office(request)
            OFFICE_SCOPE.set(office)
            # every page of one household, whatever its route does: another office's case (not
            # shared) answers as an id that does not exist
            parts = request.scope["path"].split("/")
            if office is not None and len(parts) > 2 and parts[1] == "husstand" and parts[2] != "ny" \
                    and not await run_in_threadpool(web.store.seen, parts[2], office):
                return web.render(request, "message.html", {"title": "Feil 404", "text": "Fant ikke siden eller husstanden."},
                                  status=404)
        return await call_next(request)

    # SameSite=Strict, except with an identity provider: its answer is a navigation from another
    # site, which must bring the cookie that holds the login's state (Lax; CSRF tokens still guard
    # every POST)
    app.add_middleware(SessionMiddleware, secret_key=secret, session_cookie="planner_session",
                       max_age=int(settings.session_max_s), same_site="lax" if settings.oidc else "strict",
                       https_only=settings.secure_cookie)
    app.add_middleware(HostOrigin, allowed_hosts=allowed_hosts(settings, web.login_on))
    app.add_middleware(SecurityHeaders)

    @app.middleware("http")
    async def privacy_log(request: Request, call_next):
        """One line per request: method, route pattern, status, milliseconds. Nothing else."""
        t0 = time.perf_counter()
        try:
            response = await call_next(request)
        except Exception as exc:  # noqa: BLE001 - the last resort: a 500, logged by type, never a traceback with values
            route = getattr(request.scope.get("route"), "path", "?")
            log.error("%s %s -> 500 (%s)", request.method, route, type(exc).__name__)
            return PlainTextResponse("Intern feil. Feilen er logget uten persondata.", status_code=500)
        route = getattr(request.scope.get("route"), "path", None)
        if route is None:
            route = "/static/…" if request.url.path.startswith("/static/") else "(ukjent)"
        log.info("%s %s -> %d (%.0f ms)", request.method, route, response.status_code,
                 (time.perf_counter() - t0) * 1000)
        return response

    # outermost: a request past the limit costs nothing but its 503
    app.add_middleware(ConcurrencyLimit, limit=settings.max_requests)

    @app.exception_handler(InvalidPlan)
    async def invalid_plan(request: Request, exc: InvalidPlan):
        # a plan that fails the schema (a planner bug) is an error page, never a plan or a 500;
        # nothing was stored (`Web.save` computes the plan before its transaction)
        from .routes.households import invalid_plan_text

        log.error("%s %s -> 422 (InvalidPlan)", request.method, getattr(request.scope.get("route"), "path", "?"))
        return web.render(request, "message.html", {"title": "Planen kan ikke vises", "text": invalid_plan_text(exc)},
                          status=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 403 and exc.detail == "csrf":
            text = ("Skjemaet ble avvist (manglende eller utløpt sikkerhetsnøkkel). "
                    "Gå tilbake, last siden på nytt og send skjemaet igjen.")
        elif exc.status_code == 404:
            text = "Fant ikke siden eller husstanden."
        else:
            text = str(exc.detail)
        return web.render(request, "message.html", {"title": f"Feil {exc.status_code}", "text": text},
                          status=exc.status_code)

    @app.get("/health")
    def health():
        return JSONResponse({"ok": True, "time": datetime.now(timezone.utc).isoformat()})

    return app


#: pages that answer without a login
OPEN_PATHS = ("/login", "/login/oidc", "/login/oidc/svar", "/health")


async def _signed_in(web: Web, request: Request) -> bool:
    """The session's server-side row is live, and: for a password login, the user is still in
    the users file with the password the session was made with; for a login through the
    identity provider, the provider is still configured. A session that is not is ended (its
    row deleted, the cookie emptied)."""
    user, sid = request.session.get("user"), request.session.get("sid")
    if request.session.get("via") == "oidc":
        current = bool(user and sid and web.settings.oidc is not None)
    else:
        encoded = web.users.get(str(user)) if user and web.users is not None else None
        current = bool(user and sid and encoded and request.session.get("cred") == credential_tag(encoded))
    if current:
        s = web.settings
        if await run_in_threadpool(web.store.session_valid, str(sid), str(user),
                                   idle_s=s.session_idle_s, max_age_s=s.session_max_s):
            return True
    if sid:
        await run_in_threadpool(web.store.session_delete, str(sid))
    if user or sid:
        request.session.clear()
    return False


__all__ = ["create_app", "Settings", "web_of"]

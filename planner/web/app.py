"""The FastAPI application behind `planner serve`.

Pages are rendered on the server (Jinja2) and work as plain HTML forms; a few lines of
JavaScript only show the schedule fields that belong to the chosen form. Safety:

* every POST carries a per-session CSRF token (kept in the signed session cookie) and is
  refused with 403 without it;
* the log names the route pattern (`/husstand/{hid}`), the method and the status, never a
  path with an id, a query string, form data or an exception text (they may hold personal data);
* with a users file (`--auth`) every page but the login requires a signed-in user.
"""

from __future__ import annotations

import hmac
import io
import json
import logging
import secrets
import threading
import time
from collections import OrderedDict
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from ..model import LEVERS, Household
from . import forms
from .store import Record, Store

log = logging.getLogger("planner.web")

STATUS_NB = {"solvent": "I orden", "planned": "Plan funnet", "infeasible": "Ingen plan"}
PROBLEM_NB = {"none": "Ingen", "timing": "Tidsproblem", "income": "Inntektsproblem"}
RECIPIENT_NB = {
    "tenant": "Leietaker", "landlord": "Utleier", "nav": "NAV", "husbanken": "Husbanken",
    "sosialtjenesten": "Sosialtjenesten", "creditor": "Kreditor",
}
SHIFT_NB = {"": "Standard for ytelsen", "before": "Virkedagen før", "after": "Virkedagen etter", "none": "Ingen flytting"}
MODE_NB = {"day": "Fast dag i måneden", "every": "Hver 14. dag fra dato", "dates": "Bestemte datoer",
           "default": "Standard for ytelsen"}
SOURCE_NB = {"form": "Skjema", "toml": "TOML-fil", "batch": "Batch-kjøring"}


class PlanCache:
    """Plans by household document: the solver is deterministic, so a plan is kept until its
    household changes (bounded; a restarted server recomputes on first view)."""

    def __init__(self, size: int = 64):
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.size = size

    def get(self, key: str):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key: str, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def _doc_key(doc: dict) -> str:
    return json.dumps(doc, sort_keys=True, ensure_ascii=False)


def letters_api():
    """`(render_letter, recipients)` from `planner.letters`, or None while it is not there."""
    try:
        from ..letters import recipients, render_letter  # type: ignore[attr-defined]
    except Exception:  # ImportError, or a half-written module: the page works without letters
        return None
    return render_letter, recipients


def _recipients(api, plan, household) -> list[str]:
    try:
        return list(api[1](plan, household))
    except TypeError:  # recipients(plan) without the household
        return list(api[1](plan))


def batch_priority(household: Household, plan) -> float | None:
    """The batch run's priority (0-100, `planner.batch.priority_parts`) for one household, so a
    household entered here sorts among those of a batch run; None if the batch module is absent."""
    try:
        from ..batch import priority_parts  # type: ignore[attr-defined]
        from ..eviction import project_household

        h = household
        request = project_household(h).request_date
        row = {
            "problem": plan.baseline.problem, "status": plan.status, "cost": plan.cost,
            "arrears_ore": h.arrears.amount if h.arrears is not None else 0,
            "eviction_request": request.isoformat() if request else "",
            "days_to_request": (request - h.start).days if request else "",
            "children": h.children, "_rent_ore": h.rent.amount,
        }
        return float(priority_parts(row)["priority"])
    except Exception:
        return None


def create_app(
    db_url: str | None = None,
    users_file: str | Path | None = None,
    secret: str | None = None,
    *,
    time_limit_s: float = 10.0,
    https_only: bool = False,
) -> FastAPI:
    """The web application. `users_file` switches the login on; `secret` signs the session
    cookie (default: `secret_for(db_url)`, from `$PLANNER_SECRET_KEY` or a file beside the DB)."""
    from .store import default_url

    from .auth import read_users
    from .secret import secret_for

    url = db_url or default_url()
    store = Store(url)
    users = read_users(users_file) if users_file else None
    secret = secret or secret_for(url)
    cache = PlanCache()
    here = resources.files("planner.web")
    templates = Jinja2Templates(directory=str(here.joinpath("templates")))
    templates.env.globals.update(
        STATUS_NB=STATUS_NB, PROBLEM_NB=PROBLEM_NB, RECIPIENT_NB=RECIPIENT_NB, SHIFT_NB=SHIFT_NB, MODE_NB=MODE_NB,
        SOURCE_NB=SOURCE_NB, kr=_kr, nbdate=_nbdate, auth_enabled=users is not None,
        actors=_actors, lever_name=_lever_name, expense_name=_expense_name, schedule=_schedule,
    )

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

    app = FastAPI(title="planner", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(csrf_check)])
    app.state.store = store
    app.state.cache = cache
    app.state.users = users
    app.mount("/static", StaticFiles(directory=str(here.joinpath("static"))), name="static")
    from .ledger import router as ledger_router  # the rent-ledger import (/reskontro)
    app.include_router(ledger_router)

    @app.middleware("http")
    async def require_login(request: Request, call_next):
        if users is not None and request.scope.get("type") == "http":
            path = request.url.path
            if not (path.startswith("/static/") or path == "/login") and not request.session.get("user"):
                if request.method == "GET":
                    return RedirectResponse("/login", status_code=303)
                return PlainTextResponse("Innlogging kreves.", status_code=401)
        return await call_next(request)

    app.add_middleware(SessionMiddleware, secret_key=secret, session_cookie="planner_session",
                       max_age=12 * 3600, same_site="strict", https_only=https_only)

    @app.middleware("http")
    async def privacy_log(request: Request, call_next):
        """One line per request: method, route pattern, status, milliseconds. Nothing else."""
        t0 = time.perf_counter()
        try:
            response = await call_next(request)
        except Exception as exc:  # never let a traceback (with values) reach the log
            route = getattr(request.scope.get("route"), "path", "?")
            log.error("%s %s -> 500 (%s)", request.method, route, type(exc).__name__)
            return PlainTextResponse("Intern feil. Feilen er logget uten persondata.", status_code=500)
        route = getattr(request.scope.get("route"), "path", None)
        if route is None:
            route = "/static/…" if request.url.path.startswith("/static/") else "(ukjent)"
        log.info("%s %s -> %d (%.0f ms)", request.method, route, response.status_code,
                 (time.perf_counter() - t0) * 1000)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 403 and exc.detail == "csrf":
            text = ("Skjemaet ble avvist (manglende eller utløpt sikkerhetsnøkkel). "
                    "Gå tilbake, last siden på nytt og send skjemaet igjen.")
        elif exc.status_code == 404:
            text = "Fant ikke siden eller husstanden."
        else:
            text = str(exc.detail)
        return render(request, "message.html", {"title": f"Feil {exc.status_code}", "text": text},
                      status=exc.status_code)

    # ------------------------------------------------------------------ helpers

    def csrf_token(request: Request) -> str:
        token = request.session.get("csrf")
        if not token:
            token = secrets.token_urlsafe(32)
            request.session["csrf"] = token
        return token

    def render(request: Request, name: str, ctx: dict, status: int = 200) -> HTMLResponse:
        ctx = {"request": request, "csrf_token": csrf_token(request), "user": request.session.get("user"),
               "flash": request.session.pop("flash", None), **ctx}
        return templates.TemplateResponse(request, name, ctx, status_code=status)

    def flash(request: Request, text: str) -> None:
        request.session["flash"] = text

    def compute(h: Household):
        from ..solver import plan as solve

        key = _doc_key(forms.household_document(h))
        p = cache.get(key)
        if p is None:
            p = solve(h, time_limit_s=time_limit_s)
            cache.put(key, p)
        return p

    def save(h: Household, source: str, replaces: str | None = None) -> None:
        p = compute(h)
        doc = forms.household_document(h)
        store.put(
            h.id, replaces=replaces, label=h.label, problem=p.baseline.problem, status=p.status,
            priority=batch_priority(h, p), min_before_ore=p.baseline.min_balance_ore,
            min_after_ore=None if p.status == "infeasible" else p.min_balance_ore, source=source,
            document=doc, plan=p.to_json(),
        )

    def load(hid: str) -> Record:
        rec = store.get(hid)
        if rec is None:
            raise HTTPException(404, "not found")
        return rec

    def household_of(rec: Record) -> Household | None:
        if rec.document is None:
            return None
        from ..io.household import household_from_dict

        return household_from_dict(rec.document, rec.id)

    def form_page(request: Request, form: forms.HouseholdForm, hid: str | None, status: int = 200):
        from ..benefits import catalogue as benefits
        from ..levers import catalogue as levers

        cat = benefits()
        return render(request, "form.html", {
            "form": form, "hid": hid,
            "income_kinds": [(k, cat.kinds[k].name) for k in sorted(cat.kinds, key=lambda k: cat.kinds[k].name)],
            "expense_kinds": [(k, e.name) for k, e in cat.expenses.items()],
            "profiles": sorted(cat.profiles),
            "levers": [(k, levers()[k]) for k in LEVERS],
            "title": f"Endre {hid}" if hid else "Ny husstand",
        }, status=status)

    # ------------------------------------------------------------------ pages

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request, q: str = "", status: str = "", problem: str = "", sort: str = "priority"):
        rows = store.search(q.strip(), status if status in STATUS_NB else "",
                            problem if problem in PROBLEM_NB else "", sort)
        return render(request, "list.html", {"rows": rows, "q": q, "status": status, "problem": problem,
                                             "sort": sort, "title": "Husstander"})

    @app.get("/husstand/ny", response_class=HTMLResponse)
    def new_form(request: Request):
        return form_page(request, forms.empty_form(), None)

    async def _post_form(request: Request, hid: str | None):
        data = await request.form()
        form = forms.form_from_post(data)
        action = str(data.get("action", "save"))
        if forms.apply_action(form, action):
            return form_page(request, form, hid)
        h = forms.validate(form)
        if h is not None and h.id != hid and store.exists(h.id):
            form.errors["id"] = "Det finnes allerede en husstand med denne ID-en."
            h = None
        if h is None:
            return form_page(request, form, hid, status=422)
        save(h, "form" if hid is None else (load(hid).source if store.exists(hid) else "form"), replaces=hid)
        flash(request, "Husstanden er lagret og planen beregnet.")
        return RedirectResponse(f"/husstand/{h.id}", status_code=303)

    @app.post("/husstand/ny")
    async def create(request: Request):
        return await _post_form(request, None)

    @app.get("/husstand/{hid}", response_class=HTMLResponse)
    def show(request: Request, hid: str):
        rec = load(hid)
        h = household_of(rec)
        ctx: dict = {"rec": rec, "h": h, "title": rec.label or rec.id, "svg": None, "plan": None,
                     "letters": [], "eviction": None, "streams": {}}
        if h is not None:
            p = compute(h)
            from ..explain import stream_name
            from ..levers import catalogue as levers
            from .charts import plan_svg

            ctx.update(plan=p, svg=plan_svg(h, p), lever_names={k: v.name for k, v in levers().items()},
                       streams={i.stream: stream_name(h, i.stream) for i in h.income},
                       plan_json=p.to_json())
            api = letters_api()
            ctx["letters_available"] = api is not None
            if api is not None:
                try:
                    ctx["letters"] = _recipients(api, p, h)
                except Exception:
                    log.warning("letters: recipients() failed (%s)", "planner.letters")
            try:
                from ..eviction import project_household

                ctx["eviction"] = project_household(h)
            except Exception:
                ctx["eviction"] = None
        else:
            ctx["plan_json"] = rec.plan
        return render(request, "household.html", ctx)

    @app.get("/husstand/{hid}/endre", response_class=HTMLResponse)
    def edit_form(request: Request, hid: str):
        rec = load(hid)
        if rec.document is None:
            raise HTTPException(409, "Husstanden kom fra en batch-kjøring uten husstandsdata; importer TOML-filen for å endre den.")
        return form_page(request, forms.form_from_document(rec.document), hid)

    @app.post("/husstand/{hid}/endre")
    async def update(request: Request, hid: str):
        load(hid)
        return await _post_form(request, hid)

    @app.post("/husstand/{hid}/slett")
    def delete(request: Request, hid: str):
        load(hid)
        store.delete(hid)
        flash(request, "Husstanden er slettet.")
        return RedirectResponse("/", status_code=303)

    @app.get("/husstand/{hid}/plan.json")
    def plan_json(hid: str):
        rec = load(hid)
        h = household_of(rec)
        doc = compute(h).to_json() if h is not None else rec.plan
        if doc is None:
            raise HTTPException(404, "not found")
        body = json.dumps(doc, ensure_ascii=False, indent=2).encode()
        return Response(body, media_type="application/json",
                        headers={"Content-Disposition": f'attachment; filename="{_ascii(rec.id)}-plan.json"'})

    @app.get("/husstand/{hid}/brev/{to}.{fmt}")
    def letter(request: Request, hid: str, to: str, fmt: str, lang: str = "nb"):
        rec = load(hid)
        h = household_of(rec)
        api = letters_api()
        if h is None or api is None or fmt not in ("pdf", "docx") or lang not in ("nb", "en"):
            raise HTTPException(404, "not found")
        p = compute(h)
        if to not in _recipients(api, p, h):
            raise HTTPException(404, "not found")
        body = api[0](h, p, to, lang=lang, fmt=fmt)
        media = "application/pdf" if fmt == "pdf" else \
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        return Response(body, media_type=media, headers={
            "Content-Disposition": f'attachment; filename="{_ascii(rec.id)}-brev-{to}.{fmt}"'})

    # ------------------------------------------------------------------ import

    @app.get("/import", response_class=HTMLResponse)
    def import_page(request: Request):
        return render(request, "import.html", {"title": "Importer", "report": None})

    @app.post("/import/toml", response_class=HTMLResponse)
    async def import_toml(request: Request):
        from .imports import import_households

        data = await request.form(max_files=5000, max_fields=5000)
        files = [(f.filename or "fil.toml", await f.read()) for f in data.getlist("files") if hasattr(f, "read")]
        report = import_households(files, save, replace=bool(data.get("replace")), exists=store.exists)
        return render(request, "import.html", {"title": "Importer", "report": report},
                      status=200 if report.ok else 422)

    @app.post("/import/batch", response_class=HTMLResponse)
    async def import_batch(request: Request):
        from .imports import import_batch_files

        data = await request.form(max_files=5000, max_fields=5000)
        files = [(f.filename or "fil", await f.read()) for f in data.getlist("files") if hasattr(f, "read")]
        report = import_batch_files(files, store)
        return render(request, "import.html", {"title": "Importer", "report": report},
                      status=200 if report.ok else 422)

    # ------------------------------------------------------------------ login

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request):
        if users is None:
            return RedirectResponse("/", status_code=303)
        return render(request, "login.html", {"title": "Logg inn", "error": None})

    @app.post("/login", response_class=HTMLResponse)
    async def login(request: Request):
        from .auth import verify_password

        if users is None:
            return RedirectResponse("/", status_code=303)
        data = await request.form()
        name, password = str(data.get("username", "")), str(data.get("password", ""))
        encoded = users.get(name)
        ok = verify_password(password, encoded) if encoded else (verify_password(password, _DUMMY) and False)
        if not ok:
            log.info("login refused")
            return render(request, "login.html", {"title": "Logg inn", "error": "Feil brukernavn eller passord."},
                          status=401)
        request.session.clear()
        request.session["user"] = name
        request.session["csrf"] = secrets.token_urlsafe(32)
        return RedirectResponse("/", status_code=303)

    @app.post("/logout")
    def logout(request: Request):
        request.session.clear()
        return RedirectResponse("/login" if users is not None else "/", status_code=303)

    @app.get("/health")
    def health():
        return JSONResponse({"ok": True, "time": datetime.now(timezone.utc).isoformat()})

    return app


_DUMMY = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


def _ascii(text: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in text)


def _kr(ore: int | None) -> str:
    from ..money import format_kr

    return "–" if ore is None else format_kr(ore).replace(" ", "\u00a0")


def _nbdate(value) -> str:
    from datetime import date

    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        return value.astimezone().strftime("%d.%m.%Y %H:%M")
    return value.strftime("%d.%m.%Y")


def _actors(actors) -> str:
    from ..explain import actors_text

    return actors_text(actors)


def _lever_name(key: str) -> str:
    from ..levers import catalogue

    cat = catalogue()
    return cat[key].name if key in cat else ("Startbuffer" if "buffer" in key else key)


def _expense_name(e) -> str:
    from ..benefits import catalogue

    kinds = catalogue().expenses
    name = kinds[e.kind].name if e.kind in kinds else e.kind
    return f"{name} ({e.name})" if e.name else name


def _schedule(item) -> str:
    """When a stream is paid, in words: 'den 10. hver måned', 'hver 14. dag fra 14.01.2026'."""
    if item.dates:
        return ", ".join(d.strftime("%d.%m.%Y") for d in item.dates)
    if item.every_days is not None or item.first is not None:
        n = item.every_days or 14
        first = f" fra {item.first.strftime('%d.%m.%Y')}" if item.first else ""
        return f"hver {n}. dag{first}"
    if item.day is not None:
        return f"den {item.day}. hver måned"
    return "standard for ytelsen"

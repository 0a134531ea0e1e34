"""What every page of the web application shares: the settings, the store, the plan cache,
the worker pool, the users and the login throttle, and rendering with the CSRF token.

One `Web` object lives in `app.state.web`; the routers (`planner/web/routes/`) get it with
`web_of(request)`.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ..model import Household
from . import forms, solving
from .auth import ADMIN, Users
from .casestore import TaskDates
from .limits import Limits
from .oidc import OidcConfig
from .pool import SolverProcesses, WorkerPool, committing
from .store import Record, Store
from .throttle import DbCounts, LoginThrottle

log = logging.getLogger("planner.web")

#: the office (bydel) of the user the current request is for (None: every office), set by the
#: login middleware (`app.require_login`), so that `Web.load` refuses another office's case on
#: every page that opens one, whatever its route
OFFICE_SCOPE: ContextVar[str | None] = ContextVar("planner_office_scope", default=None)


@dataclass(frozen=True)
class Settings:
    """The server's knobs (`planner serve` options; README "Safety and limits")."""

    #: seconds per solver phase for each plan (`--time-limit`)
    time_limit_s: float = 10.0
    #: seconds a request may wait for its solver/scrypt job, queue included (`--request-time-limit`)
    request_time_limit_s: float = 60.0
    #: solver processes (plans and charts: CPU-bound, one core each)
    workers: int = 2
    #: threads in the worker pool: most of their time they wait for a solver process or the
    #: database, so more of them than processes, or a page whose plan is made already would
    #: queue behind the what-ifs waiting for a solver
    threads: int = 8
    #: requests answered at once by this process; one more gets 503 (`security.ConcurrencyLimit`)
    max_requests: int = 200
    #: seconds a plan may take in its solver process before the process is killed (and
    #: replaced) and the page says so; None: the request's limit (`request_time_limit_s`)
    plan_limit_s: float | None = None
    #: start the solver processes and load everything a page needs before the server says it
    #: is ready (`planner serve`); off, the processes start on the first plan (tests)
    warm_up: bool = False
    limits: Limits = field(default_factory=Limits)
    #: a login session ends after this long without a request, and after `session_max_s` in any case
    session_idle_s: float = 3600.0
    session_max_s: float = 12 * 3600.0
    #: failed logins in a row before the waiting starts: per user name, per client address
    login_free_per_user: int = 5
    login_free_per_address: int = 20
    #: office login through the kommune's identity provider (`--oidc FILE`; `planner.web.oidc`)
    oidc: OidcConfig | None = None
    #: mark the session cookie Secure (`--secure-cookie`, behind a TLS proxy)
    secure_cookie: bool = False
    #: the `--host` the server listens on (answered as Host, besides the loopback names)
    host: str | None = None
    #: more names the page answers to as Host (`--allowed-host`): with `--auth`, the names users
    #: type (e.g. planner.kommune.no); none given with `--auth`: any Host (the server says so)
    allowed_hosts: tuple[str, ...] = ()
    #: days after a case's outcome date its case record and letters are erased (`--retention-days`)
    retention_days: int = 365
    #: days a deleted household stays in the bin before it is erased for good (`--bin-days`)
    bin_days: int = 30
    #: run the retention sweep when the server starts
    sweep_on_start: bool = True


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


def batch_priority(household: Household, plan) -> float:
    """The batch run's priority (0-100, `planner.priority`) for one household and its assessed
    plan, so a household entered here sorts among those of a batch run."""
    from ..priority import PriorityInput, priority_parts

    return float(priority_parts(PriorityInput.from_plan(household, plan))["priority"])


def list_columns(h: Household, plan) -> dict:
    """What the household list shows besides status: the date an eviction request would come if
    nothing is done, the monthly shortfall (and whether it is only an upper bound) and who must act."""
    projection = plan.if_nothing_done  # projected once, with the plan (planner.assessment)
    request = projection.request_date if projection is not None else None
    sf = plan.shortfall if plan.status == "infeasible" else None
    return dict(eviction_request=request,
                shortfall_monthly_ore=sf.monthly_ore if sf is not None else None,
                shortfall_bound=(not plan.optimal) if sf is not None else None,
                actors="; ".join(sorted({a for i in plan.interventions for a in i.actors})) or None)


def plan_requests(h: Household, plan) -> list[TaskDates]:
    """Per intervention, the follow-up task's dates (`CaseStore.sync_tasks`): the last day to ask
    (the intervention's `request_by`), the day the change takes effect (its `effective_from`,
    else the first date the letters name) and who is asked (`planner.letters.requests`). The
    task is due on the first: the day the change takes effect is too late to ask (issue 21)."""
    from ..letters import requests

    return [(i.request_by, i.effective_from or first, who)
            for i, (first, who) in zip(plan.interventions, requests(h, plan))]


#: The household page shows the best plan and up to two alternatives (issue 14).
WEB_ALTERNATIVES = 3


class Web:
    def __init__(self, store: Store, users: Users | None, templates: Jinja2Templates, settings: Settings,
                 secret: str = ""):
        self.store = store
        self.users = users
        self.templates = templates
        self.settings = settings
        self.cache = PlanCache()
        self.charts = PlanCache()
        self.pool = WorkerPool(settings.threads, settings.request_time_limit_s)
        # the forkserver imports the engine, OR-Tools and matplotlib once, so a worker (a fresh
        # one after a kill, or each test's) starts in milliseconds; `warm_up` also has each
        # worker solve and draw once before it takes work (lazy imports, native libraries, fonts)
        self.solver = SolverProcesses(settings.workers, warm=solving.warm if settings.warm_up else None,
                                      preload=solving.PRELOAD)
        self.oidc_client: Any = None  # authlib's client, made at the first OIDC login (`routes/oidc.py`)
        # the counts in the database: every server process on it shares them (`throttle.py`)
        self.login_throttle = LoginThrottle(settings.login_free_per_user, settings.login_free_per_address,
                                            counts=DbCounts(store.engine, secret))

    # ------------------------------------------------------------------ pages

    @staticmethod
    def csrf_token(request: Request) -> str:
        token = request.session.get("csrf")
        if not token:
            token = secrets.token_urlsafe(32)
            request.session["csrf"] = token
        return token

    def render(self, request: Request, name: str, ctx: dict, status: int = 200) -> HTMLResponse:
        ctx = {"request": request, "csrf_token": self.csrf_token(request), "user": request.session.get("user"),
               "is_admin": self.is_admin(request),
               "flash": request.session.pop("flash", None), **ctx}
        return self.templates.TemplateResponse(request, name, ctx, status_code=status)

    @staticmethod
    def flash(request: Request, text: str) -> None:
        request.session["flash"] = text

    def load(self, hid: str) -> Record:
        """The stored household, or 404: unknown, in the bin, or another office's (not shared)."""
        rec = self.store.get(hid)
        office = OFFICE_SCOPE.get()
        if rec is None or rec.deleted is not None or \
                (office is not None and rec.office not in (None, office) and not rec.shared):
            raise HTTPException(404, "not found")
        return rec

    def visible(self, request: Request) -> Callable[[str], bool]:
        """Whether the signed-in user sees household `hid` (for lists of tasks, letters, cases)."""
        ids = self.store.visible_ids(self.office(request))
        return (lambda hid: True) if ids is None else ids.__contains__

    # ------------------------------------------------------------------ work for the pool

    def compute(self, h: Household, allow: tuple[str, ...] = (), forbid: tuple[str, ...] = (), *,
                robust: bool | None = None):
        """The plan of `h` with its alternatives (cached; `allow`/`forbid`: what-if levers),
        checked against the plan schema (`InvalidPlan` if it fails). Solved in a solver process
        (`PlanStopped` past the plan's time limit). Slow: call it in the worker pool.

        `robust` True: the plan that holds when payouts come as late as each stream may; False:
        the plan for payouts on their days. None, the page's rule (the plan stored, shown, put
        in letters and tasks): the robust plan, except for a household without a problem on
        its days, which gets no intervention it did not ask for: then the on-time plan, and the
        page offers the robust one with the reason (`routes.households.plan_context`)."""
        return self._plan(dated(h), tuple(allow), tuple(forbid), False, robust)[0]

    def chart(self, h: Household, allow: tuple[str, ...] = (), forbid: tuple[str, ...] = (), *,
              robust: bool | None = None) -> str:
        """The balance chart (SVG) of `compute(h, allow, forbid, robust=robust)`, drawn in a
        solver process (matplotlib holds the GIL the event loop needs) and kept with the plan; a
        plan not yet solved is solved and drawn in one trip to the process."""
        svg = self._plan(dated(h), tuple(allow), tuple(forbid), True, robust)[1]
        assert svg is not None
        return svg

    def _plan(self, h: Household, allow: tuple[str, ...], forbid: tuple[str, ...], with_chart: bool,
              robust: bool | None):
        from ..io.plan_schema import check_plan

        if robust is None:  # the page's rule (`compute`), decided on the robust plan alone
            first, _ = self._plan(h, allow, forbid, False, True)
            robust = not (unasked(first) and any(i.late for i in h.income))
        key = self.plan_key(h, allow, forbid, robust)
        p, svg = self.cache.get(key), self.charts.get(key)
        if p is not None and (svg is not None or not with_chart):
            return p, svg
        if p is None:
            aligned = self.aligned(h)
            options = dict(time_limit_s=self.settings.time_limit_s, as_of=h.as_of, horizon_note=aligned.note,
                           alternatives=WEB_ALTERNATIVES, on_time=not robust)
            if with_chart:
                p, svg = self.solver.call(self.plan_limit_s, solving.solve_and_draw, aligned.household, h, allow,
                                          forbid, options)
            else:
                p = self.solver.call(self.plan_limit_s, solving.solve, aligned.household, allow, forbid, options)
            # a plan that breaks the contract is never shown, stored or put in a letter (issue 21):
            # `InvalidPlan` becomes an error on the page (`routes.households`, `app`)
            check_plan(p.to_json())
            self.cache.put(key, p)
        else:
            svg = self.solver.call(self.plan_limit_s, solving.draw, h, p)
        if svg is not None:
            self.charts.put(key, svg)
        return p, svg

    @property
    def plan_limit_s(self) -> float:
        s = self.settings
        return s.plan_limit_s if s.plan_limit_s is not None else s.request_time_limit_s

    @staticmethod
    def plan_key(h: Household, allow: tuple[str, ...] | list[str], forbid: tuple[str, ...] | list[str],
                 robust: bool = True) -> str:
        """The cache key of a plan: the household document and the levers it may use. The
        solver reads `allow`/`forbid` only through `levers.resolve` (`LeverConfig.allowed`), so
        the key holds the allowed set they resolve to: a what-if whose ticked levers are the
        household's own reuses the plan already solved instead of solving again."""
        from ..levers import resolve

        allowed = sorted(resolve(h, allow, forbid).allowed)
        return json.dumps([forms.household_document(h), allowed, robust], sort_keys=True, ensure_ascii=False)

    def warm_up(self, beside: Callable[[Web, Any], None] | None = None) -> None:
        """Load before the server says it is ready what the first page would otherwise load:
        the solver processes (each warmed by a tiny plan and chart), every template compiled,
        the bank holidays of the years around today, and the household page's path in this
        process (plan schema, explanation, letters) for a tiny household; beside them, in a
        thread, `beside(web, today)` (the app passes the Statistikk page's warm-up: this half-year
        and the one before; a route module is the app's to know, not this one's)."""
        from ..calendar import bank_holidays
        from ..explain import asks_text, compare_plans, robust_text
        from ..letters import recipients

        statistics = threading.Thread(target=beside or (lambda web, day: None), args=(self, today()),
                                      name="planner-statistics-warm-up")
        statistics.start()  # mostly while this thread waits for the solver processes to warm up
        self.solver.start(wait=True)
        for name in self.templates.env.list_templates(filter_func=lambda n: n.endswith(".html")):
            self.templates.get_template(name)
        year = today().year
        for y in range(year - 2, year + 4):
            bank_holidays(y)
        h = solving.warm_household()
        p = self.compute(h)  # the household page's path (`routes.households.plan_context`)
        self.chart(h)
        asks_text(p), robust_text(p, h), compare_plans(p), recipients(p, h)
        statistics.join()

    @staticmethod
    def aligned(h: Household):
        """`h` as planned on its own as-of date (the form's "per dato"): truncated when its
        horizon began before, `HorizonPassed` when it lies wholly before (the page offers
        to roll it forward)."""
        from ..asof import align

        h = dated(h)
        return align(h, h.as_of)

    def values_for(self, h: Household, source: str) -> dict:
        """The stored columns of `h` with its plan. Slow: call it in the worker pool."""
        p = self.compute(h)
        return dict(
            label=h.label, problem=p.baseline.problem, status=p.status, priority=batch_priority(h, p),
            min_before_ore=p.baseline.min_balance_ore,
            min_after_ore=None if p.status == "infeasible" else p.min_balance_ore, source=source,
            document=forms.household_document(h), plan=p.to_json(), **list_columns(h, p),
        )

    def save(self, h: Household, source: str, *, replaces: str | None = None,
             expect_version: int | None = None, by: str | None = None, note: str | None = None,
             office: str | None = None) -> int:
        """Plan and store `h` as a new version, and make its follow-up tasks those of the new
        plan, in one transaction; `StaleVersion` if the stored household moved past
        `expect_version`."""
        values = self.values_for(h, source)
        due = plan_requests(h, self.compute(h))
        with committing(), self.store.transaction() as conn:
            version = self.store.put(h.id, replaces=replaces, expect_version=expect_version, conn=conn, by=by,
                                     note=note, office=office, **values)
            self.store.case.sync_tasks(h.id, version, values["plan"], due, by, conn=conn)
            return version

    def user(self, request: Request) -> str:
        """The signed-in user; without `--auth` (loopback only) the person at this machine, "lokal"."""
        return str(request.session.get("user") or "lokal")

    @property
    def login_on(self) -> bool:
        """Whether pages need a signed-in user: a users file (`--auth`), an identity provider
        (`--oidc`), or both."""
        return self.users is not None or self.settings.oidc is not None

    def is_admin(self, request: Request) -> bool:
        """An administrator: role `admin` in the users file, or from the identity provider's
        claims at login (`planner.web.oidc`); without a login the one person at this machine is."""
        if not self.login_on:
            return True
        if request.session.get("via") == "oidc":
            return request.session.get("role") == ADMIN
        return self.users is not None and self.users.role(self.user(request)) == ADMIN

    def office(self, request: Request) -> str | None:
        """The signed-in user's office (bydel): the cases she sees are that office's and those
        shared with all. None: she sees every case (no office in the users file or from the
        provider, or no login)."""
        if not self.login_on:
            return None
        if request.session.get("via") == "oidc":
            office = request.session.get("office")
            return str(office) if office else None
        return self.users.office(self.user(request)) if self.users is not None else None

    def require_admin(self, request: Request) -> None:
        if not self.is_admin(request):
            raise HTTPException(403, "Bare en administrator kan gjøre dette. Spør en administrator hos kontoret.")


def web_of(request: Request) -> Web:
    return request.app.state.web


def household_of(rec: Record) -> Household | None:
    """The stored household document as a `Household` (None for a batch-only record)."""
    if rec.document is None:
        return None
    from ..io.errors import InputError
    from ..io.household import household_from_dict

    try:
        return dated(household_from_dict(rec.document, rec.id))
    except InputError:  # stored by an older version under other rules: show what can be shown
        return None


def unasked(p) -> bool:
    """Whether plan `p` asks for interventions its household does not need on its days: the
    balance never dips with payouts on their days (diagnosis "none"), yet the plan asks for
    something other than repaying arrears, only so that it holds when payouts come late."""
    return p.baseline.problem == "none" and any(i.lever != "repayment_plan" for i in p.interventions)


def today():
    """The web page's today (its "per dato" default): `planner.asof.today`, looked up at call
    time so a test that fakes that one function fakes the whole page's calendar."""
    from .. import asof

    return asof.today()


def dated(h: Household) -> Household:
    """`h` with an as-of date: its own, else today. Every plan the page makes has one, so a
    household imported, edited or drafted without a "per dato" is never planned from its
    file's first day as if that day were today (issue 21)."""
    return h if h.as_of is not None else h.model_copy(update={"as_of": today()})


def past_start(h: Household) -> str | None:
    """Why the page makes no letters from the plan of `h`, or None: the plan starts before
    today (made per an earlier day, for a horizon that starts before today). A household whose
    period began earlier but is planned per today starts today, what remains of its horizon,
    and gets its letters. A plan from a past day has an opening balance not known to be
    today's, so a letter from it would ask for changes on dates the tenant's account may not
    bear. The way forward is the «Rull fram» button (as `planner plan --as-of TODAY
    --roll-forward`)."""
    from ..formatting import nb_date

    day = today()
    h = dated(h)
    assert h.as_of is not None
    start = max(h.start, h.as_of)  # the plan's first day (the horizon is cut at the per-dato day)
    if start >= day:
        return None
    return (f"Planen er laget per {nb_date(h.as_of)} og begynner {nb_date(start)}, før i dag ({nb_date(day)}). "
            "Brev lages ikke fra en plan som begynner før i dag. Rull planen fram fra i dag (knappen "
            "«Rull fram»: like mange måneder fra i dag), kontroller saldoen i dag (Endre), og lag brevene "
            "for den nye planen.")


_VERSION = re.compile(r"^\d{1,9}$")


def posted_version(data) -> int | None:
    """The household version a form was based on (hidden field `version`), or None."""
    text = str(data.get("version", "") or "").strip()
    return int(text) if _VERSION.match(text) else None

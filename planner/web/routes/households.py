"""The household pages: the list, the form (new and edit), one household, its plan JSON and
letters, and delete. Solving and drawing run in the worker pool (`Web.pool`); a save names the
version it was based on and is refused if someone else saved the household meanwhile."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ...formatting import nb_date
from ...model import LEVERS, Household
from .. import forms
from ..core import Web, household_of, past_start, posted_version, today, web_of
from ..pages import PROBLEM_NB, STATUS_NB, ascii_name
from ..planfollow import case_view
from ..store import Record, StaleVersion

router = APIRouter()

STALE = ("Husstanden er endret av noen andre etter at du åpnet den. Lagringen er avvist, slik at ingen "
         "endringer går tapt. Åpne husstanden på nytt (i en ny fane), og før inn endringene dine der.")


def form_page(web: Web, request: Request, form: forms.HouseholdForm, hid: str | None, version: int | None,
              status: int = 200):
    from ...benefits import catalogue as benefits
    from ...levers import catalogue as levers
    from ...levers import nav_requested_kinds
    from ..standard import horizon_end, standard_days_all

    cat = benefits()
    forms.offer_streams(form)
    start, months, profile = forms.horizon(form)
    return web.render(request, "form.html", {
        "form": form, "hid": hid, "version": version,
        "standard": standard_days_all(start, months, profile), "nav_paid": sorted(nav_requested_kinds()),
        "period": (start, horizon_end(start, months)), "blank_row": forms.blank_row(),
        "income_kinds": [(k, cat.kinds[k].name) for k in sorted(cat.kinds, key=lambda k: cat.kinds[k].name)],
        "expense_kinds": [(k, e.name) for k, e in cat.expenses.items()],
        "profiles": sorted(cat.profiles),
        "levers": [(k, levers()[k]) for k in LEVERS], "lever_settings": forms.LEVER_SETTINGS,
        "title": f"Endre {hid}" if hid else "Ny husstand",
    }, status=status)


@router.get("/", response_class=HTMLResponse)
def index(request: Request, q: str = "", status: str = "", problem: str = "", sort: str = "priority",
          dato: str = "", sak: str = ""):
    """The list, and above it "Oppfølging": the tasks due within two weeks of `dato` (dd.mm.åååå
    or ÅÅÅÅ-MM-DD; default today, read here at the edge, never in the store)."""
    from ..casework import parse_day

    web = web_of(request)
    as_of = parse_day(dato) or today()
    rows = web.store.search(q.strip()[:200], status if status in STATUS_NB else "",
                            problem if problem in PROBLEM_NB else "", sort, office=web.office(request))
    if sak in ("open", "closed"):  # closed: the case has an outcome (løst, betalt, ...)
        rows = [r for r in rows if (r.outcome is None) == (sak == "open")]
    seen = web.visible(request)
    due = [d for d in web.store.case.due_tasks(as_of) if seen(d[0].household_id)]
    return web.render(request, "list.html", {"rows": rows, "q": q, "status": status, "problem": problem,
                                             "sort": sort, "title": "Husstander", "due": due, "as_of": as_of,
                                             "dato": dato, "sak": sak})


@router.get("/husstand/ny", response_class=HTMLResponse)
def new_form(request: Request):
    return form_page(web_of(request), request, forms.empty_form(), None, None)


async def _post_form(request: Request, hid: str | None):
    web = web_of(request)
    data = await request.form()
    form = forms.form_from_post(data)
    forms.date_form(form, today())  # a "per dato" left empty is today: never a plan from the start date
    version = posted_version(data)
    action = str(data.get("action", "save"))
    if forms.apply_action(form, action):
        return form_page(web, request, form, hid, version)
    h = forms.validate(form)
    if h is not None and h.id != hid and web.store.exists(h.id):
        form.errors["id"] = "Det finnes allerede en husstand med denne ID-en (se også papirkurven)."
        h = None
    if h is None:
        return form_page(web, request, form, hid, version, status=422)
    source = "form"
    if hid is not None:
        rec = web.store.get(hid)
        if rec is None or version is None:
            form.general.append(STALE)
            return form_page(web, request, form, hid, version, status=409)
        source = rec.source
    try:
        await web.pool.run(web.save, h, source, replaces=hid, expect_version=version if hid else 0,
                           by=web.user(request), office=web.office(request))
    except StaleVersion:
        if hid is None:  # someone stored this id since the check above
            form.errors["id"] = "Det finnes allerede en husstand med denne ID-en."
        else:
            form.general.append(STALE)
        return form_page(web, request, form, hid, version, status=409)
    web.flash(request, "Husstanden er lagret og planen beregnet.")
    return RedirectResponse(f"/husstand/{h.id}", status_code=303)


@router.post("/husstand/ny")
async def create(request: Request):
    return await _post_form(request, None)


def plan_context(web: Web, h: Household, allow: Sequence[str] = (), forbid: Sequence[str] = (),
                 robust: bool = False) -> dict:
    """The plan part of the household page (`_plan_view.html`) for `h`: the plan with its
    alternatives, the chart, the comparison and the explanation. Slow: runs in the worker pool.

    `robust`: the caseworker asked for the plan that holds when payouts come late, also for a
    household without a problem on its days (which otherwise gets no intervention: `Web.compute`)."""
    from ...explain import asks_text, compare_plans, robust_text, stream_name
    from ...levers import catalogue as levers
    from ...levers import resolve
    asked = True if robust else None
    p = web.compute(h, tuple(allow), tuple(forbid), robust=asked)
    lates = robust_or_on_time(web, h, tuple(allow), tuple(forbid), p, robust)
    cfg = resolve(h, allow, forbid)
    shown, same = distinct_alternatives(p)
    plan_json = p.to_json()
    if "alternatives" in plan_json:
        plan_json["alternatives"] = [a.to_json() for a in shown.alternatives]
    return dict(plan=p, svg=web.chart(h, tuple(allow), tuple(forbid), robust=asked), lever_names={k: v.name for k, v in levers().items()},
                streams={i.stream: stream_name(h, i.stream) for i in h.income}, plan_json=plan_json,
                asks=asks_text(p), robust=robust_text(p, h), same_plans=same,
                compare=compare_plans(shown) if shown.alternatives else None,
                eviction=p.if_nothing_done,  # projected once, with the plan (planner.assessment)
                allowed={k for k in LEVERS if cfg.allows(k)}, whatif_h=h, if_granted=granted_json(web, h, allow, forbid), **lates)


def robust_or_on_time(web: Web, h: Household, allow: tuple[str, ...], forbid: tuple[str, ...], shown,
                      asked: bool) -> dict:
    """The robust and the on-time plan side by side (`late_compare`), when some payout may come
    late (else they are one plan); `robust_offer`: the page showed the on-time plan because the
    household has no problem on its days, and offers the robust one with `robust_reason`;
    `robust_asked`: the caseworker asked for it, and `robust_reason` says why it asks more."""
    from ...explain import compare_plans, robust_text
    from ..core import unasked

    if not any(i.late for i in h.income) or shown.status == "infeasible":
        return {"late_compare": None, "robust_offer": False, "robust_asked": False, "robust_reason": ""}
    robust_p = web.compute(h, allow, forbid, robust=True)
    on_time = web.compute(h, allow, forbid, robust=False)
    _, same = distinct_alternatives(dataclasses.replace(robust_p, alternatives=(on_time,)))
    _, rows = compare_plans(dataclasses.replace(robust_p, alternatives=(on_time,)))
    # one plan either way: a sentence, not two equal columns
    names = [] if same else ["Tåler sene utbetalinger", "Utbetalinger på dagen"]
    offer = not asked and unasked(robust_p)
    reason = ""
    if offer or (asked and unasked(robust_p)):
        reason = ("Med utbetalingene på dagen holder saldoen seg over grensen hver dag, så planen foreslår ingen "
                  f"tiltak. {robust_text(on_time, h)}")
    return {"late_compare": (names, rows), "robust_offer": offer, "robust_asked": asked and unasked(robust_p),
            "robust_reason": reason}


def granted_json(web: Web, h: Household, allow: Sequence[str] = (), forbid: Sequence[str] = ()) -> dict | None:
    """The plan "if granted" beside the plan (`_if_granted.html`, the contract's `if_granted`):
    `h` planned as if a bostøtte application were confirmed, when the estimate says it may be
    owed bostøtte it has not applied for; None otherwise."""
    from ...entitlement import if_granted_plan
    from ...solver import SolverTimeout

    def solve(g: Household):
        try:
            return web.compute(g, tuple(allow), tuple(forbid))
        except SolverTimeout:
            return None

    if "sok_bostotte" in forbid:  # the what-if forbids the lever: no plan can show it granted
        return None
    aligned = web.aligned(h).household
    g = if_granted_plan(aligned, aligned.as_of or aligned.start, solve)
    return None if g is None else g.to_json()


def distinct_alternatives(p):
    """The plan with only the alternatives that ask for something else (other levers or other
    parameters) than the plan and the alternatives before them, and the names of the criteria
    whose plan was the same: two columns of one plan side by side compare nothing."""
    import dataclasses
    import json

    from ...explain import CRITERION_NB

    def key(x) -> str:
        return json.dumps([(i.lever, i.params.to_json()) for i in x.interventions], sort_keys=True)

    seen, keep, same = {key(p)}, [], []
    for a in p.alternatives:
        k = key(a)
        if k in seen:
            same.append(CRITERION_NB.get(a.criterion, a.criterion))
        else:
            seen.add(k)
            keep.append(a)
    return dataclasses.replace(p, alternatives=tuple(keep)), same


def invalid_plan_text(exc: Exception) -> str:
    """What the page says instead of a plan that fails the plan schema (`InvalidPlan`)."""
    problem = getattr(exc, "problem", None)
    where = f" ved {problem.path}" if problem is not None and problem.path else ""
    why = f": {problem.message}" if problem is not None else ""
    return (f"Planen kan ikke vises: den bryter planformatet (docs/plan.schema.json){where}{why}. "
            "Dette er en feil i planleggeren, ikke i husstandens opplysninger; meld feilen. "
            "Ingen brev eller oppfølgingsoppgaver er laget fra denne planen.")


def page_context(web: Web, rec: Record, robust: bool = False) -> dict:
    """Everything the household page shows. Slow (plan, chart): runs in the worker pool.
    `robust`: the caseworker asked for the plan that holds when payouts come late."""
    from ...io.plan_schema import plan_problem

    h = household_of(rec)  # dated: its own "per dato", else today
    ctx: dict = {"rec": rec, "h": h, "title": rec.label or rec.id, "svg": None, "plan": None,
                 "letters": [], "eviction": None, "streams": {}, "whatif": None, "whatif_errors": []}
    if h is None:
        # a batch plan was checked against the schema on import; an older row may not be
        ctx["plan_json"] = rec.plan if rec.plan is not None and plan_problem(rec.plan) is None else None
        return ctx
    from ...asof import HorizonPassed
    from ...io.plan_schema import InvalidPlan

    try:
        ctx.update(plan_context(web, h, robust=robust))
    except InvalidPlan as exc:
        # the page without the plan: the error, and the what-if form to try another way
        from ...explain import stream_name
        from ...levers import catalogue as levers
        from ...levers import resolve

        cfg = resolve(h)
        ctx.update(plan_error=invalid_plan_text(exc), lever_names={k: v.name for k, v in levers().items()},
                   streams={i.stream: stream_name(h, i.stream) for i in h.income},
                   allowed={k for k in LEVERS if cfg.allows(k)}, whatif_h=h)
        return ctx
    except HorizonPassed:
        ctx["passed"] = (f"Perioden {nb_date(h.start)}–{nb_date(h.end)} ligger før per-datoen "
                         f"{nb_date(h.as_of)}; det er ingenting igjen å planlegge. Rull planen fram fra i dag "
                         "(knappen «Rull fram»): like mange måneder, 14-dagersrytmer videre fra sine datoer.")
        return ctx
    from ...letters import recipients

    ctx["letters_available"] = True
    ctx["letters"] = recipients(ctx["plan"], h)
    ctx["past_start"] = past_start(h)  # shown above the plan; the letters are refused
    return ctx


@router.get("/husstand/{hid}", response_class=HTMLResponse)
async def show(request: Request, hid: str, robust: str = ""):
    web = web_of(request)
    rec = web.load(hid)
    ctx = await web.pool.run(page_context, web, rec, robust == "1")
    ctx.update(tasks=web.store.case.tasks(hid), sent=web.store.case.letters(hid),
               has_record=bool(web.store.case.record(hid)), kept=case_view(web.store, hid))
    return web.render(request, "household.html", ctx)


@router.get("/husstand/{hid}/endre", response_class=HTMLResponse)
def edit_form(request: Request, hid: str):
    web = web_of(request)
    rec = web.load(hid)
    if rec.document is None:
        raise HTTPException(409, "Husstanden kom fra en batch-kjøring uten husstandsdata; importer TOML-filen for å endre den.")
    form = forms.form_from_document(rec.document)
    forms.date_form(form, today())  # e.g. a batch household, stored without one
    return form_page(web, request, form, hid, rec.version)


@router.post("/husstand/{hid}/endre")
async def update(request: Request, hid: str):
    web_of(request).load(hid)
    return await _post_form(request, hid)


@router.post("/husstand/{hid}/rull-fram")
async def roll_forward(request: Request, hid: str):
    """Re-plan the household from today for the same number of months (`planner plan
    --roll-forward`): stored as a new version, the balance kept as the balance today."""
    from ...asof import roll_forward as rolled
    from ..casework import parse_day

    web = web_of(request)
    rec = web.load(hid)
    h = household_of(rec)
    if h is None:
        raise HTTPException(409, "Husstanden har ingen husstandsdata (bare en batch-plan).")
    data = await request.form()
    version = posted_version(data)
    day = parse_day(str(data.get("as_of", ""))) or today()  # the clock, read at the edge
    try:
        await web.pool.run(web.save, rolled(h, day), rec.source, replaces=hid, expect_version=version,
                           by=web.user(request), note="rullet fram")
    except StaleVersion:
        raise HTTPException(409, "Husstanden er endret av noen andre; åpne den på nytt.") from None
    web.flash(request, "Planen er rullet fram fra i dag. Kontroller saldoen per dato.")
    return RedirectResponse(f"/husstand/{hid}", status_code=303)


@router.post("/husstand/{hid}/slett")
async def delete(request: Request, hid: str):
    web = web_of(request)
    web.load(hid)
    version = posted_version(await request.form())
    try:
        web.store.delete(hid, expect_version=version, by=web.user(request))
    except StaleVersion:
        raise HTTPException(409, "Husstanden er endret av noen andre etter at du åpnet den, og er ikke slettet. "
                                 "Åpne den på nytt og se over endringene før du sletter.") from None
    web.flash(request, "Husstanden er lagt i papirkurven. Den kan gjenopprettes derfra.")
    return RedirectResponse("/", status_code=303)


def _plan_document(web: Web, rec: Record) -> dict | None:
    h = household_of(rec)
    if h is None:
        return rec.plan
    doc = web.compute(h).to_json()
    granted = granted_json(web, h)  # the plan "if granted" travels with the plan, as in the CLI's JSON
    return doc if granted is None else {**doc, "if_granted": granted}


@router.get("/husstand/{hid}/plan.json")
async def plan_json(request: Request, hid: str):
    web = web_of(request)
    rec = web.load(hid)
    doc = await web.pool.run(_plan_document, web, rec)
    if doc is None:
        raise HTTPException(404, "not found")
    body = json.dumps(doc, ensure_ascii=False, indent=2).encode()
    return Response(body, media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{ascii_name(rec.id)}-plan.json"'})

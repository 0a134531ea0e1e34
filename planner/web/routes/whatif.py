"""What-if on the household page: change an amount, a day, the start (as-of) date or the
allowed levers, and see the diagnosis, the plan, its alternatives and the chart for the changed
household, without saving anything.

Progressive enhancement: the what-if form is a plain GET form that returns the whole household
page with the changed figures (it works without JavaScript, and the address can be bookmarked);
`static/whatif.js` sends the same query with `fragment=1` by fetch and swaps in only the plan
part (`_plan_view.html`), so the page updates in place. GET, because nothing is changed: no
CSRF token is needed and no version is written."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ...model import LEVERS, Household
from ..core import Web, household_of, web_of
from ..forms import household_document, iso_date
from ..planfollow import case_view

router = APIRouter()

#: The household's fields the what-if form offers (per row: amount and day).
ROW_GROUPS = (("income", "inntekt"), ("expense", "utgift"))


def _changed(h: Household, q: Mapping[str, str]) -> tuple[dict, list[str], list[str]]:
    """The household document with the query's changes, and the levers allowed and forbidden."""
    doc = household_document(h)
    if (start := q.get("start", "").strip()):
        doc["start"] = iso_date(start)
    if (as_of := q.get("as_of", "").strip()):
        doc["as_of"] = iso_date(as_of)  # the plan is made on this day (issue 11): lead times count from it
    for group, key in ROW_GROUPS:
        for i, item in enumerate(doc.get(group, [])):
            if (amount := q.get(f"{key}-{i}-amount", "").strip()):
                item["amount"] = amount.replace(" ", "").replace(",", ".")
            if "day" in item and (day := q.get(f"{key}-{i}-day", "").strip()):
                item["day"] = int(day) if day.isdigit() else day
    if q.get("levers") == "1":  # the lever checkboxes were on the form: unticked means forbidden
        allowed = [k for k in LEVERS if q.get(f"lever-{k}")]
        return doc, allowed, [k for k in LEVERS if k not in allowed]
    return doc, [], []


def _whatif_context(web: Web, h: Household, q: Mapping[str, str]) -> dict:
    """The page's context for the changed household, or its problems in Norwegian. Runs in the
    worker pool (it solves)."""
    from ...io.errors import InputError
    from ...io.household import household_from_dict
    from ...io.messages import norwegian
    from .households import plan_context

    try:
        doc, allow, forbid = _changed(h, q)
        changed = household_from_dict(doc, h.id)
    except InputError as exc:
        return {"whatif_errors": [norwegian(p) for p in exc.problems], "h": h}
    except (TypeError, ValueError):
        return {"whatif_errors": ["Endringene kunne ikke leses. Sjekk beløp (kroner) og dager (1–31)."], "h": h}
    from ...asof import HorizonPassed

    try:
        ctx = plan_context(web, changed, allow, forbid)
    except HorizonPassed:
        return {"whatif_errors": ["Perioden ligger før per-datoen: velg en senere start eller en tidligere per-dato."],
                "h": h}
    ctx["whatif_errors"] = []
    return ctx


@router.get("/husstand/{hid}/hva-om", response_class=HTMLResponse)
async def whatif(request: Request, hid: str, fragment: str = ""):
    """The household page (or with `fragment=1` only its plan part) for the changed household."""
    from .households import page_context

    web = web_of(request)
    rec = web.load(hid)
    h = household_of(rec)
    q = {k: str(v)[:100] for k, v in request.query_params.items()}
    if h is None:
        ctx = await web.pool.run(page_context, web, rec)
        ctx["whatif_errors"] = ["Husstanden har ingen husstandsdata å endre (den kom fra en batch-kjøring)."]
    else:
        ctx = await web.pool.run(page_context, web, rec)
        ctx.update(await web.pool.run(_whatif_context, web, h, q))
    ctx.update(whatif=q, title=f"Hva om: {rec.label or rec.id}")
    if fragment == "1":
        return web.render(request, "_plan_view.html", ctx, status=422 if ctx["whatif_errors"] else 200)
    ctx.update(tasks=web.store.case.tasks(hid), sent=web.store.case.letters(hid),
               has_record=bool(web.store.case.record(hid)), kept=case_view(web.store, hid))
    return web.render(request, "household.html", ctx, status=422 if ctx["whatif_errors"] else 200)

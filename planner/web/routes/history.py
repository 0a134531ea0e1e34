"""History: every saved version of a household (document and plan), two versions side by side,
the letters sent from each; and the bin, where deleted households wait to be restored."""

from __future__ import annotations

import difflib
import json

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ..core import web_of

router = APIRouter()


def _lines(doc: dict | None) -> list[str]:
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True).splitlines() if doc else []


def compare(a: dict | None, b: dict | None) -> list[tuple[str, str]]:
    """The changed lines of two documents as (sign, line): '-' only in `a`, '+' only in `b`."""
    out = []
    for line in difflib.unified_diff(_lines(a), _lines(b), lineterm="", n=1):
        if line.startswith("@@"):
            out.append(("@", "…"))
        elif not line.startswith(("---", "+++")):
            out.append((line[:1] or " ", line[1:]))
    return out


@router.get("/husstand/{hid}/historikk", response_class=HTMLResponse)
def history(request: Request, hid: str, a: int | None = None, b: int | None = None):
    web = web_of(request)
    rec = web.load(hid)
    versions = web.store.versions(hid)
    sent = web.store.case.letters(hid)
    ctx = {"title": f"Historikk – {rec.label or rec.id}", "rec": rec, "versions": versions, "sent": sent,
           "a": a, "b": b, "diff": None, "plan_diff": None}
    if a is not None and b is not None:
        va, vb = web.store.version(hid, a), web.store.version(hid, b)
        if va is None or vb is None:
            raise HTTPException(404, "not found")
        from ..changes import document_changes, plan_changes

        ctx["words"] = document_changes(va.document, vb.document)
        ctx["plan_words"] = plan_changes(va.plan, vb.plan)
        ctx["diff"] = compare(va.document, vb.document)
        pick = lambda p: {k: (p or {}).get(k) for k in ("status", "cost", "min_balance_ore", "interventions",  # noqa: E731
                                                        "shortfall")}
        ctx["plan_diff"] = compare(pick(va.plan), pick(vb.plan))
    return web.render(request, "history.html", ctx)


@router.get("/papirkurv", response_class=HTMLResponse)
def bin_page(request: Request):
    web = web_of(request)
    return web.render(request, "bin.html", {"title": "Papirkurv", "rows": web.store.search(
        deleted=True, sort="updated", office=web.office(request))})


@router.post("/husstand/{hid}/gjenopprett")
async def restore(request: Request, hid: str):
    web = web_of(request)
    if not web.store.restore(hid, by=web.user(request)):
        raise HTTPException(404, "not found")
    web.flash(request, "Husstanden er gjenopprettet.")
    return RedirectResponse(f"/husstand/{hid}", status_code=303)

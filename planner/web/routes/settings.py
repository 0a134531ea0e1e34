"""The office settings page: who sends the letters and where they go (stored in the database,
one set per server). Every letter from the web page reads them when it is made. Everyone sees
them; only an administrator changes them, and every change is kept with who and when."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ..casework import OFFICE_FIELDS, TENANCY_KEYS, check_office
from ..core import web_of

router = APIRouter()


def _page(request: Request, values: dict, errors: dict, status: int = 200):
    web = web_of(request)
    labels = dict(OFFICE_FIELDS)
    changes = [{**c, "fields": [labels.get(f, f) for f in c["fields"]]} for c in web.store.case.office_changes()]
    return web.render(request, "settings.html", {
        "title": "Innstillinger", "fields": OFFICE_FIELDS, "values": values, "errors": errors,
        "tenancy_keys": {"": "Ikke valgt", **TENANCY_KEYS}, "changes": changes[:20]}, status=status)


@router.get("/innstillinger", response_class=HTMLResponse)
def settings_page(request: Request):
    return _page(request, web_of(request).store.case.office(), {})


@router.post("/innstillinger", response_class=HTMLResponse)
async def save_settings(request: Request):
    web = web_of(request)
    web.require_admin(request)  # the payee account the letters name: administrators only
    values, errors = check_office(await request.form())
    if errors:
        return _page(request, values, errors, status=422)
    web.store.case.set_office(values, web.user(request))
    web.flash(request, "Innstillingene er lagret.")
    return RedirectResponse("/innstillinger", status_code=303)

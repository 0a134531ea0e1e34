""""Min konto": the signed-in caseworker's name and title, as the letters they send are signed.
(Signing in and out is `routes/login.py`; passwords live in the `--auth` users file.)"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ..casework import check_caseworker
from ..core import web_of

router = APIRouter()


def _page(request: Request, values: dict, errors: dict, status: int = 200):
    web = web_of(request)
    return web.render(request, "account.html", {"title": "Min konto", "values": values, "errors": errors,
                                                "account": web.user(request)}, status=status)


@router.get("/konto", response_class=HTMLResponse)
def account_page(request: Request):
    web = web_of(request)
    return _page(request, web.store.case.caseworker(web.user(request)), {})


@router.post("/konto", response_class=HTMLResponse)
async def save_account(request: Request):
    web = web_of(request)
    values, errors = check_caseworker(await request.form())
    if errors:
        return _page(request, values, errors, status=422)
    web.store.case.set_caseworker(web.user(request), values["name"], values["title"])
    web.flash(request, "Navn og tittel er lagret. Brevene du sender, signeres med dem.")
    return RedirectResponse("/konto", status_code=303)

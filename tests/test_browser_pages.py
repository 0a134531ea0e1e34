"""Every page of the web application in a real Chromium, at 1366 and 390 px: axe-core finds no
violation of any impact (minor and moderate too, not only serious), nothing scrolls sideways at
390 px, and the household list fits its region at 1366 px.

The pages are brought into the state a caseworker sees them in: the seed's mother imported and
planned, her case record and office filled in and the tenant's letter sent (history, tasks),
the bundled ledger's worklist with a tenancy opened as a case, next month's ledger against the
cases, a statement read into the form, the upcoming petitions and the half-year statistics.
Screenshots go to $PLANNER_SCREENSHOTS when set (bench/screenshots.py), else a temporary folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _browser import HID, chromium, fill_casework, require_browser

sync_api = require_browser()
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(__name__)]  # a browser; in order on one worker
from test_web_browser import _serve  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
FOLLOWUP = ROOT / "tests" / "data" / "followup"
WIDTHS = (1366, 390)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The server's today is the mother's as-of day, so her letters can be made."""
    yield from _serve(tmp_path_factory.mktemp("pages"), today="2026-01-01")


browser = pytest.fixture(scope="module", name="browser")(chromium)


def _submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def _prepare(page, base: str) -> None:
    """The store as a caseworker's day leaves it: the scenarios imported, casework filled in,
    the tenant's letter marked sent."""
    from test_web_plan_page import QUIET  # no problem on its days, one payout that may come late

    page.goto(base + "/import")
    page.set_input_files("#import-toml input[type=file]", [str(p) for p in sorted(SCENARIOS.glob("*.toml"))])
    _submit(page, "#import-toml button[type=submit]")
    page.set_input_files("#import-toml input[type=file]",
                         files=[{"name": "stille.toml", "mimeType": "text/plain", "buffer": QUIET.encode()}])
    _submit(page, "#import-toml button[type=submit]")
    fill_casework(page, base)
    page.goto(f"{base}/husstand/{HID}/brevutkast/tenant")
    _submit(page, "#mark-sent")


def _ledger(page, base: str) -> None:
    page.goto(base + "/reskontro")
    page.set_input_files("#ledger-form input[name=ledger]", str(SCENARIOS / "reskontro.csv"))
    page.fill("#ledger-form input[name=as_of]", "2026-12-31")
    _submit(page, "#ledger-form button[type=submit]")


def _open_case(page, base: str) -> None:
    _ledger(page, base)
    _submit(page, "#open-case-L000001")


def _followup(page, base: str) -> None:
    page.goto(base + "/reskontro/oppfolging")
    page.set_input_files("#followup-form input[name=ledger]", str(FOLLOWUP / "reskontro-2027-02-brutt.csv"))
    page.fill("#followup-form input[name=as_of]", "2027-02-28")
    _submit(page, "#followup-form button[type=submit]")


def _import_report(page, base: str) -> None:
    page.goto(base + "/import")
    page.set_input_files("#import-toml input[type=file]",
                         files=[{"name": "feil.toml", "mimeType": "text/plain", "buffer": b"id = 'x'\nstart = 1\n"},
                                {"name": "alt-i-orden.toml", "mimeType": "text/plain",
                                 "buffer": (SCENARIOS / "alt-i-orden.toml").read_bytes()}])
    page.check("#import-toml input[name=replace]")
    _submit(page, "#import-toml button[type=submit]")


def _statement(page, base: str) -> None:
    page.goto(base + "/husstand/ny")
    page.set_input_files("#f-statement", str(SCENARIOS / "kontoutskrift-sparebank1.csv"))
    _submit(page, "#statement-submit")


def _form_errors(page, base: str) -> None:
    page.goto(base + "/husstand/ny")
    page.fill("#f-id", "feil i skjema")
    page.fill("#f-expense-0-amount", "9.5.00")
    _submit(page, "#save")


#: (name, path or a function bringing the page into its state)
PAGES: list[tuple[str, object]] = [
    ("list", "/"),
    ("list-closed", "/?sak=closed"),
    ("new-form", "/husstand/ny"),
    ("form-errors", _form_errors),
    ("statement", _statement),
    ("household", f"/husstand/{HID}"),
    ("plan-whatif", f"/husstand/{HID}/hva-om?utgift-0-amount=7000"),
    ("plan-no-problem", "/husstand/stille"),  # no intervention proposed: the offer, with the reason
    ("plan-robust-asked", "/husstand/stille?robust=1"),  # asked: the robust and on-time plans side by side
    ("edit-form", f"/husstand/{HID}/endre"),
    ("letter-tenant", f"/husstand/{HID}/brevutkast/tenant"),
    ("letter-landlord", f"/husstand/{HID}/brevutkast/landlord"),
    ("case-record", f"/husstand/{HID}/sak"),
    ("history", f"/husstand/{HID}/historikk"),
    ("tasks", "/oppfolging"),
    ("ledger", "/reskontro"),
    ("worklist", _ledger),
    ("case-from-ledger", _open_case),
    ("followup", "/reskontro/oppfolging"),
    ("followup-result", _followup),
    ("petitions", "/begjaeringer"),
    ("import", "/import"),
    ("import-report", _import_report),
    ("statistics", "/statistikk?fra=01.01.2026&til=30.06.2026"),
    ("settings", "/innstillinger"),
    ("account", "/konto"),
    ("bin", "/papirkurv"),
    ("help", "/hjelp"),
    ("help-page", "/hjelp/oppfolging"),
    ("not-found", "/husstand/finnes-ikke"),
]


#: element screenshots for the caseworkers' guide: page name -> [(selector, file)]
ELEMENT_SHOTS = {
    "plan-no-problem": [("#robust-offer", "plan-no-intervention.png")],
    "plan-robust-asked": [("#robust-on-time", "plan-robust-on-time.png")],
}


def _axe(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:5]}"
            for v in results.response["violations"]]


def test_every_page_has_no_axe_violation_and_fits(browser, server, tmp_path):
    shots = Path(os.environ.get("PLANNER_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    base, _ = server
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="nb-NO")
    ctx.set_default_timeout(60_000)
    _prepare(ctx.new_page(), base)
    ctx.close()
    problems: list[str] = []
    for width in WIDTHS:
        c = browser.new_context(viewport={"width": width, "height": 900}, locale="nb-NO")
        c.set_default_timeout(60_000)
        page = c.new_page()
        for name, how in PAGES:
            if callable(how):
                how(page, base)
            else:
                page.goto(base + str(how))
            problems += [f"{name} @ {width}px: {p}" for p in _axe(page)]
            scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if scroll > inner:
                problems.append(f"{name} @ {width}px: the page scrolls sideways ({scroll} > {inner} px)")
            if name == "list" and width == 1366:
                table, region = page.evaluate("(() => { const t = document.querySelector('#households');"
                                              " return [t.scrollWidth, t.parentElement.clientWidth]; })()")
                if table > region:
                    problems.append(f"list @ 1366px: the household table is {table} px in a {region} px region")
            page.screenshot(path=str(shots / f"page-{name}-{width}.png"), full_page=True)
            if width == 1366 and name in ELEMENT_SHOTS:  # the guide's pictures (docs/saksbehandler)
                for selector, file in ELEMENT_SHOTS[name]:
                    page.locator(selector).screenshot(path=str(shots / file))
        c.close()
    assert problems == [], "\n".join(problems)

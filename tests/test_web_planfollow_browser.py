"""The loop in a real Chromium: the bundled ledger uploaded, its flagged tenancy opened as a
case in one click, completed and planned, the tenant's letter marked sent; next month's ledger
in which the tenant paid as agreed shows "holdt" on the case, the one in which the AvtaleGiro
debit came back opens a new task with the evidence. The loop's pages with results are checked
by axe (no violation of any impact) at 1366 and 390 px, and none scrolls sideways at 390 px.
Screenshots go to $PLANNER_SCREENSHOTS when set (bench/screenshots.py), else a temporary folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _browser import chromium, fill_casework, require_browser

sync_api = require_browser()
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(__name__)]  # a browser; in order on one worker
from test_web_browser import _add, _row, _serve  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "followup"
TENANCY = "L000001"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`planner serve` whose today is 1 January 2027: the day the case is planned."""
    yield from _serve(tmp_path_factory.mktemp("loop"), today="2027-01-01")


browser = pytest.fixture(scope="module", name="browser")(chromium)


def _submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def _upload_followup(page, base: str, name: str, as_of: str) -> None:
    page.goto(base + "/reskontro/oppfolging")
    page.set_input_files("#followup-form input[name=ledger]", str(DATA / name))
    page.fill("#followup-form input[name=as_of]", as_of)
    _submit(page, "#followup-form button[type=submit]")


def _axe_all(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:5]}"
            for v in results.response["violations"]]


def _check(page, name: str, width: int, shots: Path) -> list[str]:
    problems = [f"{name} @ {width}px: {p}" for p in _axe_all(page)]
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if scroll > inner:
        problems.append(f"{name} @ {width}px: the page scrolls sideways ({scroll} > {inner} px)")
    page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    return problems


def test_ledger_to_case_to_kept_and_broken(browser, server, tmp_path):
    shots = Path(os.environ.get("PLANNER_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    base, _ = server
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="nb-NO")
    ctx.set_default_timeout(30_000)
    page = ctx.new_page()

    # the bundled ledger: L000001 (failed AvtaleGiro debits) is a plan candidate with a draft
    page.goto(base + "/reskontro")
    page.set_input_files("#ledger-form input[name=ledger]", str(ROOT / "scenarios" / "reskontro.csv"))
    page.fill("#ledger-form input[name=as_of]", "2026-12-31")
    _submit(page, "#ledger-form button[type=submit]")
    page.locator("#ledger-contact").screenshot(path=str(shots / "loop-ledger.png"))
    _submit(page, f"#open-case-{TENANCY}")  # one click: the new-household form, filled in

    assert page.input_value("#f-id") == TENANCY and page.input_value("#f-expense-0-amount") == "7299"
    # saved before the incomes are in: the errors come back, focus on their summary
    page.fill("#f-expense-0-amount", "7.299")  # a thousands point, as a caseworker may write it
    page.fill("#f-opening_balance", "")
    _submit(page, "#save")
    assert page.evaluate("document.activeElement && document.activeElement.id") == "error-summary"
    assert page.input_value("#f-expense-0-amount") == "7.299"
    page.fill("#f-as_of", "01.01.2027")
    page.fill("#f-start", "01.02.2027")
    page.fill("#f-opening_balance", "3000")
    page.fill("#f-months", "6")
    page.fill("#f-living", "7000")
    if page.locator("#f-income-0-kind").count() == 0:
        _add(page, "income")
    _row(page, "income", 0, kind="aap", amount="9800", mode="every", first="05.02.2027")
    page.fill("#f-income-0-every_days", "14")
    _add(page, "income")
    _row(page, "income", 1, kind="bostotte", amount="1900", mode="default")
    _submit(page, "#save")
    assert page.url.endswith(f"/husstand/{TENANCY}"), page.inner_text("main")[:800]

    # letters: the office, the caseworker and the case record, then the tenant's letter sent
    fill_casework(page, base, TENANCY)
    page.goto(f"{base}/husstand/{TENANCY}/sak")  # the ledger's tenancy number, as the landlord knows it
    page.fill("#f-tenancy_number", TENANCY)
    _submit(page, "#save-record")
    page.goto(f"{base}/husstand/{TENANCY}/brevutkast/tenant")
    page.goto(f"{base}/husstand/{TENANCY}/brevutkast/landlord")  # the plan moves February's rent
    _submit(page, "#mark-sent")
    page.goto(f"{base}/husstand/{TENANCY}")
    assert "Spurt" in page.inner_text("#tasks")  # the landlord is asked: the letter is recorded

    # next month: paid as agreed
    _upload_followup(page, base, "reskontro-2027-02-holdt.csv", "2027-02-28")
    assert "holdt" in page.inner_text(f"#case-{TENANCY}")
    page.locator("main").screenshot(path=str(shots / "loop-followup-kept.png"))
    page.goto(f"{base}/husstand/{TENANCY}")
    assert "holdt" in page.inner_text("#plan-vs-paid")

    # the other ledger of the same month: the debit returned -> broken, a task with the evidence
    _upload_followup(page, base, "reskontro-2027-02-brutt.csv", "2027-02-28")
    row = page.inner_text(f"#case-{TENANCY}")
    assert "brutt" in row and "Ny oppgave" in row
    page.goto(f"{base}/husstand/{TENANCY}")
    tasks = page.inner_text("#tasks")
    assert "Betaling etter planen" in tasks and "mangler 7 299,00 kr" in tasks.replace("\u00a0", " ")
    assert "brutt" in page.inner_text("#plan-vs-paid")
    page.locator("#casework").screenshot(path=str(shots / "loop-case-broken.png"))
    ctx.close()

    problems: list[str] = []
    for width in (1366, 390):
        c = browser.new_context(viewport={"width": width, "height": 900}, locale="nb-NO")
        c.set_default_timeout(30_000)
        p = c.new_page()
        _upload_followup(p, base, "reskontro-2027-02-brutt.csv", "2027-02-28")
        problems += _check(p, "followup-result", width, shots)
        p.goto(base + "/reskontro/oppfolging")
        problems += _check(p, "followup", width, shots)
        p.goto(f"{base}/husstand/{TENANCY}")
        problems += _check(p, "case-followed", width, shots)
        p.goto(f"{base}/husstand/{TENANCY}/brevutkast/landlord")
        problems += _check(p, "letter-landlord", width, shots)
        p.goto(base + "/reskontro")
        p.set_input_files("#ledger-form input[name=ledger]", str(ROOT / "scenarios" / "reskontro.csv"))
        p.fill("#ledger-form input[name=as_of]", "2026-12-31")
        _submit(p, "#ledger-form button[type=submit]")
        problems += _check(p, "ledger-result", width, shots)
        p.goto(base + "/")
        problems += _check(p, "list", width, shots)
        if width == 1366:  # the household list fits: no sideways scrolling inside its region either
            table, region = p.evaluate("(() => { const t = document.querySelector('#households');"
                                       " return [t.scrollWidth, t.parentElement.clientWidth]; })()")
            if table > region:
                problems.append(f"list @ 1366px: the household table is {table} px in a {region} px region")
        c.close()
    assert problems == [], "\n".join(problems)

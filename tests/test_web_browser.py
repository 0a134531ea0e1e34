"""The caseworker's page driven in a real Chromium (Playwright for Python + Debian's chromium).

Starts `planner serve` in a subprocess on a free loopback port with a temporary SQLite file,
enters the seed report's single mother through the form, runs axe-core on every page in
`PAGES` at 1366 and 390 px, and drives the form as a caseworker does. Screenshots go to a
temporary folder; `python bench/screenshots.py` writes the tracked ones in docs/screenshots/
(it runs these tests with PLANNER_SCREENSHOTS set). Skips (with the reason) where Chromium or
Playwright is missing,
and fails instead in CI (`CI` set, see tests/_browser.py).
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
LABEL = "Enslig mor, fem ytelser (testperson Hemmelig-Etternavn)"
HID = "enslig-mor-2006"

from _browser import PAGES as SHARED_PAGES  # noqa: E402
from _browser import chromium, require_browser  # noqa: E402  (skips, or fails in CI, without chromium)

from tests.serving import serve  # noqa: E402

sync_api = require_browser()
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(__name__)]  # a browser; in order on one worker


@pytest.fixture(scope="session")
def shots(tmp_path_factory) -> Path:
    """Where screenshots go: a temporary folder, or PLANNER_SCREENSHOTS (bench/screenshots.py)."""
    chosen = os.environ.get("PLANNER_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _serve(tmp: Path, *extra: str, today: str = "2026-01-01"):
    """`planner serve` on SQLite in `tmp`; yields (base URL, log file), then stops it."""
    with serve(tmp, f"sqlite:///{tmp / 'web.db'}", *extra, secret="browser-test-secret", today=today,
               start_s=60) as running:
        yield running


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from _serve(tmp_path_factory.mktemp("web"))


browser = pytest.fixture(scope="module", name="browser")(chromium)


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO", accept_downloads=True)
    pg = ctx.new_page()
    pg.set_default_timeout(20_000)
    yield pg
    ctx.close()


def _row(page, group: str, i: int, *, kind: str, amount: str, mode: str = "day", day: str = "",
         first: str = "", dates: str = "", name: str = "") -> None:
    p = f"#f-{group}-{i}-"
    page.select_option(p + "kind", kind)
    page.fill(p + "amount", amount)
    page.select_option(p + "mode", mode)
    if day:
        page.fill(p + "day", day)
    if first:
        page.fill(p + "first", first)
    if dates:
        page.fill(p + "dates", dates)
    if name:
        page.fill(p + "name", name)


def _add(page, group: str) -> None:
    n = page.locator(f"#{group} .row").count()
    page.click(f"#{group} button.add")
    page.wait_for_selector(f"#f-{group}-{n}-kind")


def create_mother(page, base: str) -> None:
    """The seed's single mother typed in as a caseworker would (days as the seed report gives them)."""
    page.goto(base + "/husstand/ny")
    _as_before(page)
    page.fill("#f-id", HID)
    page.fill("#f-label", LABEL)
    page.fill("#f-start", "01.01.2026")  # as a Norwegian caseworker writes it
    page.fill("#f-months", "12")
    page.fill("#f-adults", "1")
    page.fill("#f-children", "2")
    incomes = [
        dict(kind="bidragsforskudd", amount="1880", day="10"),
        dict(kind="bostotte", amount="2600", day="10"),
        dict(kind="aap", amount="6200", mode="every", first="2026-01-14"),
        dict(kind="kontantstotte", amount="7500", day="29"),
        dict(kind="barnetrygd", amount="3532", day="31"),
    ]
    for i, row in enumerate(incomes):
        if i:
            _add(page, "income")
        _row(page, "income", i, **row)
    page.fill("#f-income-2-every_days", "14")
    expenses = [
        dict(kind="husleie", amount="9500", day="1"),
        dict(kind="inkasso", amount="4400", day="30"),
        dict(kind="strom", amount="900", day="15"),
        dict(kind="annen", amount="6000", mode="dates", dates="2026-07-20", name="sommerferie"),
        dict(kind="annen", amount="6000", mode="dates", dates="2026-12-14", name="jul"),
    ]
    for i, row in enumerate(expenses):
        if i:
            _add(page, "expense")
        _row(page, "expense", i, **row)
    page.fill("#f-opening_balance", "10500")
    page.fill("#f-min_balance", "0")
    page.fill("#f-living", "13000")
    page.select_option("#f-lever_bostotte_to_landlord", "ja")
    page.select_option("#f-lever_move_payout", "nei")
    page.fill("#f-rent_days", "1, 5, 10, 15, 20, 25")
    page.fill("#f-rent_instalments", "3")
    # "Husleietrekk kan tas fra": the household's NAV benefits are offered ticked; only AAP stays
    for kind in ("bidragsforskudd", "kontantstotte", "barnetrygd"):
        page.uncheck(f"#f-deduction_from input[value={kind}]")
    assert page.is_checked("#f-deduction_from input[value=aap]")
    page.fill("#f-repay_months", "24")
    page.click("#save")
    page.wait_for_url(f"**/husstand/{HID}")


@pytest.fixture
def mother(page, server):
    base, _ = server
    try:
        urllib.request.urlopen(f"{base}/husstand/{HID}", timeout=30)
    except urllib.error.HTTPError:
        create_mother(page, base)
    return base


def test_create_the_single_mother_through_the_form_and_see_diagnosis_and_plan(page, server, shots):
    base, _ = server
    create_mother(page, base)
    assert "Husstanden er lagret" in page.inner_text(".flash")
    assert "Tidsproblem" in page.inner_text("#diagnosis")
    assert "Plan funnet" in page.inner_text("#plan")
    assert page.locator("#chart svg").is_visible()
    assert page.locator("#interventions tbody tr").count() >= 1
    assert "Arbeidsavklaringspenger" in page.inner_text("#payouts")
    page.screenshot(path=str(shots / "household.png"), full_page=True)
    # the list, with the other scenarios imported beside her
    page.goto(base + "/import")
    others = [str(p) for p in sorted(SCENARIOS.glob("*.toml")) if p.stem != HID]
    page.set_input_files("#import-toml input[type=file]", others)
    page.click("#import-toml button[type=submit]")
    assert f"{len(others)} nye" in page.inner_text("#import-report")
    page.goto(base + "/")
    assert page.locator("#households tbody tr").count() == len(others) + 1
    page.screenshot(path=str(shots / "list.png"), full_page=True)
    page.fill("input[name=q]", "enslig")
    with page.expect_navigation():  # (`count` does not wait: the filtered list must have loaded)
        page.click(".filters button")
    assert page.locator("#households tbody tr").count() == 1


def test_download_the_tenants_letter_as_pdf(page, mother):
    try:
        from planner.letters import recipients, render_letter  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"planner.letters (render_letter, recipients) is not available yet: {exc}")
    from _browser import fill_casework

    fill_casework(page, mother)  # a letter without a sender is refused (issue 12)
    page.goto(f"{mother}/husstand/{HID}")
    with page.expect_download() as info:
        page.click("#letter-tenant-pdf")
    data = Path(info.value.path()).read_bytes()
    assert data.startswith(b"%PDF")
    assert info.value.suggested_filename.endswith(".pdf")


def test_edit_a_payout_and_see_the_plan_change(page, mother):
    page.goto(f"{mother}/husstand/{HID}")
    before = page.inner_text("#plan") + page.inner_text("#interventions")
    page.click("#edit")
    page.fill("#f-income-2-amount", "7600")  # a larger AAP payout every 14 days
    page.click("#save")
    page.wait_for_url(f"**/husstand/{HID}")
    after = page.inner_text("#plan") + (page.inner_text("#interventions") if page.locator("#interventions").count() else "")
    assert after != before
    assert "7\u00a0600,00\u00a0kr" in page.inner_text("#payouts")
    page.click("#edit")
    page.fill("#f-income-2-amount", "6200")  # back as it was, for the other tests
    page.click("#save")
    page.wait_for_url(f"**/husstand/{HID}")
    assert page.inner_text("#plan") + page.inner_text("#interventions") == before


def test_bad_input_shows_the_field_level_message(page, server, shots):
    base, _ = server
    _form_with_errors(page, base)  # a bad amount and a bad day (defined with PAGES below)
    err = page.locator("#err-income-0-amount")
    assert err.is_visible() and "Høyst to desimaler" in err.inner_text()
    assert "Må være et helt tall fra 1 til 31" in page.inner_text("#err-expense-0-day")
    assert page.get_attribute("#f-income-0-amount", "aria-invalid") == "true"
    assert page.input_value("#f-income-0-amount") == "6 200,555"
    assert "Skjemaet har 2 feil" in page.inner_text("#error-summary")
    page.screenshot(path=str(shots / "form-validation.png"), full_page=True)


def test_server_log_holds_no_household_content(server):
    _, log = server
    text = log.read_text()
    assert "GET /husstand/{hid}" in text
    for secret in ("Hemmelig-Etternavn", "Enslig mor", "enslig", "q="):
        assert secret not in text


def test_pages_work_under_the_content_security_policy(page, mother):
    """The CSP allows only the server's own scripts and styles: no page may need anything
    inline (a violation would leave the form's script dead or the chart black)."""
    page.add_init_script("""document.addEventListener('securitypolicyviolation',
        e => (window.__csp = window.__csp || []).push(e.violatedDirective + ' ' + e.blockedURI));""")
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    for path in [p for _, p, prepare in PAGES if prepare is None and p != "/husstand/finnes-ikke"]:
        response = page.goto(mother + path)
        headers = response.headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["cache-control"] == "no-store" and headers["x-content-type-options"] == "nosniff"
        assert page.evaluate("window.__csp || []") == [], path
        # the stylesheet applies (the header bar is not the browser's default transparent)
        assert page.evaluate("getComputedStyle(document.querySelector('header.top')).backgroundColor") \
            != "rgba(0, 0, 0, 0)", path
    assert not [m for m in console if "Content Security Policy" in m], console
    # the chart keeps its colours (presentation attributes, not inline CSS)
    page.goto(f"{mother}/husstand/{HID}")
    fills = page.evaluate("""[...document.querySelectorAll('#chart svg path[fill]')]
        .map(p => getComputedStyle(p).fill)""")
    assert "rgb(192, 57, 43)" in fills  # the red of the days below the floor
    # the delete button asks first (a script file, not an inline onsubmit): dismissed, nothing happens
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.click("form[data-confirm] button[type=submit]")
    assert asked == ["Slette husstanden?"]
    assert page.url.endswith(f"/husstand/{HID}")
    # the form's own script runs: choosing "every 14 days" shows that row's fields
    page.goto(mother + "/husstand/ny")
    _as_before(page)
    page.select_option("#f-income-0-mode", "every")
    assert page.evaluate("document.querySelector('#f-income-0-mode').closest('.row').dataset.mode") == "every"
    assert page.evaluate("window.__csp || []") == []


# --------------------------------------------------------------------------- every page: axe, 390 px

WIDTHS = (1366, 390)


def _as_before(page) -> None:
    """Issue 11: a new form starts today (the server's clock) and asks for today's balance.
    These tests keep their 2026 households as before lead times (no per-dato date) and a zero
    balance unless they set one; tests/test_lead_times.py and test_web.py cover the dates."""
    page.fill("#f-as_of", "")
    page.fill("#f-opening_balance", "0")


def _form_with_errors(page, base: str) -> None:
    """A new form sent with a bad amount and a bad day: the page with messages."""
    page.goto(base + "/husstand/ny")
    _as_before(page)
    page.fill("#f-id", "feil-i-skjema")
    _row(page, "income", 0, kind="aap", amount="6 200,555", mode="every", first="14.01.2026")
    page.fill("#f-expense-0-amount", "9500")
    page.fill("#f-expense-0-day", "40")
    page.click("#save")
    page.wait_for_selector("#error-summary")


def _import_report(page, base: str) -> None:
    """The import page with the report of a file that is refused."""
    page.goto(base + "/import")
    page.set_input_files("#import-toml input[type=file]",
                         files=[{"name": "feil.toml", "mimeType": "text/plain", "buffer": b"id = 'x'\nstart = 1\n"}])
    page.click("#import-toml button[type=submit]")
    page.wait_for_selector("#import-report")


#: Every page of the web app: (name, path, how to bring the page into the state to check or None).
#: A new page is one more entry here; the accessibility and 390 px test below then covers it.
PAGES: list[tuple[str, str, object]] = [
    ("list", "/", None),
    ("new-form", "/husstand/ny", None),
    ("form-with-errors", "/husstand/ny", _form_with_errors),
    ("household", f"/husstand/{HID}", None),
    ("edit-form", f"/husstand/{HID}/endre", None),
    ("import", "/import", None),
    ("import-report", "/import", _import_report),
    ("not-found", "/husstand/finnes-ikke", None),
    ("ledger", "/reskontro", None),
]
# the casework pages (issue 12), listed once in tests/_browser.py
PAGES += [(path.split("?")[0].strip("/").replace("/", "-").replace("{hid}", "hh") or "root", path.format(hid=HID), None)
          for path in SHARED_PAGES if path.format(hid=HID) not in {p for _, p, _ in PAGES}]


def _axe_problems(page) -> list[str]:
    """axe-core's critical and serious violations on the page (axe-playwright-python bundles
    axe.min.js, so this runs offline)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:5]}"
            for v in results.response["violations"] if v["impact"] in ("critical", "serious")]


def _check_page(page, name: str, width: int, shots: Path) -> list[str]:
    problems = [f"{name} @ {width}px: {p}" for p in _axe_problems(page)]
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if scroll > inner:
        problems.append(f"{name} @ {width}px: the page scrolls sideways ({scroll} > {inner} px)")
    page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    return problems


def test_every_page_has_no_serious_accessibility_problem_and_fits_390_px(browser, mother, shots):
    problems: list[str] = []
    for width in WIDTHS:
        ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="nb-NO")
        page = ctx.new_page()
        page.set_default_timeout(20_000)
        for name, path, prepare in PAGES:
            if prepare is None:
                page.goto(mother + path)
            else:
                prepare(page, mother)
            problems += _check_page(page, name, width, shots)
        ctx.close()
    assert problems == [], "\n".join(problems)


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory):
    from planner.web.auth import add_user

    tmp = tmp_path_factory.mktemp("web-auth")
    add_user(tmp / "users.txt", "kari", "riktig-passord")
    yield from _serve(tmp, "--auth", str(tmp / "users.txt"))


def test_login_page_and_signed_in_header_with_auth(browser, auth_server, shots):
    base, _ = auth_server
    problems: list[str] = []
    for width in WIDTHS:
        ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="nb-NO")
        page = ctx.new_page()
        page.goto(base + "/")
        assert page.url.endswith("/login")
        problems += _check_page(page, "login", width, shots)
        page.fill("input[name=username]", "kari")
        page.fill("input[name=password]", "riktig-passord")
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url(base + "/")
        assert "Logg ut kari" in page.inner_text("header")
        problems += _check_page(page, "list-signed-in", width, shots)
        ctx.close()
    assert problems == [], "\n".join(problems)


def test_print_stylesheet_leaves_the_case_and_drops_the_buttons(page, mother):
    page.goto(f"{mother}/husstand/{HID}")
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    assert not page.locator("#edit").is_visible()
    assert page.locator("#plan").is_visible() and page.locator("#chart svg").is_visible()
    assert page.locator("#payouts table").is_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")


# --------------------------------------------------------------------------- the form as a caseworker uses it


def test_standard_without_a_standard_day_shows_the_message_on_a_visible_field(page, server):
    """AAP with "Standard for ytelsen" used to put its message on the hidden day field."""
    base, _ = server
    page.goto(base + "/husstand/ny")
    _as_before(page)
    page.fill("#f-id", "aap-standard")
    page.fill("#f-start", "01.01.2026")
    _row(page, "income", 0, kind="aap", amount="6200", mode="default")
    assert "hver 14. dag" in page.inner_text("[data-standard-for='income-0-kind']")
    page.fill("#f-expense-0-amount", "9500")
    page.click("#save")
    page.wait_for_selector("#error-summary")
    errors = page.locator(".field-error")
    assert errors.count() == 1
    assert errors.first.is_visible()
    assert "velg «Hver 14. dag fra dato»" in errors.first.inner_text()
    assert page.get_attribute("#f-income-0-mode", "aria-invalid") == "true"
    # the summary's link leads to that field, and the caseworker can fix it there
    page.click("#error-summary a")
    assert page.evaluate("document.activeElement.id") == "f-income-0-mode" or page.url.endswith("#f-income-0-mode")
    page.select_option("#f-income-0-mode", "every")
    page.fill("#f-income-0-every_days", "14")
    page.fill("#f-income-0-first", "14.01.2026")
    page.click("#save")
    page.wait_for_url("**/husstand/aap-standard")
    assert "hver 14. dag fra 14.01.2026" in page.inner_text("#payouts")


def test_the_standard_rule_shows_its_real_days(page, mother):
    page.goto(f"{mother}/husstand/{HID}/endre")  # the mother's plan runs 01.01.2026-31.12.2026
    row = 3  # kontantstøtte, typed in on the 29th
    assert not page.locator(f"[data-standard-for='income-{row}-kind']").is_visible()
    page.select_option(f"#f-income-{row}-mode", "default")
    hint = page.locator(f"[data-standard-for='income-{row}-kind']")
    assert hint.is_visible()
    assert hint.inner_text() == "Standard: siste virkedag i måneden, 18.12 i desember"
    page.select_option(f"#f-income-{row}-kind", "bostotte")
    assert hint.inner_text() == "Standard: den 20. i måneden, virkedagen før ved helg og helligdag"


def test_norwegian_and_iso_dates_are_both_accepted(page, server):
    base, _ = server
    page.goto(base + "/husstand/ny")
    _as_before(page)
    page.fill("#f-id", "datoer")
    page.fill("#f-start", "1.2.2026")
    _row(page, "income", 0, kind="aap", amount="6200", mode="every", first="2026-02-05")
    page.fill("#f-income-0-every_days", "14")
    page.fill("#f-expense-0-amount", "9500")
    _add(page, "expense")
    _row(page, "expense", 1, kind="annen", amount="3000", mode="dates", dates="20.07.2026, 2026-12-14", name="ferie")
    page.fill("#f-arrears_amount", "5000")
    page.fill("#f-arrears_since", "15.01.2026")
    page.click("#save")
    page.wait_for_url("**/husstand/datoer")
    sub = page.inner_text(".sub")
    assert "01.02.2026–31.01.2027" in sub
    payouts = page.inner_text("#payouts")
    assert "hver 14. dag fra 05.02.2026" in payouts and "20.07.2026, 14.12.2026" in payouts
    page.click("#edit")  # the form shows them back the Norwegian way
    assert page.input_value("#f-start") == "01.02.2026"
    assert page.input_value("#f-income-0-first") == "05.02.2026"
    assert page.input_value("#f-arrears_since") == "15.01.2026"
    page.fill("#f-start", "31.02.2026")
    page.click("#save")
    assert "dd.mm.åååå" in page.inner_text("#err-start")


def test_stream_levers_are_checkboxes_of_this_households_benefits(page, server):
    base, _ = server
    page.goto(base + "/husstand/ny")
    _as_before(page)
    page.fill("#f-id", "avkrysning")
    page.fill("#f-start", "01.01.2026")
    assert page.locator("#f-deduction_from input[type=checkbox]").count() == 0
    _row(page, "income", 0, kind="aap", amount="6200", mode="every", first="14.01.2026")
    page.fill("#f-income-0-every_days", "14")
    _add(page, "income")
    _row(page, "income", 1, kind="barnetrygd", amount="3532", mode="default")
    _add(page, "income")
    _row(page, "income", 2, kind="bostotte", amount="2600", mode="default")
    boxes = page.locator("#f-deduction_from input[type=checkbox]")
    assert [boxes.nth(i).get_attribute("value") for i in range(boxes.count())] == ["aap", "barnetrygd", "bostotte"]
    # the standard: every NAV benefit ticked, Husbanken's bostøtte not
    assert [boxes.nth(i).is_checked() for i in range(3)] == [True, True, False]
    # each checkbox is labelled with the benefit's name
    assert page.locator("#f-deduction_from label", has_text="Barnetrygd").count() == 1
    page.uncheck("#f-deduction_from input[value=barnetrygd]")
    page.select_option("#f-lever_move_payout", "ja")
    page.uncheck("#f-move_payout input[value=aap]")
    page.fill("#f-income-1-name", "barnetrygd-mor")  # renaming a stream keeps the lists in step
    assert page.locator("#f-deduction_from input[value='barnetrygd-mor']").count() == 1
    assert not page.is_checked("#f-deduction_from input[value='barnetrygd-mor']")
    page.fill("#f-expense-0-amount", "9500")
    page.click("#save")
    page.wait_for_url("**/husstand/avkrysning")
    page.click("#edit")
    assert page.is_checked("#f-deduction_from input[value=aap]")
    assert not page.is_checked("#f-deduction_from input[value='barnetrygd-mor']")
    assert not page.is_checked("#f-move_payout input[value=aap]")
    assert page.is_checked("#f-move_payout input[value='barnetrygd-mor']")


def _type_then_add_a_row(page, base: str) -> None:
    """Type into the new form, add a benefit row: focus is on the new row, nothing typed is lost."""
    page.goto(base + "/husstand/ny")
    _as_before(page)
    page.fill("#f-id", "rader")
    page.fill("#f-income-0-amount", "1234,50")
    page.click("#add-income")
    page.wait_for_selector("#f-income-1-kind")
    assert page.evaluate("document.activeElement.id") == "f-income-1-kind"
    assert page.input_value("#f-income-0-amount") == "1234,50" and page.input_value("#f-id") == "rader"


def test_adding_a_row_keeps_focus_and_what_was_typed(page, server):
    base, _ = server
    # counts the page loads in this tab (sessionStorage outlives a reload, a window variable does not)
    page.add_init_script("sessionStorage.loads = String(Number(sessionStorage.loads || 0) + 1)")
    _type_then_add_a_row(page, base)
    assert page.evaluate("sessionStorage.loads") == "1"  # added in the page, no round trip
    page.keyboard.press("ArrowDown")  # the focused select is the new row's: usable from the keyboard
    page.click("#add-expense")
    assert page.evaluate("document.activeElement.id") == "f-expense-1-kind"
    # removing a row moves focus on to the next control instead of losing it
    page.click("#income .row[data-row='income-0'] button.remove")
    assert page.evaluate("document.activeElement.id") == "f-income-1-kind"
    assert page.locator("#income .row").count() == 1


def test_without_script_adding_a_row_goes_through_the_server(browser, server):
    base, _ = server
    ctx = browser.new_context(viewport={"width": 390, "height": 800}, locale="nb-NO", java_script_enabled=False)
    page = ctx.new_page()
    _type_then_add_a_row(page, base)  # the server draws the new row and focuses it (autofocus)
    ctx.close()


def test_whatif_updates_the_plan_in_place_with_javascript(page, mother):
    """Issue 14: changing the rent amount in "Hva om?" swaps the plan part in place (fetch under
    the CSP's connect-src 'self'), without a page load; the address follows the change."""
    base = mother
    page.goto(f"{base}/husstand/{HID}")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    assert page.locator("#alternatives").is_visible()
    page.evaluate("window.__marker = 1")  # gone if the page reloads
    page.fill("#w-utgift-0-amount", "7000")
    page.click("#whatif-submit")
    page.wait_for_selector("#whatif-note")
    assert page.evaluate("window.__marker") == 1  # swapped in place, no navigation
    assert "hva-om" in page.url and "utgift-0-amount=7000" in page.url
    assert "Ingenting er lagret" in page.inner_text("#plan-view")
    assert page.locator("#plan-view #chart svg").is_visible()
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_help_is_linked_from_the_task_page_and_shows_its_pictures(browser, mother, shots):
    """Hjelp (docs/saksbehandler) from the form's "Hjelp til denne siden": the guide's page for the
    form, its screenshots loaded, no serious axe finding and no sideways scroll at 390 px; the
    header's "Hjelp" leads to the overview."""
    ctx = browser.new_context(viewport={"width": 390, "height": 900}, locale="nb-NO")
    page = ctx.new_page()
    page.goto(mother + "/husstand/ny")
    with page.expect_navigation():
        page.click("p.help-link a")
    assert page.url.endswith("/hjelp/ny-husstand")
    assert page.inner_text("h1") == "Registrere en husstand"
    widths = page.eval_on_selector_all(".help-text img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
    assert widths and all(w > 0 for w in widths), widths
    assert _check_page(page, "help-form", 390, shots) == []
    with page.expect_navigation():
        page.click("header nav a[href='/hjelp']")
    assert page.inner_text("h1") == "En dag med Utbetalingsplanleggeren"
    assert page.get_attribute("header nav a[href='/hjelp']", "aria-current") == "page"
    ctx.close()

"""The casework flow in a real Chromium, signed in (`planner serve --auth`): the seed household
typed in, office settings, caseworker and case record filled in, a tenant letter previewed and
recorded (its PDF names the sender and has no placeholder), one task walked to "in effect", an
overdue task on the front page, a stale edit refused, delete and restore. Fails in CI without
Chromium (tests/_browser.py)."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from _browser import ARGS, CHROMIUM, HID, fill_casework, require_browser

sync_api = require_browser()
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(__name__)]  # a browser; in order on one worker
from test_web_browser import _serve, create_mother  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
NAME = "Testperson Hemmelig-Etternavn"
PASSWORD = "riktig-passord-123"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from planner.web.auth import add_user

    tmp = tmp_path_factory.mktemp("casework")
    users = tmp / "users"
    add_user(users, "kari", PASSWORD, role="admin")  # she fills in the office settings too
    yield from _serve(tmp, "--auth", str(users))


@pytest.fixture(scope="module")
def context(server):
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="nb-NO", accept_downloads=True)
        ctx.set_default_timeout(30_000)
        yield ctx
        ctx.close()
        browser.close()


def _save(page, button: str) -> None:
    with page.expect_navigation():
        page.click(button)


def test_casework_from_entry_to_restore(context, server, tmp_path):
    # screenshots: a temporary folder, or PLANNER_SCREENSHOTS (bench/screenshots.py)
    SHOTS = Path(os.environ.get("PLANNER_SCREENSHOTS") or tmp_path)
    base, log = server
    page = context.new_page()
    page.goto(base + "/")
    assert page.url.endswith("/login")  # the case record is for signed-in users only
    page.fill("input[name=username]", "kari")
    page.fill("input[name=password]", PASSWORD)
    _save(page, "button[type=submit]")
    create_mother(page, base)

    # a letter before the settings: refused with what is missing, no placeholder letter
    page.goto(f"{base}/husstand/{HID}/brevutkast/tenant")
    assert "kan ikke lages" in page.inner_text("main") and page.locator("#mark-sent").count() == 0

    fill_casework(page, base)  # office settings, caseworker, case record: through their pages
    assert "lagret" in page.inner_text(".flash")
    page.goto(f"{base}/husstand/{HID}")
    page.click("#case-record")
    page.select_option("#f-age_band", "25-34")
    _save(page, "#save-record")
    page.goto(f"{base}/husstand/{HID}")

    # preview and record the tenant's letter; its PDF names the sender and has no placeholder
    page.click("#letter-tenant-preview")
    preview = page.inner_text("#preview")
    assert "Kari Nordmann" in preview and NAME in preview and "[" not in preview
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "letter-preview.png"), full_page=True)
    _save(page, "#mark-sent")
    assert "registrert som sendt" in page.inner_text(".flash")
    link = page.locator("#sent a[download]").first
    with page.expect_download() as info:
        link.click()
    data = Path(info.value.path()).read_bytes()
    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    for wanted in ("Eksempel kommune", "Boligkontoret", "Kari Nordmann", NAME, "2026/4711"):
        assert wanted in text, wanted
    assert not re.search(r"\[(kommune|kontor|saksbehandler)\]", text)

    # one task to "in effect", step by step
    page.goto(f"{base}/husstand/{HID}")
    row = page.locator("#tasks tbody tr").first
    row_id = row.get_attribute("id")
    for label in ("Spurt", "Avtalt", "I kraft"):
        button = page.locator(f"#{row_id} button", has_text=re.compile(f"^{label}$"))
        if button.count():
            _save(page, f"#{row_id} button:text-is('{label}')")
    assert page.inner_text(f"#{row_id} .state") == "I kraft"

    # another household's task is overdue on the front page (as of an explicit date)
    page.goto(base + "/import")
    page.set_input_files("#import-toml input[type=file]", [str(SCENARIOS / "aap-drift.toml")])
    _save(page, "#import-toml button[type=submit]")
    page.goto(base + "/?dato=31.12.2026")
    due = page.locator("#due")
    assert "Forfalt" in due.inner_text() and page.locator("#due tr.overdue").count() >= 1
    page.screenshot(path=str(SHOTS / "followup.png"), full_page=True)

    # a stale edit: two tabs open the form, the second saves first
    first, second = context.new_page(), context.new_page()
    for p in (first, second):
        p.goto(f"{base}/husstand/{HID}/endre")
    second.fill("#f-label", "Endret i den andre fanen")
    _save(second, "#save")
    first.fill("#f-label", "Endret i den første fanen")
    _save(first, "#save")
    assert "endret av noen andre" in first.inner_text("#error-summary")
    page.goto(f"{base}/husstand/{HID}")
    assert "Endret i den andre fanen" in page.inner_text("h1")

    # delete (the dialog is accepted) and restore from the bin
    page.once("dialog", lambda d: d.accept())
    _save(page, "form[data-confirm] button[type=submit]")
    assert "papirkurven" in page.inner_text(".flash")
    page.goto(base + "/papirkurv")
    _save(page, f"#restore-{HID}")
    assert page.url.endswith(f"/husstand/{HID}") and "gjenopprettet" in page.inner_text(".flash")
    # history: the versions, with the letter sent from the first
    _save(page, "#history")  # (`count` does not wait: the page must have loaded)
    assert page.locator("#versions tbody tr").count() >= 2
    # nothing of the case record reached the server's log
    logged = log.read_text()
    for secret in (NAME, "Storgata", "2026/4711", "L-98765", "Kari Nordmann"):
        assert secret not in logged

"""The job page in a real Chromium, through `planner serve`: a zip of 300 households chosen in
the import page lands on the job's page at once; its state, labelled progress bar and message
are updated in place (static/job.js, no reload) until the job is done, when the page loads once
more and links to the import report. With the updating turned off, «Oppdater» does it. axe finds
no violation on the running page, the done page and the job list, at 1366 and 390 px."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from _browser import chromium, require_browser

sync_api = require_browser()
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(__name__)]  # a browser; in order on one worker
from test_web_browser import _serve  # noqa: E402
from test_web_jobs import base_plan, batch_zip  # noqa: E402,F401  (base_plan: the fixture)
from test_web_planfollow_browser import _check  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from _serve(tmp_path_factory.mktemp("jobs"), today="2026-01-01")


browser = pytest.fixture(scope="module", name="browser")(chromium)


def test_job_page_shows_progress_and_the_report(browser, server, base_plan, tmp_path):  # noqa: F811
    shots = Path(os.environ.get("PLANNER_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    base, _ = server
    zip_path = tmp_path / "batch.zip"
    zip_path.write_bytes(batch_zip(base_plan, 300, with_documents=2))
    problems: list[str] = []
    for width in (1366, 390):
        ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="nb-NO")
        ctx.set_default_timeout(60_000)
        page = ctx.new_page()
        page.goto(base + "/import")
        page.set_input_files("#import-batch input[type=file]:not([webkitdirectory])", str(zip_path))
        with page.expect_navigation():
            page.click("#import-batch button[type=submit]")
        assert re.search(r"/jobber/[0-9a-f-]{36}$", page.url), page.url
        assert page.locator("label[for=job-progress]").inner_text() == "Fremdrift"
        message = page.locator("#job-message").inner_text()
        assert message in ("I kø", "Leser og kontrollerer filene") or re.match(r"Husstand \d+ av 300 er importert", message)
        auto = width == 1366  # at 1366 px the page updates itself; at 390 px the user turned that off
        assert page.locator('meta[http-equiv="refresh"]').count() == 0
        if page.locator("#job-state").inner_text() != "Ferdig":
            assert page.locator("main a").nth(1 if page.locator(".help-link").count() else 0).get_attribute("id") \
                == "refresh-off"
            if not auto:
                with page.expect_navigation():
                    page.click("#refresh-off")
                assert page.locator("#job[data-status]").count() == 0
            if page.locator("#job-state").inner_text() != "Ferdig":
                problems += _check(page, "job-running" + ("-auto" if auto else ""), width, shots)
        page.evaluate("window.plannerSamePage = true")  # gone when the page is loaded again
        deadline = time.monotonic() + 240
        seen = {page.locator("#job-progress").get_attribute("value")}
        while page.locator("#job-state").inner_text() != "Ferdig":
            assert page.locator("#job-state").inner_text() in ("I kø", "Kjører"), page.content()[-2000:]
            assert time.monotonic() < deadline
            if auto:
                page.wait_for_timeout(500)  # job.js reads the job's status every 2 s
                try:
                    same, value, state = page.evaluate(
                        "[window.plannerSamePage === true, document.getElementById('job-progress').getAttribute('value'),"
                        " document.getElementById('job-state').textContent]")
                except sync_api.Error:  # the page is being loaded again (the job has ended)
                    page.wait_for_load_state()
                    continue
                if state in ("I kø", "Kjører"):
                    assert same, "reloaded while the job ran"
                    seen.add(value)
            else:
                with page.expect_navigation():
                    page.click("#refresh-now")
        if auto:  # moved in place (a value seen after the first, on the same page), then loaded once more at
            # the end, for the result (how many values the 2 s polls catch depends on the machine's speed)
            assert len(seen) >= 2, seen
            assert page.evaluate("window.plannerSamePage === undefined")
        assert page.locator("#job-progress").get_attribute("value") == "301"  # the upload read, then 300 households
        problems += _check(page, "job-done", width, shots)
        with page.expect_navigation():
            page.click("#job-result")
        assert "300 nye" in page.locator("#import-report").inner_text() or \
            "300 oppdaterte" in page.locator("#import-report").inner_text()
        page.goto(base + "/jobber")
        assert page.locator("#jobs tbody tr").count() >= 1
        problems += _check(page, "job-list", width, shots)
        ctx.close()
    assert not problems, "\n".join(problems)

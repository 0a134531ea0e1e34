"""Importing a batch run as people choose files, in a real Chromium: `planner batch` on the
bundled tables, then its whole folder chosen in the page (the folder picker), then a zip of it.
Every household of results.csv is imported, the batch's own files (run.json, summary.txt, ...)
are recognised and passed over, the households with their document are editable and dated by
the run (the server's today). The report page is checked by axe at 1366 and 390 px."""

from __future__ import annotations

import csv
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from _browser import chromium, require_browser

sync_api = require_browser()
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(__name__)]  # a browser; in order on one worker
from test_web_browser import _serve  # noqa: E402
from test_web_planfollow_browser import _check  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("batch") / "resultater"
    tables = ROOT / "scenarios" / "batch"
    run = subprocess.run([sys.executable, "-m", "planner", "batch", str(tables / "tenants.csv"), str(tables / "payouts.csv"),
                          "--out", str(out), "--as-of", "2026-01-01", "--workers", "1", "--no-progress"],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert (out / "run.json").exists() and (out / "households").is_dir()
    return out


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # a month after the batch run: the import plans each household as of the server's today
    yield from _serve(tmp_path_factory.mktemp("import"), today="2026-02-01")


browser = pytest.fixture(scope="module", name="browser")(chromium)


def test_batch_folder_and_zip_import_every_household(browser, server, batch_out, tmp_path):
    base, _ = server
    ids = [r["id"] for r in csv.DictReader(open(batch_out / "results.csv", encoding="utf-8"))]
    editable = sorted(p.stem for p in (batch_out / "households").glob("*.json"))
    assert ids and editable
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="nb-NO")
    ctx.set_default_timeout(30_000)
    page = ctx.new_page()

    # the whole folder, as the folder picker gives it
    page.goto(base + "/import")
    page.set_input_files("#import-batch input[webkitdirectory]", str(batch_out))
    with page.expect_navigation():
        page.click("#import-batch button[type=submit]")
    report = page.inner_text("#import-report")
    assert f"{len(ids)} nye" in report and "feil" not in report, report
    for hid in ids:
        assert page.locator(f"#import-report a[href='/husstand/{hid}']").count() == 1
    notes = page.inner_text("#import-notes")
    for hid in editable:  # editable, planned as of the server's today, not the run's --as-of
        assert f"{hid}: planlagt per i dag (01.02.2026), ikke per filens dato 01.01.2026" in notes
        page.goto(f"{base}/husstand/{hid}/endre")
        assert page.input_value("#f-as_of") == "01.02.2026", hid
        page.goto(f"{base}/husstand/{hid}")
        assert page.inner_text("#as-of") == "01.02.2026"

    # a zip of the folder: the same households, now updated
    zpath = tmp_path / "resultater.zip"
    with zipfile.ZipFile(zpath, "w") as z:
        for p in sorted(batch_out.rglob("*")):
            if p.is_file():
                z.write(p, p.relative_to(batch_out.parent))
    page.goto(base + "/import")
    page.set_input_files("#import-batch input[name=files]:not([webkitdirectory])", str(zpath))
    with page.expect_navigation():
        page.click("#import-batch button[type=submit]")
    report = page.inner_text("#import-report")
    assert f"{len(ids)} oppdaterte" in report and "feil" not in report, report
    ctx.close()

    problems: list[str] = []
    for width in (1366, 390):
        c = browser.new_context(viewport={"width": width, "height": 900}, locale="nb-NO")
        p = c.new_page()
        p.goto(base + "/import")
        p.set_input_files("#import-batch input[name=files]:not([webkitdirectory])", str(zpath))
        with p.expect_navigation():
            p.click("#import-batch button[type=submit]")
        problems += _check(p, "import-report", width, tmp_path)
        c.close()
    assert problems == [], "\n".join(problems)

"""Shared by the browser tests: where Chromium is, what to do when it is not, and the pages to
check (the accessibility test runs axe-core on each of `PAGES` at 1366 and 390 px).

In CI (`CI` set, as `.ci/run` does) a missing Chromium or Playwright fails the browser tests;
elsewhere they skip with the reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--lang=nb-NO"]
HID = "enslig-mor-2006"

#: every page of the web application, `{hid}` standing for a stored household with a plan
PAGES = [
    "/", "/husstand/ny", "/husstand/{hid}", "/husstand/{hid}/endre", "/import",
    # casework (issue 12)
    "/oppfolging", "/innstillinger", "/konto", "/papirkurv", "/husstand/{hid}/sak", "/husstand/{hid}/historikk",
    "/husstand/{hid}/brevutkast/tenant",
    # what-if (issue 14): the household page for changed figures
    "/husstand/{hid}/hva-om?utgift-0-amount=7000",
    # the half-year statistics (issue 17)
    "/statistikk?fra=01.01.2026&til=30.06.2026",
    # Hjelp: the caseworkers' guide (docs/saksbehandler), an overview and a page with screenshots
    "/hjelp", "/hjelp/ny-husstand",
    # is the plan kept? next month's ledger against the open cases; upcoming petitions
    "/reskontro/oppfolging", "/begjaeringer",
]


def require_browser():
    """`playwright.sync_api`, or skip (fail in CI) when it or Debian's chromium is missing."""
    def missing(reason: str):
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI must run the browser tests: see .ci/run)", pytrace=False)
        pytest.skip(reason, allow_module_level=True)

    if not Path(CHROMIUM).exists():
        missing(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    try:
        from playwright import sync_api
    except ImportError:
        missing("playwright is not installed (pip install playwright)")
    return sync_api


OFFICE = {"kommune": "Eksempel kommune", "office": "Boligkontoret", "address": "Postboks 1; 1234 Eksempelby",
          "phone": "12 34 56 78", "email": "bolig@eksempel.kommune.no", "landlord_name": "Eksempel kommune, utleie",
          "landlord_account": "1234.56.78903", "nav_name": "NAV Eksempel"}
RECORD = {"case_number": "2026/4711", "tenancy_number": "L-98765", "name": "Testperson Hemmelig-Etternavn",
          "address": "Storgata 1; 0155 Oslo", "social_office": "Bydel Gamle Oslo"}


def fill_casework(page, base: str, hid: str = HID) -> None:
    """Office settings, the caseworker and `hid`'s case record typed in through their pages, so
    that letters can be made (without them a letter is refused, naming what is missing)."""
    for path, values, button in (("/innstillinger", OFFICE, "#save-settings"),
                                 ("/konto", {"name": "Kari Nordmann", "title": "Boligkonsulent"}, "#save-account"),
                                 (f"/husstand/{hid}/sak", RECORD, "#save-record")):
        page.goto(base + path)
        for key, value in values.items():
            page.fill(f"#f-{key}", value)
        with page.expect_navigation():
            page.click(button)


def chromium():
    """Debian's chromium for one test module, through Playwright: each browser test module makes
    its `browser` fixture of it (`browser = pytest.fixture(scope="module", name="browser")(chromium)`)."""
    sync_api = require_browser()
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()

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

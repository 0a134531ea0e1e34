"""The plan "if granted" on the web plan page in a real browser: imported, shown after the plan's
summary, no serious axe finding and no sideways scroll at 1366 and 390 px."""

from __future__ import annotations

import pytest
from _browser import chromium
from conftest import SCENARIOS
from test_web_browser import _axe_problems, _serve

browser = pytest.fixture(scope="module", name="browser")(chromium)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from _serve(tmp_path_factory.mktemp("web-granted"))


def test_the_plan_if_granted_is_accessible_and_fits_390_px(browser, server):
    base, _ = server
    problems: list[str] = []
    for width in (1366, 390):
        ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="nb-NO")
        page = ctx.new_page()
        page.set_default_timeout(30_000)
        if width == 1366:
            page.goto(base + "/import")
            page.set_input_files("#import-toml input[type=file]", str(SCENARIOS / "uten-bostotte.toml"))
            page.click("#import-toml button[type=submit]")
            page.wait_for_selector("#import-report")
        page.goto(base + "/husstand/uten-bostotte")
        section = page.locator("#if-granted")
        assert section.is_visible()
        assert "Hvis bostøtte søkes og innvilges" in section.inner_text()
        assert page.inner_text("#if-granted-deadline") == "25.01.2026"
        problems += [f"{width}px: {p}" for p in _axe_problems(page)]
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if scroll > inner:
            problems.append(f"{width}px: the page scrolls sideways ({scroll} > {inner} px)")
        ctx.close()
    assert problems == [], "\n".join(problems)

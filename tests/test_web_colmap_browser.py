"""Choosing columns in the page, in a real Chromium (Debian's chromium + Playwright): a bank
statement and a rent ledger whose columns nothing fits are mapped with the selects, read, and
the map offered for download; axe-core finds no serious problem on any of these pages at 1366
and 390 px, and none scrolls sideways."""

from __future__ import annotations

import pytest
from _browser import chromium, require_browser
from test_web_browser import _axe_problems, _serve
from test_web_colmap import ODD_LEDGER_HEADER, odd_ledger, odd_statement

sync_api = require_browser()
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(__name__)]  # a browser; in order on one worker
WIDTHS = (1366, 390)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from _serve(tmp_path_factory.mktemp("web-colmap"))


browser = pytest.fixture(scope="module", name="browser")(chromium)


def _check(page, name: str, width: int) -> list[str]:
    problems = [f"{name} @ {width}px: {p}" for p in _axe_problems(page)]
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if scroll > inner:
        problems.append(f"{name} @ {width}px: the page scrolls sideways ({scroll} > {inner} px)")
    return problems


def _choose(page, chosen: dict[str, str]) -> None:
    for ours, theirs in chosen.items():
        page.select_option(f"#kolonne-{ours}", theirs)


@pytest.mark.parametrize("width", WIDTHS)
def test_statement_columns_chosen_in_the_page(browser, server, width):
    base, _ = server
    ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="nb-NO")
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    data = {"name": "konto.csv", "mimeType": "text/csv", "buffer": odd_statement()}
    page.goto(base + "/husstand/ny")
    page.set_input_files("#f-statement", files=[data])
    page.click("#statement-submit")
    page.wait_for_selector("#colmap-form")
    problems = _check(page, "statement-choose", width)
    assert page.input_value("#kolonne-date") == "Posteringsdag"  # guessed from the cells: a date column
    _choose(page, {"date": "Posteringsdag", "text": "Spesifikasjon", "in": "Kroner inn", "out": "Kroner ut"})
    page.select_option("#kolonne-amount", "")
    page.set_input_files("#colmap-file", files=[data])
    page.click("#colmap-submit")
    page.wait_for_selector("#statement-found")
    assert "konto.csv.kolonner.toml" in page.inner_text("#colmap")
    assert page.get_attribute("#colmap-download", "download") == "konto.csv.kolonner.toml"
    problems += _check(page, "statement-mapped", width)
    ctx.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("width", WIDTHS)
def test_ledger_columns_chosen_in_the_page(browser, server, width):
    base, _ = server
    ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="nb-NO")
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    data = {"name": "reskontro.csv", "mimeType": "text/csv", "buffer": odd_ledger()}
    page.goto(base + "/reskontro")
    page.set_input_files("#ledger-form input[name=ledger]", files=[data])
    page.click("#ledger-form button[type=submit]")
    page.wait_for_selector("#colmap-form")
    assert all(c in page.inner_text("#colmap") for c in ODD_LEDGER_HEADER.split(";"))
    problems = _check(page, "ledger-choose", width)
    # guessed from the cells: dates, amounts, booking words, the id that repeats
    assert [page.input_value(f"#kolonne-{k}") for k in ("tenancy", "date", "kind", "amount")] == [
        "LF-nr", "Posteringsdag", "Art", "Kroner"]
    _choose(page, {"tenancy": "LF-nr", "date": "Posteringsdag", "kind": "Art", "amount": "Kroner"})
    page.set_input_files("#colmap-file", files=[data])
    page.click("#colmap-submit")
    page.wait_for_selector("#ledger-summary")
    assert page.get_attribute("#colmap-download", "download") == "reskontro.csv.kolonner.toml"
    problems += _check(page, "ledger-mapped", width)
    ctx.close()
    assert problems == [], "\n".join(problems)

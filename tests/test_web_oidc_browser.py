"""Office login, roles and offices in a real Chromium: `planner serve --oidc FILE` against the
local OpenID Connect provider (tests/oidc_provider.py), as three people of one kommune: a
caseworker at Bydel Sagene, one at Bydel Alna and an administrator. Fails in CI without
Chromium (tests/_browser.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _browser import ARGS, CHROMIUM, require_browser

sync_api = require_browser()
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(__name__)]  # a browser; in order on one worker
from oidc_provider import Provider, Running, config_text  # noqa: E402
from test_web_browser import WIDTHS, _check_page, _serve  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
PEOPLE = {
    "siv": {"preferred_username": "siv@testby.kommune.no", "department": "Bydel Sagene", "roles": ["planner.user"]},
    "ali": {"preferred_username": "ali@testby.kommune.no", "department": "Bydel Alna", "roles": ["planner.user"]},
    "per": {"preferred_username": "per@testby.kommune.no", "roles": ["planner.admin"]},
}


@pytest.fixture(scope="module")
def provider():
    with Running(Provider(dict(PEOPLE))) as p:
        yield p


@pytest.fixture(scope="module")
def server(tmp_path_factory, provider):
    tmp = tmp_path_factory.mktemp("oidc")
    (tmp / "oidc.toml").write_text(config_text(provider, office_claim='"department"'))
    yield from _serve(tmp, "--oidc", str(tmp / "oidc.toml"))


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _signed_in(browser, base: str, person: str, width: int = 1366):
    ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="nb-NO")
    ctx.set_default_timeout(30_000)
    page = ctx.new_page()
    page.goto(base + "/")
    assert page.url.endswith("/login")
    page.click("#oidc-login")
    page.wait_for_selector("#person")  # the provider's own login page
    page.select_option("#person", person)
    with page.expect_navigation(url=base + "/"):
        page.click("#approve")
    return ctx, page


def test_offices_and_roles_through_the_kommunes_login(browser, server, tmp_path):
    base, _ = server
    problems: list[str] = []
    for width in WIDTHS:  # the login page with the provider's button
        ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="nb-NO")
        page = ctx.new_page()
        page.goto(base + "/login")
        assert page.inner_text("#oidc-login") == "Logg inn med Testkommunens innlogging"
        problems += _check_page(page, "oidc-login", width, tmp_path)
        ctx.close()

    siv_ctx, siv = _signed_in(browser, base, "siv")
    siv.goto(base + "/import")
    siv.set_input_files("#import-toml input[type=file]", str(SCENARIOS / "alt-i-orden.toml"))
    with siv.expect_navigation():
        siv.click("#import-toml button[type=submit]")
    siv.goto(base + "/")
    assert siv.locator("a[href='/husstand/alt-i-orden']").count() >= 1
    siv.goto(base + "/husstand/alt-i-orden/sak")
    assert "Bydel Sagene" in siv.inner_text("#office") and "vises bare der" in siv.inner_text("#office")
    siv.goto(base + "/innstillinger")  # a caseworker sees the settings, cannot change them
    assert "Bare en administrator" in siv.inner_text("#admin-only")
    assert siv.locator("#save-settings").count() == 0

    ali_ctx, ali = _signed_in(browser, base, "ali")
    ali.goto(base + "/")
    assert ali.locator("a[href='/husstand/alt-i-orden']").count() == 0
    answer = ali.goto(base + "/husstand/alt-i-orden")
    assert answer.status == 404

    siv.goto(base + "/husstand/alt-i-orden/sak")  # Sagene shares the case with every office
    with siv.expect_navigation():
        siv.click("#share")
    assert "delt med alle kontor" in siv.inner_text("#office")
    assert ali.goto(base + "/husstand/alt-i-orden").status == 200

    for width in WIDTHS:  # the administrator: every case, the sessions, who opened the case
        per_ctx, per = _signed_in(browser, base, "per", width)
        per.goto(base + "/okter")
        text = per.inner_text("#sessions")
        assert "siv@testby.kommune.no" in text and "ali@testby.kommune.no" in text
        problems += _check_page(per, "sessions", width, tmp_path)
        per.goto(base + "/husstand/alt-i-orden/sak")
        assert "siv@testby.kommune.no" in per.inner_text("#access-log")
        problems += _check_page(per, "record-admin", width, tmp_path)
        per_ctx.close()
    siv_ctx.close()
    ali_ctx.close()
    assert problems == [], "\n".join(problems)

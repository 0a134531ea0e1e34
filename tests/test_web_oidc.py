"""Office login through the kommune's identity provider (OpenID Connect), against the local test
provider in tests/oidc_provider.py (issue 28, point 1)."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from planner.web.app import create_app
from planner.web.core import Settings
from planner.web.oidc import OidcConfigError, claim_key, read_oidc_config
from tests.oidc_provider import Provider, Running, config_text, free_port
from tests.test_web_security import BASE, token

PEOPLE = {
    "kari": {"preferred_username": "kari@testby.kommune.no", "name": "Kari Nordmann", "roles": ["planner.user"]},
    "per": {"preferred_username": "per@testby.kommune.no", "name": "Per Admin", "roles": ["planner.user", "planner.admin"]},
    "ukjent": {"name": "Uten brukernavn"},
    "idporten": {"pid": "01010112345"},
}


@pytest.fixture(scope="module")
def provider():
    with Running(Provider(dict(PEOPLE))) as p:
        yield p


def _app(tmp_path, provider_or_text, **settings):
    text = provider_or_text if isinstance(provider_or_text, str) else config_text(provider_or_text)
    path = tmp_path / "oidc.toml"
    path.write_text(text)
    return create_app(f"sqlite:///{tmp_path / 'web.db'}", None, secret="test-secret",
                      settings=Settings(time_limit_s=5, oidc=read_oidc_config(path), **settings))


def _login(c: TestClient, person: str) -> httpx.Response:
    """The whole round: planner -> the provider's login page -> back to planner's callback."""
    start = c.get("/login/oidc", follow_redirects=False)
    assert start.status_code == 302, start.text[:300]
    where = urlsplit(start.headers["location"])
    form = dict(parse_qsl(where.query), person=person)
    answer = httpx.post(f"{where.scheme}://{where.netloc}/authorize", data=form)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["location"])
    assert f"{back.scheme}://{back.netloc}" == BASE and back.path == "/login/oidc/svar"
    return c.get(f"{back.path}?{back.query}", follow_redirects=False)


def test_login_through_the_provider_with_roles_from_its_claims(tmp_path, provider, caplog):
    app = _app(tmp_path, provider)
    with caplog.at_level(logging.INFO, logger="planner.web"), \
            TestClient(app, base_url=BASE) as kari, TestClient(app, base_url=BASE) as per:
        assert kari.get("/", follow_redirects=False).headers["location"] == "/login"
        page = kari.get("/login").text
        assert "Logg inn med Testkommunens innlogging" in page and 'name="password"' not in page
        assert _login(kari, "kari").headers["location"] == "/"
        assert kari.get("/").status_code == 200
        assert _login(per, "per").status_code == 303
        assert kari.get("/okter").status_code == 403  # a caseworker
        sessions = per.get("/okter")  # an administrator, by the provider's role claim
        assert sessions.status_code == 200 and "kari@testby.kommune.no" in sessions.text
        assert {s["user"] for s in app.state.store.session_list()} == {"kari@testby.kommune.no", "per@testby.kommune.no"}
        kari.post("/logout", data={"csrf_token": token(kari, "/")})
        assert kari.get("/", follow_redirects=False).headers["location"] == "/login"
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "kari" not in text and "Nordmann" not in text


def test_a_forged_token_a_replayed_answer_and_a_stranger_are_refused(tmp_path, provider):
    app = _app(tmp_path, provider)
    with TestClient(app, base_url=BASE) as c:
        provider.tampered = True
        try:
            r = _login(c, "kari")  # signed with a key that is not the provider's
        finally:
            provider.tampered = False
        assert r.status_code == 401 and "avbrutt eller avvist" in r.text
        assert c.get("/", follow_redirects=False).headers["location"] == "/login"
        # an answer whose state this browser never asked for
        r = c.get("/login/oidc/svar?code=abc&state=someone-elses", follow_redirects=False)
        assert r.status_code == 401
        r = _login(c, "ukjent")  # signed in at the provider, but no user name
        assert r.status_code == 403 and "har ikke tilgang til planner" in r.text
    assert app.state.store.session_list() == []


def test_idporten_style_login_maps_the_hashed_pid_and_never_stores_it(tmp_path, provider, caplog):
    text = config_text(provider, user_claim='"pid"', hash_user_claim="true") + \
        f'[users]\n"{claim_key("01010112345")}" = "ola:admin"\n'
    app = _app(tmp_path, text)
    with caplog.at_level(logging.INFO), TestClient(app, base_url=BASE) as c:
        assert _login(c, "idporten").status_code == 303
        assert c.get("/okter").status_code == 200
        assert [s["user"] for s in app.state.store.session_list()] == ["ola"]
        assert _login(TestClient(app, base_url=BASE), "kari").status_code == 403  # not in [users]
    with app.state.store.engine.connect() as conn:
        dump = "\n".join(str(r) for t in ("sessions", "access_log") for r in conn.execute(sa.text(f"select * from {t}")))
    assert "01010112345" not in dump and "01010112345" not in caplog.text


def test_a_provider_that_does_not_answer_gives_a_message_not_an_error(tmp_path):
    down = Provider({}, port=free_port())  # never started
    app = _app(tmp_path, down)
    with TestClient(app, base_url=BASE) as c:
        r = c.get("/login/oidc")
        assert r.status_code == 502 and "svarer ikke" in r.text


def test_password_users_and_the_provider_side_by_side(tmp_path, provider):
    from planner.web.auth import add_user

    users = tmp_path / "users.txt"
    add_user(users, "lokal-kari", "riktig-passord")
    (tmp_path / "oidc.toml").write_text(config_text(provider))
    app = create_app(f"sqlite:///{tmp_path / 'web.db'}", users, secret="test-secret",
                     settings=Settings(time_limit_s=5, oidc=read_oidc_config(tmp_path / "oidc.toml")))
    with TestClient(app, base_url=BASE) as c:
        page = c.get("/login").text
        assert 'id="oidc-login"' in page and 'name="password"' in page
        r = c.post("/login", data={"csrf_token": token(c, "/login"), "username": "lokal-kari",
                                   "password": "riktig-passord"}, follow_redirects=False)
        assert r.status_code == 303 and c.get("/").status_code == 200
        assert "samesite=lax" in r.headers["set-cookie"].lower()  # the provider's answer must bring it


@pytest.mark.parametrize("text, message", [
    ('client_id = "x"\nclient_secret = "y"\n', "issuer: expected a text"),
    ('issuer = "http://idp.example"\nclient_id = "x"\nclient_secret = "y"\n', "issuer: expected an https://"),
    ('issuer = "https://idp.example"\nclient_id = "x"\nclient_secret_env = "PLANNER_TEST_UNSET_SECRET"\n',
     "the environment variable PLANNER_TEST_UNSET_SECRET is not set"),
    ('issuer = "https://idp.example"\nclient_id = "x"\nclient_secret = "y"\nroles = 1\n', "roles: unknown key"),
    ('issuer = "https://idp.example"\nclient_id = "x"\nclient_secret = "y"\nhash_user_claim = true\n',
     "hash_user_claim needs a [users] table"),
    ('issuer = "https://idp.example"\nclient_id = "x"\nclient_secret = "y"\n[users]\nabc = "kari:sjef"\n',
     "users.abc: expected"),
    ("issuer = ", "not a TOML file"),
])
def test_a_bad_oidc_file_is_refused_with_the_file_and_key(tmp_path, text, message):
    path = tmp_path / "oidc.toml"
    path.write_text(text)
    with pytest.raises(OidcConfigError, match=message.replace("[", r"\[").replace("]", r"\]")) as info:
        read_oidc_config(path)
    assert str(info.value).startswith(str(path))


def test_serve_refuses_a_bad_oidc_file_in_one_line(tmp_path):
    from click.testing import CliRunner

    from planner.cli import main

    (tmp_path / "oidc.toml").write_text('issuer = "http://idp.example"\n')
    r = CliRunner().invoke(main, ["serve", "--oidc", str(tmp_path / "oidc.toml")])
    assert r.exit_code == 2 and r.output.count("\n") == 1 and "issuer: expected an https://" in r.output

"""The Hjelp pages: the caseworkers' guide (docs/saksbehandler/*.md) served as HTML, a link to it
from every page where its task is done, and nothing served from outside the guide."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from planner.web.app import create_app
from planner.web.routes import help as guide

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "saksbehandler"


@pytest.fixture()
def client(tmp_path):
    app = create_app(f"sqlite:///{tmp_path / 'p.db'}", secret="test-secret")
    with TestClient(app, base_url="http://127.0.0.1") as c:  # a loopback Host, as a browser sends
        yield c


def test_every_guide_page_is_served_with_its_title_and_the_menu(client):
    names = sorted(p.stem for p in GUIDE.glob("*.md"))
    assert {"index", "ny-husstand", "plan", "brev", "sak"} <= set(names)
    for name in names:
        r = client.get("/hjelp" if name == "index" else f"/hjelp/{name}")
        assert r.status_code == 200, name
        title = next(line[2:] for line in (GUIDE / f"{name}.md").read_text(encoding="utf-8").splitlines()
                     if line.startswith("# "))
        assert f"<h1>{title}</h1>" in r.text
        assert 'href="/hjelp"' in r.text  # the header's link
        assert ".md\"" not in r.text and "../screenshots" not in r.text, name  # links rewritten


def test_the_guide_renders_markdown_and_its_links_and_pictures_resolve(client):
    page = client.get("/hjelp/ny-husstand").text
    assert "<strong>Saldo i dag</strong>" in page and "<li>" in page
    for href in set(re.findall(r'href="(/hjelp[^"#]*)', page)):
        assert client.get(href).status_code == 200, href
    pictures = re.findall(r'src="(/hjelp/bilder/[^"]+)"', page)
    assert pictures
    for src in pictures:
        r = client.get(src)
        assert r.status_code == 200 and r.headers["content-type"] == "image/png" and r.content[:4] == b"\x89PNG"


@pytest.mark.parametrize("path", ["/hjelp/finnes-ikke", "/hjelp/..%2F..%2FREADME", "/hjelp/bilder/..%2Fplan.schema.json",
                                  "/hjelp/bilder/list.svg", "/hjelp/INDEX"])
def test_unknown_or_outside_pages_are_404_in_norwegian(client, path):
    r = client.get(path)
    assert r.status_code == 404 and ("finnes ikke" in r.text or "Fant ikke siden" in r.text)
    assert "Tenants in municipal housing" not in r.text and '"$schema"' not in r.text


@pytest.mark.parametrize(("path", "page"), [("/", "index"), ("/husstand/ny", "ny-husstand"),
                                            ("/oppfolging", "oppfolging"), ("/import", "import"),
                                            ("/reskontro", "reskontro"), ("/innstillinger", "innstillinger"),
                                            ("/konto", "innstillinger"), ("/papirkurv", "sak")])
def test_each_task_page_links_to_its_help(client, path, page):
    r = client.get(path)
    assert r.status_code == 200
    href = "/hjelp" if page == "index" else f"/hjelp/{page}"
    assert f'<p class="help-link"><a href="{href}">Hjelp til denne siden</a></p>' in r.text


def test_household_pages_map_to_their_help():
    assert guide.help_for("/husstand/hh-1") == "plan"
    assert guide.help_for("/husstand/hh-1/endre") == "ny-husstand"
    assert guide.help_for("/husstand/hh-1/brevutkast/tenant") == "brev"
    assert guide.help_for("/husstand/hh-1/sak") == "sak"
    assert guide.help_for("/husstand/hh-1/hva-om") == "plan"
    assert guide.help_for("/hjelp/plan") is None
    assert all((GUIDE / f"{page}.md").is_file() for _, page in guide.HELP_FOR)


def test_without_the_guide_the_page_says_so_instead_of_failing(client, monkeypatch, tmp_path):
    """A non-editable install has no docs/ beside the package: Hjelp answers a message, never a 500,
    and the pages lose their help link rather than pointing at nothing."""
    monkeypatch.setattr(guide, "GUIDE", tmp_path / "none")
    r = client.get("/hjelp")
    assert r.status_code == 404 and "Hjelpesidene finnes ikke i denne installasjonen" in r.text
    assert 'class="help-link"' not in client.get("/husstand/ny").text

""""Hjelp": the caseworker's guide (docs/saksbehandler/*.md, Norwegian) served as pages of the web
application, so the help a caseworker reads is the same text as the documentation site's.

The Markdown is rendered with the `markdown` library (tables, fenced code); links between the
guide's pages (`plan.md`) become `/hjelp/plan`, and screenshots (`../screenshots/x.png`) are
served from docs/screenshots/ under `/hjelp/bilder/x.png`. The guide is read from the checkout
the package runs from (an editable install, as the README's set-up does); without it the page
says so instead of failing. `HELP_FOR` says which guide page belongs to which page of the
application: `base.html` links to it from every page where that task is done.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from ..core import web_of

router = APIRouter()

ROOT = Path(__file__).resolve().parents[3]
GUIDE = ROOT / "docs" / "saksbehandler"
SCREENSHOTS = ROOT / "docs" / "screenshots"
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,60}$")
_IMAGE = re.compile(r"^[a-z0-9][a-z0-9-]{0,60}\.png$")

#: (path pattern, guide page): the first pattern that matches a page's path names its help
HELP_FOR: list[tuple[re.Pattern[str], str]] = [(re.compile(p), page) for p, page in (
    (r"^/husstand/ny", "ny-husstand"),
    (r"^/husstand/[^/]+/endre$", "ny-husstand"),
    (r"^/husstand/[^/]+/hva-om$", "plan"),
    (r"^/husstand/[^/]+/brevutkast/", "brev"),
    (r"^/husstand/[^/]+/(sak|historikk)$", "sak"),
    (r"^/husstand/[^/]+$", "plan"),
    (r"^/oppfolging$", "oppfolging"),
    (r"^/import", "import"),
    (r"^/reskontro", "reskontro"),
    (r"^/statistikk$", "statistikk"),
    (r"^/(innstillinger|konto)$", "innstillinger"),
    (r"^/papirkurv$", "sak"),
    (r"^/$", "index"),
)]


def help_for(path: str) -> str | None:
    """The guide page for the application page at `path`, if the guide has one."""
    for pattern, page in HELP_FOR:
        if pattern.search(path):
            return page if (GUIDE / f"{page}.md").is_file() else None
    return None


def _href(name: str) -> str:
    return "/hjelp" if name == "index" else f"/hjelp/{name}"


def _rewrite_links(html: str) -> str:
    """Guide links to the help pages, screenshot sources to `/hjelp/bilder/`; a link that leaves
    the guide (to the developers' documentation) keeps its text and loses its target."""
    def link(m: re.Match[str]) -> str:
        attr, target = m.group(1), m.group(2)
        page = re.fullmatch(r"([a-z0-9-]+)\.md(#[\w-]+)?", target)
        if page:
            return f'{attr}="{_href(page.group(1))}{page.group(2) or ""}"'
        shot = re.fullmatch(r"\.\./screenshots/([a-z0-9-]+\.png)", target)
        if shot:
            return f'{attr}="/hjelp/bilder/{shot.group(1)}"'
        if target.startswith(("#", "/", "https://")):
            return m.group(0)
        return f'{attr}="/hjelp"'
    return re.sub(r'\b(href|src)="([^"]*)"', link, html)


@lru_cache(maxsize=64)
def _render(path: Path, _mtime: float) -> tuple[str, str]:
    """(title, HTML body) of one guide page; cached per file version
    (`_mtime` is only the cache key: an edited page is read again)."""
    import markdown

    text = path.read_text(encoding="utf-8")
    title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), path.stem)
    body = markdown.markdown(text, extensions=["tables", "fenced_code", "sane_lists"], output_format="html")
    return title, _rewrite_links(body)


def pages() -> list[tuple[str, str]]:
    """(name, title) of every guide page, the overview first."""
    if not GUIDE.is_dir():
        return []
    names = sorted(p.stem for p in GUIDE.glob("*.md") if _NAME.match(p.stem))
    names.sort(key=lambda n: n != "index")
    return [(n, _render(GUIDE / f"{n}.md", (GUIDE / f"{n}.md").stat().st_mtime)[0]) for n in names]


def _page(request: Request, name: str) -> HTMLResponse:
    web = web_of(request)
    path = GUIDE / f"{name}.md"
    if not _NAME.match(name) or not path.is_file():
        text = ("Hjelpesidene finnes ikke i denne installasjonen (de ligger i docs/saksbehandler/ i kildekoden)."
                if not GUIDE.is_dir() else "Denne hjelpesiden finnes ikke.")
        return web.render(request, "message.html", {"title": "Hjelp", "text": text}, status=404)
    title, body = _render(path, path.stat().st_mtime)
    return web.render(request, "help.html", {"title": title, "body": body, "pages": pages(),
                                             "current": name, "href": _href})


@router.get("/hjelp", response_class=HTMLResponse)
def help_index(request: Request):
    return _page(request, "index")


@router.get("/hjelp/bilder/{image}")
def help_image(request: Request, image: str):
    path = SCREENSHOTS / image
    if not _IMAGE.match(image) or not path.is_file():
        return web_of(request).render(request, "message.html", {"title": "Hjelp", "text": "Bildet finnes ikke."},
                                      status=404)
    return FileResponse(path, media_type="image/png")


@router.get("/hjelp/{name}", response_class=HTMLResponse)
def help_page(request: Request, name: str):
    return _page(request, name)

"""The documentation site: `mkdocs build --strict` passes (no broken link, no missing anchor,
no warning), and every Markdown page under docs/ is in mkdocs.yml's navigation."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _nav_pages(nav) -> list[str]:
    out: list[str] = []
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        out += _nav_pages(value) if isinstance(value, list) else [value]
    return out


def _config() -> dict:
    yaml = pytest.importorskip("yaml")  # mkdocs depends on PyYAML

    class Loader(yaml.SafeLoader):
        pass
    # mkdocs.yml may use mkdocs' own tags (!ENV, !relative); none are needed to read the nav
    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)


def test_every_docs_page_is_in_the_navigation():
    nav = _nav_pages(_config()["nav"])
    assert len(nav) == len(set(nav)), "a page is twice in mkdocs.yml's nav"
    pages = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    assert pages - set(nav) == set(), "add these pages to mkdocs.yml's nav"
    assert set(nav) - pages == set(), "mkdocs.yml's nav names pages that do not exist"


def test_the_site_builds_strict_without_warnings(tmp_path):
    try:
        import mkdocs  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("mkdocs is not installed (pip install -e '.[test]')")
        pytest.skip("mkdocs is not installed (pip install -e '.[test]')")
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    warnings = [line for line in r.stderr.splitlines() if line.startswith(("WARNING", "ERROR"))]
    assert r.returncode == 0 and not warnings, r.stderr
    assert (tmp_path / "site" / "reference" / "cli" / "index.html").exists()
    assert (tmp_path / "site" / "saksbehandler" / "index.html").exists()


def test_readme_is_short_and_links_into_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    import re
    for target in re.findall(r"\]\((docs/[^)#\s]+)", readme):
        assert (ROOT / target).exists(), target

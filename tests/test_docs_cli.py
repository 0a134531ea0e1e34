"""docs/reference/cli.md is what docs/gen_cli.py makes from the click commands today, and it names
every option of every command (checked here from the commands themselves, not from the
generator's output)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("gen_cli", ROOT / "docs" / "gen_cli.py")
assert spec and spec.loader
gen_cli = importlib.util.module_from_spec(spec)
sys.modules["gen_cli"] = gen_cli
spec.loader.exec_module(gen_cli)

REFERENCE = ROOT / "docs" / "reference" / "cli.md"


def test_the_cli_reference_is_current():
    # in a process of its own: click caches help options on a command once CliRunner has run it,
    # so a render after other tests in this process would not be what a user's `--help` shows
    r = subprocess.run([sys.executable, str(ROOT / "docs" / "gen_cli.py"), "--check"], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## `planner ([\w-]+)`$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_every_option_of_every_command_is_in_the_reference():
    group = gen_cli.load_group()
    ctx = click.Context(group, info_name="planner")
    sections = _sections(REFERENCE.read_text(encoding="utf-8"))
    names = group.list_commands(ctx)
    assert sorted(sections) == sorted(names)
    assert len(names) >= 10
    for name in names:
        cmd = group.get_command(ctx, name)
        options = [p for p in cmd.params if isinstance(p, click.Option)]
        assert options, name
        for p in options:
            for opt in (*p.opts, *p.secondary_opts):
                assert f"`{opt}`" in sections[name], f"planner {name} {opt} is missing from {REFERENCE.name}"
            if p.help:
                assert " ".join(p.help.split()).replace("|", "\\|")[:40] in sections[name], (name, p.opts)

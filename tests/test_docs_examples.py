"""Examples that cannot drift: every fenced block with the info string `console` in README.md and
docs/**/*.md is run, and what it prints must be what the block shows.

In a block, a line starting with `$ ` is a command, run by bash from a scratch folder that holds
the repository's files (so `scenarios/...` and `docs/...` resolve, and what a command writes stays
out of the checkout); the lines after it, up to the next `$ ` or the end of the block, are its
output, stdout and stderr together. A line `...` matches any number of lines. `planner` is this
checkout's command line (`python -m planner`, or the top-level `cli.py` where there is no
`planner/__main__.py`), `python` the interpreter running the tests. A command of a subcommand
that takes `--as-of` must give it, so the example prints the same on every day.

Update mode rewrites the shown outputs in place, keeping each block's commands and the number of
lines shown before and after its `...`:

    PLANNER_DOCS_UPDATE=1 python -m pytest tests/test_docs_examples.py
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UPDATE = os.environ.get("PLANNER_DOCS_UPDATE") == "1"
FENCE = re.compile(r"^(`{3,}|~{3,})\s*(\S*)")


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


@dataclass
class Example:
    command: str
    expected: list[str] = field(default_factory=list)


@dataclass
class Block:
    start: int  # index of the first line inside the fence
    end: int    # index of the closing fence
    examples: list[Example]


def parse(lines: list[str]) -> list[Block]:
    """The `console` blocks of a Markdown file, each as its commands and shown outputs."""
    blocks, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m.group(1), m.group(2)
        j = i + 1
        while j < len(lines) and not lines[j].startswith(fence[0] * len(fence)):
            j += 1
        if info == "console":
            examples: list[Example] = []
            for line in lines[i + 1:j]:
                if line.startswith("$ "):
                    examples.append(Example(line[2:]))
                elif examples:
                    examples[-1].expected.append(line.rstrip())
                elif line.strip():
                    raise ValueError(f"line {i + 2}: a console block must start with a `$ ` command")
            blocks.append(Block(i + 1, j, examples))
        i = j + 1
    return blocks


def matches(expected: list[str], actual: list[str]) -> bool:
    """`expected` equals `actual`, each `...` line standing for any number of lines."""
    memo: dict[tuple[int, int], bool] = {}

    def go(e: int, a: int) -> bool:
        if (e, a) not in memo:
            if e == len(expected):
                memo[e, a] = a == len(actual)
            elif expected[e] == "...":
                memo[e, a] = any(go(e + 1, k) for k in range(a, len(actual) + 1))
            else:
                memo[e, a] = a < len(actual) and expected[e] == actual[a] and go(e + 1, a + 1)
        return memo[e, a]
    return go(0, 0)


def shown(expected: list[str], actual: list[str]) -> list[str]:
    """What update mode writes: all of `actual`, or, where `expected` has `...`, as many of its
    first and last lines as `expected` shows, and each part between two `...` taken afresh from
    where its first line stands in `actual` (a part whose first line is gone is left out)."""
    if "..." not in expected:
        return actual
    parts: list[list[str]] = [[]]
    for line in expected:
        if line == "...":
            parts.append([])
        else:
            parts[-1].append(line)
    head, middle, tail = parts[0], parts[1:-1], parts[-1]
    if len(actual) <= len(head) + len(tail):
        return actual
    out, at = actual[:len(head)], len(head)
    end = len(actual) - len(tail)
    for part in middle:
        if not part:
            continue
        found = next((i for i in range(at, end) if actual[i] == part[0]), None)
        if found is None:
            continue
        out += ["...", *actual[found:min(found + len(part), end)]]
        at = found + len(part)
    return out + ["..."] + actual[end:]


def _trim(lines: list[str]) -> list[str]:
    lines = [line.rstrip() for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _planner_argv() -> list[str]:
    module = "planner" if (ROOT / "planner" / "__main__.py").exists() else "cli"
    return [sys.executable, "-m", module]


def _commands_with_as_of() -> set[str]:
    import click

    sys.path.insert(0, str(ROOT))
    try:
        group = None
        for name in ("planner.cli", "cli"):
            try:
                group = __import__(name, fromlist=["main"]).main
                break
            except ModuleNotFoundError:
                continue
    finally:
        sys.path.remove(str(ROOT))
    assert isinstance(group, click.Group)
    return {name for name, cmd in group.commands.items()
            if any("--as-of" in p.opts for p in cmd.params if isinstance(p, click.Option))}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A scratch folder with the repository's files linked in, and `planner` and `python` on PATH."""
    def make(name: str) -> tuple[Path, dict[str, str]]:
        work = tmp_path_factory.mktemp(name)
        for entry in ROOT.iterdir():
            if entry.name not in (".git", "site") and not entry.name.startswith(".venv"):
                (work / entry.name).symlink_to(entry)
        bin_dir = tmp_path_factory.mktemp("bin")
        for tool, argv in (("planner", _planner_argv()), ("python", [sys.executable]), ("python3", [sys.executable])):
            script = bin_dir / tool
            script.write_text("#!/bin/sh\nexec " + " ".join(shlex.quote(a) for a in argv) + ' "$@"\n')
            script.chmod(0o755)
        env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
               "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", "NO_COLOR": "1", "TERM": "dumb",
               "COLUMNS": "120", "PLANNER_HOME": str(work / ".planner-home"), "MPLBACKEND": "Agg"}
        env.pop("PLANNER_TODAY", None)
        return work, env
    return make


def run(command: str, work: Path, env: dict[str, str]) -> list[str]:
    r = subprocess.run(["bash", "-c", command], cwd=work, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=300)
    return _trim(r.stdout.replace(f"{work}/", "").splitlines())


FILES = [p for p in doc_files() if "```console" in p.read_text(encoding="utf-8")]


@pytest.fixture(scope="module")
def outputs(workdir) -> dict[tuple[str, ...], list[list[str]]]:
    """What each distinct block's commands print, run once per block (in a fresh folder each) and
    a few blocks at a time: the commands are slow to start (solver, pandas) and mostly wait."""
    from concurrent.futures import ThreadPoolExecutor

    blocks = {tuple(ex.command for ex in b.examples)
              for path in FILES for b in parse(path.read_text(encoding="utf-8").split("\n"))}
    folders = {cmds: workdir("example") for cmds in sorted(blocks)}

    def run_block(cmds: tuple[str, ...]) -> list[list[str]]:
        work, env = folders[cmds]
        return [run(c, work, env) for c in cmds]
    with ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2))) as pool:
        return dict(zip(folders, pool.map(run_block, folders), strict=True))


def test_docs_have_console_examples():
    names = {p.relative_to(ROOT).as_posix() for p in FILES}
    assert "README.md" in names and len(names) >= 4, names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_console_examples_print_what_they_show(path: Path, outputs):
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    blocks = parse(lines)
    as_of = _commands_with_as_of()
    failures: list[str] = []
    new_lines = list(lines)
    for block in reversed(blocks):  # bottom up, so earlier blocks keep their line numbers on update
        printed = outputs[tuple(ex.command for ex in block.examples)]
        body: list[str] = []
        for ex, actual in zip(block.examples, printed, strict=True):
            words = ex.command.split()
            if words[:1] == ["planner"] and len(words) > 1 and words[1] in as_of and "--as-of" not in words:
                failures.append(f"{path.name}:{block.start}: `{ex.command}` must pin its date with --as-of")
            if not matches(_trim(ex.expected), actual):
                failures.append(f"{path.name}:{block.start}: `{ex.command}` printed\n" + "\n".join(actual)
                                + "\n--- but the block shows ---\n" + "\n".join(ex.expected))
            body += [f"$ {ex.command}", *shown(_trim(ex.expected), actual)]
        new_lines[block.start:block.end] = body
    if UPDATE:
        new = "\n".join(new_lines)
        if new != text:
            path.write_text(new, encoding="utf-8")
        return
    assert not failures, ("\n\n".join(failures)
                          + "\n\n(PLANNER_DOCS_UPDATE=1 python -m pytest tests/test_docs_examples.py rewrites the outputs)")


def test_the_matcher():
    assert matches(["a", "...", "z"], ["a", "b", "c", "z"])
    assert matches(["a", "..."], ["a"]) and matches(["...", "z"], ["z"])
    assert not matches(["a", "...", "z"], ["a", "b"])
    assert not matches(["a", "b"], ["a", "b", "c"])
    assert shown(["a", "b", "...", "z"], ["1", "2", "3", "4", "5"]) == ["1", "2", "...", "5"]
    assert shown(["a", "..."], ["1"]) == ["1"]
    assert shown(["...", "T", "x", "..."], ["1", "T", "2", "3", "4"]) == ["...", "T", "2", "..."]
    assert shown(["...", "gone", "..."], ["1", "2"]) == ["..."]
    blocks = parse(["x", "```console", "$ echo hi", "hi", "$ true", "```", "```sh", "$ no", "```"])
    assert [(b.start, b.end, [(e.command, e.expected) for e in b.examples]) for b in blocks] == [
        (2, 5, [("echo hi", ["hi"]), ("true", [])])]

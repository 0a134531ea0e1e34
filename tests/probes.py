"""The bad-input probes: every command and upload fed broken, hostile and edge-case input,
generated from the bundled files (issue 28). Each probe is one (name, input) pair; the tests in
test_probes_cli.py and test_probes_web.py say what every answer must be: a clear refusal (exit
status 2 with one line naming the file, or a 4xx page) or a normal answer, never a traceback,
an HTTP 500 or a silent loss.

CI runs a fixed sample (every `STRIDE`-th probe of each family); `PLANNER_PROBES=all` runs every
one (see docs/development/testing.md)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
STRIDE = 6

#: values that replace a TOML value: wrong types, edges of every kind, hostile text
TOML_VALUES = [
    '"abc"', "-1", "0", "1e5", "1e400", "nan", "inf", "-inf", "99999999999999999999", "9.999", '""',
    '"\\u0000"', "[1, 2]", "{ a = 1 }", "true", "9999-12-31", "1900-01-01", '"31.12.9999"', '"01010112345"',
    '"' + "x" * 5000 + '"', '"=cmd|\' /C calc\'!A0"', '"<script>alert(1)</script>"', "2026-02-28T25:00:00",
]

#: values that replace a table cell (CSV)
CELL_VALUES = [
    "", "abc", "-1", "0", "1e5", "nan", "inf", "99999999999999999999", "9.500,00-", "(9.500,00)",
    "31.02.2026", "9999-12-31", "1900-01-01", "01010112345", "=HYPERLINK(\"http://x\")", "+1+1", "@SUM(A1)",
    "<script>x</script>", "\u202etxt", "x" * 3000, "1;2", '"', "2026-13-01",
]


def sample(probes: list[tuple[str, object]]) -> list[tuple[str, object]]:
    """Every probe with `PLANNER_PROBES=all`, else every STRIDE-th (the same ones every run)."""
    return probes if os.environ.get("PLANNER_PROBES") == "all" else probes[::STRIDE]


def _value_lines(text: str) -> list[int]:
    return [i for i, line in enumerate(text.splitlines()) if re.match(r"^\s*[a-z_]+\s*=", line)]


def toml_variants(path: Path) -> Iterator[tuple[str, bytes]]:
    """A household file broken every way: each value replaced by each of TOML_VALUES, each line
    deleted and doubled, cut short, re-encoded, and whole-file oddities."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    for i in _value_lines(text):
        key = lines[i].split("=", 1)[0].strip()
        for v in TOML_VALUES:
            changed = lines[:i] + [f"{key} = {v}"] + lines[i + 1:]
            yield f"line {i + 1} {key}={v[:20]}", ("\n".join(changed) + "\n").encode()
        yield f"line {i + 1} deleted", ("\n".join(lines[:i] + lines[i + 1:]) + "\n").encode()
        yield f"line {i + 1} doubled", ("\n".join(lines[:i + 1] + lines[i:]) + "\n").encode()
    data = text.encode()
    for cut in (1, 10, len(data) // 3, len(data) // 2, len(data) - 5):
        yield f"cut at {cut}", data[:cut]
    yield "empty", b""
    yield "bom", b"\xef\xbb\xbf" + data
    yield "crlf", data.replace(b"\n", b"\r\n")
    yield "latin-1", text.encode("latin-1", errors="replace")
    yield "utf-16", text.encode("utf-16")
    yield "binary", bytes(range(256)) * 4
    yield "json instead", b'{"id": "x", "months": 12}'
    yield "no income", ("\n".join(ln for ln in lines if "[[income]]" not in ln) + "\n").encode()
    yield "thousand incomes", (text + '\n[[income]]\nkind = "barnetrygd"\namount = 1\n' * 1000).encode()


def csv_variants(path: Path, encoding: str = "utf-8") -> Iterator[tuple[str, bytes]]:
    """A table broken every way: each cell of the first data rows replaced by each of
    CELL_VALUES, the header changed, rows cut, the file re-encoded."""
    raw = path.read_bytes()
    text = raw.decode(encoding)
    sep = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    rows = [ln.split(sep) for ln in text.splitlines()]
    header = rows[0]
    for col in range(len(header)):
        for v in CELL_VALUES:
            changed = [list(r) for r in rows]
            if len(changed) > 1 and col < len(changed[1]):
                changed[1][col] = v
            yield f"row 2 {header[col]}={v[:16]}", ("\n".join(sep.join(r) for r in changed) + "\n").encode(encoding,
                                                                                                         errors="replace")
        yield f"column {header[col]} missing", ("\n".join(sep.join(r[:col] + r[col + 1:]) for r in rows) + "\n"
                                                 ).encode(encoding, errors="replace")
    yield "header only", (sep.join(header) + "\n").encode(encoding)
    yield "empty", b""
    yield "ragged", ("\n".join(sep.join(r[: max(1, len(r) - (i % 3))]) for i, r in enumerate(rows)) + "\n").encode(
        encoding, errors="replace")
    yield "bom", b"\xef\xbb\xbf" + raw
    yield "nul bytes", raw.replace(b"\n", b"\x00\n", 3)
    yield "binary", bytes(range(256)) * 8
    yield "cut", raw[: len(raw) // 2]
    yield "duplicate rows", raw + b"\n".join(raw.splitlines()[1:4]) + b"\n"

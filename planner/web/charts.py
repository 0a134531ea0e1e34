"""The balance chart before and after a plan as inline SVG (the same drawing as `plan --chart`)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from ..chart import DRAW_LOCK as _LOCK  # pyplot keeps global state: one drawing at a time


def plan_svg(household, plan) -> str:
    """`planner.chart.plan_chart` drawn as SVG text, sized by the page (viewBox, no fixed size)."""
    import matplotlib

    matplotlib.use("Agg")
    from ..chart import plan_chart

    with _LOCK, tempfile.TemporaryDirectory() as tmp, matplotlib.rc_context(
        {"svg.fonttype": "none", "svg.hashsalt": "planner", "font.family": "DejaVu Sans"}
    ):
        out = plan_chart(household, plan, Path(tmp) / "chart.svg")
        text = out.read_text(encoding="utf-8")
    text = text[text.index("<svg"):]
    status_nb = {"solvent": "i orden", "planned": "plan funnet", "infeasible": "ingen plan"}
    text = text.replace(f"({plan.status})", f"({status_nb.get(plan.status, plan.status)})")
    text = re.sub(r'(<svg[^>]*?)\s+width="[^"]*"\s+height="[^"]*"', r"\1", text, count=1)
    text = text.replace("<svg ", '<svg role="img" aria-label="Saldo før og etter plan" class="chart" '
                        'stroke-linejoin="round" stroke-linecap="butt" ', 1)
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    return without_inline_css(text)


def statistics_svg(fig) -> bytes | None:
    """A Statistikk figure's chart as the page serves it: `planner.halfyear.charts.figure_chart`
    with its text as text, matplotlib's CSS turned into attributes (`without_inline_css`); None
    when the figure has nothing to draw, or is None (a helper process's start: the libraries
    loaded). Module-level, so a helper process can be sent it."""
    from ..halfyear.charts import figure_chart

    svg = None if fig is None else figure_chart(fig, "svg", text_as_text=True)
    if svg is None:
        return None
    text = svg.decode("utf-8")
    return without_inline_css(text[text.index("<svg"):]).encode("utf-8")


_STYLE_ATTR = re.compile(r'\sstyle="([^"]*)"')


def without_inline_css(svg: str) -> str:
    """The SVG with matplotlib's CSS (`style="fill: #c0392b"` and a `<style>` rule for line
    joins, moved to the root above) written as presentation attributes (`fill="#c0392b"`).

    The page's Content-Security-Policy (`style-src 'self'`) ignores inline CSS, which would
    draw the chart black; presentation attributes are not CSS and need no exception in it.
    """
    svg = re.sub(r"<defs>\s*<style[^>]*>[^<]*</style>\s*</defs>", "", svg)
    svg = re.sub(r"<style[^>]*>[^<]*</style>", "", svg)

    def attributes(m: re.Match) -> str:
        out = []
        for decl in m.group(1).split(";"):
            name, sep, value = decl.partition(":")
            name, value = name.strip(), value.strip()
            if sep and re.fullmatch(r"[a-z-]+", name) and value:
                out.append(f' {name}="{value}"')
        return "".join(out)

    return _STYLE_ATTR.sub(attributes, svg)

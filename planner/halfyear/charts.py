"""One chart per figure, in the project's chart style (planner/chart.py): matplotlib, the same
blues and greys, Norwegian labels, a white background and type large enough to read on paper.

Charts are drawn from the *shown* cells only (`Table.grid()`), so a hidden count can never
appear as a bar: its row says "< 5" where the bar would be. Output is byte-for-byte stable:
SVG without a date and with a fixed id salt, PNG without the Software tag.
"""

from __future__ import annotations

import io

from .figures import Figure
from .tables import TOTAL, StatTable, Table

COLOURS = ["#1f4e79", "#95a5a6", "#2e86c1", "#c0392b", "#7f8c8d"]
WIDTH_IN = 7.4  # the printable width of an A4 page with 2 cm margins, so text prints at its size


def _panels(fig: Figure) -> list[tuple[str, list[str], list[str], list[list[float | None]], str]]:
    """(title, row labels, series labels, values[row][series] or None when hidden, unit)."""
    out = []
    for t in fig.tables:
        if isinstance(t, Table):
            columns, rows = t.grid()
            keep = [k for k, c in enumerate(columns) if c != TOTAL]
            rows = [(lab, cells) for lab, cells in rows if lab != TOTAL]
            if not rows:
                continue
            out.append((t.title, [r[0] for r in rows], [columns[k] for k in keep],
                        [[None if cells[k].hidden else cells[k].value for k in keep] for _, cells in rows],
                        "husholdninger"))
        elif isinstance(t, StatTable) and fig.key == "planer":
            pts = t.plotted()
            if any(v is not None for _, v in pts):
                unit = "kr (sum)" if t.title.startswith("Kroner") else "dager (gjennomsnitt)"
                out.append((t.title, [p[0] for p in pts], [unit], [[p[1]] for p in pts], unit))
    return out


def _num(v: float) -> str:
    return f"{v:,.0f}".replace(",", " ")


def figure_chart(fig: Figure, fmt: str = "svg", *, text_as_text: bool = False) -> bytes | None:
    """The figure's chart as SVG or PNG bytes, or None when it has nothing to draw.

    SVG text is drawn as glyph paths for files (the same look wherever the file is opened),
    or kept as text for the web page (`text_as_text`: smaller, and the browser's fonts)."""
    panels = _panels(fig)
    if not panels or not fig.available:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    heights = [0.6 + len(rows) * (0.1 + 0.13 * len(series)) for _, rows, series, _, _ in panels]
    from ..chart import DRAW_LOCK

    rc: dict = {"svg.hashsalt": "planner-halfyear", "font.size": 9, "axes.titlesize": 10, "font.family": "DejaVu Sans",
          "svg.fonttype": "none" if text_as_text else "path"}
    with DRAW_LOCK, matplotlib.rc_context(rc):
        f, axes = plt.subplots(len(panels), 1, figsize=(WIDTH_IN, sum(heights) + 0.4),
                               gridspec_kw={"height_ratios": heights}, dpi=110, squeeze=False)
        for ax, (title, rows, series, values, unit) in zip(axes[:, 0], panels):
            _bars(ax, title, rows, series, values, unit)
        f.tight_layout()
        buf = io.BytesIO()
        if fmt == "svg":
            f.savefig(buf, format="svg", metadata={"Date": None})
        else:
            f.savefig(buf, format="png", metadata={"Software": None})
        plt.close(f)
    return buf.getvalue()


def _bars(ax, title: str, rows: list[str], series: list[str], values: list[list[float | None]], unit: str) -> None:
    n = len(series)
    height = 0.8 / n
    top = max([v for r in values for v in r if v is not None] or [1])
    for k, name in enumerate(series):
        ys = [i + (k - (n - 1) / 2) * height for i in range(len(rows))]
        xs = [values[i][k] or 0 for i in range(len(rows))]
        ax.barh(ys, xs, height=height * 0.92, color=COLOURS[k % len(COLOURS)], label=name)
        for y, v in zip(ys, (values[i][k] for i in range(len(rows)))):
            text = "< 5" if v is None else _num(v)
            ax.text((v or 0) + top * 0.01, y, text, va="center", fontsize=8,
                    color="#c0392b" if v is None else "#333333")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(rows)
    ax.invert_yaxis()
    ax.set_xlim(0, top * (1.5 if n > 1 else 1.15))  # room on the right for the legend, clear of every bar
    ax.xaxis.set_major_formatter(__import__("matplotlib").ticker.FuncFormatter(lambda v, _: _num(v)))
    ax.set_xlabel(unit.capitalize())
    ax.set_title(title, loc="left")
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if n > 1:
        ax.legend(loc="lower right", fontsize=8, frameon=True, framealpha=1, edgecolor="#ffffff")

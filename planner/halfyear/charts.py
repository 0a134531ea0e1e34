"""One chart per figure, in the project's chart style (planner/chart.py): matplotlib, the same
blues and greys, Norwegian labels, a white background and type large enough to read on paper.

Charts are drawn from the *shown* cells only (`Table.grid()`, gathered by `chart_data`), so a
hidden count can never appear as a bar: where the bar would be, the row carries the cell's own
mark ("< 5" for a small count, ":" for one hidden to protect it), and `ChartData.note` says what
the marks mean and which tables were left out. A table whose every value is hidden is not drawn
at all (an empty panel would read as zeros), and a figure whose every table is hidden has no
chart but `ChartData.message`. The value axis has whole-number ticks (counts are whole, and a
fractional axis printed as integers read "0 0 0 1 1 1"). Output is byte-for-byte stable: SVG
without a date and with a fixed id salt, PNG without the Software tag.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from ..formatting import format_decimal
from .figures import Figure
from .tables import HIDDEN, MIN_COUNT, SECONDARY, SECONDARY_NOTE, TOTAL, StatTable, Table

COLOURS = ["#1f4e79", "#95a5a6", "#2e86c1", "#c0392b", "#7f8c8d"]
WIDTH_IN = 7.4  # the printable width of an A4 page with 2 cm margins, so text prints at its size
MARK_NOTES = {HIDDEN: f"«{HIDDEN}»: færre enn {MIN_COUNT} husholdninger", SECONDARY: SECONDARY_NOTE.rstrip(".")}


@dataclass(frozen=True)
class Panel:
    """One table as drawn: `values[row][series]` is a shown number, or None where the cell is
    hidden; then `marks[row][series]` is the cell's mark (else "")."""

    title: str
    rows: list[str]
    series: list[str]
    values: list[list[int | float | None]]
    marks: list[list[str]]
    unit: str


@dataclass(frozen=True)
class ChartData:
    """What a figure's chart draws (`panels`), and what the document says beside it."""

    panels: list[Panel] = field(default_factory=list)
    all_hidden: list[str] = field(default_factory=list)  # titles of tables not drawn: every value hidden

    @property
    def note(self) -> str:
        """The chart's footnote: the marks it shows, and the tables it leaves out ("" if none)."""
        used = sorted({m for p in self.panels for r in p.marks for m in r if m}, key=list(MARK_NOTES).index)
        parts = []
        if used:
            parts.append("Skjulte tall er ikke tegnet: " + "; ".join(MARK_NOTES[m] for m in used) + ".")
        if self.all_hidden and self.panels:
            parts.append("Ikke tegnet, alle tallene er skjult: " + ", ".join(self.all_hidden) + ".")
        return " ".join(parts)

    @property
    def message(self) -> str:
        """Said instead of a chart when every table of the figure is hidden ("" otherwise)."""
        if self.panels or not self.all_hidden:
            return ""
        return (f"Diagrammet vises ikke: alle tallene i figuren er skjult (færre enn {MIN_COUNT} husholdninger, "
                f"eller skjult for å beskytte slike tall).")


def _table_panel(t: Table) -> Panel | None:
    columns, rows = t.grid()
    keep = [k for k, c in enumerate(columns) if c != TOTAL]
    rows = [(lab, cells) for lab, cells in rows if lab != TOTAL]
    if not rows:
        return None
    return Panel(t.title, [r[0] for r in rows], [columns[k] for k in keep],
                 [[None if cells[k].hidden else cells[k].value for k in keep] for _, cells in rows],
                 [[cells[k].text if cells[k].hidden else "" for k in keep] for _, cells in rows],
                 "husholdninger")


def _stat_panel(t: StatTable) -> Panel | None:
    pts = t.plotted()
    if not pts:
        return None
    unit = "kr (sum)" if t.title.startswith("Kroner") else "dager (gjennomsnitt)"
    return Panel(t.title, [p[0] for p in pts], [unit], [[p[1]] for p in pts],
                 [[HIDDEN if r.n < MIN_COUNT else ""] for r in t.rows], unit)


def chart_data(fig: Figure) -> ChartData:
    """The panels a figure's chart draws, from the tables' shown cells only."""
    if not fig.available:
        return ChartData()
    panels: list[Panel] = []
    all_hidden: list[str] = []
    for t in fig.tables:
        if isinstance(t, Table):
            panel = _table_panel(t)
        elif isinstance(t, StatTable) and fig.key == "planer":
            panel = _stat_panel(t)
        else:
            continue
        if panel is None:
            continue
        if all(v is None for r in panel.values for v in r):
            all_hidden.append(panel.title)
        else:
            panels.append(panel)
    return ChartData(panels, all_hidden)


def _num(v: float) -> str:
    return format_decimal(v, 0)


#: the fixed layout, in inches: above each panel its title, below it the tick labels and the
#: axis label, between panels a gap; the left margin is measured from the longest row label
_TITLE_IN, _BELOW_IN, _GAP_IN, _EDGE_IN, _RIGHT_IN = 0.25, 0.42, 0.1, 0.05, 0.3
_TICK_PAD_IN = 0.11  # tick length and its padding (3.5 pt each)
FONT_PT = 9


def _label_width_in(labels: list[str]) -> float:
    """The width of the widest label at the chart's type size, from the font's own metrics (what
    matplotlib's layout would measure, without drawing the figure to find out)."""
    from matplotlib.font_manager import FontProperties, findfont, get_font

    font = get_font(findfont(FontProperties(family="DejaVu Sans", size=FONT_PT)))
    font.set_size(FONT_PT, 72)
    widest = 0.0
    for label in labels:
        font.set_text(label, 0.0)
        widest = max(widest, font.get_width_height()[0] / 64 / 72)
    return widest


def _bar_area_in(p: Panel) -> float:
    return 0.05 + len(p.rows) * (0.1 + 0.13 * len(p.series))


def figure_chart(fig: Figure, fmt: str = "svg", *, text_as_text: bool = False) -> bytes | None:
    """The figure's chart as SVG or PNG bytes, or None when it has nothing to draw.

    SVG text is drawn as glyph paths for files opened anywhere (the same look in every viewer),
    or kept as text (`text_as_text`) for the web page and the PDF: smaller, the reader's or
    WeasyPrint's copy of the same font, and several times cheaper for WeasyPrint to draw.

    The layout is fixed (margins in inches, the left one measured from the row labels) rather
    than found by `tight_layout`, which draws every text once more to measure it: that and the
    text layout were most of a report's time. The figure is a bare `matplotlib.figure.Figure`,
    outside pyplot's registry of open figures."""
    panels = chart_data(fig).panels
    if not panels:
        return None
    from matplotlib import rc_context
    from matplotlib.figure import Figure as MplFigure

    from ..chart import DRAW_LOCK

    rc: dict = {"svg.hashsalt": "planner-halfyear", "font.size": FONT_PT, "axes.titlesize": 10,
                "font.family": "DejaVu Sans", "svg.fonttype": "none" if text_as_text else "path"}
    with DRAW_LOCK, rc_context(rc):
        left = _EDGE_IN + _TICK_PAD_IN + _label_width_in([r for p in panels for r in p.rows])
        areas = [_bar_area_in(p) for p in panels]
        height = _EDGE_IN + sum(_TITLE_IN + a + _BELOW_IN for a in areas) + _GAP_IN * (len(panels) - 1) + _EDGE_IN
        f = MplFigure(figsize=(WIDTH_IN, height), dpi=110)
        top = height - _EDGE_IN
        for panel, area in zip(panels, areas):
            top -= _TITLE_IN + area
            ax = f.add_axes((left / WIDTH_IN, top / height, (WIDTH_IN - left - _RIGHT_IN) / WIDTH_IN, area / height))
            _bars(ax, panel)
            top -= _BELOW_IN + _GAP_IN
        buf = io.BytesIO()
        if fmt == "svg":
            f.savefig(buf, format="svg", metadata={"Date": None})
        else:
            f.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def _bars(ax, p: Panel) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    n = len(p.series)
    height = 0.8 / n
    top = max([v for r in p.values for v in r if v is not None] + [1])
    for k, name in enumerate(p.series):
        ys = [i + (k - (n - 1) / 2) * height for i in range(len(p.rows))]
        xs = [p.values[i][k] or 0 for i in range(len(p.rows))]
        ax.barh(ys, xs, height=height * 0.92, color=COLOURS[k % len(COLOURS)], label=name)
        for i, y in enumerate(ys):
            v = p.values[i][k]
            ax.text((v or 0) + top * 0.01, y, p.marks[i][k] if v is None else _num(v), va="center", fontsize=8,
                    color="#c0392b" if v is None else "#333333", fontweight="bold" if v is None else "normal")
    ax.set_yticks(range(len(p.rows)))
    ax.set_yticklabels(p.rows)
    ax.invert_yaxis()
    ax.set_xlim(0, top * (1.5 if n > 1 else 1.15))  # room on the right for the legend, clear of every bar
    # whole-number ticks (no "0 0 0 1 1 1"), and fewer of them where the numbers are long
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5 if top >= 100_000 else "auto", integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _num(v)))
    ax.set_xlabel(p.unit.capitalize())
    ax.set_title(p.title, loc="left")
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if n > 1:
        ax.legend(loc="lower right", fontsize=8, frameon=True, framealpha=1, edgecolor="#ffffff")

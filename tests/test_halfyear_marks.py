"""Issue 21, part 6: the half-year report's hidden cells say why they are hidden, and its charts
never draw a hidden value.

A cell hidden because it counts fewer than five households is "< 5"; a cell hidden only so a
total cannot give such a cell away (complementary suppression) is ":" with a footnote, in every
format, and never "< 5" (a cell of 139 households once read "< 5"). Two marks tell a reader that
a ":" holds five or more, so no small cell may be worked out from that and the totals: checked
here with an independent MILP (scipy/HiGHS), not the module's own CP-SAT. Charts are tested on
the data they are drawn from, their tick labels read back from the SVG.
"""

from __future__ import annotations

import importlib.util
import io
import re

import pytest
from halfyear_gen import PERIOD, case_of, truth
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import examples

from planner.halfyear import Caseload, Period, build_report, render
from planner.halfyear.charts import chart_data, figure_chart
from planner.halfyear.figures import Figure, Report
from planner.halfyear.tables import (
    HIDDEN,
    MIN_COUNT,
    SECONDARY,
    SECONDARY_NOTE,
    TOTAL,
    StatRow,
    StatTable,
    Table,
    suppress,
)

P = Period(*PERIOD)
SMALL, BIG_A, BIG_B = "Bydel Frogner", "Bydel Alna", "Bydel Bjerke"


def margins(t: Table) -> list[list[int]]:
    """The table's raw counts with its totals, summed here (not by the module)."""
    full = [list(v) + ([sum(v)] if t.row_total else []) for _, v in t.rows]
    if t.col_total:
        full.append([sum(col) for col in zip(*full)])
    return full


@pytest.fixture(scope="module")
def report() -> Report:
    """The generated caseload with three offices: three households in one, the rest split
    between two large ones. The column "Åpnet" then hides the small office's count, and the
    total row would give it away, so the smaller of the two large offices is hidden too."""
    truths = truth()
    small = [t for t in truths if P.start <= t["opened"] <= P.end and (t["closed"] is None or t["closed"] > P.end)][:3]
    ids = {t["id"] for t in small}
    big = [t for t in truths if t["id"] not in ids]
    for t in small:
        t["office"] = SMALL
    for k, t in enumerate(big):
        t["office"] = BIG_A if k % 5 < 2 else BIG_B  # 2 in 5 against 3 in 5: not a tie
    cl = Caseload()
    cl.add([case_of(t) for t in truths], "generert")
    return build_report(cl, P)


def offices(report: Report) -> Table:
    fig = next(f for f in report.figures if f.key == "kontor")
    return next(t for t in fig.tables if isinstance(t, Table) and t.title == "Saker")


def test_a_large_cell_hidden_to_protect_a_total_is_marked_secondary(report):
    t = offices(report)
    raw = dict(t.rows)
    assert raw[SMALL][0] == 3 and raw[BIG_A][0] >= 20 and raw[BIG_A][0] < raw[BIG_B][0]
    columns, rows = t.grid()
    shown = dict(rows)
    assert [c.text for c in shown[SMALL]] == [HIDDEN] * 3
    opened = shown[BIG_A][columns.index("Åpnet")]
    assert opened.hidden and opened.value is None
    assert opened.text == SECONDARY and opened.secondary  # was "< 5" on a cell of 20 or more
    # no cell of any table reads "< 5" unless its count is under five
    for fig in report.figures:
        for tab in fig.tables:
            if isinstance(tab, Table):
                for (label, cells), counts in zip(tab.grid()[1], margins(tab)):
                    for c, n in zip(cells, counts):
                        assert (c.text == HIDDEN) == (c.hidden and n < MIN_COUNT), (fig.key, tab.title, label, n)


FOOTNOTE = "vises ikke, for at en sum ikke skal avsløre et tall under 5"


def test_every_format_shows_the_mark_and_its_footnote(report):
    assert FOOTNOTE in SECONDARY_NOTE
    md = render(report, "md").decode()
    line = next(ln for ln in md.splitlines() if ln.startswith(f"| {BIG_A} |"))
    assert [c.strip() for c in line.strip("|").split("|")][1] == SECONDARY
    section = md.split("### Saker")[1].split("##")[0]
    assert f"*«{SECONDARY}»: {FOOTNOTE}" in section  # under the table that uses the mark
    html = render(report, "html").decode()
    row = re.search(rf"<tr><th>{BIG_A}</th>(.*?)</tr>", html).group(1)
    assert row.startswith(f'<td class="n hidden">{SECONDARY}</td>')
    assert f'<p class="note">«{SECONDARY}»: {FOOTNOTE}' in html
    assert "<figcaption>Skjulte tall er ikke tegnet" in html


def test_xlsx_cells_carry_the_marks(report):
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(render(report, "xlsx")))
    ws = wb["1 Kontor"]
    rows = {r[0]: r[1:4] for r in ws.iter_rows(values_only=True) if r[0]}
    assert rows[SMALL] == (HIDDEN, HIDDEN, HIDDEN)
    assert rows[BIG_A][0] == SECONDARY
    _, grid = offices(report).grid()
    for label, cells in grid:  # every cell as the grid shows it: a count as a number, else its mark
        assert rows[label] == tuple(c.text if c.hidden else c.value for c in cells), label
    assert SECONDARY_NOTE in [r[0] for r in ws.iter_rows(values_only=True)]
    assert "Skjulte tall er ikke tegnet" in ws["H3"].value  # the chart's note above its picture
    about = [r[1] for r in wb["Om rapporten"].iter_rows(values_only=True) if r[0] == "Skjuling"][0]
    assert f"«{SECONDARY}»" in about


def test_pdf_has_the_footnote(report):
    import pypdf

    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render(report, "pdf"))).pages)
    assert "for at en sum ikke skal avsløre et tall under 5" in " ".join(text.split())


def test_chart_data_holds_no_hidden_value(report):
    """Every value a chart draws is a shown cell of its table; every hidden cell is None in the
    chart, carrying the cell's mark."""
    for fig in report.figures:
        tables = {t.title: t for t in fig.tables}
        for panel in chart_data(fig).panels:
            t = tables[panel.title]
            if isinstance(t, StatTable):
                for r, v, m in zip(t.rows, panel.values, panel.marks):
                    assert (v[0] is None) == (r.n < MIN_COUNT) and m[0] == (HIDDEN if r.n < MIN_COUNT else "")
                continue
            columns, rows = t.grid()
            cells = {(label, col): c for label, cs in rows for col, c in zip(columns, cs)}
            assert TOTAL not in panel.rows and TOTAL not in panel.series
            for label, values, marks in zip(panel.rows, panel.values, panel.marks):
                for series, v, mark in zip(panel.series, values, marks):
                    c = cells[(label, series)]
                    assert (v is None) == c.hidden, (fig.key, label, series)
                    assert v == c.value and mark == (c.text if c.hidden else "")
                    assert v is None or v >= MIN_COUNT
    panel = chart_data(next(f for f in report.figures if f.key == "kontor")).panels[0]
    i, k = panel.rows.index(BIG_A), panel.series.index("Åpnet")
    assert panel.values[i][k] is None and panel.marks[i][k] == SECONDARY
    assert SECONDARY_NOTE.rstrip(".") in chart_data(report.figures[0]).note


def tick_labels(svg: bytes) -> list[list[str]]:
    """The value-axis tick labels of each panel, read from an SVG drawn with text as text."""
    out = []
    for chunk in svg.decode().split('<g id="axes_')[1:]:
        out.append(re.findall(r'<g id="xtick_\d+">.*?<text[^>]*>([^<]*)</text>', chunk, re.S))
    return out


def tiny_figure() -> Figure:
    """A figure with small values: one table of counts all under five (two series), and days
    with a mean of 2 (both once drew a fractional axis printed as integers)."""
    counts = Table("Alle små", "Rad", ["A", "B"], [("x", [1, 2]), ("y", [3, 0])], col_total=True)
    days = StatTable("Dager", ["Sum dager", "Gjennomsnitt", "Median"],
                     [StatRow("Dager under grensen før", 6, ["12", "2", "2"], 2),
                      StatRow("Dager utleier venter", 2, ["", "", ""], None)])
    return Figure("planer", "Fra planene", "Test.", [counts, days])


def test_chart_ticks_are_distinct_integers_and_hidden_tables_are_left_out():
    fig = tiny_figure()
    data = chart_data(fig)
    assert [p.title for p in data.panels] == ["Dager"]
    assert data.all_hidden == ["Alle små"] and "Alle små" in data.note
    assert data.panels[0].values == [[2], [None]] and data.panels[0].marks == [[""], [HIDDEN]]
    svg = figure_chart(fig, "svg", text_as_text=True)
    labels = tick_labels(svg)
    assert len(labels) == 1 and len(labels[0]) >= 2
    assert all(re.fullmatch(r"\d+", x) for x in labels[0]), labels
    assert len(set(labels[0])) == len(labels[0]), labels  # not "0 0 1 2 2"
    assert [int(x) for x in labels[0]] == sorted(int(x) for x in labels[0])


def test_generated_report_ticks_are_distinct_integers(report):
    for fig in report.figures:
        svg = figure_chart(fig, "svg", text_as_text=True)
        if svg is None:
            continue
        for labels in tick_labels(svg):
            nums = [int(x.replace(" ", "").replace("\u2212", "-")) for x in labels]  # raises on "0.5"
            assert len(set(nums)) == len(nums), (fig.key, labels)


def test_a_figure_with_every_value_hidden_says_so():
    fig = Figure("kontor", "Saker per sosialkontor / bydel", "Test.",
                 [Table("Saker", "Kontor", ["Åpnet"], [("A", [2]), ("B", [1])], col_total=True)])
    data = chart_data(fig)
    assert not data.panels and data.message.startswith("Diagrammet vises ikke")
    assert figure_chart(fig, "svg") is None
    rep = Report(P, ["test"], [fig], 3)
    assert data.message in render(rep, "html").decode()
    assert data.message in render(rep, "md").decode()


# --------------------------------------------------------------------------- the audit


def test_a_row_whose_total_would_pin_the_small_cell_is_hidden_further():
    # "< 5", ":", total 5 would give 0 and 5: the total is hidden too
    assert suppress([[0, 5]], True, False) == [[True, True, True]]
    # three zeros under a shown total of 20: "< 5" zeros would read as exactly 0
    assert suppress([[0], [0], [20]], False, True) == [[True], [True], [True], [False]]


def pinned(values: list[list[int]], row_total: bool, col_total: bool) -> list[tuple[int, int]]:
    """The hidden small cells a reader can work out exactly from the shown cells, the totals and
    the marks ("< 5" in 0..4, ":" at least 5): integer bounds by scipy's MILP (HiGHS)."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    hidden = suppress(values, row_total, col_total)
    full = margins(Table("", "", [""] * len(values[0]), [("", v) for v in values], row_total, col_total))
    cells = [(i, j) for i, r in enumerate(hidden) for j, h in enumerate(r) if h]
    if not cells:
        return []
    index = {c: n for n, c in enumerate(cells)}
    rels = []
    if row_total:
        rels += [([(i, j) for j in range(len(full[0]) - 1)], (i, len(full[0]) - 1)) for i in range(len(full))]
    if col_total:
        rels += [([(i, j) for i in range(len(full) - 1)], (len(full) - 1, j)) for j in range(len(full[0]))]
    a, b = [], []
    for parts, total in rels:
        row, rhs = np.zeros(len(cells)), 0
        for c, sign in [(p, 1) for p in parts] + [(total, -1)]:
            if c in index:
                row[index[c]] += sign
            else:
                rhs -= sign * full[c[0]][c[1]]
        if row.any():
            a.append(row)
            b.append(rhs)
    big = sum(map(sum, values)) + MIN_COUNT
    lo = [0 if full[i][j] < MIN_COUNT else MIN_COUNT for i, j in cells]
    hi = [MIN_COUNT - 1 if full[i][j] < MIN_COUNT else big for i, j in cells]
    cons = [LinearConstraint(np.array(a), b, b)] if a else []
    out = []
    for c in cells:
        if full[c[0]][c[1]] >= MIN_COUNT:
            continue
        obj = np.zeros(len(cells))
        obj[index[c]] = 1
        ends = []
        for sign in (1, -1):
            res = milp(sign * obj, constraints=cons, integrality=np.ones(len(cells)), bounds=Bounds(lo, hi))
            assert res.success
            ends.append(round(sign * res.fun))
        if ends[0] == ends[1]:
            out.append(c)
    return out


@pytest.mark.skipif(importlib.util.find_spec("scipy") is None, reason="scipy (the independent MILP) not installed")
@settings(max_examples=examples(200), deadline=None)
@given(st.integers(1, 4).flatmap(lambda r: st.integers(1, 4).flatmap(
    lambda c: st.lists(st.lists(st.integers(0, 25), min_size=c, max_size=c), min_size=r, max_size=r))),
       st.booleans(), st.booleans())
def test_no_small_cell_can_be_worked_out_from_the_marks(values, row_total, col_total):
    assert pinned(values, row_total, col_total) == []


@pytest.mark.slow  # the report rendered twice in every format, PDF included
def test_same_bytes_with_secondary_marks(report):
    for fmt in ("md", "html", "xlsx"):
        assert render(report, fmt) == render(report, fmt), fmt

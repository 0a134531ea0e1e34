"""The report in four formats from one `Report`: PDF and HTML through the letters' pipeline
(planner/letters/convert.py: the same HTML subset, WeasyPrint, a fixed PDF date), XLSX with a
sheet per figure (XlsxWriter, a fixed creation date), and Markdown.

Every format prints cells through `Table.grid()`, so a hidden count is its mark everywhere: "< 5"
for a small count, ":" for one hidden to protect it, with a footnote under any table that has a
":" and a note under any chart that leaves hidden values out (`tables.footnotes`,
`charts.ChartData`). The same report gives the same bytes: no clock is read; the documents' dates are the period's end.
"""

from __future__ import annotations

import base64
import io
from datetime import datetime, timezone
from importlib import resources

from markupsafe import escape

from .charts import chart_data, figure_chart
from .figures import Figure, Report
from .forked import split_map
from .tables import HIDDEN, MIN_COUNT, SECONDARY, TOTAL, Cell, StatTable, Table, count_text, footnotes

TITLE = "Halvårsrapport: sakene i tall"
AUTHOR = "planner report"
FORMATS = ("pdf", "html", "md", "xlsx")
RULE = (f"Rapporten har ingen personopplysninger. Et tall som teller færre enn {MIN_COUNT} husholdninger vises som "
        f"«{HIDDEN.replace(' ', chr(0xA0))}». Der en sum vises, skjules også et annet tall i samme rad eller kolonne, så "
        f"summen ikke avslører det; et slikt tall er {MIN_COUNT} eller mer og vises som «{SECONDARY}». Diagrammene tegner "
        f"ikke skjulte tall. Sum, gjennomsnitt og median vises bare for minst {MIN_COUNT} husholdninger.")


def render(report: Report, fmt: str, *, parallel: bool = False) -> bytes:
    """The report as `fmt`'s bytes. `parallel`: the charts shared with a forked child
    (`forked.split_map`: a command's single thread only, never the web server's); the bytes are
    the same either way."""
    if fmt == "md":
        return to_markdown(report, draw_charts(report, "svg", parallel=parallel)).encode("utf-8")
    if fmt == "xlsx":
        return to_xlsx(report, draw_charts(report, "png", parallel=parallel))
    if fmt in ("html", "pdf"):
        from ..letters import convert

        # the PDF's charts keep their text as text: WeasyPrint draws it with the same font several
        # times faster than thousands of glyph paths, and the PDF's text can be searched
        charts = draw_charts(report, "svg", text_as_text=fmt == "pdf", parallel=parallel)
        page = convert.html_page(html_fragment(report, chart_src=lambda fig: _data_uri(charts.get(fig.key))),
                                 _title(report), _css(report), "nb")
        if fmt == "html":
            return page.encode("utf-8")
        return convert.html_to_pdf(page, _title(report), AUTHOR, report.period.end)
    raise ValueError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")


def draw_charts(report: Report, fmt: str, *, text_as_text: bool = False, parallel: bool = False) \
        -> dict[str, bytes | None]:
    """Every chart the document shows (an available figure whose chart is not replaced by a
    message), by figure key: drawn once, before the document is written."""
    figs = [f for f in report.figures if f.available and not chart_data(f).message]
    if parallel and figs:
        preload("md")  # matplotlib (and OR-Tools) loaded once, before the fork
    drawn = split_map(lambda f: figure_chart(f, fmt, text_as_text=text_as_text), figs, parallel=parallel)
    return {f.key: svg for f, svg in zip(figs, drawn)}


def preload(fmt: str) -> None:
    """Load the libraries writing `fmt` needs (matplotlib, OR-Tools for the small-cell rule,
    WeasyPrint for the PDF, XlsxWriter): `planner report` does it while its forked child reads
    cases. The HTML is written as text (`letters.convert.html_page`): no WeasyPrint, whose
    import costs half a second of CPU (a quarter of it the compiler and linker that ctypes runs
    to look for the libraries WeasyPrint names for other systems)."""
    import matplotlib.backends.backend_agg  # noqa: F401
    import matplotlib.backends.backend_svg  # noqa: F401
    import matplotlib.figure  # noqa: F401
    from ortools.sat.python import cp_model  # noqa: F401

    if fmt == "pdf":
        import weasyprint  # noqa: F401
    elif fmt == "xlsx":
        import xlsxwriter  # noqa: F401


def _data_uri(svg: bytes | None) -> str | None:
    return None if svg is None else "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _title(report: Report) -> str:
    return f"{TITLE} {report.period.label()}"


def _css(report: Report) -> str:
    css = resources.files("planner.halfyear").joinpath("report.css").read_text(encoding="utf-8")
    return css.replace("__PERIOD__", report.period.label())


def _households(n: int) -> str:
    return HIDDEN if n < MIN_COUNT else count_text(n)


def key_figures(report: Report) -> list[tuple[str, str]]:
    """The front page's key figures, read from the figures' shown cells (so hidden stays hidden)."""
    shown: dict[tuple[str, str, str], str] = {}
    for fig in report.figures:
        if not fig.available:
            continue
        for _t, columns, rows in grids(fig):
            for label, cells in rows:
                for col, cell in zip(columns, cells):
                    shown[(fig.key, label, col)] = cell.text
    wanted = [("Saker åpnet i perioden", ("kontor", TOTAL, "Åpnet")),
              ("Saker avsluttet i perioden", ("kontor", TOTAL, "Avsluttet")),
              ("Restanse ved åpning, gjennomsnitt", ("restanse", "Restanse ved åpning", "Gjennomsnitt")),
              ("Restanse ved åpning, median", ("restanse", "Restanse ved åpning", "Median")),
              ("Begjæringer sendt i perioden", ("mot-forrige", "Begjæringer sendt", "Perioden")),
              ("Begjæringer, endring fra perioden før", ("mot-forrige", "Begjæringer sendt", "Endring")),
              ("Utkastelser i perioden", ("mot-forrige", "Utkastelser gjennomført", "Perioden")),
              ("Utkastelser, endring fra perioden før", ("mot-forrige", "Utkastelser gjennomført", "Endring"))]
    return [(label, shown[k]) for label, k in wanted if k in shown]


def grids(fig: Figure):
    """(table, columns, rows of cells) for every table of the figure."""
    for t in fig.tables:
        columns, rows = t.grid()
        yield t, columns, rows


def table_notes(t: Table | StatTable, rows: list[tuple[str, list[Cell]]]) -> list[str]:
    """The lines under a table: its own note, then the footnote for the marks it uses."""
    return ([t.note] if t.note else []) + footnotes(rows)


# --------------------------------------------------------------------------- HTML (and PDF)


def html_fragment(report: Report, *, chart_src=None, heading: bool = True) -> str:
    """The report body in the letters' HTML subset. `chart_src(fig)` gives an <img> src for a
    figure's chart (default: an SVG data: URI); the web page passes its own chart URLs and
    `heading=False` (it has its own title and period chooser)."""
    out: list[str] = []
    if heading:
        out.append(f"<h1>{escape(TITLE)}</h1>")
    out.append('<table class="meta">')
    out.append(f"<tr><th>Periode</th><td>{escape(report.period.label())}</td></tr>")
    out.append(f"<tr><th>Perioden før</th><td>{escape(report.period.previous().label())}</td></tr>")
    out.append(f"<tr><th>Saker åpne i perioden</th><td>{_households(report.cases)}</td></tr>")
    for s in report.sources:
        out.append(f"<tr><th>Kilde</th><td>{escape(s)}</td></tr>")
    out.append("</table>")
    keys = key_figures(report)
    if keys:
        out.append('<h2>Nøkkeltall</h2>\n<table class="data">')
        out += [f'<tr><th>{escape(a)}</th><td class="n">{escape(b)}</td></tr>' for a, b in keys]
        out.append("</table>")
    out.append(f'<p class="box">{escape(RULE)}</p>')
    out.append("<h2>Innhold</h2><ol>")
    out += [f'<li><a href="#{f.key}">{escape(f.title)}</a></li>' for f in report.figures]
    out.append("</ol>")
    for k, fig in enumerate(report.figures, 1):
        cls = "figure first" if (k == 1 and heading) else "figure"
        out.append(f'<section class="{cls}" id="{fig.key}">')
        out.append('<div class="fighead">')  # title, definition and chart kept on one page
        out.append(f"<h2>{k}. {escape(fig.title)}</h2>")
        out.append(f'<p class="definition">{escape(fig.definition)}</p>')
        if not fig.available:
            out.append(f'<p class="missing">{escape(fig.missing)}</p></div></section>')
            continue
        out += _html_chart(fig, chart_src)
        out.append("</div>")
        for t, columns, rows in grids(fig):
            out.append(f"<h3>{escape(t.title)}</h3>")
            out.append(f'<div class="table-scroll" role="region" aria-label="Tabell: {escape(t.title)}" tabindex="0">'
                       f'{_html_table(t, columns, rows)}</div>')
            out += [f'<p class="note">{escape(n)}</p>' for n in table_notes(t, rows)]
        out.append("</section>")
    return "\n".join(out) + "\n"


def _html_chart(fig: Figure, chart_src) -> list[str]:
    """The chart with its note, or the sentence saying why there is none."""
    data = chart_data(fig)
    if data.message:
        return [f'<p class="note">{escape(data.message)}</p>']
    src = chart_src(fig) if chart_src else _svg_uri(fig)
    if not src:
        return []
    caption = f"<figcaption>{escape(data.note)}</figcaption>" if data.note else ""
    return [f'<figure><img src="{escape(src)}" alt="Diagram: {escape(fig.title)}">{caption}</figure>']


def _svg_uri(fig: Figure, text_as_text: bool = False) -> str | None:
    return _data_uri(figure_chart(fig, "svg", text_as_text=text_as_text))


def _html_table(t: Table | StatTable, columns: list[str], rows: list[tuple[str, list[Cell]]]) -> str:
    head = getattr(t, "row_head", "") or ""
    # an empty corner cell is a td: a header cell must have text (axe: empty-table-header)
    out = ['<table class="data">', "<tr>" + (f"<th>{escape(head)}</th>" if head else "<td></td>")
           + "".join(f'<th class="n">{escape(c)}</th>' for c in columns) + "</tr>"]
    for label, cells in rows:
        cls = ' class="total"' if label == TOTAL else ""
        tds = "".join(f'<td class="n{" hidden" if c.hidden else ""}">{escape(c.text)}</td>' for c in cells)
        out.append(f"<tr{cls}><th>{escape(label)}</th>{tds}</tr>")
    out.append("</table>")
    return "\n".join(out)


# --------------------------------------------------------------------------- Markdown


def _md(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("_", "\\_") \
        .replace("<", "&lt;").replace(">", "&gt;")


def to_markdown(report: Report, charts: dict[str, bytes | None] | None = None) -> str:
    """The report in Markdown, its charts as SVG data URIs (`charts`: drawn already, by key)."""
    out = [f"# {TITLE}", "",
           f"- Periode: {report.period.label()}",
           f"- Perioden før: {report.period.previous().label()}",
           f"- Saker åpne i perioden: {_md(_households(report.cases))}"]
    out += [f"- Kilde: {_md(s)}" for s in report.sources]
    keys = key_figures(report)
    if keys:
        out += ["", "| Nøkkeltall | |", "|---|---:|"] + [f"| {_md(a)} | {_md(b)} |" for a, b in keys]
    out += ["", f"> {_md(RULE)}", ""]
    for k, fig in enumerate(report.figures, 1):
        out += [f"## {k}. {_md(fig.title)}", "", _md(fig.definition), ""]
        if not fig.available:
            out += [f"*{_md(fig.missing)}*", ""]
            continue
        data = chart_data(fig)
        src = None if data.message else (_data_uri(charts.get(fig.key)) if charts is not None else _svg_uri(fig))
        if src:
            out += [f"![Diagram: {_md(fig.title)}]({src})", ""]
        out += [f"*{_md(n)}*\n" for n in (data.message, data.note if src else "") if n]
        for t, columns, rows in grids(fig):
            head = getattr(t, "row_head", "") or ""
            out += [f"### {_md(t.title)}", "",
                    "| " + " | ".join(_md(x) for x in [head or " ", *columns]) + " |",
                    "|" + "---|" + "---:|" * len(columns)]
            for label, cells in rows:
                b = "**" if label == TOTAL else ""
                out.append("| " + " | ".join([f"{b}{_md(label)}{b}"] + [_md(c.text) for c in cells]) + " |")
            out.append("")
            out += [f"*{_md(n)}*\n" for n in table_notes(t, rows)]
    return "\n".join(out).rstrip() + "\n"


# --------------------------------------------------------------------------- XLSX


def sheet_name(k: int, fig: Figure) -> str:
    """'4 Tiltak': short, and free of the characters Excel refuses in a sheet name."""
    return f"{k} {fig.key.capitalize()}"[:31]


def to_xlsx(report: Report, charts: dict[str, bytes | None] | None = None) -> bytes:
    """A sheet "Om rapporten", then one sheet per figure: its tables (counts as numbers, hidden
    cells as the text of their mark, "< 5" or ":", and the footnote under a table with a ":")
    and its chart as a picture beside them, its note above it (`charts`: the PNGs drawn
    already, by key)."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    stamp = datetime(report.period.end.year, report.period.end.month, report.period.end.day, tzinfo=timezone.utc)
    wb.set_properties({"title": _title(report), "author": AUTHOR, "created": stamp})
    bold = wb.add_format({"bold": True})
    title = wb.add_format({"bold": True, "font_size": 14, "font_color": "#1f4e79"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top", "font_size": 9})
    right = wb.add_format({"align": "right"})
    hidden = wb.add_format({"align": "right", "font_color": "#a93226"})
    head = wb.add_format({"bold": True, "bottom": 1, "text_wrap": True, "align": "right"})
    head_l = wb.add_format({"bold": True, "bottom": 1})
    total = wb.add_format({"bold": True, "top": 1})

    ws = wb.add_worksheet("Om rapporten")
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 90)
    ws.write(0, 0, TITLE, title)
    lines = [("Periode", report.period.label()), ("Perioden før", report.period.previous().label()),
             ("Saker åpne i perioden", _households(report.cases))]
    lines += [("Kilde", s) for s in report.sources]
    lines += key_figures(report)
    lines += [("Skjuling", RULE)]
    lines += [(f"Ark {sheet_name(k, f)}", f.definition) for k, f in enumerate(report.figures, 1)]
    for r, (a, b) in enumerate(lines, 2):
        ws.write(r, 0, a, bold)
        ws.write(r, 1, b, wrap)
    for k, fig in enumerate(report.figures, 1):
        ws = wb.add_worksheet(sheet_name(k, fig))
        ws.set_column(0, 0, 34)
        ws.set_column(1, 5, 14)
        ws.write(0, 0, f"{k}. {fig.title}", title)
        ws.merge_range(1, 0, 1, 5, fig.definition, wrap)
        ws.set_row(1, 15 * (1 + len(fig.definition) // 95))
        r = 3
        if not fig.available:
            ws.write(r, 0, fig.missing)
            continue
        for t, columns, rows in grids(fig):
            ws.write(r, 0, t.title, bold)
            r += 1
            ws.write(r, 0, getattr(t, "row_head", "") or "", head_l)
            for j, c in enumerate(columns, 1):
                ws.write(r, j, c, head)
            r += 1
            for label, cells in rows:
                ws.write(r, 0, label, total if label == TOTAL else None)
                for j, c in enumerate(cells, 1):
                    if c.hidden:
                        ws.write_string(r, j, c.text, hidden)
                    elif isinstance(c.value, int) and isinstance(t, Table):
                        ws.write_number(r, j, c.value, total if label == TOTAL else None)
                    else:
                        ws.write_string(r, j, c.text, right)
                r += 1
            for note in table_notes(t, rows):
                ws.write(r, 0, note)
                r += 1
            r += 1
        data = chart_data(fig)
        png = None if data.message else (charts.get(fig.key) if charts is not None else figure_chart(fig, "png"))
        if data.message or (png and data.note):
            ws.write(2, 7, data.message or data.note)
        if png:
            ws.insert_image(3, 7, "diagram.png", {"image_data": io.BytesIO(png), "x_scale": 0.8, "y_scale": 0.8})
    wb.close()
    return buf.getvalue()

"""One HTML letter, every format: the templates write a small HTML subset, and this module
turns it into a full HTML page, a PDF (WeasyPrint), a DOCX (python-docx) or Markdown.

The subset (all the templates use): div/section/header/footer, p, h1, h2, h3, ul, ol, li,
table/tr/th/td, figure/img/figcaption, strong/b, em/i, span, br. A block with the class `lines`
keeps its paragraphs as lines of one block (a letterhead, an address); a table with the class
`meta` is a list of label/value pairs (date, reference, caseworker).
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"img", "br", "meta"}


@dataclass
class Node:
    tag: str
    attrs: dict = field(default_factory=dict)
    children: list = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        """The node's text, whitespace collapsed as a browser would."""
        out = []
        for c in self.children:
            if isinstance(c, str):
                out.append(c)
            elif c.tag == "br":
                out.append("\n")
            else:
                out.append(c.text())
        return _collapse("".join(out))

    def find(self, tag: str) -> "Node | None":
        for c in self.children:
            if isinstance(c, Node):
                if c.tag == tag:
                    return c
                hit = c.find(tag)
                if hit is not None:
                    return hit
        return None


def _collapse(s: str) -> str:
    return "\n".join(re.sub(r"[ \t\r\f\v\n]+", " ", part).strip() for part in s.split("\n")).strip()


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("root")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v or "") for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, {k: (v or "") for k, v in attrs}))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    b = _Builder()
    b.feed(html)
    b.close()
    return b.root


# --------------------------------------------------------------------------- HTML page and PDF


def html_page(fragment: str, title: str, css: str, lang: str) -> str:
    from markupsafe import escape

    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape(title)}</title>\n<style>\n{css}</style>\n</head>\n<body>\n{fragment}</body>\n</html>\n")


def html_to_pdf(page: str, title: str, author: str, when) -> bytes:
    import weasyprint

    doc = weasyprint.HTML(string=page).render()
    doc.metadata.title = title
    doc.metadata.authors = [author] if author else []
    # a fixed date keeps the PDF the same for the same letter
    stamp = f"{when.isoformat()}T00:00:00+00:00"
    doc.metadata.created = doc.metadata.modified = stamp
    return doc.write_pdf()


# --------------------------------------------------------------------------- Markdown


def _md_inline(node: Node) -> str:
    out = []
    for c in node.children:
        if isinstance(c, str):
            out.append(_md_escape(re.sub(r"\s+", " ", c)))
        elif c.tag == "br":
            out.append("  \n")
        elif c.tag in ("strong", "b"):
            inner = _md_inline(c).strip()
            out.append(f"**{inner}**" if inner else "")
        elif c.tag in ("em", "i"):
            inner = _md_inline(c).strip()
            out.append(f"*{inner}*" if inner else "")
        elif c.tag == "img":
            out.append(f"![{c.attrs.get('alt', '')}]({c.attrs.get('src', '')})")
        else:
            out.append(_md_inline(c))
    text = "".join(out)
    return "\n".join(line.strip() for line in re.sub(r"[ \t]+", " ", text).split("\n")).strip()


_HTML_START = re.compile(r"<|&(?=#?[A-Za-z0-9]+;)")


def _md_escape(text: str) -> str:
    """Letter text (a sender's or recipient's name and address included) as Markdown that no
    renderer takes for HTML: `<` and an `&` that would start an entity become entities."""
    return _HTML_START.sub(lambda m: "&lt;" if m.group() == "<" else "&amp;", text)


def _md_blocks(node: Node, out: list[str]) -> None:
    for c in node.children:
        if isinstance(c, str):
            if c.strip():
                out.append(_md_escape(_collapse(c)))
            continue
        tag = c.tag
        if tag in ("div", "section", "header", "footer", "figure", "root"):
            if "lines" in c.classes:
                lines = [_md_inline(p) for p in c.children if isinstance(p, Node)]
                out.append("  \n".join(x for x in lines if x))
            else:
                _md_blocks(c, out)
        elif tag == "p" or tag == "figcaption":
            text = _md_inline(c)
            if text:
                out.append(f"*{text}*" if tag == "figcaption" else text)
        elif tag in ("h1", "h2", "h3"):
            out.append("#" * int(tag[1]) + " " + _md_inline(c))
        elif tag in ("ul", "ol"):
            items = [li for li in c.children if isinstance(li, Node) and li.tag == "li"]
            out.append("\n".join(
                (f"{n}. " if tag == "ol" else "- ") + _md_inline(li).replace("\n", "\n   ")
                for n, li in enumerate(items, start=1)))
        elif tag == "table":
            rows = _rows(c)
            if "meta" in c.classes:
                out.append("  \n".join(f"**{r[0]}:** {r[1]}" if len(r) > 1 else r[0] for r in rows))
            elif rows:
                width = max(len(r) for r in rows)
                rows = [r + [""] * (width - len(r)) for r in rows]
                esc = [[x.replace("|", "\\|") for x in r] for r in rows]
                lines = ["| " + " | ".join(esc[0]) + " |", "|" + "---|" * width]
                lines += ["| " + " | ".join(r) + " |" for r in esc[1:]]
                out.append("\n".join(lines))
        elif tag == "img":
            out.append(f"![{c.attrs.get('alt', '')}]({c.attrs.get('src', '')})")
        else:
            text = _md_inline(c)
            if text:
                out.append(text)


def _rows(table: Node) -> list[list[str]]:
    rows = []

    def walk(n: Node):
        for c in n.children:
            if isinstance(c, Node):
                if c.tag == "tr":
                    rows.append([_md_inline(cell) for cell in c.children if isinstance(cell, Node) and cell.tag in ("th", "td")])
                else:
                    walk(c)

    walk(table)
    return rows


def to_markdown(fragment: str) -> str:
    out: list[str] = []
    _md_blocks(parse(fragment), out)
    return "\n\n".join(x for x in out if x.strip()) + "\n"


# --------------------------------------------------------------------------- DOCX


def _data_uri_bytes(src: str) -> bytes | None:
    m = re.match(r"data:image/[a-z]+;base64,(.*)$", src, re.S)
    return base64.b64decode(m.group(1)) if m else None


class _Docx:
    def __init__(self, title: str, author: str, when, font: str):
        from docx import Document
        from docx.shared import Cm, Pt

        self.doc = Document()
        sec = self.doc.sections[0]
        sec.page_height, sec.page_width = Cm(29.7), Cm(21.0)
        sec.top_margin = sec.bottom_margin = Cm(2.5)
        sec.left_margin, sec.right_margin = Cm(2.5), Cm(2.2)
        normal = self.doc.styles["Normal"]
        normal.font.name = font
        normal.font.size = Pt(10.5)
        props = self.doc.core_properties
        props.title, props.author = title, author
        from datetime import datetime

        props.created = props.modified = datetime(when.year, when.month, when.day)
        self.when = when
        props.last_modified_by = author
        props.revision = 1

    def runs(self, par, node: Node, bold=False, italic=False, size=None):
        from docx.shared import Pt

        for c in node.children:
            if isinstance(c, str):
                text = re.sub(r"\s+", " ", c)
                if not text or (text == " " and not par.runs):
                    continue
                if not par.runs:
                    text = text.lstrip()
                r = par.add_run(text)
                r.bold, r.italic = bold or None, italic or None
                if size:
                    r.font.size = Pt(size)
            elif c.tag == "br":
                par.add_run().add_break()
            elif c.tag == "img":
                data = _data_uri_bytes(c.attrs.get("src", ""))
                if data:
                    from docx.shared import Cm

                    par.add_run().add_picture(io.BytesIO(data), width=Cm(16))
            else:
                self.runs(par, c, bold or c.tag in ("strong", "b"), italic or c.tag in ("em", "i"), size)
        last = par.runs[-1] if par.runs else None
        if last is not None and last.text and last.text != last.text.rstrip():
            last.text = last.text.rstrip()  # (a picture run has no text: setting it would drop the picture)

    def blocks(self, node: Node, tight: bool = False, style_size=None):
        from docx.shared import Pt

        for c in node.children:
            if isinstance(c, str):
                if c.strip():
                    self.doc.add_paragraph(_collapse(c))
                continue
            tag = c.tag
            if tag in ("div", "section", "header", "footer", "figure"):
                size = 9 if ("letterhead" not in c.classes and ({"small", "footer"} & c.classes or tag == "footer")) else None
                self.blocks(c, tight="lines" in c.classes, style_size=size)
                if "lines" in c.classes or tag == "header":
                    self.doc.add_paragraph().paragraph_format.space_after = Pt(2)
            elif tag in ("p", "figcaption"):
                par = self.doc.add_paragraph()
                cls = c.classes
                size = 16 if "org" in cls else (12 if "unit" in cls else style_size)
                self.runs(par, c, bold="org" in cls or "unit" in cls, italic=tag == "figcaption", size=size)
                if tight:
                    par.paragraph_format.space_after = Pt(0)
            elif tag in ("h1", "h2", "h3"):
                par = self.doc.add_paragraph()
                self.runs(par, c, bold=True, size={"h1": 13, "h2": 11.5, "h3": 10.5}[tag])
                par.paragraph_format.space_before = Pt(10 if tag == "h1" else 8)
                par.paragraph_format.keep_with_next = True
            elif tag in ("ul", "ol"):
                for li in c.children:
                    if isinstance(li, Node) and li.tag == "li":
                        par = self.doc.add_paragraph(style="List Number" if tag == "ol" else "List Bullet")
                        self.runs(par, li)
            elif tag == "table":
                self.table(c)
            elif tag == "img":
                par = self.doc.add_paragraph()
                self.runs(par, Node("span", children=[c]))
            else:
                par = self.doc.add_paragraph()
                self.runs(par, c)

    def table(self, node: Node):
        from docx.shared import Pt

        rows: list[list[Node]] = []

        def walk(n: Node):
            for c in n.children:
                if isinstance(c, Node):
                    if c.tag == "tr":
                        rows.append([cell for cell in c.children if isinstance(cell, Node) and cell.tag in ("th", "td")])
                    else:
                        walk(c)

        walk(node)
        if not rows:
            return
        width = max(len(r) for r in rows)
        meta = "meta" in node.classes
        t = self.doc.add_table(rows=len(rows), cols=width)
        if not meta:
            t.style = self.doc.styles["Table Grid"]
        for i, r in enumerate(rows):
            for j, cell in enumerate(r):
                par = t.cell(i, j).paragraphs[0]
                self.runs(par, cell, bold=cell.tag == "th" and not meta, size=9.5)
                par.paragraph_format.space_after = Pt(0)
        self.doc.add_paragraph().paragraph_format.space_after = Pt(0)

    def bytes(self) -> bytes:
        buf = io.BytesIO()
        self.doc.save(buf)
        return _fixed_zip(buf.getvalue(), self.when)


def _fixed_zip(data: bytes, when) -> bytes:
    """The same DOCX with every zip entry stamped with the letter's date, so the same letter
    gives the same bytes (python-docx stamps the time of saving)."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(max(1980, when.year), when.month, when.day, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def to_docx(fragment: str, title: str, author: str, when, font: str = "Arial") -> bytes:
    d = _Docx(title, author, when, font)
    d.blocks(parse(fragment))
    return d.bytes()

"""Rendering a letter"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..facts import Fact
from ..formatting import format_amount, format_date, format_dom, format_month
from .context import FORMATS, LetterError, check_letter, letter_context, recipients
from .sender import LetterConfigError, Recipient, Sender, load_sender

# --------------------------------------------------------------------------- rendering


@lru_cache(maxsize=None)
def _env(lang: str):
    """The template environment of one language: HTML autoescaping, strict undefined names
    (a typo in a template fails loudly), and the language's filters kr, date, month, dom."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("planner.letters", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(_filters(lang))
    return env


#: The facts a render shows, with their text, in the order the template shows them (one list
#: per render on this thread: `render_html_fragment` sets it; `planner.factcheck` reads it).
_shown = threading.local()

#: Which filter shows which unit of fact (a day of the month is never shown as an amount).
_UNITS = {"kr": ("ore",), "date": ("date",), "month": ("month",), "dom": ("dom",), "num": ("count",)}


def _filters(lang: str) -> dict:
    """The template filters. Each takes a `planner.facts.Fact` and nothing else: a template
    cannot show a date or amount it computed itself, nor a raw number (a `LetterError` names
    the template's value); each fact shown is recorded with its text for the fact checker."""
    from markupsafe import Markup, escape

    def keep(s: str) -> Markup:  # never broken across lines: amounts and dates stay whole in PDF text
        return Markup('<span class="nw">') + escape(s) + Markup("</span>")

    text: dict[str, Callable[[Any], str]] = {"kr": lambda v: format_amount(v, lang), "date": lambda v: format_date(v, lang),
            "month": lambda v: format_month(v, lang), "dom": lambda v: format_dom(int(v), lang), "num": str}

    def shown(name: str):
        def f(fact):
            if not isinstance(fact, Fact) or fact.unit not in _UNITS[name]:
                raise LetterError(f"a letter template shows {fact!r} with |{name}, which is not a fact of the plan "
                                  f"({'/'.join(_UNITS[name])}): templates render facts, never values of their own")
            out = text[name](fact.value)
            rec = getattr(_shown, "facts", None)
            if rec is not None:
                rec.append((fact, out))
            return out if name in ("dom", "num") else keep(out)
        return f

    return {name: shown(name) for name in _UNITS}


def render_html_fragment(ctx: dict, shown: list | None = None) -> str:
    """The letter body (HTML subset) from its template `templates/<lang>/<to>.html.j2`; the
    facts it shows are appended to `shown` as (fact, text)."""
    lang = ctx["lang"]
    _shown.facts = shown if shown is not None else []
    try:
        return _env(lang).get_template(f"{lang}/{ctx['to']}.html.j2").render(**ctx)
    finally:
        _shown.facts = None


def checked_fragment(household, plan, ctx: dict) -> str:
    """The letter body, after `planner.factcheck` re-derived every fact it shows from the plan
    and found every date, amount and month in its text among them; else `LetterError` (a
    mismatch is an error, never a letter)."""
    import html
    import re

    from ..factcheck import FactMismatch, require

    shown: list = []
    fragment = render_html_fragment(ctx, shown)
    text = html.unescape(re.sub(r"<[^>]+>", " ", fragment))
    try:
        require(household, plan, shown, text, ctx["lang"], f"the letter to {ctx['to']}")
    except FactMismatch as e:
        raise LetterError(str(e)) from None
    return fragment


def letter_css(lang: str) -> str:
    from importlib import resources

    css = resources.files("planner.letters").joinpath("templates/letter.css").read_text(encoding="utf-8")
    page = {"nb": ("Side", "av"), "en": ("Page", "of")}[lang]
    return css.replace("__PAGE__", page[0]).replace("__OF__", page[1])


def render_letter(household, plan, to: str, lang: str = "nb", fmt: str = "pdf", sender: Sender | None = None,
                  letter_date: date | None = None, *, reference: str | None = None, reply_by: date | None = None,
                  recipient: Recipient | None = None) -> bytes:
    """One letter as bytes in `fmt` (md, html, pdf, docx).

    `to`: tenant, landlord, nav, husbanken or sosialtjenesten, and one the plan involves
    (`recipients(plan)`), else `LetterError`. `sender`: office and caseworker (placeholders in
    brackets when None). `letter_date`: the letter's date (default today); the answer-by date is
    `reply_by` or the letter date + `sender.reply_days`. `reference`: the saksnummer (default the
    household id). `recipient`: name and address on the letter (default from `sender`, or a plain
    "Til leietaker" / agency name). Markdown and HTML are UTF-8; the tenant's letter embeds the
    before/after balance chart (as a data: URI in Markdown and HTML).
    """

    check_letter(plan, to, lang, household, fmt)
    ctx = letter_context(household, plan, to, lang, sender, letter_date, reference=reference, reply_by=reply_by,
                         recipient=recipient)
    fragment = checked_fragment(household, plan, ctx)
    return letter_bytes(fragment, ctx, fmt, lang)


def letter_bytes(fragment: str, ctx: dict, fmt: str, lang: str) -> bytes:
    """A checked letter's HTML fragment in the format asked for (md, docx, html, pdf), titled by
    its first heading and signed by the sender: one place for every kind of letter."""
    from . import convert

    h1 = convert.parse(fragment).find("h1")
    title = h1.text() if h1 is not None else ""
    s: Sender = ctx["sender"]
    author = f"{s.caseworker}, {s.office}, {s.kommune}"
    if fmt == "md":
        return convert.to_markdown(fragment).encode("utf-8")
    if fmt == "docx":
        return convert.to_docx(fragment, title, author, ctx["letter_date"].value)
    page = convert.html_page(fragment, title, letter_css(lang), lang)
    if fmt == "html":
        return page.encode("utf-8")
    return convert.html_to_pdf(page, title, author, ctx["letter_date"].value)


def letter_filename(household_id: str, to: str, lang: str, fmt: str) -> str:
    """'enslig-mor-2006-tenant.pdf' (nb) or 'enslig-mor-2006-tenant-en.pdf'."""
    return f"{household_id}-{to}{'' if lang == 'nb' else '-' + lang}.{fmt}"


def format_for_path(path: str | Path, fmt: str | None = None) -> str:
    """The format of a letter written to `path`: `fmt` if given, else from the file's suffix
    (`.md`, `.html`, `.pdf`, `.docx`), else pdf for a name without a suffix. An unknown suffix,
    or a suffix that says another format than `fmt`, is a `LetterError`."""
    suffix = Path(path).suffix.lstrip(".").lower()
    allowed = ", ".join("." + f for f in FORMATS)
    if fmt is not None and fmt not in FORMATS:
        raise LetterError(f"unknown format {fmt!r}; allowed: {', '.join(FORMATS)}")
    if suffix and suffix not in FORMATS:
        raise LetterError(f"{path}: unknown suffix '.{suffix}'; allowed: {allowed}")
    if fmt is not None and suffix and suffix != fmt:
        raise LetterError(f"{path}: the suffix '.{suffix}' does not match --format {fmt}; "
                          f"use a name ending in '.{fmt}'")
    return fmt or suffix or "pdf"


def write_letters(household, plan, directory: str | Path, lang: str = "nb", fmt: str = "pdf",
                  sender: Sender | None = None, letter_date: date | None = None, **kw) -> list[Path]:
    """Write one letter for every recipient the plan needs into `directory`; return the paths."""
    from ..io.files import DIR_MODE, atomic_file

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)  # a new folder 0700; a given one is left as it is
    # every letter rendered (and fact-checked) before any is written: one that fails leaves none
    letters = [(out / letter_filename(household.id, to, lang, fmt),
                render_letter(household, plan, to, lang, fmt, sender, letter_date, **kw))
               for to in recipients(plan, household)]
    for path, data in letters:  # the tenant's name, address and money: 0600 like every output
        with atomic_file(path, "wb") as fh:
            fh.write(data)
    return [path for path, _ in letters]


def sender_from_options(config: str | Path | None = None, *, require: bool = True, **options) -> Sender:
    """The sender for the command line: the config file (if any), then each option given.

    With `require`, a sender without kommune, office or caseworker is refused: a letter must
    not go out unsigned (`LetterConfigError` says which option or config key is missing).
    """
    sender = load_sender(config) if config else Sender()
    sender = sender.with_options(**options)
    missing = sender.missing() if require else []
    if missing:  # (the web page asks `letter_missing`, which starts from the same list)
        raise LetterConfigError(
            "the letter needs " + ", ".join(missing) + ": give " + ", ".join(f"--{m}" for m in missing)
            + " or set them under [sender] in a --config file (see docs/methods/letters.md, 'Config file')")
    return sender


def letter_missing(sender: Sender, to: str, recipient: Recipient | None = None) -> list[str]:
    """What a letter to `to` cannot go out without, as `Sender` field names: the sender's own
    (`Sender.missing`, as the command line refuses), the landlord's name and account where the
    letter names the payee (NAV, Husbanken, sosialtjenesten), the landlord's name on its own
    letter, and the tenant's name and address on the tenant's. Empty: the letter may be sent."""
    out = list(sender.missing())
    landlord = sender.recipient("landlord")
    if to in ("nav", "husbanken", "sosialtjenesten"):
        out += [k for k, v in (("landlord.name", landlord.name), ("landlord.account", landlord.account)) if not v.strip()]
    if to == "landlord" and not landlord.name.strip():
        out.append("landlord.name")
    if to == "tenant":
        r = recipient or Recipient()
        out += [k for k, v in (("tenant.name", r.name), ("tenant.address", "".join(r.address))) if not v.strip()]
    return out

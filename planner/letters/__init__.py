"""Recommendation letters: one per recipient the plan needs, in Norwegian or English, as
Markdown, HTML, PDF (WeasyPrint) or DOCX (python-docx, for the caseworker to edit).

One Jinja2 template per letter and language (`templates/<lang>/<recipient>.html.j2`) writes a
small HTML subset; `convert` turns it into every format. What a recipient may read is decided
here, not in the templates: each letter's context holds only that recipient's facts (the
landlord's no benefits, NAV's no rent arrears, Husbanken's only the bostøtte request), so a
template cannot leak what it was never given.

Public functions: `recipients(plan)`, `render_letter(household, plan, to, lang, fmt, sender,
letter_date) -> bytes`, `write_letters(...)`, `load_sender(path)`; types `Sender`, `Recipient`.

Parts: `context` (who gets a letter and what it holds: the template context), `rendering`
(templates to md/html/pdf/docx, files), `sender` (the letters config), `convert` (HTML to DOCX).
"""

from ..formatting import format_amount, format_date, format_dom, format_month
from .context import (
    FORMATS,
    LANGS,
    Item,
    LetterError,
    clean_basis,
    first_change,
    letter_context,
    recipients,
    requests,
    tenant_share,
)
from .figures import budget
from .rendering import (
    format_for_path,
    letter_filename,
    letter_missing,
    render_html_fragment,
    render_letter,
    sender_from_options,
    write_letters,
)
from .sender import RECIPIENTS, LetterConfigError, Recipient, Sender, load_sender, sender_from_dict

__all__ = [
    "RECIPIENTS", "LANGS", "FORMATS", "LetterError", "LetterConfigError", "Recipient", "Sender", "load_sender",
    "sender_from_dict", "recipients", "render_letter", "write_letters", "letter_filename", "format_amount",
    "format_date", "format_dom", "format_month", "letter_context", "sender_from_options", "first_change",
    "clean_basis", "format_for_path", "requests", "letter_missing", "render_html_fragment", "Item",
    "budget", "tenant_share",
]

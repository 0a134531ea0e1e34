"""One rule for personal data in ids and free text: a Norwegian fødselsnummer or D-number.

Ids end up in URLs, file names (`plans/ID.json`) and logs; labels, creditor texts and stream
names are copied into reports, batch results and letters. None of them may carry a national
identity number, however it is spelled. The candidates are found by their usual spellings
(`01018012345`, `010180 12345`, `010180-12345`, `01.01.80 12345`) and confirmed by
python-stdnum's `stdnum.no.fodselsnummer` (both check digits and a real birth date; D-numbers,
whose day is raised by 40, and H-numbers, whose month is raised by 40, included), so a case
number that merely has eleven digits is not refused, and no check-digit arithmetic is written
here by hand.
"""

from __future__ import annotations

import re

from stdnum.no import fodselsnummer

#: Day, month and year (two digits each, optionally separated by a point, space or hyphen),
#: then the five-digit personal number after an optional space, hyphen or point. ASCII digits
#: only; the lookahead finds overlapping candidates (a longer run of digits holds several).
_CANDIDATE = re.compile(
    r"(?=(?<![0-9])([0-9]{2})[.\- \u00a0]?([0-9]{2})[.\- \u00a0]?([0-9]{2})[.\- \u00a0]?([0-9]{5})(?![0-9]))"
)


def has_national_id(text: str | None) -> bool:
    """Whether `text` holds a valid fødselsnummer or D-number in one of its usual spellings."""
    if not text or len(text) < 11:  # (a candidate has eleven digits: most ids and labels are shorter)
        return False
    return any(fodselsnummer.is_valid("".join(m.groups())) for m in _CANDIDATE.finditer(text))


#: Ids that cannot name a household: `ny` is the web page's "new household" address, and `.`,
#: `..` (or any id starting with a point) would be a hidden or parent path in `plans/`.
RESERVED_IDS = frozenset({"ny", ".", ".."})


def reserved_id_reason(value: str) -> str | None:
    """Why `value` cannot be an id (None: it can)."""
    if value.casefold() in RESERVED_IDS:
        return f"{value!r} is reserved (the web page's address for a new household, or a folder name)"
    if value.startswith("."):
        return "must not start with '.' (it would be a hidden file in plans/)"
    if "/" in value or "\\" in value:
        return "must not contain '/' or '\\' (it is used as a file name)"
    return None


__all__ = ["RESERVED_IDS", "has_national_id", "reserved_id_reason"]

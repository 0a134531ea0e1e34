"""A household draft from a bank statement: the payouts found, not typed.

    statement = read_files(["jan-mar.csv"])          # readers per format (read.py)
    found = detect(statement)                        # streams with evidence (detect.py)
    text = toml_text(found, as_of=date(2026, 4, 1))  # the draft, evidence as comments (draft.py)

Readers: camt.052/053/054 (lxml), OFX (ofxtools), Norwegian bank CSV (column map of
`planner batch --columns`). Nothing here logs or stores anything; the draft keeps only each
stream's kind, amount, schedule and the dates and amounts it was found from.
"""

from .detect import Detection, Excluded, Stream, detect
from .draft import default_as_of, household_document, toml_text
from .model import Entry, Statement, StatementError
from .read import FORMATS, read_bytes, read_files, read_many

__all__ = [
    "FORMATS", "Detection", "Entry", "Excluded", "Statement", "StatementError", "Stream", "default_as_of",
    "detect", "household_document", "read_bytes", "read_files", "read_many", "toml_text",
]

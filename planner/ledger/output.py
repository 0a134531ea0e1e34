"""Writing the ledger run's files: private (0600), atomic, deterministic, without free text.

Every file goes through a temporary file in the same folder and `os.replace`, so a reader never
sees half a file; every file is created with mode 0600 (the folder 0700) because the output
names tenancies and their arrears. Nothing here copies the ledger's text or names: the tables
hold the tenancy id (or its pseudonym), figures, dates and input row numbers.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..io.files import atomic_file
from ..io.tables import csv_safe, csv_safe_frame

FORMAT = "planner.ledger/1"

TENANCY_COLUMNS = [
    "tenancy", "pattern", "rent_ore", "due_day", "balance_ore", "arrears_ore", "arrears_months",
    "trend_ore_per_month", "observed_months", "late_months", "open_months", "split_months", "median_days_late",
    "failed_debits", "failed_months", "instalments", "broken_instalments", "payment_days", "collector_date",
    "request_date", "priority", "priority_urgency", "priority_arrears", "priority_pattern", "plan_candidate",
    "rows", "first_row", "rejected_rows", "incomplete_reason",
]
MONTH_COLUMNS = ["tenancy", "month", "due", "charged_ore", "paid_in_month_ore", "parts", "settled", "days_late",
                 "failed_debits", "balance_end_ore"]
CONTACT_COLUMNS = ["rank", "tenancy", "priority", "pattern", "arrears_ore", "arrears_months", "trend_ore_per_month",
                   "collector_date", "request_date", "plan_candidate", "draft", "why"]


def prepare(out: Path) -> None:
    """The output folder, private; drafts of an earlier run are removed (they would mix)."""
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    drafts = out / "drafts"
    if drafts.is_dir():
        for f in drafts.glob("*.toml"):
            f.unlink()
    drafts.mkdir(exist_ok=True, mode=0o700)


def private(path: Path, mode: str = "w"):
    """Open `path` for writing through a 0600 temporary file; replaced into place on success."""
    return atomic_file(path, mode, newline="" if "b" not in mode else None)


def write_text(path: Path, text: str) -> None:
    with private(path) as fh:
        fh.write(text)


def write_frame(path: Path, frame: pd.DataFrame, columns: list[str]) -> None:
    with private(path) as fh:
        csv_safe_frame(frame, columns).to_csv(fh, index=False, lineterminator="\n")


class Appender:
    """A CSV or text file written a block at a time (months.csv, patterns.jsonl), private."""

    def __init__(self, path: Path, header: list[str] | None = None):
        self.path = path
        self._cm = private(path)
        self.fh = self._cm.__enter__()
        if header:
            self.fh.write(",".join(header) + "\n")

    def frame(self, frame: pd.DataFrame, columns: list[str]) -> None:
        """Rows of `frame` (numbers and text only), written by pyarrow's CSV writer (fast)."""
        import pyarrow as pa
        import pyarrow.csv as pcsv

        buf = io.BytesIO()
        table = pa.Table.from_pandas(csv_safe_frame(frame, columns), preserve_index=False)
        pcsv.write_csv(table, buf, pcsv.WriteOptions(include_header=False, quoting_style="needed"))
        self.fh.write(buf.getvalue().decode("utf-8"))

    def lines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.fh.write(line)
            self.fh.write("\n")

    def close(self, ok: bool = True) -> None:
        if ok:
            self._cm.__exit__(None, None, None)
        else:
            self._cm.__exit__(RuntimeError, RuntimeError(), None)


def write_errors(path: Path, errors) -> int:
    from ..io.tables import ERROR_HEADER

    n = 0
    with private(path) as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(ERROR_HEADER[:-1] + ["tenancy"])
        for e in errors:
            w.writerow([csv_safe(v) for v in e.to_csv()])
            n += 1
    return n


class DraftZip:
    """All household drafts in one zip (0600, fixed timestamps: the same run gives the same bytes);
    tens of thousands of small files would cost more than the analysis."""

    def __init__(self, path: Path):
        import zipfile

        self._cm = private(path, "wb")
        self.fh = self._cm.__enter__()
        self.zf = zipfile.ZipFile(self.fh, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self.n = 0

    def add(self, name: str, text: str) -> None:
        import zipfile

        info = zipfile.ZipInfo(f"{name}.toml", date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o600 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zf.writestr(info, text)
        self.n += 1

    def close(self) -> None:
        self.zf.close()
        self._cm.__exit__(None, None, None)


def write_draft(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.toml"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path


def json_line(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, sort_keys=False, separators=(",", ":"))


__all__ = ["Appender", "CONTACT_COLUMNS", "FORMAT", "MONTH_COLUMNS", "TENANCY_COLUMNS", "json_line", "prepare",
           "private", "DraftZip", "write_draft", "write_errors", "write_frame", "write_text"]

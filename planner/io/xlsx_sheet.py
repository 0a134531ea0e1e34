"""XlsxWriter's worksheet for a long sheet written in constant-memory mode, two of its steps
made cheaper, the same bytes.

XlsxWriter spends a few µs on each cell, and the batch's sheet has two million. Two steps of
those are work the sheet does not need: a cell's format number (an integer) is searched for
characters to escape, which a number cannot hold (the search raises and is caught, a
microsecond each); and the worksheet's spill file, to which each cell is written, is open for
reading too, so that every write first resets its decoder. This class takes the number as it
is, keeps the spill file open for writing only until the workbook closes, and copies it into
the sheet as bytes, not as text: a tenth less of the sheet's time. It is XlsxWriter's documented way to change a worksheet (`add_worksheet`'s
`worksheet_class`), and `fast_sheet_class` falls back to the plain worksheet when the methods
it changes are not there (`tests/test_xlsx_split.py` compares the bytes with the plain one's)."""

from __future__ import annotations

import os
import shutil


def fast_sheet_class():
    """The worksheet class to write a constant-memory sheet with (None: XlsxWriter's own)."""
    from xlsxwriter.worksheet import Worksheet

    if not all(callable(getattr(Worksheet, m, None)) for m in ("_escape_attributes", "_initialize", "_opt_close",
                                                                "_opt_reopen", "_write_optimized_sheet_data",
                                                                "_xml_start_tag", "_xml_end_tag")):
        return None

    class FastSheet(Worksheet):
        def _escape_attributes(self, attribute):
            return attribute if type(attribute) is int else super()._escape_attributes(attribute)

        def _initialize(self, init_data) -> None:
            super()._initialize(init_data)
            if self.constant_memory and getattr(self, "row_data_filename", None):
                # write only; `close` closes it, and XlsxWriter opens it again to read it
                self.row_data_fh.close()  # type: ignore[has-type]
                self.row_data_fh = self.fh = open(self.row_data_filename, "w", encoding="utf-8")  # noqa: SIM115

        def _write_optimized_sheet_data(self) -> None:
            # the spill file's rows copied into the sheet as bytes (XlsxWriter's own copy reads
            # and writes them as text, 64 KB at a time)
            if self.dim_rowmin is None or not hasattr(self.fh, "buffer"):
                super()._write_optimized_sheet_data()
                return
            self._xml_start_tag("sheetData")
            self.row_data_fh.close()
            self.fh.flush()
            with open(self.row_data_filename, "rb") as spill:
                shutil.copyfileobj(spill, self.fh.buffer, 1 << 20)
            os.unlink(self.row_data_filename)
            self._xml_end_tag("sheetData")

        def close_spill(self) -> None:
            """Before the workbook closes: the spill file closed (XlsxWriter reopens it)."""
            if self.constant_memory:
                self._opt_close()

    return FastSheet

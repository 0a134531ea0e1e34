"""Batch input: a tenants table and a payouts table (CSV or XLSX), or a folder of household files.

A municipality's export never has our column names, so a column map (TOML) maps theirs to ours.
Every row is turned into the same dict a household file gives and validated by
`planner.io.household.household_from_dict`, so a table is held to exactly the rules of a file.

Nothing here stops on a bad row: every problem becomes a `RowError` naming the file, the row as
a spreadsheet user counts it (the header is row 1, the first household row 2), the column as
the file names it, the value and the reason. The rows are streamed: a CSV is read in chunks,
and all rows go to an on-disk spool (SQLite) from which households are assembled a chunk at a
time, so memory does not grow with the number of tenants (an XLSX sheet is read whole by
pandas, as raw cells, while it is spooled).

The columns (ours; see README.md, "planner batch", for an example):

tenants: id, start, rent (required); label, months, opening_balance, min_balance, adults,
children, profile, rent_day, living_monthly, arrears, arrears_since, arrears_creditor,
rent_days, rent_instalments, bostotte_to_landlord, deduction_from, move_payout, repay_months,
allow, forbid.

payouts: household, kind, amount (required); day, every_days, first, dates, shift, name,
month_amounts, month_day, flow ("in", the default: a payout to the tenant; "out": a fixed bill
from the tenant account, such as strom).

Parts: `columns` (our columns, the column map, row errors), `sources` (sorting the inputs),
`reading` (tables in chunks, cells), `spool` (every row once, on disk), `building` (households
from rows, errors.csv).
"""

from .building import build, csv_safe, csv_safe_cells, csv_safe_frame, write_errors_csv
from .columns import (
    ERROR_HEADER,
    LEDGER_COLUMNS,
    LEDGER_KINDS,
    PAYOUT_COLUMNS,
    STATEMENT_COLUMNS,
    TENANT_COLUMNS,
    ColumnMap,
    RowError,
)
from .reading import TableChunk, TableError, cell_text, convert, read_table
from .sources import Inputs, Source, UnreadableInput, discover, display_names, guess_separator
from .spool import RawHousehold, Spool, id_key

__all__ = [
    "ERROR_HEADER", "LEDGER_COLUMNS", "LEDGER_KINDS", "PAYOUT_COLUMNS", "STATEMENT_COLUMNS", "TENANT_COLUMNS", "ColumnMap", "Inputs",
    "RawHousehold", "RowError", "Source", "Spool", "TableChunk", "TableError", "UnreadableInput", "build",
    "cell_text", "convert", "csv_safe", "csv_safe_cells", "csv_safe_frame", "discover", "display_names", "guess_separator", "id_key", "read_table",
    "write_errors_csv",
]

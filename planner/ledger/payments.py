"""The payments of a few tenancies, read from a rent ledger: what `planner follow-up` and the web
page's follow-up match against each open case's plan (`planner.kept`).

Only the tenancies asked for are kept, so a ledger of millions of bookings costs one streaming
pass and memory in the cases' size. A payment counts positive; a reversal or a returned
(failed) AvtaleGiro debit counts negative. A row repeated cell for cell is the ledger's
duplicate (as `planner ledger` treats it) and counts once. Rows that cannot be read are counted,
never guessed: the caller says how many there were.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from ..io.tables import ColumnMap
from ..io.tables.limits import COMMAND_LINE, TableLimits
from ..kept import Payment
from .reading import KIND_CODE, open_ledger

EPOCH = date(1970, 1, 1)
SIGN = {KIND_CODE["payment"]: 1, KIND_CODE["reversal"]: -1, KIND_CODE["returned"]: -1}


@dataclass
class TenancyPayments:
    payments: dict[str, list[Payment]] = field(default_factory=dict)
    present: set[str] = field(default_factory=set)  # tenancies asked for with any booking at all
    rows_read: int = 0
    rows_in_errors: int = 0
    duplicates: int = 0
    last_day: date | None = None  # the ledger's last booking (any tenancy): how far it reaches


def read_payments(path: str | Path, tenancies: Collection[str], *, colmap: ColumnMap | None = None,
                  display_name: str | None = None, as_of: date | None = None,
                  limits: TableLimits = COMMAND_LINE) -> TenancyPayments:
    """Payments per tenancy in `tenancies`, in the ledger's order; bookings after `as_of` left
    out. Raises `LedgerInputError` for a ledger that cannot be read at all, or over `limits`."""
    wanted = set(tenancies)
    out = TenancyPayments(payments={t: [] for t in sorted(wanted)})
    seen: set[tuple[str, int]] = set()
    last = -1
    limit = (as_of - EPOCH).days if as_of is not None else None
    ledger = open_ledger(path, colmap, display_name=display_name, limits=limits)
    for chunk in ledger.chunks:
        out.rows_read += chunk.rows_read
        out.rows_in_errors += chunk.bad_rows
        if len(chunk.day):
            days = chunk.day if limit is None else chunk.day[chunk.day <= limit]
            if len(days):
                last = max(last, int(days.max()))
        ids: list = chunk.tenancy.to_pylist()  # type: ignore[attr-defined]  # a pyarrow string array
        out.present |= wanted.intersection(ids)
        for i in np.flatnonzero(np.isin(chunk.kind, list(SIGN))):
            t = ids[i]
            if t not in wanted or (limit is not None and int(chunk.day[i]) > limit):
                continue
            key = (t, int(chunk.dupkey[i]))
            if key in seen:
                out.duplicates += 1
                continue
            seen.add(key)
            out.payments[t].append(Payment(EPOCH + timedelta(days=int(chunk.day[i])),
                                           SIGN[int(chunk.kind[i])] * int(chunk.amount[i])))
    out.last_day = EPOCH + timedelta(days=last) if last >= 0 else None
    return out

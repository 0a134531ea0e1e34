"""One ledger upload's run for the Reskontro page (`routes.ledger`): in the request's worker pool for
a small file, in a solver process for a background job's large one (`jobkinds`). Module-level and
plain data in, plain data out, so a solver process can run it and a job can keep its answer as JSON.
"""

from __future__ import annotations

import csv
import dataclasses
import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

from ..io.files import remove_leftovers


def ledger_outcome(data: bytes, name: str, suffix: str, colmap_bytes: bytes | None, as_of: date) -> dict:
    """What the page shows for one ledger: `{"result": ...}` (the summary, the first 100 of the
    contact list, the first 200 rows with errors, the household drafts and the balance charts;
    plain data, kept as JSON by a job) or `{"error": message, "status": HTTP status, "columns":
    whether to offer the column chooser}`. Module-level, so a solver process can run it."""
    from ..extras import MissingExtra
    from ..io.errors import InputError
    from ..io.tables.limits import WEB
    from ..ledger.reading import MissingColumns
    from ..ledger.run import LedgerInputError, LedgerOptions, run_ledger

    # 0700, named by this process: removed below, or, after a kill, by the next upload
    remove_leftovers(Path(tempfile.gettempdir()), ["planner-ledger-*"])
    work = Path(tempfile.mkdtemp(prefix=f"planner-ledger-{os.getpid()}-"))
    try:
        src = work / f"ledger{suffix}"
        src.write_bytes(data)
        colmap = None
        if colmap_bytes is not None:
            colmap = work / "columns.toml"
            colmap.write_bytes(colmap_bytes)
        try:
            s = run_ledger(src, LedgerOptions(out=work / "out", as_of=as_of, columns=colmap, display_name=name,
                                              limits=WEB))
        except LedgerInputError as exc:
            return {"error": str(exc), "status": 422, "columns": isinstance(exc, MissingColumns)}
        except MissingExtra as exc:  # the server was installed without the ledger's extra
            return {"error": f"Reskontro kan ikke leses på denne serveren: {exc.install}", "status": 503}
        except InputError as exc:
            return {"error": "; ".join(str(p).replace(str(colmap), "kolonnekart") for p in exc.problems),
                    "status": 422}
        out = work / "out"
        with open(out / "contact.csv", encoding="utf-8", newline="") as fh:
            contact = [r for _, r in zip(range(100), csv.DictReader(fh))]
        with open(out / "errors.csv", encoding="utf-8", newline="") as fh:
            errors = [r for _, r in zip(range(200), csv.DictReader(fh))]
        from .worklist import balances, drafts_for, sparkline

        drafts = drafts_for(out, contact, as_of)  # every ranked row opens as a case

        charts = {t: str(sparkline(v)) for t, v in balances(out / "months.csv", {r["tenancy"] for r in contact}).items()}
        summary = {**dataclasses.asdict(s), "as_of": s.as_of.isoformat()}
        return {"result": {"summary": summary, "contact": contact, "errors": errors, "drafts": drafts,
                           "charts": charts}}
    except OSError as exc:  # the server's disk is full (or its temporary folder unwritable)
        return {"error": f"{name}: serveren kan ikke skrive resultatene ({exc.strerror or type(exc).__name__}); "
                         "prøv igjen senere", "status": 507}
    finally:
        shutil.rmtree(work, ignore_errors=True)

"""Batch check of every tenant: tables in, a prioritised list out.

    planner batch INPUT... --out DIR [--workers N] [--horizon-months M] [--resume]
                  [--pseudonymise] [--engine local|dask --scheduler ADDRESS] [--time-limit S]

The work, a chunk of households at a time (memory stays flat in the number of tenants):

1. `planner.io.tables` spools every input row to disk and assembles households in input order;
2. a worker builds and validates each chunk's households (exactly as household files are
   validated), checks them all at once with the vectorised engine (`compile_households` +
   `check_table`), and finds the date an eviction request would come if nothing is done;
3. households with a problem (or arrears) are planned one per task by `solver.plan`, one
   CP-SAT worker each, in parallel processes (or on a Dask cluster), with a time limit per
   household: one that hits it is reported with status `timeout`, never lost;
4. every finished household is appended to `DIR/journal.jsonl` (flushed and fsynced per chunk),
   after its `plans/ID.json` is in place (temporary file + `os.replace`), so a killed run keeps
   every finished household and `--resume` continues without duplicates;
5. at the end the journal and the errors become `results.csv`, `results.xlsx`, `errors.csv` and
   `summary.txt`, sorted by priority (stable: priority, eviction request date, input order).

Nothing here prints personal data: the terminal gets counts and file names only.

Parts: `common` (constants, columns, options, pseudonyms, the priority of a row), `worker`
(check a chunk, plan one household), `engines` (local processes, inline, Dask), `journal`,
`run`, `output`.
"""

from ..io.tables import UnreadableInput
from .common import (
    CHEAP_COST,
    DEFAULT_TIME_LIMIT_S,
    FORMAT,
    JOURNAL,
    KEY_ENV,
    MANIFEST,
    RESULT_COLUMNS,
    BatchError,
    BatchOptions,
    BatchRow,
    BatchSummary,
    InvalidPlan,
    load_key,
    priority_parts,
    pseudonym,
)
from .engines import DaskEngine, InlineEngine, LocalEngine
from .journal import Journal
from .output import summary_text
from .run import keep_input, run_batch
from .worker import HOUSEHOLD_WALL_PHASES, ChunkResult, check_chunk, plan_one, scrub

__all__ = [
    "CHEAP_COST", "DEFAULT_TIME_LIMIT_S", "FORMAT", "HOUSEHOLD_WALL_PHASES", "JOURNAL", "KEY_ENV", "MANIFEST",
    "RESULT_COLUMNS", "BatchError", "BatchOptions", "BatchRow", "BatchSummary", "ChunkResult", "DaskEngine", "InlineEngine", "InvalidPlan",
    "Journal", "LocalEngine", "UnreadableInput", "check_chunk", "keep_input", "load_key", "plan_one",
    "priority_parts", "pseudonym", "run_batch", "scrub", "summary_text",
]

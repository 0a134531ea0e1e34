"""The optional parts of planner (pyproject.toml's extras) and the one line a command prints
when the part it needs is not installed.

`pip install -e .` leaves out what only some offices use: the ledger's columnar reader
(pyarrow, about 170 MB), the PDF statement reader (pdfplumber), the PostgreSQL driver (psycopg)
and Dask. A command that reaches one of them without it installed must not end in a traceback
that names a module the caseworker never heard of: it says which extra to install and exits 2.
"""

from __future__ import annotations

#: top-level module -> the extra that installs it
MODULE_EXTRA: dict[str, str] = {
    "pyarrow": "ledger",
    "pdfplumber": "pdf",
    "pdfminer": "pdf",
    "psycopg": "postgres",
    "psycopg_binary": "postgres",
    "dask": "dask",
    "distributed": "dask",
    "authlib": "oidc",
}

#: what each extra is for, as the message names it
PURPOSE: dict[str, str] = {
    "ledger": "the rent ledger (planner ledger)",
    "pdf": "PDF bank statements",
    "postgres": "a PostgreSQL database",
    "dask": "a Dask cluster (--engine dask)",
    "oidc": "login through the kommune's identity provider (--oidc)",
}


class MissingExtra(Exception):
    """A part of planner that is installed as an extra is not installed."""

    def __init__(self, extra: str, module: str):
        super().__init__(extra, module)  # both in args: it crosses process pools pickled
        self.extra = extra
        self.module = module

    @property
    def install(self) -> str:
        return f"pip install 'planner[{self.extra}]'"

    def __str__(self) -> str:
        return f"{PURPOSE[self.extra]} needs the optional part '{self.extra}' ({self.module} is not installed): " \
               f"{self.install}"


def missing_extra(exc: BaseException) -> MissingExtra | None:
    """The extra behind a failed import, or None when the missing module belongs to no extra
    (then it is a broken install or a bug, and its traceback is wanted)."""
    if isinstance(exc, MissingExtra):
        return exc
    if not isinstance(exc, ModuleNotFoundError) or not exc.name:
        return None
    top = exc.name.split(".")[0]
    extra = MODULE_EXTRA.get(top)
    return MissingExtra(extra, top) if extra else None


def require(extra: str) -> None:
    """Import the modules of `extra` now, so that a command stops before it writes anything
    when the extra is missing (raises MissingExtra)."""
    import importlib

    for module, e in MODULE_EXTRA.items():
        if e != extra or module == "psycopg_binary":
            continue
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            raise MissingExtra(extra, module) from exc

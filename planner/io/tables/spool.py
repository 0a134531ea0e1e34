"""The on-disk spool (SQLite)"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import compress
from pathlib import Path

from .columns import REQUIRED, ROLES, ColumnMap, RowError
from .reading import TableError, read_table
from .sources import Inputs, Source

# --------------------------------------------------------------------------- the spool


_SCHEMA = """
CREATE TABLE IF NOT EXISTS tenants (seq INTEGER PRIMARY KEY, src INTEGER, row INTEGER, hid TEXT, cells TEXT,
                                    nkey TEXT);
CREATE TABLE IF NOT EXISTS payouts (seq INTEGER PRIMARY KEY, src INTEGER, row INTEGER, hid TEXT, cells TEXT);
CREATE TABLE IF NOT EXISTS sources (src INTEGER PRIMARY KEY, role TEXT, name TEXT, columns TEXT, unused TEXT);
CREATE TABLE IF NOT EXISTS done (key TEXT PRIMARY KEY);
"""


_SEP = "\x1f"  # ASCII unit separator: a spooled row is its cells joined by it
_BAD_ROW = "\0"  # a spooled row starting with it could not be read; then the column, _SEP, the reason


def _bad(packed: str) -> tuple[str, str]:
    """(column, reason) of a spooled row that could not be read."""
    column, sep, reason = packed[1:].partition(_SEP)
    return (column, reason) if sep else ("", column)


def _bad_nb(reason: str) -> str:
    """A row the readers could not read, said in Norwegian (their three reasons: a ragged CSV row,
    a formula cell with no saved value, a household file that is not UTF-8 text)."""
    if m := re.match(r"row has (\d+) fields, the header has (\d+)", reason):
        return (f"Raden har {m[1]} felt, overskriftsraden har {m[2]} (et skilletegn inne i en celle uten"
                " anførselstegn?); raden er ikke lest.")
    if m := re.match(r"cell (\S+) holds a formula", reason):
        return (f"Cellen {m[1]} har en formel uten lagret verdi, så verdien er ukjent: åpne og lagre filen i Excel"
                " eller LibreOffice, eller skriv inn verdien; raden er ikke lest.")
    if "UTF-8" in reason:
        return "Filen er ikke UTF-8-tekst: lagre den som UTF-8."
    return f"Filen kan ikke leses: {reason}." if reason else ""


def _where(file: str, row: int) -> str:
    return file if not row else f"{file} row {row}"


def id_key(hid: str) -> str:
    """An id as the duplicate check compares it: the model strips surrounding white space, and
    `plans/ID.json` is one file for ids that differ only in case on Windows and macOS, so
    `" hh-1"`, `"hh-1"` and `"HH-1"` are one id (Unicode NFC, so composed and decomposed `ø`
    are one too)."""
    return unicodedata.normalize("NFC", hid.strip()).casefold()


#: How many other rows a duplicate-id error names (then a count): one id on every row of a
#: 4 000-row file would otherwise make errors.csv grow with the square of the rows.
DUPLICATES_NAMED = 3


def _duplicate_reason(others: list[str], total_others: int, rows: bool) -> str:
    shown = ", ".join(others[:DUPLICATES_NAMED])
    more = total_others - min(len(others), DUPLICATES_NAMED)
    if more > 0:
        shown += f" and {more} more row" + ("s" if more > 1 else "")
    if rows:
        return f"duplicate id: also used on {shown}; ids must be unique (neither row is planned until one is changed)"
    return f"duplicate id: also used in {shown}; ids must be unique (neither is planned until one is changed)"


def _duplicate_nb(others: list[str], total_others: int) -> str:
    """The duplicate-id reason in Norwegian (for errors-excel.csv)."""
    shown = ", ".join(others[:DUPLICATES_NAMED]).replace(" row ", " rad ")
    more = total_others - min(len(others), DUPLICATES_NAMED)
    if more > 0:
        shown += f" og {more} rad{'er' if more > 1 else ''} til"
    return (f"ID-en er brukt flere ganger: også på {shown}; hver ID må være unik (ingen av radene planlegges før "
            "én er endret).")


def _others(dup: tuple[int, list[tuple[str, int]]], name: str, row: int) -> tuple[list[str], int]:
    """The first few other rows with a duplicate id (not this one), and how many others there are."""
    n, first = dup
    return [_where(f, r) for f, r in first if (f, r) != (name, row)][:DUPLICATES_NAMED], n - 1


def _file_id(path: Path, text: str) -> str:
    """The id inside a household file, stripped as the model strips it ("" if unreadable):
    duplicates and --resume compare ids, not file names. A file the readers refuse (not TOML,
    too deep, a 5 000-digit number) has no id here, and its own error comes from `build`."""
    from ..household import ParseError, load_json, load_toml

    if text.startswith("\0"):
        return ""
    try:
        data = load_toml(text) if path.suffix.lower() == ".toml" else load_json(text)
    except ParseError:
        return ""
    hid = data.get("id", "") if isinstance(data, dict) else ""
    return hid.strip() if isinstance(hid, str) else ""


def _packed_rows(chunk, names: list[str], key: str, base: int, src: int) -> list[tuple]:
    """A chunk's rows as spooled, blank lines left out: (seq, src, row, id, cells joined by
    `_SEP`). The rows are joined column-wise by `map` and `zip` (half a million payout rows in
    a batch); a cell holding the separator itself, which the join would split, has it
    replaced by a space."""
    cols = [chunk.cells[c] for c in names]
    n = len(chunk.blank)
    packed = list(map(_SEP.join, zip(*cols))) if cols else [""] * n
    if cols and "".join(packed).count(_SEP) != n * (len(cols) - 1):  # the separator inside a cell
        packed = [_SEP.join([c.replace(_SEP, " ") for c in cells]) for cells in zip(*cols)]
    keys = chunk.cells.get(key) or [""] * n
    numbers = chunk.rows if chunk.rows is not None else range(chunk.first_row, chunk.first_row + n)
    return [(base + row, src, row, hid, p) for row, hid, p, blank in zip(numbers, keys, packed, chunk.blank)
            if not blank]


def _unpack(cols: dict[str, str], packed: str) -> dict[str, str]:
    """A spooled row's filled cells by our column names (in the table's order). (`compress`
    keeps the pairs whose cell is not empty without a Python loop: 500 000 rows in a batch.)"""
    parts = packed.split(_SEP)
    return dict(compress(zip(cols, parts), parts))


@dataclass
class RawHousehold:
    """One household's raw rows, assembled from the spool; built into a `Household` by a worker."""

    seq: int  # input order
    hid: str  # the id as given (may be empty or bad)
    tenant: tuple[str, int, dict[str, str], dict[str, str]] | None  # (file, row, ours->theirs, cells)
    payouts: list[tuple[str, int, dict[str, str], dict[str, str]]] = field(default_factory=list)
    toml: tuple[str, str] | None = None  # (file name, text) for a household file
    errors: list[RowError] = field(default_factory=list)  # found while assembling (duplicate id, ...)
    #: False when its rows cannot be validated as a household (a required column is missing, the
    #: tenants row could not be read): only `errors` are reported
    validate: bool = True
    #: the rows' cells as spooled, when `Spool.households` left them packed (their cells in
    #: `tenant`/`payouts` empty until `unpack`): the worker that builds the household reads
    #: them (`packed_cells`; `unpack` for a household in error), and a packed row crosses to
    #: it as one string instead of a dict of cells
    packed_tenant: str | None = None
    packed_payouts: list[str] | None = None

    def packed_cells(self) -> tuple[list[str], list[list[str]]] | None:
        """The packed rows' cells, each row split in its table's column order (empty cells
        kept), with no dict made; None when the rows are not packed. The batch's workers build
        a household from these, and `unpack` only the households whose rows are in error."""
        if self.packed_tenant is None or self.tenant is None or self.packed_payouts is None:
            return None
        return self.packed_tenant.split(_SEP), [packed.split(_SEP) for packed in self.packed_payouts]

    def unpack(self) -> RawHousehold:
        """The cells of packed rows put in place (nothing to do when there are none)."""
        if self.packed_tenant is not None and self.tenant is not None:
            name, row, cols, _ = self.tenant
            self.tenant = (name, row, cols, _unpack(cols, self.packed_tenant))
            self.packed_tenant = None
        if self.packed_payouts is not None:
            self.payouts = [(name, row, cols, _unpack(cols, packed))
                            for (name, row, cols, _), packed in zip(self.payouts, self.packed_payouts)]
            self.packed_payouts = None
        return self


class Spool:
    """Every input row on disk, so households are assembled a chunk at a time in input order."""

    def __init__(self, path: Path | None = None):
        """`path` None: an anonymous database (SQLite deletes its file as it opens it, so
        nothing is left behind even when the process is killed)."""
        self.path = path
        self.db = sqlite3.connect(str(path) if path is not None else "", isolation_level=None)
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.executescript(_SCHEMA)
        self.errors: list[RowError] = []
        self.unused_columns: dict[str, list[str]] = {}
        self._src = 0
        self.has_label = False

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------------ loading

    def load(self, inputs: Inputs, colmap: ColumnMap, chunk_rows: int = 20_000, aside=None) -> None:
        """Every input row into the spool. `aside` (`planner.io.tables.aside.AsideReader`): its
        tables are read by another process meanwhile, and taken in after this one's, as if
        read here (else read here)."""
        self.errors.extend(inputs.errors)
        self.failed_roles = set(inputs.failed_roles)
        self.db.execute("BEGIN")
        for source in inputs.sources:
            if aside is None or source not in aside.sources:
                self.load_table(source, colmap, chunk_rows)
        if aside is not None:
            first = self._src
            if not aside.take(self):  # (the other process failed: what it gave is dropped)
                self.db.execute("DELETE FROM payouts")
                self.db.execute("DELETE FROM sources WHERE src > ?", (first,))
                self._src = first
                for source in aside.sources:
                    self.load_table(source, colmap, chunk_rows)
        seq = self._next_seq()
        for path in inputs.household_files:
            try:
                text = path.read_bytes().decode("utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                text = "\0" + str(getattr(exc, "strerror", None) or "is not UTF-8 text")
            src = self.add_source("household", inputs.show(path), {}, [])
            hid = _file_id(path, text)
            self.db.execute("INSERT INTO tenants VALUES (?,?,?,?,?,?)", (seq, src, 0, hid, text, id_key(hid)))
            seq += 1
        self.db.execute("COMMIT")
        self.db.execute("CREATE INDEX IF NOT EXISTS p_hid ON payouts(hid, seq)")
        self.db.execute("CREATE INDEX IF NOT EXISTS t_hid ON tenants(hid)")
        self.db.execute("CREATE INDEX IF NOT EXISTS t_nkey ON tenants(nkey)")

    def _next_seq(self) -> int:
        return int(self.db.execute("SELECT coalesce(max(seq), 0) + 1 FROM tenants").fetchone()[0])

    # the four steps of loading a table that touch the database (`aside` collects them instead)

    def add_source(self, role: str, name: str, columns: dict, unused: list[str]) -> int:
        self._src += 1
        self.db.execute("INSERT INTO sources VALUES (?,?,?,?,?)",
                        (self._src, role, name, json.dumps(columns, ensure_ascii=False),
                         json.dumps(unused, ensure_ascii=False)))
        return self._src

    def table_base(self, table: str) -> int:
        """What a table's next source adds to its row numbers for their `seq`."""
        return int(self.db.execute(f"SELECT coalesce(max(seq), 0) + 1 FROM {table}").fetchone()[0]) - 2

    def insert_rows(self, table: str, rows: list[tuple]) -> None:
        self.db.executemany(f"INSERT INTO {table} VALUES ({','.join('?' * (6 if table == 'tenants' else 5))})", rows)

    def source_columns(self, src: int) -> dict[str, str]:
        return json.loads(self.db.execute("SELECT columns FROM sources WHERE src=?", (src,)).fetchone()[0])

    def load_table(self, source: Source, colmap: ColumnMap, chunk_rows: int) -> None:
        name = source.name
        table = source.role
        required = REQUIRED[table]
        src = None
        any_rows = False
        try:
            for chunk in read_table(source, colmap, chunk_rows):
                if src is None:
                    _, unused = colmap.rename(table, chunk.headers)
                    src = self.add_source(table, name, chunk.columns, unused)
                    if unused:
                        self.unused_columns[name] = unused
                    if table == "tenants" and "label" in chunk.columns:
                        self.has_label = True
                    key = "id" if table == "tenants" else "household"
                    names = list(chunk.columns)
                    # input order: a row's seq follows from its row number, so a row read
                    # out of turn (a ragged row, reported at the end) keeps its place
                    base = self.table_base(table)
                rows = _packed_rows(chunk, names, key, base, src)
                any_rows = any_rows or bool(rows)
                for row, hid, reason, *column in chunk.bad:  # a row that could not be read: reported per household
                    any_rows = True
                    rows.append((base + row, src, row, hid, _BAD_ROW + (column[0] if column else "") + _SEP + reason))
                if table == "tenants":
                    rows = [(*r, id_key(r[3])) for r in rows]
                self.insert_rows(table, rows)
        except TableError as exc:
            self.errors.append(exc.error)
            self.failed_roles.add(table)
            return
        if src is None or (table == "tenants" and not any_rows):
            if src is None:
                self.errors.append(RowError(name, None, "", "", "the file has no header row",
                                            reason_nb="Filen har ingen overskriftsrad."))
                self.failed_roles.add(table)
            elif table == "tenants":
                self.errors.append(RowError(name, None, "", "", "the file has a header but no tenant rows",
                                            reason_nb="Filen har overskrifter, men ingen rader med leietakere."))
            return
        missing = [c for c in required if c not in self.source_columns(src)]
        if missing and table == "payouts":
            self.failed_roles.add(table)

    # ------------------------------------------------------------------ reading back

    def sources(self) -> dict[int, tuple[str, str, dict[str, str]]]:
        return {s: (role, name, json.loads(cols)) for s, role, name, cols, _ in self.db.execute("SELECT * FROM sources")}

    def count_households(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM tenants").fetchone()[0])

    def count_pending(self) -> int:
        return int(self.db.execute(
            "SELECT count(*) FROM tenants WHERE hid = '' OR hid NOT IN (SELECT key FROM done)").fetchone()[0])

    def mark_done(self, keys: Iterator[str]) -> None:
        self.db.execute("BEGIN")
        self.db.executemany("INSERT OR IGNORE INTO done VALUES (?)", ((k,) for k in keys))
        self.db.execute("COMMIT")

    def households(self, chunk: int = 500, pseudonym=None) -> Iterator[list[RawHousehold]]:
        """Households in input order, `chunk` at a time; those marked done are skipped.

        `pseudonym(id)` gives the key a finished household is journaled under (the id itself,
        or its keyed hash), so `done` is compared with the same key.
        """
        srcs = self.sources()
        dup = self.duplicate_ids()
        missing_cols = {s: [c for c in REQUIRED[role] if c not in cols]
                        for s, (role, _, cols) in srcs.items() if role in ROLES}
        payout_missing = [(srcs[s][1], c) for s, (role, _, _) in srcs.items() if role == "payouts"
                          for c in missing_cols[s]]
        any_done = self.db.execute("SELECT 1 FROM done LIMIT 1").fetchone() is not None
        # payout rows no tenant claims (a mistyped id, an empty id): a tenant with no payout rows
        # may be the one they were meant for, and is not planned from the rent alone
        orphans = self.count_orphan_payouts()
        cur = self.db.execute("SELECT seq, src, row, hid, cells FROM tenants ORDER BY seq")
        while True:
            rows = cur.fetchmany(chunk)
            if not rows:
                return
            out: list[RawHousehold] = []
            for seq, src, row, hid, packed in rows:
                if any_done and hid and self._is_done(pseudonym(hid) if pseudonym else hid):
                    continue
                role, name, cols = srcs[src]
                if role == "household":
                    rh = RawHousehold(seq, hid, None, toml=(name, packed))
                    if id_key(hid) in dup:
                        others, n_others = _others(dup[id_key(hid)], name, row)
                        rh.errors.append(RowError(name, None, "id", hid, _duplicate_reason(others, n_others, False),
                                                  reason_nb=_duplicate_nb(others, n_others)))
                    out.append(rh)
                    continue
                if packed.startswith(_BAD_ROW):
                    rh = RawHousehold(seq, hid, (name, row, cols, {}), validate=False)
                    rh.errors.append(RowError(name, row, *_bad(packed)[:1], "", _bad(packed)[1], hid or None,
                                              _bad_nb(_bad(packed)[1])))
                else:
                    rh = RawHousehold(seq, hid, (name, row, cols, {}), packed_tenant=packed)
                for c in missing_cols[src]:
                    rh.validate = False
                    rh.errors.append(RowError(name, row, c, "", f"the file has no column '{c}' (required"
                                              + (f"; map your column to '{c}' with --columns" if c != "id" else
                                                 "; map your id column to 'id' with --columns") + ")",
                                              reason_nb=f"Filen har ingen kolonne «{c}» (må være med; knytt din "
                                              f"kolonne til «{c}» i kolonnekartet)."))
                if dup and id_key(hid) in dup:
                    others, n_others = _others(dup[id_key(hid)], name, row)
                    rh.errors.append(RowError(name, row, cols.get("id", "id"), hid,
                                              _duplicate_reason(others, n_others, True),
                                              reason_nb=_duplicate_nb(others, n_others)))
                if "payouts" in self.failed_roles:
                    rh.errors.append(RowError(name, row, cols.get("id", "id"), hid,
                                              "the payouts table could not be read (see its error above);"
                                              " not planned from the rent alone",
                                              reason_nb="Tabellen med utbetalinger kunne ikke leses (se feilen over): "
                                              "planlegges ikke ut fra husleien alene."))
                for f, c in payout_missing:
                    if hid:
                        rh.validate = False
                        rh.errors.append(RowError(f, None, c, "", f"the payouts file has no column '{c}' (required);"
                                                  " this household's payouts cannot be read",
                                                  reason_nb=f"Filen med utbetalinger har ingen kolonne «{c}» (må "
                                                  "være med): husstandens utbetalinger kan ikke leses."))
                out.append(rh)
            # the chunk's payouts in one query
            ids = sorted({r.hid for r in out if r.tenant is not None and r.hid})
            by_id: dict[str, tuple[list, list[str]]] = {}  # id -> (its rows' (file, row, columns, {}), cells)
            bad_rows: dict[str, list[RowError]] = {}
            if ids:
                q = (f"SELECT hid, src, row, cells FROM payouts WHERE hid IN ({','.join('?' * len(ids))}) "
                     "ORDER BY seq")
                for hid, src, row, packed in self.db.execute(q, ids):
                    _, name, cols = srcs[src]
                    if packed.startswith(_BAD_ROW):
                        bad_rows.setdefault(hid, []).append(RowError(name, row, _bad(packed)[0], "", _bad(packed)[1], hid,
                                                                     _bad_nb(_bad(packed)[1])))
                    else:
                        got = by_id.get(hid)
                        if got is None:
                            got = by_id[hid] = ([], [])
                        got[0].append((name, row, cols, {}))
                        got[1].append(packed)
            for r in out:
                if r.tenant is None:
                    continue
                refs, packs = by_id.get(r.hid, ([], [])) if r.hid else ([], [])
                r.payouts, r.packed_payouts = list(refs), list(packs)  # (own lists: two rows may share an id)
                r.errors.extend(bad_rows.get(r.hid, []) if r.hid else [])
                if orphans and r.hid and not r.payouts and r.hid not in bad_rows and r.validate:
                    name, row, cols, _ = r.tenant
                    r.errors.append(RowError(
                        name, row, cols.get("id", "id"), r.hid,
                        f"no payout rows for this household, while {orphans} payout row"
                        + (" names a household" if orphans == 1 else "s name households")
                        + " not in the tenants table (see errors.csv): is this id mistyped there?"
                        " Not planned from the rent alone", r.hid or None,
                        f"Ingen utbetalinger for denne husstanden, mens {orphans} utbetalingsrad"
                        + ("" if orphans == 1 else "er") + " gjelder husstander som ikke står i tabellen over "
                        "leietakere (se errors.csv): er ID-en skrevet feil der? Planlegges ikke ut fra husleien alene."))
            yield out

    def duplicate_ids(self) -> dict[str, tuple[int, list[tuple[str, int]]]]:
        """{id key: (rows with it, the first few (file, row))} of ids used more than once."""
        srcs = self.sources()
        counts = dict(self.db.execute(
            "SELECT nkey, count(*) FROM tenants WHERE nkey != '' GROUP BY nkey HAVING count(*) > 1").fetchall())
        out: dict[str, tuple[int, list[tuple[str, int]]]] = {}
        for key, n in counts.items():
            first = self.db.execute("SELECT src, row FROM tenants WHERE nkey = ? ORDER BY seq LIMIT ?",
                                    (key, DUPLICATES_NAMED + 1)).fetchall()
            out[key] = (n, [(srcs[src][1], row) for src, row in first])
        return out

    def count_orphan_payouts(self) -> int:
        """Payout rows (of tables with a household column) whose household no tenant row has."""
        srcs = [s for s, (role, _, cols) in self.sources().items() if role == "payouts" and "household" in cols]
        if not srcs:
            return 0
        return int(self.db.execute(
            f"SELECT count(*) FROM payouts WHERE src IN ({','.join('?' * len(srcs))})"
            " AND hid NOT IN (SELECT hid FROM tenants)", srcs).fetchone()[0])

    def _is_done(self, key: str) -> bool:
        return self.db.execute("SELECT 1 FROM done WHERE key=?", (key,)).fetchone() is not None

    def orphan_payouts(self) -> Iterator[RowError]:
        """Payout rows whose household is not in any tenants table."""
        srcs = self.sources()
        known = self.db.execute("SELECT count(*) FROM sources WHERE role='tenants'").fetchone()[0]
        q = ("SELECT p.src, p.row, p.hid, p.cells FROM payouts p WHERE p.hid NOT IN (SELECT hid FROM tenants)"
             " ORDER BY p.seq")
        for src, row, hid, packed in self.db.execute(q):
            _, name, cols = srcs[src]
            if "household" not in cols:
                continue  # reported per household as a missing column
            if packed.startswith(_BAD_ROW):
                yield RowError(name, row, _bad(packed)[0], hid, _bad(packed)[1], reason_nb=_bad_nb(_bad(packed)[1]))
                continue
            if not hid:
                reason, nb = "no household id in this row", "Raden har ingen husstands-ID."
            elif known:
                reason = "payout for an unknown household: no tenant row has this id"
                nb = "Utbetaling til en ukjent husstand: ingen rad med leietakere har denne ID-en."
            else:
                reason = "payout for an unknown household: no tenants table was read"
                nb = "Utbetaling til en ukjent husstand: ingen tabell med leietakere ble lest."
            yield RowError(name, row, cols.get("household", "household"), hid, reason, reason_nb=nb)

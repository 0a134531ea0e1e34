"""Batch tables"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ...levers.settings import settings as lever_settings
from ..errors import InputError

# --------------------------------------------------------------------------- the columns

TENANT_REQUIRED = ("id", "start", "rent")
PAYOUT_REQUIRED = ("household", "kind", "amount")

#: Our tenants columns, with what each holds (the README table is generated from the same words).
TENANT_COLUMNS: dict[str, str] = {
    "id": "household id, unique (no personal data needed)",
    "label": "optional free text (left out of the output when pseudonymising)",
    "start": "first planned day, YYYY-MM-DD or DD.MM.YYYY",
    "months": "horizon in months (default 12; --horizon-months overrides)",
    "opening_balance": "kroner on the account at the start",
    "min_balance": "floor the balance must not go below (default 0)",
    "adults": "adults in the household (default 1)",
    "children": "children in the household (default 0; counts in the priority)",
    "profile": "payout-day profile (e.g. seed-2006)",
    "rent": "monthly rent in kroner",
    "rent_day": "day of month the rent is debited (default 1)",
    "living_monthly": "everyday spending per month in kroner",
    "arrears": "arrears already owed, kroner",
    "arrears_since": "date the arrears have been owed from",
    "arrears_creditor": "who the arrears are owed to (default utleier)",
    # each lever's settings, declared in its module (planner.levers.setting)
    **{key: s.help for key, s in lever_settings().items()},
    "allow": "levers allowed, e.g. rent_day;rent_instalments",
    "forbid": "levers forbidden",
}
PAYOUT_COLUMNS: dict[str, str] = {
    "household": "the tenant's id",
    "kind": "benefit kind (aap, barnetrygd, bostotte, ...) or, with flow=out, an expense kind",
    "amount": "kroner per payout",
    "day": "monthly on this day (omit for the benefit's own rule)",
    "every_days": "every N days from `first` (AAP, dagpenger: 14)",
    "first": "date of one payout to count `every_days` from",
    "dates": "irregular payout dates, e.g. 2026-01-05;2026-02-03",
    "shift": "before/after/none: the weekend and holiday rule",
    "name": "tells two streams of one kind apart",
    "month_amounts": "per-month amounts, e.g. 12=26000;2026-06=1000",
    "month_day": "per-month days, e.g. 12=12",
    "late_days": "bank days a payout may come late (omit for the benefit's own figure)",
    "flow": "in (default: paid to the tenant) or out (a bill paid from the account)",
}
#: Our columns of a bank statement CSV (`planner import-statement --columns`): the same map
#: file, table [statement]. Either `amount` (signed) or `in` and `out` is needed.
STATEMENT_COLUMNS: dict[str, str] = {
    "date": "booking date (DD.MM.YYYY, YYYY-MM-DD, DD.MM.YY)",
    "text": "booking text (read to group payouts; never copied out)",
    "amount": "signed amount: positive into the account",
    "in": "amount into the account",
    "out": "amount out of the account (with or without a minus)",
    "balance": "balance after the booking",
    "currency": "currency code (NOK)",
    "counterpart": "payer's or payee's name (read to group payouts; never copied out)",
    "type": "the bank's transaction type (AvtaleGiro, Varekjøp, ...)",
}
#: The landlord's rent ledger (`planner ledger`, planner/ledger/): one row per booking.
LEDGER_COLUMNS: dict[str, str] = {
    "tenancy": "the tenancy (leieforhold) id",
    "date": "booking date; for a charge, the date the rent falls due",
    "kind": "charge, payment, reversal, returned (failed AvtaleGiro), credit (credit note), instalment",
    "amount": "kroner; the sign is ignored (the kind says which way the money goes)",
    "text": "optional free text: recognised so that duplicates are found, never read or copied",
    "reference": "optional voucher number (bilag): tells two equal bookings apart",
    "debit": "Debet: the amount when it raises the balance (a charge), for an export with Debet/Kredit columns",
    "credit": "Kredit: the amount when it lowers the balance (a payment), for an export with Debet/Kredit columns",
}
#: Their usual header names, known without a column map (case and surrounding spaces ignored):
#: the README's own Norwegian headers and what common ledger exports write.
DEFAULT_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "ledger": {
        "tenancy": ("Leieforhold", "Leieforholdnr", "Leieforhold nr", "Leieforholdsnr", "Kontraktnr", "Kontrakt",
                    "Kundenr", "Kundenummer", "Reskontronr", "Reskontro"),
        "date": ("Bokført", "Bokfort", "Dato", "Bokføringsdato", "Bokført dato", "Bilagsdato", "Transaksjonsdato",
                 "Posteringsdato"),
        "kind": ("Type", "Bilagstype", "Transaksjonstype", "Posteringstype", "Bokføringstype"),
        "amount": ("Beløp", "Belop", "Beløp NOK", "Beløp (kr)"),
        "text": ("Tekst", "Beskrivelse", "Forklaring"),
        "reference": ("Bilag", "Bilagsnr", "Bilagsnummer", "Bilagsnr."),
        "debit": ("Debet",),
        "credit": ("Kredit",),
    },
}
ROLES = ("tenants", "payouts")
#: Roles a column map may name: the batch's two tables and the ledger.
MAP_ROLES = ROLES + ("ledger",)
_COLUMNS = {"tenants": TENANT_COLUMNS, "payouts": PAYOUT_COLUMNS, "statement": STATEMENT_COLUMNS,
            "ledger": LEDGER_COLUMNS}
REQUIRED = {"tenants": TENANT_REQUIRED, "payouts": PAYOUT_REQUIRED}



def _setting_cols(*kinds: str) -> set[str]:
    """The lever settings' columns of these kinds (planner.levers.setting.Kind)."""
    return {key for key, s in lever_settings().items() if s.kind in kinds}


INT_COLS = {"months", "adults", "children", "rent_day", "day", "every_days", "late_days"} | _setting_cols("count")
DATE_COLS = {"start", "arrears_since", "first"}
BOOL_COLS = _setting_cols("switch")
LIST_INT_COLS = _setting_cols("days")
LIST_STR_COLS = {"allow", "forbid"} | _setting_cols("streams")
#: columns naming benefits (by id, kind or name: "AAP; Uføretrygd")
BENEFIT_LIST_COLS = _setting_cols("streams")
LIST_DATE_COLS = {"dates"}
MAP_COLS = {"month_amounts": False, "month_day": True}  # value is an int day?
TRUE_WORDS = {"ja", "j", "yes", "y", "true", "sann", "1", "x"}
FALSE_WORDS = {"nei", "n", "no", "false", "usann", "0"}
_DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$", re.ASCII)  # ASCII digits only, as everywhere
_ISO_DT = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]00:00(?::00)?$", re.ASCII)
LIST_SPLIT = re.compile(r"[;,\s]+")


@dataclass(frozen=True, order=True)
class RowError:
    """One problem with one row (or a whole file when `row` is None)."""

    file: str
    row: int | None
    column: str
    value: str
    reason: str
    household: str | None = None  # the household this row belongs to, if known
    #: the reason in Norwegian where the problem has one (`planner.io.messages`): for the Excel
    #: twin errors-excel.csv that a caseworker reads; errors.csv keeps the English `reason`
    reason_nb: str = ""

    def to_csv(self) -> list[str]:
        return [self.file, "" if self.row is None else str(self.row), self.column, self.value, self.reason,
                self.household or ""]


ERROR_HEADER = ["file", "row", "column", "value", "reason", "household"]


# --------------------------------------------------------------------------- column map


@dataclass(frozen=True)
class ColumnMap:
    """Their column and sheet names -> ours, from a TOML file:

    [tenants]            # ours = "theirs"
    id = "Leieforhold"
    [payouts]
    household = "Leieforhold"
    [sheets]
    tenants = "Leietakere"
    [csv]
    separator = ";"      # default: guessed from the header line
    encoding = "cp1252"  # default: utf-8 (a BOM is skipped)
    """

    tenants: dict[str, str] = field(default_factory=dict)  # ours -> theirs
    payouts: dict[str, str] = field(default_factory=dict)
    sheets: dict[str, str] = field(default_factory=dict)
    separator: str | None = None
    encoding: str | None = None
    statement: dict[str, str] = field(default_factory=dict)  # bank statement CSV columns
    ledger: dict[str, str] = field(default_factory=dict)  # `planner ledger`: ours -> theirs
    #: `planner ledger`: their booking kinds -> ours ([kinds] charge = ["Husleie", "Leie"])
    kinds: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: `planner import-statement --preset`: the bank preset to use whatever the header says
    preset: str | None = None

    @classmethod
    def load(cls, path: str | Path | None) -> ColumnMap:
        if path is None:
            return cls()
        name = str(path)
        from ..household import ParseError, load_toml

        try:
            raw = load_toml(Path(path).read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            raise InputError([file_problem(name, "column map not found")]) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError([file_problem(name, f"column map cannot be read: {exc}")]) from None
        except ParseError as exc:
            where = f" (line {exc.line})" if exc.line else ""
            raise InputError([file_problem(name, f"column map {exc}{where}".replace("column map is not a household file",
                                                                          "column map is not usable"))]) from None
        problems = []
        allowed = {"tenants", "payouts", "sheets", "csv", "statement", "ledger", "kinds"}
        for key in raw:
            if key not in allowed:
                problems.append(file_problem(name, f"unknown table [{key}]; allowed: {', '.join(sorted(allowed))}"))
        maps: dict[str, dict[str, str]] = {}
        for role in (*MAP_ROLES, "statement"):
            table = raw.get(role, {})
            if not isinstance(table, dict):
                problems.append(file_problem(name, f"[{role}] must be a table of ours = \"theirs\""))
                continue
            for ours, theirs in table.items():
                if ours not in _COLUMNS[role]:
                    problems.append(file_problem(name, f"[{role}] {ours}: not one of our columns; allowed: "
                                           + ", ".join(_COLUMNS[role])))
                elif not isinstance(theirs, str) or not theirs.strip():
                    problems.append(file_problem(name, f"[{role}] {ours}: give their column name as text"))
            maps[role] = {k: v.strip() for k, v in table.items() if isinstance(v, str)}
        sheets = raw.get("sheets", {})
        for role, sheet in sheets.items() if isinstance(sheets, dict) else ():
            if role not in MAP_ROLES or not isinstance(sheet, str):
                problems.append(file_problem(name, f"[sheets] {role}: use tenants = \"Their sheet\" or payouts = \"...\""
                                       " (or ledger = \"...\")"))
        csv_opts = raw.get("csv", {})
        sep = csv_opts.get("separator") if isinstance(csv_opts, dict) else None
        if sep is not None and (not isinstance(sep, str) or len(sep) != 1):
            problems.append(file_problem(name, "[csv] separator must be one character, such as \";\""))
        enc = csv_opts.get("encoding") if isinstance(csv_opts, dict) else None
        if enc is not None:
            try:
                "".encode(str(enc))
            except LookupError:
                problems.append(file_problem(name, f"[csv] encoding {enc!r} is not known"))
        kinds = _kinds_table(raw.get("kinds", {}), name, problems)
        if problems:
            raise InputError(problems)
        return cls(maps.get("tenants", {}), maps.get("payouts", {}),
                   {k: v for k, v in (sheets or {}).items() if isinstance(v, str)}, sep, enc,
                   maps.get("statement", {}), maps.get("ledger", {}), kinds)

    def rename(self, role: str, headers: list[str]) -> tuple[dict[str, str], list[str]]:
        """(ours -> their header as in the file, headers not used). Matching ignores case and
        surrounding spaces; a mapped name beats our own name appearing in the file."""
        by_norm: dict[str, str] = {}
        for h in headers:
            by_norm.setdefault(norm_name(h), h)
        out: dict[str, str] = {}
        mapping = {"tenants": self.tenants, "payouts": self.payouts, "ledger": self.ledger,
                   "statement": self.statement}[role]
        for ours in _COLUMNS[role]:
            theirs = mapping.get(ours)
            for cand in ([theirs] if theirs else []) + [ours, *DEFAULT_NAMES.get(role, {}).get(ours, ())]:
                if norm_name(cand) in by_norm:
                    out[ours] = by_norm[norm_name(cand)]
                    break
        used = set(out.values())
        return out, [h for h in headers if h not in used]

    def sheet(self, role: str) -> str:
        return self.sheets.get(role, role)

    def fingerprint(self) -> str:
        return json.dumps([self.tenants, self.payouts, self.sheets, self.separator, self.encoding]
                          + ([self.statement] if self.statement else [])
                          + ([self.ledger, self.kinds] if self.ledger or self.kinds else []), sort_keys=True)


#: Our ledger booking kinds (planner/ledger/cells.py holds their usual Norwegian words).
LEDGER_KINDS = ("charge", "payment", "reversal", "returned", "credit", "instalment")


def _kinds_table(table: object, name: str, problems: list) -> dict[str, tuple[str, ...]]:
    """[kinds] ours = "theirs" or ["theirs", ...]: the ledger's own words for our booking kinds."""
    if not isinstance(table, dict):
        problems.append(file_problem(name, "[kinds] must be a table of ours = \"theirs\" or [\"theirs\", ...]"))
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for ours, theirs in table.items():
        words = [theirs] if isinstance(theirs, str) else theirs
        if ours not in LEDGER_KINDS:
            problems.append(file_problem(name, f"[kinds] {ours}: not one of our kinds; allowed: {', '.join(LEDGER_KINDS)}"))
        elif not isinstance(words, list) or not words or not all(isinstance(w, str) and w.strip() for w in words):
            problems.append(file_problem(name, f"[kinds] {ours}: give their word as text, or a list of words"))
        else:
            out[ours] = tuple(w.strip() for w in words)
    return out


def file_problem(file: str, message: str):
    from ..errors import Problem

    return Problem(file, message)


def norm_name(name: object) -> str:
    return str(name).strip().casefold()

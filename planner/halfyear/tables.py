"""Tables of counts with small-cell suppression, and tables of sums/means shown only for
groups of at least five households.

The rule (README, "Shareable by design"): a count of fewer than `MIN_COUNT` households is
shown as "< 5" (primary suppression). Where a table shows totals, a total and all but one of
its parts would give the suppressed part away by subtraction, so in every sum relation of the
table (a row with its row total, a column with its column total, the total row with the grand
total) the number of hidden values is never exactly one: when it is, the smallest shown part of
that relation is hidden too (complementary suppression), repeated until no relation has a lone
hidden value. A sum, mean or median is shown only when at least five households contribute.

Suppression lives here and nowhere else: the renderers only ever see `Cell`s, whose text is
"< 5" for a hidden value, so no output format can print a hidden number.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MIN_COUNT = 5
HIDDEN = "< 5"
TOTAL = "I alt"


@dataclass(frozen=True)
class Cell:
    value: int | float | None  # None when hidden or not applicable
    text: str
    hidden: bool = False


@dataclass
class Table:
    """Rows of household counts: `rows` = [(label, [count per column])].

    `row_total`: the columns add up, and an "I alt" column is shown (and protected).
    `col_total`: the rows add up, and an "I alt" row is shown (and protected). A table whose
    rows overlap (a household in several rows: income kinds, levers) has no totals."""

    title: str
    row_head: str
    columns: list[str]
    rows: list[tuple[str, list[int]]]
    row_total: bool = False
    col_total: bool = False
    note: str = ""

    def grid(self) -> tuple[list[str], list[tuple[str, list[Cell]]]]:
        """The table as shown: header and rows of cells, totals added, small cells hidden."""
        labels = [r[0] for r in self.rows]
        values = [list(r[1]) for r in self.rows]
        hidden = suppress(values, self.row_total, self.col_total)
        columns = list(self.columns) + ([TOTAL] if self.row_total else [])
        full = _with_margins(values, self.row_total, self.col_total)
        if self.col_total:
            labels.append(TOTAL)
        out = [(lab, [Cell(None, HIDDEN, True) if h else Cell(v, count_text(v)) for v, h in zip(vals, hid)])
               for lab, vals, hid in zip(labels, full, hidden)]
        return columns, out


def count_text(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _with_margins(values: list[list[int]], row_total: bool, col_total: bool) -> list[list[int]]:
    full = [list(r) + ([sum(r)] if row_total else []) for r in values]
    if col_total:
        width = len(full[0]) if full else len(values[0]) if values else 0
        full.append([sum(r[j] for r in full) for j in range(width)])
    return full


def suppress(values: list[list[int]], row_total: bool, col_total: bool, k: int = MIN_COUNT) -> list[list[bool]]:
    """Which cells of the table with its margins are hidden (see the module docstring).

    Returns a grid the shape of the table plus its margins (a total column when `row_total`,
    a total row when `col_total`)."""
    full = _with_margins(values, row_total, col_total)
    hidden = [[v < k for v in r] for r in full]
    if not full or not full[0]:
        return hidden
    n_rows, n_cols = len(full), len(full[0])
    relations: list[tuple[list[tuple[int, int]], tuple[int, int]]] = []
    if row_total:
        for i in range(n_rows):
            relations.append(([(i, j) for j in range(n_cols - 1)], (i, n_cols - 1)))
    if col_total:
        for j in range(n_cols):
            relations.append(([(i, j) for i in range(n_rows - 1)], (n_rows - 1, j)))
    changed = True
    while changed:
        changed = False
        for parts, total in relations:
            members = parts + [total]
            if sum(hidden[i][j] for i, j in members) != 1:
                continue
            shown = [(full[i][j], i, j) for i, j in parts if not hidden[i][j]]
            if shown:
                _, i, j = min(shown)
            else:
                i, j = total  # one part alone: its total equals it
            hidden[i][j] = True
            changed = True
    return hidden


@dataclass
class StatRow:
    """A measure over `n` households: its cells are shown only when n ≥ MIN_COUNT."""

    label: str
    n: int
    values: list[str]  # formatted, one per column after the count
    plot: float | None = None  # the value the chart draws (only when shown)


@dataclass
class StatTable:
    title: str
    columns: list[str]  # after the label and the household count
    rows: list[StatRow] = field(default_factory=list)
    note: str = ""
    show_n: bool = True  # False: `n` only gates the row (a change between two shown counts)

    def grid(self) -> tuple[list[str], list[tuple[str, list[Cell]]]]:
        columns = (["Husholdninger"] if self.show_n else []) + self.columns
        out = []
        for r in self.rows:
            if r.n < MIN_COUNT:
                cells = [Cell(None, HIDDEN if self.show_n else "–", True)] if self.show_n else []
                cells += [Cell(None, "–", True) for _ in r.values]
            else:
                cells = [Cell(r.n, count_text(r.n))] if self.show_n else []
                cells += [Cell(None, v) for v in r.values]
            out.append((r.label, cells))
        return columns, out

    def plotted(self) -> list[tuple[str, float | None]]:
        """(label, value) for the chart: None where the row is hidden."""
        return [(r.label, r.plot if r.n >= MIN_COUNT else None) for r in self.rows]

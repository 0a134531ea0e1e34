"""Tables of counts with small-cell suppression, and tables of sums/means shown only for
groups of at least five households.

The rule (README, "Shareable by design"): a count of fewer than `MIN_COUNT` households is
shown as "< 5" (primary suppression). Where a table shows totals, a total and all but one of
its parts would give the suppressed part away by subtraction, so in every sum relation of the
table (a row with its row total, a column with its column total, the total row with the grand
total) the number of hidden values is never exactly one: when it is, the smallest shown part of
that relation is hidden too (complementary suppression), repeated until no relation has a lone
hidden value. A sum, mean or median is shown only when at least five households contribute.

The two kinds of hidden cell carry different marks, because "< 5" on a cell of 139 households
would be a false statement: a cell under five is `HIDDEN` ("< 5"), a cell hidden only to protect
another is `SECONDARY` (":", Statistics Norway's mark for "not shown for confidentiality"), and a
table holding one gets `SECONDARY_NOTE` as its footnote. Telling the two apart tells a reader
that a ":" cell holds five or more, which a total could combine with the "< 5" bound (a row
"< 5", ":", total 5 gives 0 and 5). So after the relations are closed, every hidden small cell
is checked with those bounds (CP-SAT, exact in integers): while one is pinned to a single value,
one more cell of its relations is hidden.

Suppression lives here and nowhere else: the renderers only ever see `Cell`s, whose text is the
mark for a hidden value, so no output format can print a hidden number.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..formatting import format_int

MIN_COUNT = 5
HIDDEN = "< 5"  # primary suppression: fewer than MIN_COUNT households
SECONDARY = ":"  # complementary suppression: hidden so a total cannot give a small cell away
SECONDARY_NOTE = (f"«{SECONDARY}»: vises ikke, for at en sum ikke skal avsløre et tall under {MIN_COUNT} "
                  f"(tallet selv er {MIN_COUNT} eller mer).")
TOTAL = "I alt"

Relation = tuple[list[tuple[int, int]], tuple[int, int]]  # (the parts, their total), as grid positions


@dataclass(frozen=True)
class Cell:
    value: int | float | None  # None when hidden or not applicable
    text: str
    hidden: bool = False
    secondary: bool = False  # hidden only to protect another cell: its text is SECONDARY, never "< 5"


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
        out = [(lab, [_cell(v, h) for v, h in zip(vals, hid)]) for lab, vals, hid in zip(labels, full, hidden)]
        return columns, out


def _cell(value: int, hidden: bool) -> Cell:
    """A shown count, or a hidden one marked by why it is hidden (never "< 5" on a large count)."""
    if not hidden:
        return Cell(value, count_text(value))
    if value < MIN_COUNT:
        return Cell(None, HIDDEN, True)
    return Cell(None, SECONDARY, True, secondary=True)


def footnotes(rows: list[tuple[str, list[Cell]]]) -> list[str]:
    """The footnotes a table's shown grid needs: the secondary mark's meaning when it is used
    (the primary mark "< 5" says what it means, and the report's rule repeats it)."""
    return [SECONDARY_NOTE] if any(c.secondary for _, cells in rows for c in cells) else []


def count_text(n: int) -> str:
    return format_int(n)


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
    relations = _relations(len(full), len(full[0]), row_total, col_total)
    while True:
        _close(full, hidden, relations)
        pinned = _pinned_small_cell(full, hidden, relations, k)
        if pinned is None or not _hide_one_more(full, hidden, relations, pinned):
            return hidden


def _relations(n_rows: int, n_cols: int, row_total: bool, col_total: bool) -> list[Relation]:
    """Every sum relation the shown table holds: each row with its row total, each column
    with its column total (the total row and total column included)."""
    relations: list[Relation] = []
    if row_total:
        for i in range(n_rows):
            relations.append(([(i, j) for j in range(n_cols - 1)], (i, n_cols - 1)))
    if col_total:
        for j in range(n_cols):
            relations.append(([(i, j) for i in range(n_rows - 1)], (n_rows - 1, j)))
    return relations


def _close(full: list[list[int]], hidden: list[list[bool]], relations: list[Relation]) -> None:
    """Hide the smallest shown part of every relation with exactly one hidden value, until none
    has one (a lone hidden value is its total less the shown parts)."""
    changed = True
    while changed:
        changed = False
        for parts, total in relations:
            if sum(hidden[i][j] for i, j in parts + [total]) != 1:
                continue
            shown = [(full[i][j], i, j) for i, j in parts if not hidden[i][j]]
            if shown:
                _, i, j = min(shown)
            else:
                i, j = total  # one part alone: its total equals it
            hidden[i][j] = True
            changed = True


def _pinned_small_cell(full: list[list[int]], hidden: list[list[bool]], relations: list[Relation],
                       k: int) -> tuple[int, int] | None:
    """The first hidden cell under `k` whose value a reader can work out, or None.

    The reader's knowledge: the shown values, every relation, a "< 5" cell in 0..k-1 and a ":"
    cell at least k. Each small hidden cell is minimised and maximised in integers (CP-SAT, one
    worker: the optimum is unique, so the answer is deterministic); equal bounds pin it."""
    cells = sorted({c for parts, total in relations for c in parts + [total] if hidden[c[0]][c[1]]})
    small = [c for c in cells if full[c[0]][c[1]] < k]
    if not small:
        return None
    from ortools.sat.python import cp_model

    top = max(k, sum(max(r) for r in full))  # no cell exceeds it: a safe upper bound for ":"
    model = cp_model.CpModel()
    var = {c: model.new_int_var(0, k - 1, f"c{c[0]}_{c[1]}") if full[c[0]][c[1]] < k
           else model.new_int_var(k, top, f"c{c[0]}_{c[1]}") for c in cells}

    def term(c: tuple[int, int]):
        return var[c] if c in var else full[c[0]][c[1]]

    for parts, total in relations:
        model.add(sum(term(c) for c in parts) == term(total))
    for c in small:
        bounds = []
        for sense in (model.minimize, model.maximize):
            sense(var[c])
            solver = cp_model.CpSolver()
            solver.parameters.num_workers = 1
            solver.parameters.max_time_in_seconds = 10.0
            if solver.solve(model) != cp_model.OPTIMAL:
                return c  # not proven safe: treat as pinned, and hide more
            bounds.append(solver.objective_value)
        if bounds[0] == bounds[1]:
            return c
    return None


def _hide_one_more(full: list[list[int]], hidden: list[list[bool]], relations: list[Relation],
                   pinned: tuple[int, int]) -> bool:
    """Hide the smallest shown value of a relation holding `pinned` (else of any relation with
    a hidden value), so the pinned cell gains a free partner. False when nothing is left."""
    near = [r for r in relations if pinned in r[0] or pinned == r[1]]
    for group in (near, [r for r in relations if any(hidden[i][j] for i, j in r[0] + [r[1]])]):
        shown = sorted({(full[i][j], i, j) for parts, total in group for i, j in parts + [total] if not hidden[i][j]})
        if shown:
            _, i, j = shown[0]
            hidden[i][j] = True
            return True
    return False


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

"""What to change in one worksheet part (``SheetEdit`` and the writes it holds), and what a
rewrite reports back (``RewriteResult``, and the ``RowTally`` kept while rows are written).

The other ``io`` modules fill a ``SheetEdit``; ``io.sheet_rewrite.SheetRewriter`` carries it out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(slots=True)
class CellWrite:
    """A value to write into one cell, and what its number format must show."""

    value: object
    kind: str
    only_if_empty: bool = False  # a header the sheet already has stays as the user typed it
    style: int | None = None  # style for a cell that did not exist before


@dataclass(slots=True)
class BulkWrites:
    """Values of many rows for a fixed set of columns (the Milestones results), kept as the
    caller's dicts rather than one ``CellWrite`` per cell: 100,000 rows are 2 million cells.

    ``columns`` lists (field name, column, the Kind its numbers need); a field missing from a
    row's dict leaves that cell alone, and None clears its value.
    """

    columns: list[tuple[str, int, str]]
    rows: Mapping[int, Mapping[str, object]]


@dataclass(slots=True)
class TableRows:
    """The rows of an output table (Payment Schedule, Validation), written wholesale from
    ``first_row`` down: ``rows[i]`` holds the values of ``cols`` in order, ``numbers`` the
    Kind the numbers of each column need. Kept as the caller's tuples, not one ``CellWrite``
    per cell; a row that also holds other cells gets its ``CellWrite``s made when reached.
    """

    first_row: int
    cols: list[int]
    numbers: list[str]
    rows: Sequence[Sequence[object]]

    def row(self, num: int) -> Sequence[object] | None:
        i = num - self.first_row
        return self.rows[i] if 0 <= i < len(self.rows) else None


@dataclass(slots=True)
class Zone:
    """Cells of ``cols`` to clear from ``first_row`` down, unless written.

    The zone runs at least through ``min_last_row`` (the end of the Excel table), then on while
    rows hold a value in one of its columns: the first empty row ends it, so a note the user
    typed further down, after a gap, is kept. With ``shown``, its rows lose ``hidden``: they
    hold new rows, which the filter or the hand that hid the old ones never saw; and they are
    all the refresh's, so a row it clears loses the height an earlier refresh gave its text.
    With ``keep_styles``, a cleared cell keeps its style (a Dashboard block's frame, which the
    template draws further down than the rows a block fills).
    """

    cols: frozenset[int]
    first_row: int
    min_last_row: int
    ended: bool = False
    shown: bool = False
    keep_styles: bool = False


@dataclass(slots=True)
class SheetEdit:
    """Everything to change in one worksheet part."""

    writes: dict[int, dict[int, CellWrite]] = field(default_factory=dict)
    zones: list[Zone] = field(default_factory=list)
    header_row: int = 0  # rows below it are data rows, whose styles new cells copy
    style_row: int | None = None  # a row whose cell styles new cells copy first (appending)
    # Internal hyperlinks: cell address -> location (``'Milestones'!F7``); ``link_area`` is the
    # (columns, first row) whose old hyperlinks go.
    links: dict[str, str] = field(default_factory=dict)
    link_area: tuple[frozenset[int], int] | None = None
    bulk: BulkWrites | None = None
    table: TableRows | None = None


@dataclass(slots=True)
class RewriteResult:
    chunks: list[bytes]
    had_formula: bool  # a formula cell was overwritten or removed
    rows_with_cells: int


class RowTally:
    """What the rows written so far add up to: how many hold cells, the rows and columns they
    span (the sheet's new dimension), and whether a formula was overwritten or removed."""

    __slots__ = ("had_formula", "max_col", "max_row", "min_col", "min_row", "rows")

    def __init__(self) -> None:
        self.had_formula = False
        self.rows = 0
        self.min_row = self.min_col = 1 << 30
        self.max_row = self.max_col = 0

    def note_row(self, num: int, cols: tuple[int, int] | None) -> None:
        self.rows += 1
        self.min_row = min(self.min_row, num)
        self.max_row = max(self.max_row, num)
        if cols is not None:
            self.min_col = min(self.min_col, cols[0])
            self.max_col = max(self.max_col, cols[1])

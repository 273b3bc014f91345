"""The book-adapter interface: what a refresh reads from a workbook and what it writes back.

One interface, three implementations: the file adapter the command line uses (``io``), the live
Excel adapter the ribbon macros use (``excel``), and an in-memory one for tests
(``tests/memorybook.py``). ``app.evaluate`` and ``actions`` are written once against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from xl_milestones.core.model import RawWorkbook
from xl_milestones.core.schema import Block, Sheet

# The most characters an Excel cell holds; every adapter cuts longer text written to a cell.
EXCEL_MAX_TEXT = 32767
# The rows and columns of Excel's grid: no cell lies past row 1,048,576 or column XFD.
EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384


@dataclass(slots=True)
class TableWrite:
    """Rows for an output sheet (Payment Schedule, Validation, Refresh Log).

    ``rows`` hold one value per field of ``sheet`` in field order: str, int, Decimal, date,
    bool or None. ``append`` keeps the rows already there (the Refresh Log); otherwise the
    sheet's rows are replaced. ``links`` maps a row index to the internal cell reference the
    row's Cell column links to (``'Milestones'!F7``), for the Validation sheet.
    """

    sheet: Sheet
    rows: list[tuple[object, ...]]
    append: bool = False
    links: dict[int, str] = field(default_factory=dict)


@dataclass(slots=True)
class BlockWrite:
    """Rows for one Dashboard block, replacing what the block held."""

    block: Block
    rows: list[tuple[object, ...]]


@dataclass(slots=True)
class BookUpdate:
    """Everything one refresh writes.

    ``results`` maps a Milestones worksheet row number to its result values by field name; a
    result column the sheet lacks is added after its last column. ``dashboard_header`` is the
    text of the Dashboard's as-of row. ``money_places`` gives the rows whose amounts are in a
    currency with other minor units than 2 (0 for JPY, 3 for KWD): their money cells get that
    many decimals (``numformats.money_number_format``); every other amount shows two.
    """

    results: dict[int, dict[str, object]]
    tables: list[TableWrite] = field(default_factory=list)
    blocks: list[BlockWrite] = field(default_factory=list)
    dashboard_header: str = ""
    money_places: dict[int, int] = field(default_factory=dict)


class Book(Protocol):
    """A workbook a refresh reads from and writes to."""

    @property
    def name(self) -> str: ...

    def read(self) -> RawWorkbook: ...

    def write(self, update: BookUpdate) -> None: ...
